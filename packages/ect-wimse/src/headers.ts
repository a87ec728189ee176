/** The header field carrying the WIT (draft-ietf-wimse-workload-creds, profile §9). */
export const WORKLOAD_IDENTITY_TOKEN_HEADER = "Workload-Identity-Token";

/** The header field carrying the WPT (draft-ietf-wimse-wpt, profile §9). */
export const WORKLOAD_PROOF_TOKEN_HEADER = "Workload-Proof-Token";
