import { stat } from "node:fs/promises";
import { type EctAlgorithm, isEctError, type JsonValue, SUPPORTED_ALGORITHMS } from "ect-core";
import type { EctImportedKey, EctSigningKey } from "ect-crypto";
import type { JWK } from "jose";
import { usageError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { replaceFileAtomically, writeNewFile } from "./file-writes.js";
import { parseJsonInput, readSmallFile, resolvePath, utf8Text } from "./input-files.js";

/** Checks an `--alg` value against the algorithms ECT allows (profile §2: never `none` or `HS*`). */
export function parseAlgorithm(value: string, option: string): EctAlgorithm {
  if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(value)) {
    throw usageError(
      `${option} ${JSON.stringify(value)} is not an ECT algorithm`,
      `use one of ${SUPPORTED_ALGORITHMS.join(", ")} (case-sensitive; none and HS* are never allowed, profile §2)`,
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
          "--key takes the private JWK written by 'ect keygen --out FILE'; the public JWK Set is for --trust ISS=FILE",
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

/**
 * Writes a private key to `out` with mode 0600: a new file, or (with `force`) replacing an existing
 * one atomically; an existing file without `force` is a usage error, so no key is ever lost.
 */
export async function writePrivateKeyFile(
  io: CliIo,
  out: string,
  content: string,
  force: boolean,
): Promise<void> {
  const path = resolvePath(io, out);
  if (force) {
    await replaceFileAtomically(path, [content], { mode: 0o600, keepExistingMode: false });
  } else if (!(await writeNewFile(path, [content], 0o600))) {
    throw usageError(
      `${out} exists; refusing to overwrite a key`,
      "choose another --out, or add --force to replace it",
    );
  }
}
