import { existsSync } from "node:fs";
import { type EctAlgorithm, isEctError, type JsonValue } from "ect-core";
import type { EctKeyResolver, EctPublicKey, StaticKeyEntry } from "ect-crypto";
import type { JWK } from "jose";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-context.js";
import type { OptionSpec, ParsedCommand } from "./command-spec.js";
import { parseJsonInput, readSmallFile, resolvePath, utf8Text } from "./input-files.js";
import { parseAlgorithm } from "./key-files.js";
import { displayText } from "./terminal-text.js";

/**
 * The options that say which keys are trusted for which issuer (verify, ledger append, ledger
 * audit, and any command that checks signatures). A key is bound to the issuer the user named for
 * the file that holds it, and to nothing else (profile §5.5).
 */
export const TRUST_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  trust: {
    type: "string",
    value: "ISS=FILE",
    multiple: true,
    description:
      "trust the public keys in FILE (a JWK Set as 'ect keygen' prints it, one public JWK, or a PEM public key) " +
      "for the issuer ISS only; repeat for each issuer",
  },
  alg: {
    type: "string",
    value: "ALG",
    multiple: true,
    description: "accepted algorithms (default: those of the trusted keys; none and HS* are never accepted)",
  },
};

/** {@link TRUST_OPTIONS} with `--trust` required (commands that cannot run without keys). */
export const REQUIRED_TRUST_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...TRUST_OPTIONS,
  trust: { ...TRUST_OPTIONS["trust"]!, required: true },
};

/** The help section on key binding, shared by every trust-taking command. */
export const KEY_BINDING_SECTION = {
  title: "Trusted keys",
  text:
    "--trust ISS=FILE binds every key in FILE to the issuer ISS: such a key verifies tokens whose iss is ISS and " +
    "no other (profile §5.5), so one issuer's key can never sign as another. Give one --trust per issuer. " +
    "The command refuses (exit 2) any binding that is ambiguous: the same key in the files of two issuers, two " +
    "different keys with the same kid for one issuer, or an ISS=FILE that splits at more than one '=' into an " +
    "existing file. A kid is only a lookup key: keys without one are found by their RFC 7638 thumbprint " +
    "(what 'ect create' puts in the header), a PEM key always so.",
};

const AMBIGUOUS_HINT =
  "give each issuer its own key file: --trust ISS=FILE binds every key of FILE to ISS only (profile §5.5)";

/** Keys trusted for verification: a resolver bound to issuers and an algorithm allowlist. */
export interface TrustedKeys {
  /** Resolves `{ kid, iss, alg }` only for a key the user bound to that issuer. */
  readonly resolver: EctKeyResolver;
  /** The algorithm allowlist: `--alg`, else the algorithms of the trusted keys. */
  readonly algorithms: readonly EctAlgorithm[];
  /** `ISS <- kid K (FILE)` lines, for messages. */
  readonly bindings: readonly string[];
}

/** One `--trust` value split into the issuer and the file. */
interface TrustBinding {
  readonly iss: string;
  readonly file: string;
}

/**
 * Splits `ISS=FILE`. An issuer may contain '=' (an https URI with a query) and so may a file name:
 * the split is the one whose right side is an existing file. No such split, or more than one, is
 * refused rather than guessed.
 */
function parseTrustValue(context: CommandContext, value: string): TrustBinding {
  const splits: TrustBinding[] = [];
  for (let at = value.indexOf("="); at >= 0; at = value.indexOf("=", at + 1)) {
    if (at > 0 && at < value.length - 1) splits.push({ iss: value.slice(0, at), file: value.slice(at + 1) });
  }
  if (splits.length === 0) {
    throw usageError(
      `--trust ${JSON.stringify(displayText(value))} is not ISS=FILE`,
      "e.g. --trust spiffe://example.org/agent-a=agent-a.jwks.json (the issuer, '=', its public key file)",
    );
  }
  if (splits.length === 1) return splits[0]!;
  const existing = splits.filter((s) => existsSync(resolvePath(context.io, s.file)));
  if (existing.length === 1) return existing[0]!;
  if (existing.length === 0) return splits[splits.length - 1]!; // reading it reports the missing file
  throw usageError(
    `--trust ${JSON.stringify(displayText(value))} is ambiguous: ${existing
      .map((s) => `${JSON.stringify(displayText(s.iss))} = ${s.file}`)
      .join(" or ")}`,
    "rename the key file so that its name has no '='",
  );
}

