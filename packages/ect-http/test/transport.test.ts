// The same behaviour matrix against a node:http handler and a fetch-style handler served through
// node:http, on real loopback servers (SPEC 5 refusals, SPEC 8 transport).
import { sha256Base64url } from "ect-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createEctFetchHandler,
  type ExecutionContextOptions,
  type ReceivedExecutionContext,
  withExecutionContext,
} from "../src/index.js";
import { createEctNodeHandler, serveFetchHandler, setExecutionContextHeader } from "../src/node.js";
import { fakeToken, listen, type RawResponse, StubVerifier, send } from "./support.js";

interface Echo {
  tokens: string[];
  acts: string[];
  bodyHash: string;
  bodyHex: string;
}

function echo(context: ReceivedExecutionContext): Echo {
  return {
    tokens: context.ects.map((e) => e.token),
    acts: context.ects.map((e) => e.claims.exec_act),
    bodyHash: context.bodyHash,
    bodyHex: Buffer.from(context.body).toString("hex"),
  };
}

type Kind = "node:http handler" | "fetch handler served through node:http";

/** What the handler answers with: its echo, and optionally its own ECT in the response. */
interface HandlerBehaviour {
  respondWithEct?: string;
  throwError?: Error;
}

function listenerFor(kind: Kind, options: ExecutionContextOptions, behaviour: HandlerBehaviour) {
  if (kind === "node:http handler") {
    return createEctNodeHandler((_req, res, context) => {
      if (behaviour.throwError !== undefined) throw behaviour.throwError;
      if (behaviour.respondWithEct !== undefined) setExecutionContextHeader(res, behaviour.respondWithEct);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(echo(context)));
    }, options);
  }
  return serveFetchHandler(
    createEctFetchHandler(async (_request, context) => {
      if (behaviour.throwError !== undefined) throw behaviour.throwError;
      const init = { status: 200, headers: { "content-type": "application/json" } };
      return new Response(
        JSON.stringify(echo(context)),
        behaviour.respondWithEct === undefined ? init : withExecutionContext(init, behaviour.respondWithEct),
      );
    }, options),
  );
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function serve(
  kind: Kind,
  options: ExecutionContextOptions,
  behaviour: HandlerBehaviour = {},
  serverOptions: { maxHeaderSize?: number } = {},
) {
  const s = await listen(listenerFor(kind, options, behaviour), serverOptions);
  closers.push(s.close);
  return s;
}

function expectProblem(res: RawResponse, status: number, code: string | undefined): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  expect(res.headers["cache-control"]).toBe("no-store");
  const problem = res.json();
  expect(problem.type).toBe("about:blank");
  expect(problem.status).toBe(status);
  expect(typeof problem.title).toBe("string");
  expect(typeof problem.detail).toBe("string");
  expect(problem.code).toBe(code);
  const text = res.body.toString("utf8");
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames
  expect(text).not.toContain("stack");
  return problem;
}

const kinds: Kind[] = ["node:http handler", "fetch handler served through node:http"];

