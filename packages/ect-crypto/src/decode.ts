import { type DecodedEct, type DecodeOptions, decodeEct as decodeEctCore } from "ect-core";

/**
 * Decodes a token **without verifying it** (SPEC 5 steps 1-3 only): length, shape, canonical
 * base64url and strict JSON. Nothing in the result is trustworthy: no signature, claim, time,
 * audience or replay check has run. Use it to inspect a token (logs, tooling, debugging), never to
 * make a decision; use {@link createEctVerifier} or {@link verifyEct} for that.
 *
 * This is `ect-core`'s `decodeEct`, re-exported.
 *
 * @throws {@link EctError} `ECT_TOKEN_TOO_LONG`, `ECT_MALFORMED`, `ECT_BASE64URL_INVALID`,
 *   `ECT_LEVEL_TOO_LOW`, `ECT_JSON_*`, `ECT_FORBIDDEN_MEMBER_NAME`.
 */
export const decodeEct: (token: unknown, options?: DecodeOptions) => DecodedEct = decodeEctCore;

export type { DecodedEct, DecodeOptions };
