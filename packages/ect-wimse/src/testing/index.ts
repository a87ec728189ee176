/**
 * `ect-wimse/testing`: a small identity server for tests, demos and local development. It issues
 * Workload Identity Tokens (draft-ietf-wimse-workload-creds) for generated workload keys and
 * publishes its public key as trust anchors. Not for production: keys live in memory.
 *
 * @packageDocumentation
 */
import { type Clock, type EctAlgorithm, EctConfigError, type EctError } from "ect-core";
import { assertKnownOptions, base64urlEncode } from "ect-core/internal";
import { type EctKeyPair, exportPublicJwk, generateEctKeyPair, importEctKey } from "ect-crypto";
import { CompactSign, type JWK } from "jose";
import type { TrustAnchors } from "../trust-anchors.js";
import { trustDomainOf, WIT_TYP } from "../wit.js";

/** Options of {@link createIdentityServer}. */
export interface IdentityServerOptions {
  /** The trust domain it issues identities in, e.g. `example.com` (subjects `wimse://example.com/...`). */
  readonly trustDomain: string;
  /** Its signing key as a private JWK (with `kid`); default a fresh ES256 key. */
  readonly privateJwk?: JWK;
  /** The WIT `alg` for a generated key (default `ES256`). */
  readonly alg?: EctAlgorithm;
  /** Milliseconds since the epoch, like `Date.now` (the default): fills `iat` and `exp`. */
  readonly clock?: Clock;
  /** WIT lifetime, seconds (default 3600). */
  readonly lifetimeSec?: number;
}

/** Options of {@link IdentityServer.issueWit}. */
export interface IssueWitOptions {
  /** The workload: a path (`agent-a` → `wimse://<trust domain>/agent-a`) or a full identifier. */
  readonly workload: string;
  /** The workload's key pair (its public half goes into `cnf.jwk`); default a fresh `EdDSA` key. */
  readonly key?: EctKeyPair;
  /** WIT lifetime, seconds (default the server's). */
  readonly lifetimeSec?: number;
  /** Issue time, milliseconds since the epoch (default the server's clock). */
  readonly now?: number;
}

/** A WIT and the key it confirms. */
export interface IssuedWit {
  /** The WIT, compact form (the `Workload-Identity-Token` header value). */
  readonly wit: string;
  /** Its `sub`: the workload identifier. */
  readonly subject: string;
  /**
   * The workload's key pair: it signs WPTs and the workload's ECTs (`createEct` writes its `kid`, the
   * RFC 7638 thumbprint of `cnf.jwk`, which WIT-bound verification accepts, profile §2).
   */
  readonly key: EctKeyPair;
  /** The WIT's `cnf.jwk` (public, with `alg`). */
  readonly jwk: JWK;
}

/** A WIT issuer for tests and local development. */
export interface IdentityServer {
  /** Its trust domain. */
  readonly trustDomain: string;
  /** Its public key (with `kid`). */
  readonly publicJwk: JWK;
  /** `{ [trustDomain]: [publicJwk] }`, for `verifyWit` / `createWorkloadEctVerifier`. */
  readonly trustAnchors: TrustAnchors;
  /** Issues a WIT binding a workload identifier to a key. */
  issueWit(options: IssueWitOptions): Promise<IssuedWit>;
}

/**
 * Creates an in-memory identity server. With the WIMSE drafts' published example key
 * (`testdata/wimse/keys.json`, `identityServerPrivateKey`) it mints WITs the published
 * identity-server key verifies.
 *
 * @example
 * ```ts
 * const server = await createIdentityServer({ trustDomain: "example.com" });
 * const { wit, key, subject } = await server.issueWit({ workload: "agent-a" });
 * ```
 * @throws {@link EctConfigError} (the promise rejects) for an unknown or invalid option;
 *   {@link EctError} `ECT_KEY_INVALID` for a bad key.
 */
export async function createIdentityServer(options: IdentityServerOptions): Promise<IdentityServer> {
  assertKnownOptions(options, ["trustDomain", "privateJwk", "alg", "clock", "lifetimeSec"]);
  const { trustDomain } = options;
  if (typeof trustDomain !== "string" || trustDomainOf(`wimse://${trustDomain}/`) !== trustDomain) {
    throw new EctConfigError("trustDomain", "must be a bare authority such as example.com", {
      received: trustDomain,
    });
  }
  const clock = options.clock ?? Date.now;
  const defaultLifetime = options.lifetimeSec ?? 3600;
  const imported =
    options.privateJwk === undefined
      ? await generateEctKeyPair({ alg: options.alg ?? "ES256" })
      : await importEctKey({ jwk: options.privateJwk });
  if (!("privateKey" in imported)) {
    throw new EctConfigError("privateJwk", "must be a private JWK (with d)");
  }
  const signer: EctKeyPair = imported;
  const { use: _use, ...publicJwk } = await exportPublicJwk(signer);
  const trustAnchors = Object.freeze({ [trustDomain]: Object.freeze([Object.freeze(publicJwk)]) });

  async function issueWit(issue: IssueWitOptions): Promise<IssuedWit> {
    const subject = issue.workload.includes("://")
      ? issue.workload
      : `wimse://${trustDomain}/${issue.workload.replace(/^\/+/, "")}`;
    const key = issue.key ?? (await generateEctKeyPair({ alg: "EdDSA" }));
    const { kid: _kid, use: _u, ...cnfJwk } = await exportPublicJwk(key);
    const iat = Math.floor((issue.now ?? clock()) / 1000);
    const claims = {
      cnf: { jwk: cnfJwk },
      exp: iat + (issue.lifetimeSec ?? defaultLifetime),
      iat,
      jti: base64urlEncode(crypto.getRandomValues(new Uint8Array(12))),
      sub: subject,
    };
    const wit = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: WIT_TYP })
      .sign(signer.privateKey);
    return Object.freeze({ wit, subject, key, jwk: cnfJwk });
  }

  return Object.freeze({ trustDomain, publicJwk, trustAnchors, issueWit });
}
