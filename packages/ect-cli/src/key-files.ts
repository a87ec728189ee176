import { stat } from "node:fs/promises";
import { type EctAlgorithm, isEctError, type JsonValue, SUPPORTED_ALGORITHMS } from "ect-core";
import type { EctImportedKey, EctKeyResolver, EctSigningKey } from "ect-crypto";
import type { JWK } from "jose";
import { usageError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { parseJsonInput, readSmallFile, resolvePath, utf8Text } from "./input-files.js";
import { displayText } from "./terminal-text.js";

/** Algorithms of each supported curve (SPEC 2). */
const CURVE_ALGORITHMS: Readonly<Record<string, readonly EctAlgorithm[]>> = {
  "P-256": ["ES256"],
  "P-384": ["ES384"],
  "P-521": ["ES512"],
  Ed25519: ["EdDSA", "Ed25519"],
};

/** Checks an `--alg` value against the algorithms ECT allows (SPEC 2: never `none` or `HS*`). */
export function parseAlgorithm(value: string, option: string): EctAlgorithm {
  if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(value)) {
    throw usageError(
      `${option} ${JSON.stringify(value)} is not an ECT algorithm`,
      `use one of ${SUPPORTED_ALGORITHMS.join(", ")} (case-sensitive; none and HS* are never allowed, SPEC 2)`,
    );
  }
  return value as EctAlgorithm;
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Loads the private key `ect create` signs with: a private JWK (as `ect keygen --out` writes it)
 * or a PKCS#8 PEM. Warns when the file is readable by other users.
 */
export async function loadSigningKey(
  io: CliIo,
  path: string,
  options: { readonly kid?: string | undefined; readonly warn: (message: string) => void },
): Promise<EctSigningKey> {
  const { importEctKey } = await import("ect-crypto");
  const bytes = await readSmallFile(io, path, "key file");
  const text = utf8Text(bytes, "key file", path).trim();
  let imported: EctImportedKey;
  const kidOption = options.kid === undefined ? {} : { kid: options.kid };
  try {
    if (text.startsWith("-----BEGIN")) {
      imported = await importEctKey({ pem: text }, kidOption);
    } else {
      if (!text.startsWith("{")) {
        throw usageError(
          `key file ${path} is neither a JWK (JSON) nor a PEM key`,
          "give the private key file written by 'ect keygen --out FILE', or a PKCS#8 PEM",
        );
      }
      const jwk = parseJsonInput(text, "key file", path);
      if (!isObject(jwk)) throw usageError(`key file ${path} is not a JSON object (a JWK)`);
      if (Array.isArray(jwk["keys"])) {
        throw usageError(
          `key file ${path} is a JWK Set, not one private key`,
          "--key takes the private JWK written by 'ect keygen --out FILE'; the JWK Set is for --jwks",
        );
      }
      imported = await importEctKey({ jwk: jwk as unknown as JWK }, kidOption);
    }
  } catch (error) {
    if (isEctError(error)) {
      throw usageError(
        `key file ${path}: ${error.message}`,
        "check that it is an EC or Ed25519 key",
        error.code,
      );
    }
    throw error;
  }
  if (imported.type !== "private") {
    throw usageError(
      `key file ${path} holds a public key; signing needs the private key`,
      "give the file written by 'ect keygen --out FILE'",
    );
  }
  try {
    const info = await stat(resolvePath(io, path));
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      options.warn(
        `key file ${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      );
    }
  } catch {
    // It was just read; a failing stat only loses the warning.
  }
  return imported;
}

/** Trusted keys for verification: a resolver bound to issuers (SPEC 5.5) and an algorithm allowlist. */
export interface TrustedKeys {
  /** Resolves `{ kid, iss, alg }` only for the bound pairs. */
  readonly resolver: EctKeyResolver;
  /** The algorithm allowlist: `--alg`, else the algorithms of the bound keys. */
  readonly algorithms: readonly EctAlgorithm[];
  /** `kid -> issuer` lines for messages. */
  readonly bindings: readonly string[];
}

/** What the command line says about key binding. */
export interface KeyBindingOptions {
  /** `--jwks FILE`, each (their keys are merged; a kid may appear only once). */
  readonly jwksPaths: readonly string[];
  /** `--iss-key ISS=KID`, each. */
  readonly issKeys: readonly string[];
  /** `--iss ISS`, each: every key of the set is trusted for these issuers. */
  readonly issuers: readonly string[];
  /** `--alg`, each; empty: derived from the bound keys. */
  readonly algorithms: readonly string[];
  /** The command, for messages. */
  readonly command: string;
}

const BINDING_HINT =
  "say which issuer each key signs for: --iss-key ISS=KID (repeatable, one key per issuer) or " +
  "--iss ISS (every key in the set belongs to ISS). A key verifies only tokens of the issuer it is bound to (SPEC 5.5)";

/** Splits `ISS=KID` at the last `=` (issuers may be URLs with `=`; the kid is what follows the last one). */
function parseIssKey(value: string): { iss: string; kid: string } {
  const at = value.lastIndexOf("=");
  if (at <= 0 || at === value.length - 1) {
    throw usageError(
      `--iss-key ${JSON.stringify(value)} is not ISS=KID`,
      "e.g. --iss-key spiffe://example.org/agent-a=KID (the kid is what follows the last '=')",
    );
  }
  return { iss: value.slice(0, at), kid: value.slice(at + 1) };
}

function curveOf(jwk: Record<string, JsonValue>): string | undefined {
  if (
    jwk["kty"] === "EC" &&
    typeof jwk["crv"] === "string" &&
    jwk["crv"] in CURVE_ALGORITHMS &&
    jwk["crv"] !== "Ed25519"
  ) {
    return jwk["crv"];
  }
  if (jwk["kty"] === "OKP" && jwk["crv"] === "Ed25519") return "Ed25519";
  return undefined;
}

function algorithmsOf(jwk: Record<string, JsonValue>): readonly EctAlgorithm[] {
  const curve = curveOf(jwk);
  if (curve === undefined) return [];
  const alg = jwk["alg"];
  const ofCurve = CURVE_ALGORITHMS[curve]!;
  return typeof alg === "string" ? ofCurve.filter((a) => a === alg) : ofCurve;
}

/**
 * Loads a JWK Set (or a single public JWK) and binds its keys to issuers as the command line says.
 * With no binding at all it refuses to run: any key of the set signing for any issuer is exactly
 * the substitution SPEC 5.5 forbids.
 */
export async function loadTrustedKeys(io: CliIo, options: KeyBindingOptions): Promise<TrustedKeys> {
  const { jwksPaths } = options;
  const { computeKeyId, jwksKeyResolver, staticKeyResolver } = await import("ect-crypto");
  const path = jwksPaths.join(", ");
  if (options.issKeys.length === 0 && options.issuers.length === 0) {
    throw usageError(`no key binding: which issuer may each key of ${path} sign for?`, BINDING_HINT);
  }
  if (options.issKeys.length > 0 && options.issuers.length > 0) {
    throw usageError("give either --iss-key ISS=KID or --iss ISS, not both", BINDING_HINT);
  }
  const members: Record<string, JsonValue>[] = [];
  const keys: { jwk: Record<string, JsonValue>; kid: string; file: string }[] = [];
  for (const file of jwksPaths) {
    const parsed = parseJsonInput(
      utf8Text(await readSmallFile(io, file, "JWK Set file"), "JWK Set file", file),
      "JWK Set file",
      file,
    );
    if (!isObject(parsed)) throw usageError(`JWK Set file ${file} is not a JSON object`);
    const fileMembers = Array.isArray(parsed["keys"])
      ? parsed["keys"]
      : typeof parsed["kty"] === "string"
        ? [parsed]
        : undefined;
    if (fileMembers === undefined) {
      throw usageError(
        `JWK Set file ${file} has no keys array`,
        'a JWK Set is {"keys": [...]}, as ect keygen prints it',
      );
    }
    for (const [index, member] of fileMembers.entries()) {
      if (!isObject(member)) throw usageError(`JWK Set file ${file}: keys[${index}] is not an object`);
      if (member["d"] !== undefined || member["k"] !== undefined) {
        throw usageError(
          `JWK Set file ${file}: keys[${index}] holds private or symmetric key material`,
          "pass the public JWK Set (ect keygen prints it on stdout); never hand out the private key",
        );
      }
      members.push(member);
      let kid: string;
      if (typeof member["kid"] === "string") kid = member["kid"];
      else if (curveOf(member) !== undefined) {
        try {
          kid = await computeKeyId(member as unknown as JWK);
        } catch {
          throw usageError(`JWK Set file ${file}: keys[${index}] is not a valid public key`);
        }
      } else continue;
      const twin = keys.find((k) => k.kid === kid);
      if (twin !== undefined) {
        throw usageError(
          `two keys have the kid ${JSON.stringify(displayText(kid))} (in ${twin.file} and ${file})`,
          "a kid must name one key: remove or rename one of them",
        );
      }
      keys.push({ jwk: member, kid, file });
    }
  }

  let resolver: EctKeyResolver;
  let bound: { jwk: Record<string, JsonValue>; kid: string }[];
  const bindings: string[] = [];
  try {
    if (options.issuers.length > 0) {
      resolver = jwksKeyResolver({ keys: members as unknown as JWK[] }, { issuers: [...options.issuers] });
      bound = keys.filter((k) => curveOf(k.jwk) !== undefined);
      for (const k of bound) bindings.push(`${k.kid} -> ${options.issuers.join(", ")}`);
    } else {
      const entries = [];
      bound = [];
      for (const value of options.issKeys) {
        const { iss, kid } = parseIssKey(value);
        const found = keys.find((k) => k.kid === kid);
        if (found === undefined) {
          const known = keys.map((k) => k.kid).join(", ");
          throw usageError(
            `--iss-key ${displayText(value)}: ${path} has no key with kid ${JSON.stringify(kid)}`,
            known ? `its kids are: ${displayText(known)}` : `${path} holds no EC or Ed25519 key`,
          );
        }
        if (curveOf(found.jwk) === undefined) {
          throw usageError(
            `--iss-key ${displayText(value)}: key ${JSON.stringify(kid)} is not an EC or Ed25519 key`,
          );
        }
        entries.push({ iss, kid, key: found.jwk as unknown as JWK });
        bound.push(found);
        bindings.push(`${kid} -> ${iss}`);
      }
      resolver = staticKeyResolver(entries);
    }
  } catch (error) {
    if (isEctError(error)) throw usageError(`JWK Set file ${path}: ${error.message}`, undefined, error.code);
    throw error;
  }
  let algorithms: EctAlgorithm[];
  if (options.algorithms.length > 0) {
    algorithms = [...new Set(options.algorithms.map((a) => parseAlgorithm(a, "--alg")))];
  } else {
    // The allowlist is what the trusted keys can verify: a key only ever verifies the algorithm
    // of its curve (and its JWK's alg), so deriving it never lets one key verify another's tokens.
    algorithms = [...new Set(bound.flatMap((k) => algorithmsOf(k.jwk)))];
    if (algorithms.length === 0) {
      throw usageError(
        `JWK Set file ${path} holds no EC or Ed25519 signing key`,
        "ECT keys are EC P-256/384/521 or Ed25519",
      );
    }
  }
  return { resolver, algorithms, bindings };
}
