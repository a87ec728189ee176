import { type EctClaimsInput, isEctError, type JsonObject } from "ect-core";
import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import {
  type Command,
  type CommandContext,
  flagOption,
  listOption,
  requiredOption,
  stringOption,
} from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { parseJsonInput, readJsonFile, sha256OfFile } from "../input-files.js";
import { loadSigningKey } from "../key-files.js";
import { safeJson } from "../terminal-text.js";
import { parsePositiveSeconds } from "../time-input.js";

const CLAIM_FLAGS = ["iss", "aud", "exec-act", "pred", "wid", "jti", "ext"] as const;

const spec: CommandSpec = {
  name: "create",
  summary: "create and sign an ECT",
  usage: [
    "--key FILE --iss ISS --aud AUD... --exec-act ACTION [--pred JTI]... [--wid UUID] [--ext JSON] [--inp FILE] [--out FILE] [--exp-in SECONDS]",
    "--key FILE --claims FILE [--inp FILE] [--out FILE] [--exp-in SECONDS]",
  ],
  description:
    "Signs an Execution Context Token with the private key in FILE and prints it on stdout. " +
    "iat is now, exp is iat + --exp-in seconds (default ECT_DEFAULT_EXPIRY_MIN minutes, 10), jti a fresh UUID (the task id). " +
    "Every claim is checked before signing (SPEC 3): a bad claim is an error, never a signed bad token.\n" +
    "--inp and --out hash the exact bytes of a file (SHA-256, unpadded base64url) into inp_hash and out_hash: " +
    "--out names the output your task produced, not where the token goes.",
  options: {
    key: {
      type: "string",
      value: "FILE",
      description: "private key: the JWK written by 'ect keygen --out', or a PKCS#8 PEM (required)",
    },
    kid: {
      type: "string",
      value: "KID",
      description: "kid for the header (default: the key file's kid, else its thumbprint)",
    },
    iss: {
      type: "string",
      value: "ISS",
      description: "issuer: your workload id (SPIFFE ID, https URI, ...)",
    },
    aud: {
      type: "string",
      value: "AUD",
      multiple: true,
      description: "audience: the receiver's id; repeat for several",
    },
    "exec-act": { type: "string", value: "ACTION", description: "the action performed (1-256 characters)" },
    pred: {
      type: "string",
      value: "JTI",
      multiple: true,
      description: "jti of a task this one followed; repeat for several (default: none)",
    },
    wid: { type: "string", value: "UUID", description: "workflow id" },
    jti: { type: "string", value: "UUID", description: "token and task id (default: a fresh random UUID)" },
    ext: {
      type: "string",
      value: "JSON",
      description: "ect_ext: a JSON object (policy records: pol, pol_decision)",
    },
    claims: {
      type: "string",
      value: "FILE",
      description: "take the claims from a JSON file instead of the flags above (strict JSON)",
    },
    inp: { type: "string", value: "FILE", description: "set inp_hash to the SHA-256 of FILE's exact bytes" },
    out: { type: "string", value: "FILE", description: "set out_hash to the SHA-256 of FILE's exact bytes" },
    "exp-in": { type: "string", value: "SECONDS", description: "exp = iat + SECONDS" },
    json: {
      type: "boolean",
      description: 'print {"token", "jti", "wid", "iat", "exp"} instead of the bare token',
    },
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: [
    "ect create --key a.key.json --iss spiffe://example.org/a --aud spiffe://example.org/b --exec-act summarise",
    "ect create --key a.key.json --claims claims.json --inp request.json --out answer.json",
  ],
};

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

async function claimsFrom(context: CommandContext, parsed: ParsedCommand): Promise<Record<string, unknown>> {
  const claimsPath = stringOption(parsed, "claims");
  if (claimsPath !== undefined) {
    const given = CLAIM_FLAGS.filter((f) => parsed.values[f] !== undefined);
    if (given.length > 0) {
      throw usageError(
        `--claims FILE gives every claim; it cannot be combined with ${given.map((f) => `--${f}`).join(", ")}`,
        "put those claims in the file, or drop --claims",
      );
    }
    const claims = await readJsonFile(context.io, claimsPath, "claims file");
    if (!isObject(claims)) throw usageError(`claims file ${claimsPath} is not a JSON object`);
    return { ...claims };
  }
  const claims: Record<string, unknown> = {
    iss: requiredOption(parsed, spec, "iss"),
  };
  const aud = listOption(parsed, "aud");
  if (aud.length === 0) throw usageError("missing --aud AUD", "the receiver's id; see 'ect help create'");
  claims["aud"] = aud.length === 1 ? aud[0] : aud;
  claims["exec_act"] = requiredOption(parsed, spec, "exec-act");
  claims["pred"] = listOption(parsed, "pred");
  const wid = stringOption(parsed, "wid");
  if (wid !== undefined) claims["wid"] = wid;
  const jti = stringOption(parsed, "jti");
  if (jti !== undefined) claims["jti"] = jti;
  const ext = stringOption(parsed, "ext");
  if (ext !== undefined) {
    const value = parseJsonInput(ext, "--ext", "value");
    if (!isObject(value))
      throw usageError(
        "--ext must be a JSON object",
        `e.g. --ext '{"pol":"loan-policy-v2","pol_decision":"approved"}'`,
      );
    claims["ect_ext"] = value;
  }
  return claims;
}

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const keyPath = requiredOption(parsed, spec, "key");
  const config = context.config();
  const claims = await claimsFrom(context, parsed);
  for (const [option, claim] of [
    ["inp", "inp_hash"],
    ["out", "out_hash"],
  ] as const) {
    const file = stringOption(parsed, option);
    if (file === undefined) continue;
    if (claims[claim] !== undefined)
      throw usageError(`--${option} and the claims file both set ${claim}; keep one`);
    claims[claim] = await sha256OfFile(context.io, file, `--${option} file`);
  }
  const expIn = stringOption(parsed, "exp-in");
  if (expIn !== undefined) {
    const seconds = parsePositiveSeconds(expIn, "--exp-in");
    if (claims["exp"] !== undefined) throw usageError("--exp-in and the claims file both set exp; keep one");
    if (claims["iat"] === undefined) claims["iat"] = Math.floor(context.now() / 1000);
    if (typeof claims["iat"] === "number") claims["exp"] = claims["iat"] + seconds;
  }
  const key = await loadSigningKey(context.io, keyPath, {
    kid: stringOption(parsed, "kid"),
    warn: context.warn,
  });
  const { createEct } = await import("ect-crypto");
  let token: string;
  try {
    token = await createEct(claims as unknown as EctClaimsInput, key, { clock: context.now, config });
  } catch (error) {
    if (isEctError(error)) {
      const member = error.member === undefined ? "" : ` (${error.member})`;
      throw failure(
        `cannot create the token: ${error.code}${member}: ${error.message}`,
        "fix the claim and try again",
        error.code,
      );
    }
    throw error;
  }
  if (flagOption(parsed, "json")) {
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    context.out(
      `${safeJson({ token, jti: payload["jti"], wid: payload["wid"] ?? null, iat: payload["iat"], exp: payload["exp"] })}\n`,
    );
  } else {
    context.out(`${token}\n`);
  }
  return ExitCode.OK;
}

/** `ect create`. */
export const createCommand: Command = { spec, run };
