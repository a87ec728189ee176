import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Command } from "../src/command-context.js";
import { createCommand } from "../src/commands/create.js";
import { graphCommand } from "../src/commands/graph.js";
import { inspectCommand } from "../src/commands/inspect.js";
import { keygenCommand } from "../src/commands/keygen.js";
import { ledgerAppendCommand } from "../src/commands/ledger-append.js";
import { ledgerAuditCommand } from "../src/commands/ledger-audit.js";
import { ledgerCheckpointCommand } from "../src/commands/ledger-checkpoint.js";
import { ledgerConsistencyCommand } from "../src/commands/ledger-consistency.js";
import { ledgerKeygenCommand } from "../src/commands/ledger-keygen.js";
import { ledgerProveCommand } from "../src/commands/ledger-prove.js";
import { ledgerHeadCommand, ledgerShowCommand } from "../src/commands/ledger-read.js";
import { ledgerExportCommand, ledgerImportCommand } from "../src/commands/ledger-transfer.js";
import { receiptVerifyCommand } from "../src/commands/receipt-verify.js";
import { verifyCommand } from "../src/commands/verify.js";
import { packageDir } from "./support/cli.js";

const COMMANDS: readonly Command[] = [
  keygenCommand,
  createCommand,
  verifyCommand,
  inspectCommand,
  graphCommand,
  ledgerAppendCommand,
  ledgerAuditCommand,
  ledgerExportCommand,
  ledgerImportCommand,
  ledgerHeadCommand,
  ledgerShowCommand,
  ledgerKeygenCommand,
  ledgerCheckpointCommand,
  ledgerProveCommand,
  ledgerConsistencyCommand,
  receiptVerifyCommand,
];

/** Every `ect ...` invocation in the README (the session and the prose), split into words. */
function invocations(readme: string): string[][] {
  const found: string[][] = [];
  for (const match of readme.matchAll(/(?:^\$ |\$\(|`)(ect (?:[^`\n|;)]*))/gm)) {
    // A nested `$(ect ...)` is an invocation of its own, matched separately.
    found.push(match[1]!.split("$(")[0]!.trim().split(/\s+/));
  }
  return found;
}

describe("README", () => {
  it("documents every option of every command (a new option lands in the README with its command)", () => {
    const readme = readFileSync(join(packageDir, "README.md"), "utf8");
    const undocumented = COMMANDS.flatMap((c) =>
      Object.keys(c.spec.options)
        .filter((name) => !readme.includes(`--${name}`))
        .map((name) => `ect ${c.spec.name} --${name}`),
    );
    expect(undocumented).toEqual([]);
  });

  it("uses only commands and options the CLI has (the session is real output of this version)", () => {
    const readme = readFileSync(join(packageDir, "README.md"), "utf8");
    const calls = invocations(readme);
    expect(calls.length).toBeGreaterThan(30);
    for (const words of calls) {
      if (words[1] === "help" || words[1] === "--help") continue;
      const name = words[1] === "ledger" || words[1] === "receipt" ? `${words[1]} ${words[2]}` : words[1];
      const command = COMMANDS.find((c) => c.spec.name === name);
      expect(command, words.join(" ")).toBeDefined();
      for (const word of words.filter((w) => w.startsWith("--"))) {
        const option = word.slice(2).split("=")[0]!;
        expect(option === "help" || option in command!.spec.options, `${words.join(" ")}: ${word}`).toBe(
          true,
        );
      }
    }
  });
});
