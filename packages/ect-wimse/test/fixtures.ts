import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CompactSign, importJWK, type JWK } from "jose";

const dir = fileURLToPath(new URL("../../../testdata/wimse/", import.meta.url));
const read = (name: string) => readFileSync(dir + name, "utf8");

/** The WIMSE working group's published keys and tokens (testdata/wimse, PROVENANCE.md). */
export const keys = JSON.parse(read("keys.json")) as {
  identityServerPublicKey: JWK;
  identityServerPrivateKey: JWK;
  workloadPrivateKey: JWK;
  accessToken: string;
  validAt: number;
};
export const publishedWit = read("wit.txt").trim();
export const publishedWpt = read("wpt.txt").trim();
export const validAtMs = keys.validAt * 1000;
export const trustAnchors = { "example.com": [keys.identityServerPublicKey] };
export const subject = "wimse://example.com/specific-workload";

/** The published request's header fields, one array entry per field line. */
function parseRequest(text: string): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const line of text.split("\n").slice(1)) {
    if (line.trim() === "") break;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const lines = headers[name] ?? [];
    lines.push(line.slice(colon + 1).trim());
    headers[name] = lines;
  }
  return headers;
}
export const publishedHeaders = parseRequest(read("wpt-request.txt"));
export const publishedRequest = { url: "https://workload.example.com/path", headers: publishedHeaders };

/** Signs any JSON claims as a compact JWS (for tokens the library would never make). */
export async function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  jwk: JWK,
  alg: string,
) {
  const key = await importJWK(jwk, alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

export const verifierId = "wimse://example.com/receiver";

/** ECT claims valid at validAt for the published workload. */
export function ectClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: subject,
    aud: verifierId,
    iat: keys.validAt,
    exp: keys.validAt + 600,
    jti: crypto.randomUUID(),
    exec_act: "review",
    pred: [],
    ...overrides,
  };
}

/** An ECT signed with the published workload key: EdDSA, no kid (profile §2 exception). */
export function workloadEct(overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return signJwt(
    { alg: "EdDSA", typ: "exec+jwt", ...header },
    ectClaims(overrides),
    keys.workloadPrivateKey,
    "EdDSA",
  );
}

/** The code of the EctError a promise rejects with (fails the test when it resolves). */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  throw new Error("expected a refusal");
}
