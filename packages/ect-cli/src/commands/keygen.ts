import type { EctAlgorithm } from "ect-core";
import { ExitCode, type ExitStatus, usageError } from "../cli-error.js";
import {
  type Command,
  type CommandContext,
  flagOption,
  requiredOption,
  stringOption,
} from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { parseAlgorithm, writePrivateKeyFile } from "../key-files.js";
import { safeJson } from "../terminal-text.js";

const spec: CommandSpec = {
  name: "keygen",
  summary: "generate a signing key pair",
  usage: ["[--alg ES256|ES384|ES512|Ed25519] [--kid KID] --out FILE [--force]"],
  description:
    "Generates a key pair, writes the private key as a JWK to FILE (created with mode 0600, never " +
    "overwritten unless --force) and prints the public JWK Set on stdout: publish that one, keep FILE secret.\n" +
    "The kid defaults to the RFC 7638 thumbprint of the public key.",
  options: {
    alg: { type: "string", value: "ALG", description: "ES256 (default), ES384, ES512, Ed25519 or EdDSA" },
    kid: {
      type: "string",
      value: "KID",
      description: "key id written to tokens and to the JWK Set (1-256 characters)",
    },
    out: { type: "string", value: "FILE", description: "where to write the private JWK (required)" },
    force: { type: "boolean", description: "replace FILE if it exists" },
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: [
    "ect keygen --out agent-a.key.json > agent-a.jwks.json",
    "ect keygen --alg Ed25519 --kid agent-b-2025 --out agent-b.key.json > agent-b.jwks.json",
  ],
};

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const out = requiredOption(parsed, spec, "out");
  const algText = stringOption(parsed, "alg");
  const alg: EctAlgorithm = algText === undefined ? "ES256" : parseAlgorithm(algText, "--alg");
  const kid = stringOption(parsed, "kid");
  if (kid !== undefined && (kid.length === 0 || kid.length > 256)) {
    throw usageError("--kid must be 1-256 characters (profile §2)");
  }
  const { exportJwks, exportPrivateJwk, generateEctKeyPair } = await import("ect-crypto");
  const pair = await generateEctKeyPair({ alg, extractable: true, ...(kid === undefined ? {} : { kid }) });
  const privateJwk = await exportPrivateJwk(pair);
  const jwks = await exportJwks([pair]);
  await writePrivateKeyFile(
    context.io,
    out,
    `${JSON.stringify(privateJwk, null, 2)}\n`,
    flagOption(parsed, "force"),
  );
  context.out(`${safeJson(jwks)}\n`);
  context.err(`wrote the private key (${alg}, kid ${pair.kid}) to ${out}; the public JWK Set is on stdout\n`);
  return ExitCode.OK;
}

/** `ect keygen`. */
export const keygenCommand: Command = { spec, run };
