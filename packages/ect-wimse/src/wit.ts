import { type EctConfigError, EctError, EctErrorCodes, type JsonObject } from "ect-core";
import { assertKnownOptions, Defaults, integerOption } from "ect-core/internal";
import { algorithmProfile, type ConfirmationKey, keyCurve } from "ect-crypto";
import type { JWK } from "jose";
import { decodeJwt, isSafeSeconds, nowSeconds, own, signatureVerifies } from "./jwt-envelope.js";
import { checkTrustAnchors, selectTrustAnchor, type TrustAnchors } from "./trust-anchors.js";

/** The `typ` of a Workload Identity Token (draft-ietf-wimse-workload-creds). */
export const WIT_TYP = "wit+jwt";

/** Options of {@link verifyWit}. */
export interface VerifyWitOptions {
  /** The keys trusted to sign WITs, per trust domain (profile §9.1). */
  readonly trustAnchors: TrustAnchors;
  /**
   * The time to check `exp` against, milliseconds since the epoch, or a clock returning it
   * (default `Date.now`). An audit passes the entry's `ingestedAt` (profile §9.4).
   */
  readonly now?: number | (() => number);
  /** Clock skew for `exp`, seconds (profile §4, default 30). */
  readonly clockSkewSec?: number;
  /** Longest accepted WIT in characters (default 16384). */
  readonly maxTokenLength?: number;
}

/** The JOSE header of a verified WIT. */
export interface WitHeader {
  /** The asymmetric algorithm the trust anchor signed with. */
  readonly alg: string;
  /** `wit+jwt`. */
  readonly typ: string;
  /** The trust anchor's key id within the trust domain, if any. */
  readonly kid?: string;
}

/** A WIT that passed {@link verifyWit}. */
export interface VerifiedWit {
  /** The WIT exactly as received. */
  readonly token: string;
  /** Its header (`alg`, `typ`, `kid`). */
  readonly header: WitHeader;
  /** Its claims, as decoded (`sub`, `exp`, `cnf`, and whatever else it carries). */
  readonly claims: JsonObject;
  /** The workload identifier: the WIT's `sub`. */
  readonly subject: string;
  /** The trust domain of `sub` whose anchor signed it. */
  readonly trustDomain: string;
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  /** The WIT's `cnf.jwk` bound to its `sub`, for the WPT and the WIT-bound ECT (profile §9.2, §9.3). */
  readonly confirmationKey: ConfirmationKey;
}

// A workload identifier is a URI with an authority: its trust domain (wimse://, spiffe://, https://).
const WORKLOAD_ID = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#@\s]+)(?:[/?#][^\s]*)?$/;

/**
 * The trust domain of a workload identifier: the authority of the URI (`wimse://example.com/a` →
 * `example.com`, `spiffe://example.org/ns/x` → `example.org`), or `undefined` when it has none.
 */
export function trustDomainOf(workloadId: string): string | undefined {
  return WORKLOAD_ID.exec(workloadId)?.[1];
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

function witInvalid(message: string, member: string): EctError {
  return new EctError(EctErrorCodes.WIT_INVALID, message, { member });
}

const VERIFY_WIT_OPTIONS: readonly (keyof VerifyWitOptions)[] = [
  "trustAnchors",
  "now",
  "clockSkewSec",
  "maxTokenLength",
];

function cnfInvalid(message: string): EctError {
  return new EctError(EctErrorCodes.WIT_CNF_INVALID, message, { member: "cnf.jwk" });
}

/** profile §9.1: `cnf.jwk` present, public, with a supported `alg` that fits its curve. */
function confirmationJwk(cnf: unknown): JWK & { readonly alg: string } {
  if (cnf === null || typeof cnf !== "object" || Array.isArray(cnf))
    throw cnfInvalid("the WIT has no cnf object");
  const jwk = own(cnf as JsonObject, "jwk");
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk))
    throw cnfInvalid("the WIT's cnf has no jwk");
  const key = jwk as JsonObject;
  const priv = PRIVATE_MEMBERS.find((m) => Object.hasOwn(key, m));
  if (priv !== undefined) {
    throw cnfInvalid(`the WIT's cnf.jwk carries the private member ${JSON.stringify(priv)}`);
  }
  const alg = own(key, "alg");
  const profile = typeof alg === "string" ? algorithmProfile(alg) : undefined;
  if (profile === undefined) throw cnfInvalid("the WIT's cnf.jwk has no supported asymmetric alg");
  // The one answer to "which curve is this key" (ect-crypto's keyCurve): kty and crv together.
  if (keyCurve({ kty: own(key, "kty"), crv: own(key, "crv") } as JWK) !== profile.curve) {
    const described = `${String(own(key, "kty"))} ${String(own(key, "crv"))}`;
    throw cnfInvalid(`the WIT's cnf.jwk (${described}) cannot be used with ${String(alg)}`);
  }
  return Object.freeze({ ...(key as JWK) }) as JWK & { readonly alg: string };
}

