import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EctKeyPair } from "ect-crypto";
import { createEct } from "ect-crypto";
import { exportLedgerJsonl } from "ect-ledger";
import { MemoryLedger } from "ect-ledger-memory";
import { expect } from "vitest";
import { CLI_LEDGER_ORIGIN } from "../../src/ledger-location.js";

export const ISSUER = "spiffe://example.org/agent-a";
export const AUDIENCE = "spiffe://example.org/ledger";
export const WID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";

/** jtis of a three-task workflow: plan -> (search, book); search -> book. */
export const JTI = {
  plan: "6f9619ff-8b86-4011-b42d-00c04fc96401",
  search: "6f9619ff-8b86-4011-b42d-00c04fc96402",
  book: "6f9619ff-8b86-4011-b42d-00c04fc96403",
  orphan: "6f9619ff-8b86-4011-b42d-00c04fc96404",
  missing: "0b0c3c4e-4bce-4c8e-9b7c-3f9a1e0d2c11",
} as const;

/** The workflow's tokens, signed in-process (the create tests cover `ect create`). */
export async function workflowTokens(key: EctKeyPair): Promise<{
  readonly plan: string;
  readonly search: string;
  readonly book: string;
  /** Names a predecessor nobody stored: the DAG rules refuse it. */
  readonly orphan: string;
  /** Same (wid, jti) as plan, different claims: a conflict. */
  readonly planConflict: string;
}> {
  const now = Math.floor(Date.now() / 1000);
  const make = (jti: string, exec_act: string, pred: string[], iat: number) =>
    createEct({ iss: ISSUER, aud: AUDIENCE, wid: WID, jti, exec_act, pred, iat, exp: iat + 600 }, key);
  return {
    plan: await make(JTI.plan, "plan-trip", [], now - 30),
    search: await make(JTI.search, "search-flights", [JTI.plan], now - 20),
    book: await make(JTI.book, "book", [JTI.plan, JTI.search], now - 10),
    orphan: await make(JTI.orphan, "pay", [JTI.missing], now),
    planConflict: await make(JTI.plan, "plan-something-else", [], now - 30),
  };
}

/** A token's payload with one claim changed and the signature kept: what an attacker editing a file makes. */
export function tamperClaims(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString("base64url")}.${signature}`;
}

/**
 * `tokens` appended to an in-memory ledger and exported as JSON Lines (the text, ending in a
 * newline), written to `dir/export.jsonl`: an export from another backend for the server ledgers'
 * import tests.
 */
export async function writeMemoryExport(dir: string, tokens: readonly string[]): Promise<string> {
  const memory = new MemoryLedger({ origin: CLI_LEDGER_ORIGIN });
  for (const token of tokens) expect((await memory.append(token)).status).toBe("appended");
  await memory.integrate();
  const lines: string[] = [];
  for await (const line of exportLedgerJsonl(memory)) lines.push(line);
  const text = `${lines.join("\n")}\n`;
  writeFileSync(join(dir, "export.jsonl"), text);
  return text;
}
