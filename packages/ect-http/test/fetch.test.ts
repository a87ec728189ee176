// The runtime-neutral entry without any server: outgoing headers, problem responses, reading a
// fetch Request/Response, and the client side of a response carrying the callee's ECT.

import type { IncomingMessage } from "node:http";
import { request } from "node:http";
import { EctConfigError, EctError, sha256Base64url } from "ect-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createEctFetchHandler,
  executionContextHeaders,
  prepareBody,
  problemResponse,
  readExecutionContext,
  refusalFromError,
  statusForEctErrorCode,
  verifyExecutionContext,
  withExecutionContext,
} from "../src/index.js";
import {
  createEctNodeHandler,
  readNodeExecutionContext,
  serveFetchHandler,
  setExecutionContextHeader,
} from "../src/node.js";
import { fakeToken, listen, StubVerifier } from "./support.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe("withExecutionContext", () => {
  it("adds the header to a RequestInit, keeping the other headers", () => {
    const token = fakeToken();
    const init = withExecutionContext({ method: "POST", headers: { "x-a": "1" } }, token);
    expect(init.method).toBe("POST");
    expect(init.headers.get("execution-context")).toBe(token);
    expect(init.headers.get("x-a")).toBe("1");
  });

  it("replaces a value already present and joins several tokens with commas", () => {
    const [a, b] = [fakeToken(), fakeToken()];
    const init = withExecutionContext({ headers: [["Execution-Context", "old.old.old"]] }, [a, b]);
    expect(init.headers.get("execution-context")).toBe(`${a}, ${b}`);
  });

  it("does not change the init it was given", () => {
    const headers = new Headers({ "x-a": "1" });
    const original = { status: 201, headers };
    withExecutionContext(original, fakeToken());
    expect(headers.has("execution-context")).toBe(false);
  });

  it.each([
    ["a CR LF header injection", "a.b.c\r\nX-Admin: yes"],
    ["a comma inside a token", "a.b,c"],
    ["an empty list", []],
  ])("refuses %s with ECT_HEADER_INVALID", (_name, tokens) => {
    expect(() => withExecutionContext({}, tokens as string)).toThrow(
      expect.objectContaining({ code: "ECT_HEADER_INVALID" }),
    );
    expect(() => executionContextHeaders(tokens as string)).toThrow(EctError);
  });

  it("executionContextHeaders gives a plain record", () => {
    const token = fakeToken();
    expect(executionContextHeaders(token)).toEqual({ "Execution-Context": token });
  });
});

