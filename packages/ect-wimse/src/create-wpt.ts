import { EctConfigError, sha256Base64url } from "ect-core";
import { assertKnownOptions, base64urlEncode, integerOption } from "ect-core/internal";
import { CompactSign } from "jose";
import { targetUriWithoutQuery } from "./request.js";
import { WPT_TYP } from "./wpt.js";

/** The key a workload signs its WPTs (and ECTs) with: its WIT's `cnf.jwk`, private half. */
export interface WorkloadSigningKey {
  /** The JWS `alg`: the WIT's `cnf.jwk.alg`. */
  readonly alg: string;
  /** The private key. */
  readonly privateKey: CryptoKey;
}

/** Options of {@link createWpt}. */
export interface CreateWptOptions {
  /** The sender's WIT (compact form): `wth` is its hash. */
  readonly wit: string;
  /** The private key of the WIT's `cnf.jwk` and its `alg` (e.g. `ect-crypto`'s `EctKeyPair`). */
  readonly key: WorkloadSigningKey;
  /** The request's target URI; `aud` is it without query and fragment. */
  readonly url: string;
  /**
   * Header fields the WPT covers in `oth`: lower-cased name → the exact value sent (one field line).
   * Cover `execution-context` so the ECT cannot be swapped under the WPT (profile §8, §9.3).
   */
  readonly cover?: Readonly<Record<string, string>>;
  /** The OAuth access token sent as `Authorization: Bearer`, hashed into `ath`. */
  readonly accessToken?: string;
  /** The Txn-Token sent, hashed into `tth`. */
  readonly txnToken?: string;
  /** Milliseconds since the epoch (default `Date.now()`). */
  readonly now?: number;
  /** Seconds until `exp` (default 60: WPT lifetimes "MUST be short"). */
  readonly lifetimeSec?: number;
  /** The `jti` (default 128 random bits, base64url). */
  readonly jti?: string;
}

const CREATE_WPT_OPTIONS: readonly (keyof CreateWptOptions)[] = [
  "wit",
  "key",
  "url",
  "cover",
  "accessToken",
  "txnToken",
  "now",
  "lifetimeSec",
  "jti",
];

/**
 * Creates a Workload Proof Token for one request (draft-ietf-wimse-wpt, profile §9.3): header
 * `{ alg, typ: "wpt+jwt" }`, claims `aud`, `exp`, `jti`, `wth`, and `ath`, `tth`, `oth` when given.
 * Runs in any runtime.
 *
 * @example
 * ```ts
 * const wpt = await createWpt({ wit, key, url: "https://b.example/task", cover: { "execution-context": ect } });
 * ```
 * @throws {@link EctConfigError} (the promise rejects) for an unknown or invalid option.
 */
export async function createWpt(options: CreateWptOptions): Promise<string> {
  assertKnownOptions(options, CREATE_WPT_OPTIONS);
  const { wit, key, url, cover = {} } = options;
  if (typeof wit !== "string")
    throw new EctConfigError("wit", "must be the WIT (a string)", { received: wit });
  if (typeof url !== "string") throw new EctConfigError("url", "must be the request URL", { received: url });
  if (typeof key?.alg !== "string") throw new EctConfigError("key", "must be { alg, privateKey }");
  const lifetime = integerOption(options.lifetimeSec, 60, "lifetimeSec", 1);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {
    aud: targetUriWithoutQuery(url),
    exp: now + lifetime,
    jti: options.jti ?? base64urlEncode(crypto.getRandomValues(new Uint8Array(16))),
    wth: await sha256Base64url(wit),
  };
  if (options.accessToken !== undefined) claims["ath"] = await sha256Base64url(options.accessToken);
  if (options.txnToken !== undefined) claims["tth"] = await sha256Base64url(options.txnToken);
  const names = Object.keys(cover);
  if (names.length > 0) {
    const oth: Record<string, string> = {};
    for (const name of names) {
      if (name !== name.toLowerCase()) {
        throw new EctConfigError(
          `cover[${JSON.stringify(name)}]`,
          "must be named by a lower-case header name",
        );
      }
      oth[name] = await sha256Base64url(cover[name]!.trim());
    }
    claims["oth"] = oth;
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: key.alg, typ: WPT_TYP })
    .sign(key.privateKey);
}

/**
 * A WPT factory for one workload: `(request) => createWpt({ wit, key, ...request })`, the shape
 * `ect-http`'s `withWorkloadIdentity` / `workloadIdentityHeaders` take as `proof`.
 *
 * @example
 * ```ts
 * const init = await withWorkloadIdentity(url, { method: "POST", body }, ect, {
 *   wit, proof: createWptFactory({ wit, key }),
 * });
 * ```
 */
export function createWptFactory(
  workload: Pick<CreateWptOptions, "wit" | "key" | "accessToken" | "txnToken" | "lifetimeSec">,
): (request: { readonly url: string; readonly cover?: Readonly<Record<string, string>> }) => Promise<string> {
  // Only the members it takes: a wider object (e.g. an issued WIT with its subject) is fine here.
  const { wit, key, accessToken, txnToken, lifetimeSec } = workload;
  const taken = {
    wit,
    key,
    ...(accessToken === undefined ? {} : { accessToken }),
    ...(txnToken === undefined ? {} : { txnToken }),
    ...(lifetimeSec === undefined ? {} : { lifetimeSec }),
  };
  return (request) =>
    createWpt({
      ...taken,
      url: request.url,
      ...(request.cover === undefined ? {} : { cover: request.cover }),
    });
}