describe.each(kinds)("%s", (kind) => {
  it("refuses a request without the header with 400 ECT_HEADER_MISSING (profile §5: 400, not 401 without a scheme)", async () => {
    const verifier = new StubVerifier();
    const { port } = await serve(kind, { verifier });
    const res = await send(port, { body: "x" });
    const problem = expectProblem(res, 400, "ECT_HEADER_MISSING");
    expect(problem.title).toBe("Bad Request");
    expect(res.headers["www-authenticate"]).toBeUndefined();
    expect(verifier.calls).toEqual([]);
  });

  it("hands on a request without the header when the header is optional", async () => {
    const { port } = await serve(kind, { verifier: new StubVerifier(), required: false });
    const res = await send(port, { body: "hello" });
    expect(res.status).toBe(200);
    const body = res.json() as unknown as Echo;
    expect(body.tokens).toEqual([]);
    expect(body.bodyHash).toBe(await sha256Base64url("hello"));
  });

  it("verifies one token and hands it and the exact body bytes to the handler", async () => {
    const token = fakeToken({ exec_act: "review" });
    const verifier = new StubVerifier().accept(token);
    const { port } = await serve(kind, { verifier });
    // Bytes that are not valid UTF-8: a handler re-decoding text would change them.
    const bytes = Uint8Array.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x0a]);
    const res = await send(port, { headers: { "Execution-Context": token }, body: bytes });
    expect(res.status).toBe(200);
    const body = res.json() as unknown as Echo;
    expect(body.tokens).toEqual([token]);
    expect(body.acts).toEqual(["review"]);
    expect(body.bodyHex).toBe(Buffer.from(bytes).toString("hex"));
    expect(body.bodyHash).toBe(await sha256Base64url(bytes));
    expect(verifier.calls).toEqual([token]);
  });

  it("joins several field lines and comma-separated values in order", async () => {
    const [a, b, c] = [fakeToken(), fakeToken(), fakeToken()];
    const verifier = new StubVerifier().accept(a, b, c);
    const { port } = await serve(kind, { verifier });
    const res = await send(port, { headers: { "Execution-Context": [`${a} ,${b}`, ` ${c}`] }, body: "" });
    expect(res.status).toBe(200);
    expect((res.json() as unknown as Echo).tokens).toEqual([a, b, c]);
  });

  it("accepts exactly 16 tokens and refuses 17 with ECT_HEADER_INVALID before verifying any", async () => {
    const tokens = Array.from({ length: 17 }, () => fakeToken());
    const verifier = new StubVerifier().accept(...tokens);
    const { port } = await serve(kind, { verifier });
    const ok16 = await send(port, { headers: { "Execution-Context": tokens.slice(0, 16).join(",") } });
    expect(ok16.status).toBe(200);
    expect((ok16.json() as unknown as Echo).tokens).toHaveLength(16);
    verifier.calls.length = 0;
    const res = await send(port, { headers: { "Execution-Context": tokens } });
    expectProblem(res, 403, "ECT_HEADER_INVALID");
    expect(verifier.calls).toEqual([]);
  });

  it("honours a lower token count limit", async () => {
    const tokens = [fakeToken(), fakeToken(), fakeToken()];
    const { port } = await serve(kind, { verifier: new StubVerifier().accept(...tokens), maxTokens: 2 });
    const res = await send(port, { headers: { "Execution-Context": tokens.join(", ") } });
    expectProblem(res, 403, "ECT_HEADER_INVALID");
  });

  it("refuses a header longer than the size limit with ECT_HEADER_INVALID", async () => {
    const token = fakeToken();
    const verifier = new StubVerifier().accept(token);
    const { port } = await serve(kind, { verifier, maxHeaderLength: token.length + 10 });
    const ok = await send(port, { headers: { "Execution-Context": token } });
    expect(ok.status).toBe(200);
    verifier.calls.length = 0;
    // Over the limit across two field lines, each of them under it.
    const res = await send(port, { headers: { "Execution-Context": [token, token] } });
    expectProblem(res, 403, "ECT_HEADER_INVALID");
    expect(verifier.calls).toEqual([]);
  });

  it("refuses an oversized header with the default limit (16 x 16384 characters)", async () => {
    const verifier = new StubVerifier();
    const { port } = await serve(kind, { verifier }, {}, { maxHeaderSize: 1024 * 1024 });
    const huge = "a".repeat(16 * 16384 + 1);
    const res = await send(port, { headers: { "Execution-Context": huge } });
    expectProblem(res, 403, "ECT_HEADER_INVALID");
    expect(verifier.calls).toEqual([]);
  });

  it.each([
    ["an empty value", ""],
    ["only commas and spaces", " , ,  "],
    ["a character outside base64url", "abc$def.ghi.jkl"],
    ["a space inside a token", "abc def.ghi.jkl"],
    ["too many dots", "a.b.c.d"],
    ["a quoted string", '"abc.def.ghi"'],
    ["a semicolon parameter", "abc.def.ghi;q=1"],
    ["non-ASCII", "abc.déf.ghi"],
  ])("refuses %s with 403 ECT_HEADER_INVALID", async (_name, value) => {
    const verifier = new StubVerifier();
    const { port } = await serve(kind, { verifier });
    const res = await send(port, {
      headers: { "Execution-Context": Buffer.from(value, "utf8").toString("latin1") },
    });
    expectProblem(res, 403, "ECT_HEADER_INVALID");
    expect(verifier.calls).toEqual([]);
  });

  it("refuses a token the verifier refuses with 403 and the verifier's code and member", async () => {
    const token = fakeToken();
    const verifier = new StubVerifier();
    verifier.failure = {
      code: "ECT_AUD_MISMATCH",
      message: "aud does not contain this verifier",
      member: "aud",
    };
    const { port } = await serve(kind, { verifier });
    const res = await send(port, { headers: { "Execution-Context": token } });
    const problem = expectProblem(res, 403, "ECT_AUD_MISMATCH");
    expect(problem.title).toBe("Forbidden");
    expect(problem.detail).toBe("aud does not contain this verifier");
    expect(problem.member).toBe("aud");
  });

  it("refuses the whole request when a later token is refused", async () => {
    const good = fakeToken();
    const bad = fakeToken();
    const verifier = new StubVerifier().accept(good);
    const { port } = await serve(kind, { verifier });
    const res = await send(port, { headers: { "Execution-Context": `${good}, ${bad}` } });
    expectProblem(res, 403, "ECT_SIGNATURE_INVALID");
    expect(verifier.calls).toEqual([good, bad]);
  });

  it("answers 500 with a generic detail when the verifier fails with a non-ECT error", async () => {
    const verifier = new StubVerifier();
    verifier.failure = new Error("connect ECONNREFUSED 10.0.0.7:6379 at /srv/secret/config.js");
    const { port } = await serve(kind, { verifier });
    const res = await send(port, { headers: { "Execution-Context": fakeToken() } });
    const problem = expectProblem(res, 500, undefined);
    expect(res.body.toString()).not.toContain("ECONNREFUSED");
    expect(res.body.toString()).not.toContain("secret");
    expect(problem.title).toBe("Internal Server Error");
  });

  it("answers 503 without the internal message when the key set cannot be fetched", async () => {
    const verifier = new StubVerifier();
    verifier.failure = {
      code: "ECT_KEY_RESOLUTION_FAILED",
      message: "GET https://internal.example/jwks: 502",
    };
    const { port } = await serve(kind, { verifier });
    const res = await send(port, { headers: { "Execution-Context": fakeToken() } });
    expectProblem(res, 503, "ECT_KEY_RESOLUTION_FAILED");
    expect(res.body.toString()).not.toContain("internal.example");
  });

  it("answers 500 with a generic problem when the handler throws", async () => {
    const token = fakeToken();
    const { port } = await serve(
      kind,
      { verifier: new StubVerifier().accept(token) },
      { throwError: new Error("handler secret") },
    );
    const res = await send(port, { headers: { "Execution-Context": token } });
    expectProblem(res, 500, undefined);
    expect(res.body.toString()).not.toContain("handler secret");
  });

  describe("body binding (bodyHashClaim)", () => {
    it("accepts a token whose out_hash is the SHA-256 of the body bytes", async () => {
      const body = '{"score": 712}';
      const token = fakeToken({ out_hash: await sha256Base64url(body) });
      const { port } = await serve(kind, {
        verifier: new StubVerifier().accept(token),
        bodyHashClaim: "out_hash",
      });
      const res = await send(port, { headers: { "Execution-Context": token }, body });
      expect(res.status).toBe(200);
    });

    it("refuses a body that differs by one byte with ECT_BODY_HASH_MISMATCH and burns no jti", async () => {
      const token = fakeToken({ out_hash: await sha256Base64url('{"score": 712}') });
      const verifier = new StubVerifier().accept(token);
      const { port } = await serve(kind, { verifier, bodyHashClaim: "out_hash" });
      const res = await send(port, { headers: { "Execution-Context": token }, body: '{"score": 812}' });
      const problem = expectProblem(res, 403, "ECT_BODY_HASH_MISMATCH");
      expect(problem.member).toBe("out_hash");
      expect(verifier.calls).toEqual([]);
    });

    it("checks inp_hash when asked to, and refuses a token without the claim", async () => {
      const body = "input";
      const withHash = fakeToken({ inp_hash: await sha256Base64url(body) });
      const without = fakeToken();
      const verifier = new StubVerifier().accept(withHash, without);
      const { port } = await serve(kind, { verifier, bodyHashClaim: "inp_hash" });
      expect((await send(port, { headers: { "Execution-Context": withHash }, body })).status).toBe(200);
      const res = await send(port, { headers: { "Execution-Context": without }, body });
      const problem = expectProblem(res, 403, "ECT_BODY_HASH_MISMATCH");
      expect(problem.member).toBe("inp_hash");
    });

    it("requires every token of the header to match", async () => {
      const body = "same";
      const good = fakeToken({ out_hash: await sha256Base64url(body) });
      const other = fakeToken({ out_hash: await sha256Base64url("other") });
      const verifier = new StubVerifier().accept(good, other);
      const { port } = await serve(kind, { verifier, bodyHashClaim: "out_hash" });
      const res = await send(port, { headers: { "Execution-Context": `${good}, ${other}` }, body });
      expectProblem(res, 403, "ECT_BODY_HASH_MISMATCH");
    });
  });

  describe("body size", () => {
    it("refuses a declared Content-Length over the limit with 413", async () => {
      const token = fakeToken();
      const verifier = new StubVerifier().accept(token);
      const { port } = await serve(kind, { verifier, maxBodyBytes: 1024 });
      const res = await send(port, { headers: { "Execution-Context": token }, body: new Uint8Array(2048) });
      expectProblem(res, 413, undefined);
      expect(verifier.calls).toEqual([]);
    });

    it("refuses a chunked body that grows over the limit with 413", async () => {
      const token = fakeToken();
      const verifier = new StubVerifier().accept(token);
      const { port } = await serve(kind, { verifier, maxBodyBytes: 1024 });
      const chunk = new Uint8Array(600);
      const res = await send(port, {
        headers: { "Execution-Context": token },
        chunks: [chunk, chunk, chunk],
      });
      expectProblem(res, 413, undefined);
      expect(verifier.calls).toEqual([]);
    });

    it("accepts a body of exactly the limit", async () => {
      const token = fakeToken();
      const { port } = await serve(kind, { verifier: new StubVerifier().accept(token), maxBodyBytes: 1024 });
      const res = await send(port, { headers: { "Execution-Context": token }, body: new Uint8Array(1024) });
      expect(res.status).toBe(200);
    });
  });

  it("sends the callee's ECT in the response", async () => {
    const incoming = fakeToken();
    const calleeEct = fakeToken({ exec_act: "callee-task" });
    const { port } = await serve(
      kind,
      { verifier: new StubVerifier().accept(incoming) },
      { respondWithEct: calleeEct },
    );
    const res = await send(port, { headers: { "Execution-Context": incoming } });
    expect(res.status).toBe(200);
    expect(res.headersDistinct["execution-context"]).toEqual([calleeEct]);
  });

  it("uses problemTypeBase for the type and a category title", async () => {
    const { port } = await serve(kind, {
      verifier: new StubVerifier(),
      problemTypeBase: "https://docs.example.com/ect-errors#",
    });
    const res = await send(port, { headers: { "Execution-Context": fakeToken() } });
    const problem = res.json();
    expect(problem.type).toBe("https://docs.example.com/ect-errors#ECT_SIGNATURE_INVALID");
    expect(problem.title).toBe("Execution-Context refused");
    expect(problem.code).toBe("ECT_SIGNATURE_INVALID");
  });
});
