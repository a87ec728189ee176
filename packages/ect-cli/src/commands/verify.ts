import { decodeEct, EctError, isEctError } from "ect-core";
import { normalizeAudience } from "ect-core/internal";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import {
  type Command,
  type CommandContext,
  flagOption,
  listOption,
  requiredOption,
  stringOption,
} from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { displayText, humanTime, isoTime, safeJson } from "../terminal-text.js";
import { parseTimeInput } from "../time-input.js";
import { readTokenArgument, TOKEN_ARGUMENT } from "../token-input.js";
import { KEY_BINDING_SECTION, loadTrust, REQUIRED_TRUST_OPTIONS } from "../trust-options.js";

const spec: CommandSpec = {
  name: "verify",
  summary: "verify an ECT",
  usage: ["TOKEN|@FILE|- --trust ISS=FILE... --verifier-id ID [--min-level 1|2] [--now TIME] [--json]"],
  description:
    "Runs the full profile §5 verification: shape and strict decoding, header rules, the key bound to the token's " +
    "issuer and kid, the signature, the claim rules, the audience (aud must contain --verifier-id) and the times. " +
    "Exit 0 prints the verified claims; exit 1 prints the error code and message (the first failed step); exit 2 is a usage error.\n" +
    "Each run checks one token, so it cannot see replays across runs: replay protection belongs to the service " +
    "that accepts tokens (or an audit ledger: 'ect ledger append' refuses a second token with the same identity).",
  options: {
    ...REQUIRED_TRUST_OPTIONS,
    "verifier-id": {
      type: "string",
      value: "ID",
      required: true,
      description: "your own id (the audience): the token's aud must contain it",
    },
    "min-level": {
      type: "string",
      value: "N",
      description: "lowest accepted level: 2 (default, signed) or 1 (also unsigned)",
    },
    now: {
      type: "string",
      value: "TIME",
      description: "verify as of TIME: seconds since the epoch or ISO 8601 (default: now)",
    },
    json: {
      type: "boolean",
      description: "print the result (or the refusal) as one JSON document on stdout",
    },
  },
  positionals: { min: 1, max: 1, name: TOKEN_ARGUMENT },
  guesses: {
    "--aud": "--verifier-id ID (your own id; the token's aud must contain it)",
    "--audience": "--verifier-id ID (your own id; the token's aud must contain it)",
    "--iss": "--trust ISS=FILE (the issuer and the file of its public keys)",
    "--key": "--trust ISS=FILE (verification takes the issuer's public keys, not a private key)",
  },
  sections: [
    KEY_BINDING_SECTION,
    {
      title: "Environment",
      text: "ECT_IAT_MAX_AGE_MINUTES (15), ECT_IAT_MAX_FUTURE_SEC (30), ECT_JTI_REPLAY_CACHE_SIZE, ECT_JTI_REPLAY_TTL_MIN (profile §4). An invalid value is an error (exit 2).",
    },
  ],
  examples: [
    'ect verify "$TOKEN" --trust spiffe://example.org/a=a.jwks.json --verifier-id spiffe://example.org/b',
    "ect verify @task.jwt --trust spiffe://example.org/a=a.jwks.json --trust spiffe://example.org/c=c.pem --verifier-id spiffe://example.org/b",
    "ect create ... | ect verify - --trust spiffe://example.org/a=a.jwks.json --verifier-id spiffe://example.org/b --json | jq .claims.jti",
    'ect verify "$TOKEN" ... --now 2025-06-01T12:00:00Z',
  ],
};

function parseMinLevel(value: string | undefined): 1 | 2 {
  if (value === undefined || value === "2") return 2;
  if (value === "1") return 1;
  if (value === "3") {
    throw usageError(
      "--min-level 3 needs a ledger append, which 'ect verify' does not do",
      "use 'ect ledger append' to record tokens in a ledger",
    );
  }
  throw usageError(`--min-level ${JSON.stringify(value)} must be 1 or 2`);
}

/** Hints from the (unverified) token for the common refusals. */
function hintFor(
  error: EctError,
  token: string,
  verifierId: string,
  nowSec: number,
  keys: {
    readonly bindings: readonly string[];
    readonly algorithms: readonly string[];
    readonly derived: boolean;
  },
): string | undefined {
  let claims: Readonly<Record<string, unknown>> | undefined;
  let header: Readonly<Record<string, unknown>> | undefined;
  try {
    const decoded = decodeEct(token, { minLevel: 1 });
    claims = decoded.claims;
    header = decoded.header;
  } catch {
    return undefined;
  }
  switch (error.code) {
    case "ECT_KEY_NOT_FOUND":
      return `the token says kid ${displayText(JSON.stringify(header?.["kid"]))}, iss ${displayText(JSON.stringify(claims["iss"]))} (unverified); trusted keys: ${displayText(keys.bindings.join("; "))}`;
    case "ECT_AUD_MISMATCH": {
      const aud = claims["aud"];
      return `the token's aud is ${displayText(JSON.stringify(aud))}; --verifier-id is ${displayText(JSON.stringify(verifierId))}`;
    }
    case "ECT_EXPIRED":
      return `exp is ${humanTime(claims["exp"], nowSec)}; use --now to verify as of another time`;
    case "ECT_IAT_TOO_OLD":
    case "ECT_IAT_IN_FUTURE":
      return `iat is ${humanTime(claims["iat"], nowSec)}; use --now to verify as of another time`;
    case "ECT_ALG_NOT_ALLOWED":
      return keys.derived
        ? `the token's alg is ${displayText(JSON.stringify(header?.["alg"]))}, but the bound keys verify only ${keys.algorithms.join(", ")}: ` +
            `is a key of its issuer ${displayText(JSON.stringify(claims["iss"]))} (unverified) trusted with --trust?`
        : `the token's alg is ${displayText(JSON.stringify(header?.["alg"]))}; --alg sets the accepted algorithms`;
    case "ECT_LEVEL_TOO_LOW":
      return "the token is unsigned (level 1); --min-level 1 accepts unsigned tokens";
    default:
      return undefined;
  }
}

