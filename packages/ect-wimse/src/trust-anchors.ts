import { EctError, EctErrorCodes } from "ect-core";
import { algorithmProfile } from "ect-crypto";
import type { JWK } from "jose";

/**
 * The keys a verifier trusts to sign WITs, per trust domain (profile §9.1): the authority of the
 * WIT's `sub` (`wimse://example.com/...` → `example.com`) picks the domain, then the WIT's `kid`
 * picks the key. Keys are public JWKs (EC P-256/P-384/P-521 or OKP Ed25519); each needs a `kid`
 * unless it is its domain's only key; an `alg`, when present, must be the WIT's `alg`.
 *
 * @example
 * ```ts
 * const trustAnchors = { "example.com": [{ kty: "EC", crv: "P-256", kid: "June 5", x, y }] };
 * ```
 */
export type TrustAnchors = Readonly<Record<string, readonly JWK[]>>;

/** Trust anchors checked once: domain → kid (or "" for the only key without one) → key. */
export type CheckedTrustAnchors = ReadonlyMap<string, ReadonlyMap<string, JWK>>;

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];
const checked = new WeakMap<object, CheckedTrustAnchors>();

function configError(message: string): EctError {
  return new EctError(EctErrorCodes.CONFIG_INVALID, message, { member: "trustAnchors" });
}

/**
 * Validates trust anchors (a configuration error throws, never a token refusal) and indexes them.
 * The result is cached per object: treat trust anchors as immutable.
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID`
 */
export function checkTrustAnchors(trustAnchors: TrustAnchors): CheckedTrustAnchors {
  if (trustAnchors === null || typeof trustAnchors !== "object" || Array.isArray(trustAnchors)) {
    throw configError("trustAnchors must be an object mapping trust domains to arrays of public JWKs");
  }
  const cached = checked.get(trustAnchors);
  if (cached !== undefined) return cached;
  const domains = new Map<string, Map<string, JWK>>();
  for (const [domain, keys] of Object.entries(trustAnchors)) {
    if (domain.length === 0 || /[/?#@\s]/.test(domain)) {
      throw configError(
        `trust domain ${JSON.stringify(domain)} must be a bare authority such as example.com`,
      );
    }
    if (!Array.isArray(keys) || keys.length === 0) {
      throw configError(`trust domain ${JSON.stringify(domain)} needs a non-empty array of public JWKs`);
    }
    const byKid = new Map<string, JWK>();
    for (const key of keys as readonly JWK[]) {
      if (key === null || typeof key !== "object" || Array.isArray(key)) {
        throw configError(`a trust anchor of ${JSON.stringify(domain)} is not a JWK object`);
      }
      if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(key, m))) {
        throw configError(`a trust anchor of ${JSON.stringify(domain)} carries private key material`);
      }
      if (key.alg !== undefined && algorithmProfile(key.alg) === undefined) {
        throw configError(
          `a trust anchor of ${JSON.stringify(domain)} has unsupported alg ${JSON.stringify(key.alg)}`,
        );
      }
      const kid = key.kid ?? "";
      if (typeof kid !== "string") throw configError(`a trust anchor's kid must be a string`);
      if (kid === "" && keys.length > 1) {
        throw configError(`trust domain ${JSON.stringify(domain)} has several keys: each needs a kid`);
      }
      if (byKid.has(kid))
        throw configError(`trust domain ${JSON.stringify(domain)} has kid ${JSON.stringify(kid)} twice`);
      byKid.set(kid, Object.freeze({ ...key }));
    }
    domains.set(domain, byKid);
  }
  checked.set(trustAnchors, domains);
  return domains;
}

/**
 * The trust anchor for a WIT: its `sub`'s trust domain, then its `kid` (a key without `kid` is used
 * only when it is the domain's one key and the WIT names none). `undefined` when nothing matches.
 */
export function selectTrustAnchor(
  anchors: CheckedTrustAnchors,
  trustDomain: string,
  kid: string | undefined,
): JWK | undefined {
  return anchors.get(trustDomain)?.get(kid ?? "");
}
