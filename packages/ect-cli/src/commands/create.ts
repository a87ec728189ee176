import { randomUUID } from "node:crypto";
import { type EctClaimsInput, isEctError, type JsonObject } from "ect-core";
import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import {
  type Command,
  type CommandContext,
  flagOption,
  listOption,
  stringOption,
} from "../command-context.js";
import { OUTPUT_OPTIONS, writeOutput } from "../command-output.js";
import { type CommandSpec, type ParsedCommand, requireOptions } from "../command-spec.js";
import { parseJsonInput, readJsonFile, sha256OfFile } from "../input-files.js";
import { loadSigningKey } from "../key-files.js";
import { displayText, safeJson } from "../terminal-text.js";
import { parsePositiveSeconds } from "../time-input.js";
import { readTokenOrFile } from "../token-input.js";

const CLAIM_FLAGS = ["iss", "aud", "exec-act", "pred", "pred-from", "wid", "no-wid", "jti", "ext"] as const;

const spec: CommandSpec = {
  name: "create",
  summary: "create and sign an ECT",
  usage: [
    "--key FILE --iss ISS --aud AUD... --exec-act ACTION [--pred-from TOKEN|FILE]... [--pred JTI --wid UUID] [--ext JSON] [--inp-hash-of FILE] [--out-hash-of FILE] [--exp-in SECONDS] [--out FILE] [--json]",
    "--key FILE --claims FILE [--inp-hash-of FILE] [--out-hash-of FILE] [--exp-in SECONDS] [--out FILE] [--json]",
  ],
  description:
    "Signs an Execution Context Token with the private key in FILE and prints it on stdout (or writes it to --out FILE). " +
    "iat is now, exp is iat + --exp-in seconds (default ECT_DEFAULT_EXPIRY_MIN minutes, 10), jti a fresh UUID (the task id). " +
    "Every claim is checked before signing (profile §3): a bad claim is an error, never a signed bad token.\n" +
    "Workflows: a task that follows others names them with --pred-from (the predecessor's token, or a file holding it: " +
    "its jti goes into pred and its wid is taken over) or with --pred JTI --wid UUID. A root task (no predecessor) " +
    "without --wid starts a new workflow: a fresh wid is made and shown on stderr (--no-wid makes a token without one). " +
    "--pred without a workflow id is refused: predecessors are looked up within their workflow (profile §6).\n" +
    "--inp-hash-of and --out-hash-of put the SHA-256 of a file's exact bytes (unpadded base64url) into inp_hash and out_hash.",
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
      description: "issuer: your workload id (SPIFFE ID, https URI, ...) (required without --claims)",
    },
    aud: {
      type: "string",
      value: "AUD",
      multiple: true,
      description: "audience: the receiver's id; repeat for several (required without --claims)",
    },
    "exec-act": {
      type: "string",
      value: "ACTION",
      description: "the action performed, 1-256 characters (required without --claims)",
    },
    "pred-from": {
      type: "string",
      value: "TOKEN|FILE",
      multiple: true,
      description:
        "a predecessor's token (or @FILE / a file holding it): its jti goes into pred, its wid becomes this token's wid; repeatable",
    },
    pred: {
      type: "string",
      value: "JTI",
      multiple: true,
      description: "jti of a task this one followed (needs --wid); repeat for several",
    },
    wid: { type: "string", value: "UUID", description: "workflow id (default for a root task: a fresh one)" },
    "no-wid": { type: "boolean", description: "make a token without a workflow id" },
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
    "inp-hash-of": {
      type: "string",
      value: "FILE",
      description: "set inp_hash to the SHA-256 of FILE's exact bytes (the task's input)",
    },
    "out-hash-of": {
      type: "string",
      value: "FILE",
      description: "set out_hash to the SHA-256 of FILE's exact bytes (the task's output)",
    },
    "exp-in": { type: "string", value: "SECONDS", description: "exp = iat + SECONDS" },
    ...OUTPUT_OPTIONS,
    json: {
      type: "boolean",
      description:
        'print {"token", "jti", "wid", "iat", "exp"} (one JSON document) instead of the bare token',
    },
  },
  positionals: { min: 0, max: 0, name: "" },
  guesses: {
    "--inp": "--inp-hash-of FILE (hashes FILE into inp_hash)",
    "--in": "--inp-hash-of FILE (hashes FILE into inp_hash)",
    "--input": "--inp-hash-of FILE (hashes FILE into inp_hash)",
    "--output": "--out-hash-of FILE (hashes FILE into out_hash) or --out FILE (writes the token to FILE)",
    "--exp": "--exp-in SECONDS",
    "--verifier-id": "--aud AUD (the receiver's id)",
    "--audience": "--aud AUD (the receiver's id)",
    "--sub": "--iss ISS (your workload id)",
    "--act": "--exec-act ACTION",
    "--exec_act": "--exec-act ACTION",
    "--parent": "--pred-from TOKEN|FILE (or --pred JTI --wid UUID)",
  },
  examples: [
    "ect create --key a.key.json --iss spiffe://example.org/a --aud spiffe://example.org/b --exec-act plan --out plan.jwt",
    "ect create --key b.key.json --iss spiffe://example.org/b --aud spiffe://example.org/c --exec-act search --pred-from plan.jwt",
    "ect create --key a.key.json --claims claims.json --inp-hash-of request.json --out-hash-of answer.json",
  ],
};

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The jti and wid of each `--pred-from` token (decoded only: it is the caller's own input). */
async function predecessorsFrom(
  context: CommandContext,
  values: readonly string[],
): Promise<{ readonly jtis: string[]; readonly wid: string | null | undefined }> {
  const { decodeEct } = await import("ect-core");
  const jtis: string[] = [];
  let wid: string | null | undefined;
  for (const value of values) {
    const token = await readTokenOrFile(context, value, "--pred-from");
    let claims: Readonly<Record<string, unknown>>;
    try {
      claims = decodeEct(token, { minLevel: 1 }).claims;
    } catch (error) {
      if (isEctError(error)) {
        throw usageError(
          `--pred-from ${displayText(value)}: not a well-formed ECT: ${error.code}: ${error.message}`,
        );
      }
      throw error;
    }
    if (typeof claims["jti"] !== "string")
      throw usageError(`--pred-from ${displayText(value)}: the token has no jti`);
    jtis.push(claims["jti"]);
    const its = typeof claims["wid"] === "string" ? claims["wid"] : null;
    if (wid !== undefined && wid !== its) {
      throw usageError(
        "the --pred-from tokens belong to different workflows (wid)",
        "a task's predecessors are in its own workflow (profile §6.3)",
      );
    }
    wid = its;
  }
  return { jtis, wid };
}

async function claimsFrom(context: CommandContext, parsed: ParsedCommand): Promise<Record<string, unknown>> {
  const claimsPath = stringOption(parsed, "claims");
  if (claimsPath !== undefined) {
    requireOptions(spec, parsed, ["key"]);
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
  requireOptions(spec, parsed, ["key", "iss", "aud", "exec-act"]);
  const aud = listOption(parsed, "aud");
  const claims: Record<string, unknown> = {
    iss: stringOption(parsed, "iss"),
    aud: aud.length === 1 ? aud[0] : aud,
    exec_act: stringOption(parsed, "exec-act"),
  };
  const from = await predecessorsFrom(context, listOption(parsed, "pred-from"));
  claims["pred"] = [...from.jtis, ...listOption(parsed, "pred")];
  const wid = stringOption(parsed, "wid");
  if (from.wid !== undefined && wid !== undefined && from.wid !== wid) {
    throw usageError(
      `--wid ${displayText(wid)} differs from the wid of the --pred-from token (${from.wid ?? "none"})`,
      "drop --wid: --pred-from takes the predecessor's workflow",
    );
  }
  const chosen = wid ?? from.wid ?? undefined;
  if (chosen !== undefined) claims["wid"] = chosen;
  if (flagOption(parsed, "no-wid") && chosen !== undefined) {
    throw usageError("--no-wid contradicts --wid (or a --pred-from token's wid)");
  }
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

/**
 * A workflow id for the token (profile §6: jti uniqueness and predecessors are scoped by wid): a
 * task with predecessors must name its workflow; a root task without one starts a new workflow.
 */
function settleWorkflow(
  context: CommandContext,
  parsed: ParsedCommand,
  claims: Record<string, unknown>,
): void {
  if (claims["wid"] !== undefined) return;
  const pred = claims["pred"];
  if (Array.isArray(pred) && pred.length > 0) {
    throw usageError(
      "--pred without a workflow id: a predecessor is looked up within its workflow (profile §6)",
      "give --wid UUID (the predecessor's wid), or use --pred-from TOKEN|FILE, which takes it from the predecessor",
    );
  }
  // A claims file says exactly what the token holds: only the flags start a workflow on their own.
  if (flagOption(parsed, "no-wid") || stringOption(parsed, "claims") !== undefined) return;
  claims["wid"] = randomUUID();
  context.err(
    `new workflow: wid ${claims["wid"]} (give it to the next tasks: --pred-from this token, or --wid)\n`,
  );
}

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const config = context.config();
  const claims = await claimsFrom(context, parsed);
  const keyPath = stringOption(parsed, "key")!;
  settleWorkflow(context, parsed, claims);
  for (const [option, claim] of [
    ["inp-hash-of", "inp_hash"],
    ["out-hash-of", "out_hash"],
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
  let output: string;
  if (flagOption(parsed, "json")) {
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    output = `${safeJson({ token, jti: payload["jti"], wid: payload["wid"] ?? null, iat: payload["iat"], exp: payload["exp"] })}\n`;
  } else {
    output = `${token}\n`;
  }
  const written = await writeOutput(context, parsed, [output], { mode: 0o600 });
  if (written !== undefined) context.err(`wrote the token to ${written}\n`);
  return ExitCode.OK;
}

/** `ect create`. */
export const createCommand: Command = { spec, run };