describe("prepareBody", () => {
  it("hashes exactly the UTF-8 bytes it returns", async () => {
    const body = await prepareBody("prêt ✓");
    expect(Buffer.from(body.bytes).toString("utf8")).toBe("prêt ✓");
    expect(body.hash).toBe(await sha256Base64url(new TextEncoder().encode("prêt ✓")));
    expect(body.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("keeps bytes as given", async () => {
    const bytes = Uint8Array.from([1, 2, 3]);
    const body = await prepareBody(bytes);
    expect(body.bytes).toBe(bytes);
    expect(body.hash).toBe(await sha256Base64url(bytes));
  });
});

describe("problems", () => {
  it("maps codes to statuses", () => {
    expect(statusForEctErrorCode("ECT_HEADER_MISSING")).toBe(400);
    expect(statusForEctErrorCode("ECT_REPLAY")).toBe(403);
    expect(statusForEctErrorCode("ECT_LEDGER_UNAVAILABLE")).toBe(503);
    expect(statusForEctErrorCode("ECT_REPLAY_CACHE_UNAVAILABLE")).toBe(503);
    expect(statusForEctErrorCode("ECT_KEY_RESOLUTION_FAILED")).toBe(503);
    expect(statusForEctErrorCode("ECT_SIGNATURE_INVALID")).toBe(403);
    expect(statusForEctErrorCode("ECT_CONFIG_INVALID")).toBe(500);
  });

  it("problemResponse is an application/problem+json Response with the code", async () => {
    const refusal = refusalFromError(new EctError("ECT_EXPIRED", "exp is in the past", { member: "exp" }));
    const res = problemResponse(refusal);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toEqual({
      type: "about:blank",
      title: "Forbidden",
      status: 403,
      detail: "exp is in the past",
      code: "ECT_EXPIRED",
      member: "exp",
    });
  });

  it("never sends the message of a foreign error", () => {
    const refusal = refusalFromError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(refusal.status).toBe(500);
    expect(JSON.stringify(refusal.problem)).not.toContain("Cannot read");
    expect(refusal.cause).toBeInstanceOf(TypeError);
  });
});

describe("createEctFetchHandler without a server", () => {
  it("answers a refusal itself and hands a verified request on", async () => {
    const token = fakeToken({ exec_act: "fetch-task" });
    const seen: string[] = [];
    const handle = createEctFetchHandler(
      (_req, { ects, body }) => {
        seen.push(ects[0]!.claims.exec_act, new TextDecoder().decode(body));
        return new Response("ok");
      },
      { verifier: new StubVerifier().accept(token) },
    );
    const refused = await handle(new Request("http://example.test/", { method: "POST", body: "x" }));
    expect(refused.status).toBe(400);
    expect((await refused.json()).code).toBe("ECT_HEADER_MISSING");
    const accepted = await handle(
      new Request("http://example.test/", withExecutionContext({ method: "POST", body: "payload" }, token)),
    );
    expect(accepted.status).toBe(200);
    expect(seen).toEqual(["fetch-task", "payload"]);
  });

  it("reads a streamed request body only up to the limit", async () => {
    const token = fakeToken();
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(512));
        if (pulls > 1000) controller.close();
      },
    });
    const handle = createEctFetchHandler(() => new Response("never"), {
      verifier: new StubVerifier().accept(token),
      maxBodyBytes: 1024,
    });
    const res = await handle(
      new Request("http://example.test/", {
        method: "POST",
        body: stream,
        headers: { "Execution-Context": token },
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(pulls).toBeLessThan(10);
  });
});

describe("verifyExecutionContext", () => {
  it("does not read the body when the header is refused", async () => {
    let reads = 0;
    const result = await verifyExecutionContext({
      verifier: new StubVerifier(),
      header: "not valid!",
      body: async () => {
        reads++;
        return new Uint8Array();
      },
    });
    expect(result.ok).toBe(false);
    expect(reads).toBe(0);
  });

  it("treats an empty list of field lines as absent", async () => {
    const result = await verifyExecutionContext({
      verifier: new StubVerifier(),
      header: [],
      body: new Uint8Array(),
    });
    expect(result.ok ? undefined : result.error.code).toBe("ECT_HEADER_MISSING");
  });

  it("refuses a body given as bytes that is over the limit", async () => {
    const token = fakeToken();
    const result = await verifyExecutionContext({
      verifier: new StubVerifier().accept(token),
      header: token,
      body: new Uint8Array(11),
      maxBodyBytes: 10,
    });
    expect(result.ok ? undefined : result.error.status).toBe(413);
  });

  it("gives the body's SHA-256 when read or destructured, the same value every time", async () => {
    const token = fakeToken();
    const body = new TextEncoder().encode("hello");
    const result = await verifyExecutionContext({
      verifier: new StubVerifier().accept(token),
      header: token,
      body,
    });
    if (!result.ok) throw new Error(result.error.problem.detail);
    const { bodyHash } = result.value;
    expect(bodyHash).toBe(await sha256Base64url(body));
    expect(result.value.bodyHash).toBe(bodyHash);
  });
});

describe("a response carrying the callee's ECT (SPEC 8)", () => {
  async function callee(calleeEct: string, body: string) {
    const s = await listen((_req, res) => {
      setExecutionContextHeader(res, calleeEct);
      res.end(body);
    });
    closers.push(s.close);
    return s;
  }

  it("is read and verified by a fetch client, body binding included", async () => {
    const body = '{"approved":true}';
    const calleeEct = fakeToken({ exec_act: "approve", out_hash: await sha256Base64url(body) });
    const { url } = await callee(calleeEct, body);
    const verifier = new StubVerifier().accept(calleeEct);
    const response = await fetch(url, withExecutionContext({ method: "POST", body: "in" }, fakeToken()));
    const received = await readExecutionContext(response, { verifier, bodyHashClaim: "out_hash" });
    expect(received.ok).toBe(true);
    if (!received.ok) return;
    expect(received.value.ects.map((e) => e.claims.exec_act)).toEqual(["approve"]);
    expect(new TextDecoder().decode(received.value.body)).toBe(body);
  });

  it("is refused on the client when the callee's body was altered in transit", async () => {
    const calleeEct = fakeToken({ out_hash: await sha256Base64url('{"approved":false}') });
    const { url } = await callee(calleeEct, '{"approved":true}');
    const received = await readExecutionContext(await fetch(url), {
      verifier: new StubVerifier().accept(calleeEct),
      bodyHashClaim: "out_hash",
    });
    expect(received.ok ? undefined : received.error.code).toBe("ECT_BODY_HASH_MISMATCH");
  });

  it("is read by a node:http client with readNodeExecutionContext", async () => {
    const calleeEct = fakeToken({ exec_act: "node-callee" });
    const { port } = await callee(calleeEct, "done");
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "GET", agent: false }, resolve);
      req.on("error", reject);
      req.end();
    });
    const received = await readNodeExecutionContext(response, {
      verifier: new StubVerifier().accept(calleeEct),
    });
    expect(received.ok).toBe(true);
    if (received.ok) expect(received.value.ects[0]!.token).toBe(calleeEct);
  });

  it("reports a missing ECT on a response as ECT_HEADER_MISSING", async () => {
    const s = await listen((_req, res) => res.end("no ect"));
    closers.push(s.close);
    const received = await readExecutionContext(await fetch(s.url), { verifier: new StubVerifier() });
    expect(received.ok ? undefined : received.error.code).toBe("ECT_HEADER_MISSING");
  });
});

