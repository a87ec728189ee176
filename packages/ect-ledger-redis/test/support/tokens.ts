import { createTestTokenIssuer, type TestTokenIssuer } from "ect-ledger-testkit";

let issuer: Promise<TestTokenIssuer> | undefined;

/** One shared ES256 test issuer per test file. */
export function testIssuer(): Promise<TestTokenIssuer> {
  issuer ??= createTestTokenIssuer();
  return issuer;
}

/** `count` distinct tokens, spread over a few workflows and none. */
export async function distinctTokens(count: number): Promise<string[]> {
  const iss = await testIssuer();
  const workflows = Array.from({ length: 4 }, () => globalThis.crypto.randomUUID());
  return Promise.all(
    Array.from({ length: count }, (_, i) => iss.issue(i % 5 === 4 ? {} : { wid: workflows[i % 4]! })),
  );
}