/**
 * Verifies a Workload Identity Token (profile §9.1, draft-ietf-wimse-workload-creds), in this order:
 *
 * 1. strict envelope (as ECTs, profile §5.1-5.3), `typ` `wit+jwt`, an asymmetric `alg`, header
 *    members `alg`/`typ`/`kid` only (`ECT_WIT_INVALID`);
 * 2. `sub` a workload identifier whose trust domain has a trust anchor with the WIT's `kid`
 *    (`ECT_WIT_INVALID`, `ECT_WIT_UNTRUSTED`): the key comes from the caller's trust anchors,
 *    never from `iss`, `jku` or anything else in the token;
 * 3. the signature (`ECT_WIT_SIGNATURE_INVALID`);
 * 4. `exp` an integer (`ECT_WIT_INVALID`), `cnf.jwk` public with a usable `alg` (`ECT_WIT_CNF_INVALID`);
 * 5. `exp + skew > now` (`ECT_WIT_EXPIRED`).
 *
 * Runs in any runtime (no `node:` imports).
 *
 * @example
 * ```ts
 * const wit = await verifyWit(token, { trustAnchors: { "example.com": [identityServerKey] } });
 * wit.subject; // "wimse://example.com/specific-workload"
 * ```
 * @throws {@link EctError} with one of the codes above; {@link EctConfigError} (the promise
 *   rejects, never a refusal) for an unknown or invalid option or trust anchor.
 */
export async function verifyWit(wit: string, options: VerifyWitOptions): Promise<VerifiedWit> {
  assertKnownOptions(options, VERIFY_WIT_OPTIONS);
  const anchors = checkTrustAnchors(options.trustAnchors);
  const skew = integerOption(options.clockSkewSec, Defaults.CLOCK_SKEW_SEC, "clockSkewSec");
  const maxTokenLength = integerOption(
    options.maxTokenLength,
    Defaults.MAX_TOKEN_LENGTH,
    "maxTokenLength",
    1,
  );
  const now = nowSeconds(options.now);
  const decoded = decodeJwt(wit, { typ: WIT_TYP, invalid: EctErrorCodes.WIT_INVALID, maxTokenLength });
  const { header, claims } = decoded;

  const sub = own(claims, "sub");
  if (typeof sub !== "string" || sub.length === 0)
    throw witInvalid("the WIT's sub must be a non-empty string", "sub");
  const trustDomain = trustDomainOf(sub);
  if (trustDomain === undefined) {
    throw witInvalid("the WIT's sub is not a workload identifier URI with a trust domain", "sub");
  }
  const anchor = selectTrustAnchor(anchors, trustDomain, header.kid);
  if (anchor === undefined) {
    throw new EctError(
      EctErrorCodes.WIT_UNTRUSTED,
      `no trust anchor of trust domain ${JSON.stringify(trustDomain)} has kid ${JSON.stringify(header.kid ?? null)}`,
      { member: "kid" },
    );
  }
  if (anchor.alg !== undefined && anchor.alg !== header.alg) {
    throw new EctError(EctErrorCodes.WIT_SIGNATURE_INVALID, "the WIT's alg is not its trust anchor's alg", {
      member: "alg",
    });
  }
  const valid = await signatureVerifies(decoded, anchor);
  if (!valid) {
    throw new EctError(EctErrorCodes.WIT_SIGNATURE_INVALID, "the WIT's signature does not verify", {
      member: "signature",
    });
  }

  const exp = own(claims, "exp");
  if (!isSafeSeconds(exp)) throw witInvalid("the WIT's exp must be integer seconds", "exp");
  const jwk = confirmationJwk(own(claims, "cnf"));
  if (!(exp + skew > now)) {
    throw new EctError(EctErrorCodes.WIT_EXPIRED, "the WIT expired (exp + skew <= now)", { member: "exp" });
  }
  return Object.freeze({
    token: wit,
    header,
    claims: claims as JsonObject,
    subject: sub,
    trustDomain,
    expiresAt: exp,
    confirmationKey: Object.freeze({ jwk, subject: sub, credential: wit }),
  });
}
