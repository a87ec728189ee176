import { decodeEct, isEctError, SUPPORTED_ALGORITHMS } from "ect-core";
import { validateClaims, validateHeader } from "ect-core/internal";
import { ExitCode, type ExitStatus, failure } from "../cli-error.js";
import { type Command, type CommandContext, flagOption, stringOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { displayText, humanTime, isoTime, relativeTime, safeJson } from "../terminal-text.js";
import { parseTimeInput } from "../time-input.js";
import { readTokenArgument } from "../token-input.js";

const spec: CommandSpec = {
  name: "inspect",
  summary: "decode an ECT without verifying it",
  usage: ["TOKEN|- [--json] [--now TIME]", "TOKEN|- --claim NAME"],
  description:
    "Decodes a token strictly (profile §5 steps 1-3) and prints its header and claims, with times in human form, " +
    "clearly labelled UNVERIFIED: no signature, key, audience, time or replay check runs. It also lists which " +
    "header and claim rules (profile §2, 3) the token breaks, if any. Use 'ect verify' before trusting anything in it.\n" +
    "--claim NAME prints one claim's value alone (strings raw, anything else as JSON), for scripts.",
  options: {
    json: { type: "boolean", description: 'print the decoded token as JSON (with "unverified": true)' },
    claim: { type: "string", value: "NAME", description: "print only this claim's value" },
    now: {
      type: "string",
      value: "TIME",
      description: "relative times as of TIME (seconds since the epoch or ISO 8601)",
    },
  },
  positionals: { min: 1, max: 1, name: "TOKEN (or - to read it from stdin)" },
  examples: [
    'ect inspect "$TOKEN"',
    "ect create ... | ect inspect -",
    'JTI=$(ect inspect "$TOKEN" --claim jti)',
  ],
};

const UNVERIFIED_BANNER =
  "UNVERIFIED: decoded only. Nothing below was checked (signature, issuer key, audience, times, replay); run 'ect verify' before trusting it.";

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const config = context.config();
  const nowText = stringOption(parsed, "now");
  const nowSec = (nowText === undefined ? context.now() : parseTimeInput(nowText, "--now")) / 1000;
  const token = await readTokenArgument(context, parsed.positionals[0]!);
  let decoded: ReturnType<typeof decodeEct>;
  try {
    decoded = decodeEct(token, { minLevel: 1, maxTokenLength: config.maxTokenLength });
  } catch (error) {
    if (isEctError(error)) {
      throw failure(
        `cannot decode the token: ${error.code}: ${error.message}`,
        "it is not a well-formed ECT (profile §5 steps 1-3)",
        error.code,
      );
    }
    throw error;
  }
  const { header, claims, level } = decoded;
  const claimName = stringOption(parsed, "claim");
  if (claimName !== undefined) {
    if (!Object.hasOwn(claims, claimName)) {
      throw failure(
        `the token has no claim ${JSON.stringify(claimName)}`,
        `its claims are: ${Object.keys(claims).join(", ")}`,
      );
    }
    const value = claims[claimName];
    context.out(`${typeof value === "string" ? displayText(value) : safeJson(value, 0)}\n`);
    return ExitCode.OK;
  }
  const problems = [
    ...(header === undefined ? [] : validateHeader(header, { algorithms: SUPPORTED_ALGORITHMS })),
    ...validateClaims(claims, { maxPredLength: config.maxPredLength }),
  ];
  const times = Object.fromEntries(
    ["iat", "exp"]
      .filter((name) => typeof claims[name] === "number")
      .map((name) => {
        const value = claims[name] as number;
        return [name, { value, iso: isoTime(value * 1000) ?? null, relative: relativeTime(value, nowSec) }];
      }),
  );
  if (flagOption(parsed, "json")) {
    context.out(
      `${safeJson({
        unverified: true,
        level,
        header: header ?? null,
        claims,
        times,
        ruleProblems: problems.map((p) => p.toJSON()),
      })}\n`,
    );
    return ExitCode.OK;
  }
  const lines = [UNVERIFIED_BANNER, ""];
  lines.push(`level: ${level === 1 ? "1 (unsigned)" : `2 (JWS, signature not checked)`}`);
  if (header !== undefined) lines.push("header:", safeJson(header));
  lines.push("claims:", safeJson(claims));
  lines.push("times:");
  for (const name of ["iat", "exp"]) lines.push(`  ${name} ${humanTime(claims[name], nowSec)}`);
  if (problems.length === 0)
    lines.push("rules (profile §2, 3): no header or claim rule broken (still unverified)");
  else {
    lines.push(`rules (profile §2, 3): ${problems.length} broken:`);
    for (const p of problems) {
      lines.push(
        `  ${p.code}${p.member === undefined ? "" : ` (${displayText(p.member)})`}: ${displayText(p.message)}`,
      );
    }
  }
  context.out(`${lines.join("\n")}\n`);
  return ExitCode.OK;
}

/** `ect inspect`. */
export const inspectCommand: Command = { spec, run };