describe("option mistakes (issue 14)", () => {
  // A programming error: an EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the option,
  // thrown at construction, never answered as a refusal.
  function expectConfigError(fn: () => unknown, option: string): void {
    let thrown: unknown;
    try {
      fn();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, option).toBeInstanceOf(EctConfigError);
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown).toMatchObject({ code: "ECT_CONFIG_INVALID", option });
  }
  const verifier = new StubVerifier();
  const workloadVerifier = { verifyRequest: async () => ({ ects: [] }) };

  it("the handler factories refuse unknown and invalid options at construction", () => {
    for (const create of [
      (o: object) => createEctFetchHandler(() => new Response(), o as never),
      (o: object) => createEctNodeHandler(() => {}, o as never),
    ]) {
      expectConfigError(() => create({ verifier, maxToken: 4 }), "maxToken");
      expectConfigError(() => create({ verifier, maxTokens: 0 }), "maxTokens");
      expectConfigError(() => create({ verifier, maxHeaderLength: 1.5 }), "maxHeaderLength");
      expectConfigError(() => create({ verifier, maxBodyBytes: -1 }), "maxBodyBytes");
      expectConfigError(() => create({ verifier, required: "no" }), "required");
      expectConfigError(() => create({ verifier, bodyHashClaim: "hash" }), "bodyHashClaim");
      expectConfigError(() => create({ verifier, problemTypeBase: 7 }), "problemTypeBase");
      expectConfigError(() => create({}), "verifier");
      expectConfigError(() => create(null as never), "options");
      const workloadIdentity = { verifier: workloadVerifier, origin: "https://b.example" };
      expectConfigError(() => create({ verifier, workloadIdentity }), "verifier");
      expectConfigError(
        () => create({ workloadIdentity: { ...workloadIdentity, origin: "b.example" } }),
        "workloadIdentity.origin",
      );
      expectConfigError(
        () => create({ workloadIdentity: { origin: "https://b.example" } }),
        "workloadIdentity.verifier",
      );
      expectConfigError(
        () => create({ workloadIdentity: { ...workloadIdentity, orign: "x" } }),
        "workloadIdentity.orign",
      );
    }
    expectConfigError(() => serveFetchHandler(() => new Response(), { maxBodyBytes: 0 }), "maxBodyBytes");
    expectConfigError(() => serveFetchHandler(() => new Response(), { maxBody: 10 } as never), "maxBody");
  });

  it("the per-message functions reject with the EctConfigError instead of returning a refusal", async () => {
    const request = new Request("https://b.example/", { method: "POST", body: "x" });
    for (const rejected of [
      readExecutionContext(request, { verifier, maxTokens: -1 }),
      verifyExecutionContext({ verifier, header: fakeToken(), body: new Uint8Array(), maxToken: 1 } as never),
      verifyExecutionContext({
        workloadIdentity: { verifier: workloadVerifier, origin: "https://b.example" },
        header: fakeToken(),
        body: new Uint8Array(),
      }),
      readExecutionContext(new Response("x"), {
        workloadIdentity: { verifier: workloadVerifier, origin: "https://b.example" },
      }),
    ]) {
      const error = await rejected.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EctConfigError);
      expect(error).toBeInstanceOf(TypeError);
    }
    await expect(readExecutionContext(request, { verifier, maxTokens: -1 })).rejects.toMatchObject({
      option: "maxTokens",
    });
    await expect(
      verifyExecutionContext({
        workloadIdentity: { verifier: workloadVerifier, origin: "https://b.example" },
        header: fakeToken(),
        body: new Uint8Array(),
      }),
    ).rejects.toMatchObject({ option: "workload" });
    await expect(
      readExecutionContext(new Response("x"), {
        workloadIdentity: { verifier: workloadVerifier, origin: "https://b.example" },
      }),
    ).rejects.toMatchObject({ option: "workloadIdentity" });
  });
});
