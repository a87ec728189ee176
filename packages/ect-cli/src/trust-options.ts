import type { OptionSpec } from "./command-spec.js";

/** The options that say which keys are trusted for which issuers (verify, ledger append/audit). */
export const TRUST_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  jwks: {
    type: "string",
    value: "FILE",
    multiple: true,
    description:
      "public JWK Set of the trusted keys (as 'ect keygen' prints it); repeat to merge several sets",
  },
  "iss-key": {
    type: "string",
    value: "ISS=KID",
    multiple: true,
    description: "trust the key KID of the JWK Set for issuer ISS only; repeat per key (SPEC 5.5)",
  },
  iss: {
    type: "string",
    value: "ISS",
    multiple: true,
    description: "trust every key of the JWK Set for issuer ISS (for a set that is one issuer's keys)",
  },
  alg: {
    type: "string",
    value: "ALG",
    multiple: true,
    description: "accepted algorithms (default: those of the bound keys; none and HS* are never accepted)",
  },
};

/** The help section on key binding. */
export const KEY_BINDING_SECTION = {
  title: "Key binding",
  text:
    "A key verifies only tokens of the issuer it is bound to (SPEC 5.5): otherwise whoever holds any key of the set " +
    "could sign as any issuer. There is no default: give --iss-key ISS=KID for each key (the kid is what follows " +
    "the last '='), or --iss ISS when the whole JWK Set belongs to one issuer. Without either the command refuses to run.",
};