/** A usable public key from a file, with its lookup kid and identity (thumbprint). */
interface LoadedKey {
  readonly kid: string;
  readonly thumbprint: string;
  readonly entry: Omit<StaticKeyEntry, "iss">;
  readonly algorithms: readonly EctAlgorithm[];
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

async function keysOfFile(context: CommandContext, file: string): Promise<LoadedKey[]> {
  // ect-crypto is loaded on demand (CLI start-up); its keyCurve and algorithm table are the one answer.
  const { algorithmsForCurve, computeKeyId, importEctKey, keyCurve } = await import("ect-crypto");
  const text = utf8Text(await readSmallFile(context.io, file, "key file"), "key file", file).trim();
  if (text.startsWith("-----BEGIN")) {
    if (!text.startsWith("-----BEGIN PUBLIC KEY-----")) {
      throw usageError(
        `key file ${file} is not a PEM public key`,
        "give the public key (-----BEGIN PUBLIC KEY-----); never hand out a private key",
      );
    }
    let key: EctPublicKey;
    try {
      key = (await importEctKey({ pem: text })) as EctPublicKey;
    } catch (error) {
      if (isEctError(error)) throw usageError(`key file ${file}: ${error.message}`, undefined, error.code);
      throw error;
    }
    const algorithms = algorithmsForCurve(keyCurve(key.publicKey)!);
    return [{ kid: key.kid, thumbprint: key.kid, entry: { key, kid: key.kid, algorithms }, algorithms }];
  }
  if (!text.startsWith("{")) {
    throw usageError(
      `key file ${file} is neither JSON (a JWK Set or a JWK) nor a PEM public key`,
      "give the public JWK Set 'ect keygen' prints, or a PEM public key",
    );
  }
  const parsed = parseJsonInput(text, "key file", file);
  if (!isObject(parsed)) throw usageError(`key file ${file} is not a JSON object`);
  const members = Array.isArray(parsed["keys"])
    ? parsed["keys"]
    : typeof parsed["kty"] === "string"
      ? [parsed]
      : undefined;
  if (members === undefined) {
    throw usageError(
      `key file ${file} is neither a JWK Set nor a JWK`,
      'a JWK Set is {"keys": [...]}, as ect keygen prints it',
    );
  }
  const keys: LoadedKey[] = [];
  for (const [index, member] of members.entries()) {
    if (!isObject(member)) throw usageError(`key file ${file}: keys[${index}] is not an object`);
    if (member["d"] !== undefined || member["k"] !== undefined) {
      throw usageError(
        `key file ${file}: keys[${index}] holds private or symmetric key material`,
        "give the public JWK Set (ect keygen prints it on stdout); never hand out the private key",
      );
    }
    const curve = keyCurve(member as JWK);
    if (curve === undefined) continue; // RSA and others: not ECT keys (profile §2)
    if (member["use"] !== undefined && member["use"] !== "sig") continue;
    let thumbprint: string;
    try {
      thumbprint = await computeKeyId(member as unknown as JWK);
    } catch {
      throw usageError(`key file ${file}: keys[${index}] is not a valid public key`);
    }
    const kid = typeof member["kid"] === "string" ? member["kid"] : thumbprint;
    const ofCurve = algorithmsForCurve(curve);
    const alg = member["alg"];
    const algorithms = typeof alg === "string" ? ofCurve.filter((a) => a === alg) : ofCurve;
    if (algorithms.length === 0) {
      throw usageError(`key file ${file}: keys[${index}] says alg ${JSON.stringify(alg)}, not of its curve`);
    }
    keys.push({ kid, thumbprint, entry: { key: member as unknown as JWK, kid, algorithms }, algorithms });
  }
  if (keys.length === 0) {
    throw usageError(
      `key file ${file} holds no EC or Ed25519 signing key`,
      "ECT keys are EC P-256/384/521 or Ed25519",
    );
  }
  return keys;
}

/**
 * Loads the `--trust ISS=FILE` bindings of a command line into a key resolver. Returns undefined
 * when no `--trust` was given (the command decides whether that is allowed). Every ambiguous
 * binding is a usage error (exit 2) with a hint, never a guess: a key the user bound to two
 * issuers, or two keys under one (issuer, kid), is refused before anything is verified.
 */
export async function loadTrust(
  context: CommandContext,
  parsed: ParsedCommand,
): Promise<TrustedKeys | undefined> {
  const values = parsed.values["trust"];
  const trust = Array.isArray(values) ? values : typeof values === "string" ? [values] : [];
  const algValues = parsed.values["alg"];
  const algOption = Array.isArray(algValues) ? algValues : typeof algValues === "string" ? [algValues] : [];
  if (trust.length === 0) {
    if (algOption.length > 0) throw usageError("--alg applies to trusted keys: give --trust ISS=FILE too");
    return undefined;
  }
  const issuerOfKey = new Map<string, { iss: string; file: string }>();
  const byIssuerKid = new Map<string, { thumbprint: string; file: string }>();
  const entries: StaticKeyEntry[] = [];
  const bindings: string[] = [];
  const boundAlgorithms = new Set<EctAlgorithm>();
  const seenFiles = new Map<string, Promise<LoadedKey[]>>();
  for (const value of trust) {
    const { iss, file } = parseTrustValue(context, value);
    const path = resolvePath(context.io, file);
    if (!seenFiles.has(path)) seenFiles.set(path, keysOfFile(context, file));
    for (const key of await seenFiles.get(path)!) {
      const owner = issuerOfKey.get(key.thumbprint);
      if (owner !== undefined && owner.iss !== iss) {
        throw usageError(
          `ambiguous trust: the key ${JSON.stringify(displayText(key.kid))} is bound to two issuers, ` +
            `${JSON.stringify(displayText(owner.iss))} (${owner.file}) and ${JSON.stringify(displayText(iss))} (${file}); ` +
            "it could then sign as either",
          AMBIGUOUS_HINT,
        );
      }
      const slot = JSON.stringify([iss, key.kid]);
      const twin = byIssuerKid.get(slot);
      if (twin !== undefined) {
        if (twin.thumbprint === key.thumbprint) continue; // the same key named twice
        throw usageError(
          `ambiguous trust: issuer ${JSON.stringify(displayText(iss))} has two different keys with kid ` +
            `${JSON.stringify(displayText(key.kid))} (${twin.file} and ${file})`,
          "a kid must name one key of an issuer: remove or rename one of them",
        );
      }
      issuerOfKey.set(key.thumbprint, { iss, file });
      byIssuerKid.set(slot, { thumbprint: key.thumbprint, file });
      entries.push({ ...key.entry, iss });
      for (const a of key.algorithms) boundAlgorithms.add(a);
      bindings.push(`${iss} <- kid ${key.kid} (${file})`);
    }
  }
  const { staticKeyResolver } = await import("ect-crypto");
  let resolver: EctKeyResolver;
  try {
    resolver = staticKeyResolver(entries);
  } catch (error) {
    if (isEctError(error)) throw usageError(`--trust: ${error.message}`, AMBIGUOUS_HINT, error.code);
    throw error;
  }
  // The allowlist defaults to what the trusted keys can verify: a key only ever verifies the
  // algorithms of its curve (and its JWK's alg), so this never lets one key verify another's tokens.
  const algorithms =
    algOption.length > 0
      ? [...new Set(algOption.map((a) => parseAlgorithm(a, "--alg")))]
      : [...boundAlgorithms];
  return { resolver, algorithms, bindings };
}