function errorLine(error: EctError): string {
  return `${error.code}${error.member === undefined ? "" : ` (${displayText(error.member)})`}: ${displayText(error.message)}`;
}

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const verifierId = requiredOption(parsed, spec, "verifier-id");
  const minLevel = parseMinLevel(stringOption(parsed, "min-level"));
  const nowText = stringOption(parsed, "now");
  const nowMs = nowText === undefined ? context.now() : parseTimeInput(nowText, "--now");
  const config = context.config();
  const keys = (await loadTrust(context, parsed))!; // --trust is required: parseCommand checked it
  const token = await readTokenArgument(context, parsed.positionals[0]!);
  const { createEctVerifier } = await import("ect-crypto");
  const verifier = createEctVerifier({
    verifierId,
    keys: keys.resolver,
    algorithms: keys.algorithms,
    minLevel,
    clock: () => nowMs,
    config,
    // One token per process: an in-process replay cache sees nothing; with ECT_JTI_REPLAY_CACHE_SIZE=0
    // there is none at all, which is then explicit here.
    ...(config.jtiReplayCacheSize === 0 ? { allowNoReplayCheck: true } : {}),
  });
  let result = await verifier.safeVerify(token);
  if (!result.ok && result.error.code === "ECT_LEVEL_TOO_LOW") {
    // A dotless string is an unsigned (level 1) candidate (profile §1), but a truncated JWS is one
    // too: call it malformed unless it really decodes as an unsigned token.
    try {
      decodeEct(token, { minLevel: 1, maxTokenLength: config.maxTokenLength });
    } catch (error) {
      if (!isEctError(error)) throw error;
      const malformed = new EctError(
        "ECT_MALFORMED",
        `the token is malformed: it has no dots, so it is not a JWS, and it is not an unsigned token either (${error.message}); was it cut off?`,
      );
      result = { ok: false, error: malformed };
    }
  }
  const json = flagOption(parsed, "json");
  const nowSec = nowMs / 1000;
  if (!result.ok) {
    const error = result.error;
    // details lists every violation found together, the first being this error.
    const others = error.details.slice(1);
    if (json) {
      context.out(
        `${safeJson({
          valid: false,
          error: error.toJSON(),
          ...(others.length > 0 ? { details: others.map((d) => d.toJSON()) } : {}),
        })}\n`,
      );
    } else {
      context.err(`refused: ${errorLine(error)}\n`);
      for (const other of others) context.err(`  also: ${errorLine(other)}\n`);
      const hint = hintFor(error, token, verifierId, nowSec, {
        bindings: keys.bindings,
        algorithms: keys.algorithms,
        derived: listOption(parsed, "alg").length === 0,
      });
      if (hint !== undefined) context.err(`hint: ${hint}\n`);
    }
    return ExitCode.FAILED;
  }
  const verified = result.value;
  if (json) {
    context.out(
      `${safeJson({
        valid: true,
        level: verified.level,
        header: verified.header ?? null,
        claims: verified.claims,
        audience: normalizeAudience(verified.claims.aud),
        unresolvedPredecessors: verified.unresolvedPredecessors,
        verifiedAt: isoTime(nowMs),
      })}\n`,
    );
    return ExitCode.OK;
  }
  const { claims, header } = verified;
  const signer =
    header === undefined
      ? "unsigned (level 1, accepted because --min-level 1)"
      : `signed ${displayText(header.alg)} by kid ${displayText(JSON.stringify(header.kid))} bound to issuer ${displayText(JSON.stringify(claims.iss))}`;
  context.out(
    `verified: level ${verified.level}, ${signer}\n` +
      `  audience includes ${displayText(JSON.stringify(verifierId))}\n` +
      `  iat ${humanTime(claims.iat, nowSec)}\n` +
      `  exp ${humanTime(claims.exp, nowSec)}\n` +
      `${safeJson(claims)}\n`,
  );
  return ExitCode.OK;
}

/** `ect verify`. */
export const verifyCommand: Command = { spec, run };
