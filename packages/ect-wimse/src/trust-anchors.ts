import { EctConfigError } from "ect-core";
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

/** The option path of a trust domain, e.g. `trustAnchors["example.com"]` (domains hold dots). */
function domainPath(domain: string): string {
  return `trustAnchors[${JSON.stringify(domain)}]`;
}

/**
 * Validates trust anchors (a configuration error throws, never a token refusal) and indexes them.
 * The result is cached per object: treat trust anchors as immutable.
 *
 * @throws {@link EctConfigError} (a `TypeError`, code `ECT_CONFIG_INVALID`) naming the trust
 *   domain or key, e.g. `trustAnchors["example.com"][1].kid`.
 */
export function checkTrustAnchors(trustAnchors: TrustAnchors): CheckedTrustAnchors {
  if (trustAnchors === null || typeof trustAnchors !== "object" || Array.isArray(trustAnchors)) {
    throw new EctConfigError(
      "trustAnchors",
      "must be an object mapping trust domains to arrays of public JWKs",
      {
        received: trustAnchors,
      },
    );
  }
  const cached = checked.get(trustAnchors);
  if (cached !== undefined) return cached;
  const domains = new Map<string, Map<string, JWK>>();
  for (const [domain, keys] of Object.entries(trustAnchors)) {
    const path = domainPath(domain);
    if (domain.length === 0 || /[/?#@\s]/.test(domain)) {
      throw new EctConfigError(path, "must be named by a bare authority such as example.com");
    }
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new EctConfigError(path, "must be a non-empty array of public JWKs", { received: keys });
    }
    const byKid = new Map<string, JWK>();
    for (const [index, key] of (keys as readonly JWK[]).entries()) {
      const where = `${path}[${index}]`;
      if (key === null || typeof key !== "object" || Array.isArray(key)) {
        throw new EctConfigError(where, "must be a JWK object", { received: key });
      }
      if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(key, m))) {
        throw new EctConfigError(where, "must be a public key: it carries private key material");
      }
      if (key.alg !== undefined && algorithmProfile(key.alg) === undefined) {
        throw new EctConfigError(`${where}.alg`, "must be a supported algorithm", { received: key.alg });
      }
      const kid = key.kid ?? "";
      if (typeof kid !== "string")
        throw new EctConfigError(`${where}.kid`, "must be a string", { received: kid });
      if (kid === "" && keys.length > 1) {
        throw new EctConfigError(`${where}.kid`, "is required when the domain has several keys");
      }
      if (byKid.has(kid))
        throw new EctConfigError(`${where}.kid`, "must be unique in its domain", { received: kid });
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
