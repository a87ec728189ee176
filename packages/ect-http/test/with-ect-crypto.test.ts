// The transport with real ES256 tokens from ect-crypto: the refusals a receiver must make, each
// with its exact code, and the README example run as written.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EctClaimsInput } from "ect-core";
import {
  createEct,
  createEctVerifier,
  type EctKeyPair,
  generateEctKeyPair,
  staticKeyResolver,
} from "ect-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  prepareBody,
  readExecutionContext,
  verifyExecutionContext,
  withExecutionContext,
} from "../src/index.js";
import { createEctNodeHandler, setExecutionContextHeader } from "../src/node.js";
import { listen } from "./support.js";

const CALLER = "spiffe://example.org/caller";
const CALLEE = "spiffe://example.org/callee";
let callerKey: EctKeyPair;
let calleeKey: EctKeyPair;
let strangerKey: EctKeyPair;
let url: string;
let close: () => Promise<void>;
let calleeEcts: string[];

beforeAll(async () => {
  [callerKey, calleeKey, strangerKey] = await Promise.all([
    generateEctKeyPair({ kid: "caller-1" }),
    generateEctKeyPair({ kid: "callee-1" }),
    generateEctKeyPair({ kid: "stranger-1" }),
  ]);
  const keys = staticKeyResolver([
    { iss: CALLER, key: callerKey },
    { iss: CALLEE, key: calleeKey },
  ]);
  calleeEcts = [];
  const server = await listen(
    createEctNodeHandler(
      async (_req, res, { ects, bodyHash }) => {
        const out = await prepareBody(JSON.stringify({ ok: true }));
        const ect = await createEct(
          {
            iss: CALLEE,
            aud: CALLER,
            exec_act: "callee_task",
            pred: ects.map((e) => e.claims.jti),
            inp_hash: bodyHash,
            out_hash: out.hash,
          },
          calleeKey,
        );
        calleeEcts.push(ect);
        setExecutionContextHeader(res, ect);
        res.end(out.bytes);
      },
      { verifier: createEctVerifier({ verifierId: CALLEE, keys }), bodyHashClaim: "out_hash" },
    ),
  );
  url = server.url;
  close = server.close;
});
afterAll(() => close());

async function callerEct(body: Uint8Array | string, claims: Partial<EctClaimsInput> = {}, options = {}) {
  const prepared = await prepareBody(body);
  const token = await createEct(
    { iss: CALLER, aud: CALLEE, exec_act: "caller_task", pred: [], out_hash: prepared.hash, ...claims },
    callerKey,
    options,
  );
  return { token, bytes: prepared.bytes };
}

async function post(token: string, bytes: Uint8Array) {
  const res = await fetch(
    url,
    withExecutionContext({ method: "POST", body: bytes as Uint8Array<ArrayBuffer> }, token),
  );
  return res;
}

async function problemCode(res: Response): Promise<[number, unknown]> {
  const body = (await res.json()) as { code?: unknown };
  return [res.status, body.code];
}

describe("ect-http with ect-crypto tokens", () => {
  it("accepts a real ECT, and the caller verifies the callee's ECT on the response", async () => {
    const { token, bytes } = await callerEct("input");
    const res = await post(token, bytes);
    expect(res.status).toBe(200);
    const callerVerifier = createEctVerifier({
      verifierId: CALLER,
      keys: staticKeyResolver([{ iss: CALLEE, key: calleeKey }]),
    });
    const received = await readExecutionContext(res, { verifier: callerVerifier, bodyHashClaim: "out_hash" });
    expect(received.ok).toBe(true);
    if (!received.ok) return;
    const [ect] = received.value.ects;
    expect(ect!.claims.exec_act).toBe("callee_task");
    expect(ect!.claims.iss).toBe(CALLEE);
    expect(ect!.token).toBe(calleeEcts.at(-1));
  });

  it("refuses the same request sent twice with ECT_REPLAY", async () => {
    const { token, bytes } = await callerEct("once");
    expect((await post(token, bytes)).status).toBe(200);
    expect(await problemCode(await post(token, bytes))).toEqual([403, "ECT_REPLAY"]);
  });

  it("refuses a body that does not match out_hash without burning the jti", async () => {
    const { token, bytes } = await callerEct("the real body");
    expect(await problemCode(await post(token, new TextEncoder().encode("another body")))).toEqual([
      403,
      "ECT_BODY_HASH_MISMATCH",
    ]);
    expect((await post(token, bytes)).status).toBe(200);
  });

  it("does not burn the jti of a token longer than 16384 characters (raised maxTokenLength) refused for its body", async () => {
    const config = { maxTokenLength: 65_536 };
    const keys = staticKeyResolver([{ iss: CALLER, key: callerKey }]);
    const verifier = createEctVerifier({ verifierId: CALLEE, keys, config });
    const body = await prepareBody("the real body");
    const token = await createEct(
      {
        iss: CALLER,
        aud: CALLEE,
        exec_act: "long",
        pred: [],
        out_hash: body.hash,
        notes: "n".repeat(20_000),
      },
      callerKey,
      { config },
    );
    expect(token.length).toBeGreaterThan(16_384);
    const options = { verifier, bodyHashClaim: "out_hash" as const, header: token };
    const swapped = await verifyExecutionContext({
      ...options,
      body: new TextEncoder().encode("another body"),
    });
    expect(swapped.ok ? "accepted" : swapped.error.code).toBe("ECT_BODY_HASH_MISMATCH");
    const retry = await verifyExecutionContext({ ...options, body: body.bytes });
    expect(retry.ok ? "accepted" : retry.error.code).toBe("accepted");
  });

  it("refuses an ECT for another audience with ECT_AUD_MISMATCH", async () => {
    const { token, bytes } = await callerEct("x", { aud: "spiffe://example.org/someone-else" });
    expect(await problemCode(await post(token, bytes))).toEqual([403, "ECT_AUD_MISMATCH"]);
  });

  it("refuses an altered signature with ECT_SIGNATURE_INVALID", async () => {
    const { token, bytes } = await callerEct("x");
    const [h, p, s] = token.split(".") as [string, string, string];
    const flipped = `${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}`;
    expect(await problemCode(await post(flipped, bytes))).toEqual([403, "ECT_SIGNATURE_INVALID"]);
  });

  it("refuses a key not bound to the issuer with ECT_KEY_NOT_FOUND", async () => {
    const prepared = await prepareBody("x");
    const token = await createEct(
      { iss: CALLER, aud: CALLEE, exec_act: "forged", pred: [], out_hash: prepared.hash },
      strangerKey,
    );
    expect(await problemCode(await post(token, prepared.bytes))).toEqual([403, "ECT_KEY_NOT_FOUND"]);
  });

  it("refuses an expired ECT with ECT_EXPIRED", async () => {
    const past = Date.now() - 11 * 60_000;
    const { token, bytes } = await callerEct("x", {}, { clock: () => past });
    expect(await problemCode(await post(token, bytes))).toEqual([403, "ECT_EXPIRED"]);
  });
});

describe("README", () => {
  it("runs the two-services example as written", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const readme = readFileSync(join(here, "..", "README.md"), "utf8");
    const example = /## Example[^\n]*\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    // Run it from inside the package so `ect-http` resolves to this package (self-reference).
    const file = join(here, `readme-example-${process.pid}.generated.ts`);
    writeFileSync(file, `${example}\nexport {};\n`);
    const lines: unknown[][] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => {
      lines.push(args);
    };
    try {
      await import(file);
    } finally {
      console.log = log;
      rmSync(file, { force: true });
    }
    expect(lines).toEqual([["credit_check", '{"score":712}']]);
  });
});
