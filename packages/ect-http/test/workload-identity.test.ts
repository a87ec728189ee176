// profile §8, §9.5: WIT + WPT + ECT over HTTP with ect-wimse's verifier (a dev dependency only:
// ect-http's sources never import ect-wimse, they take any verifier of the workload shape).
import { EctErrorCodes } from "ect-core";
import { createEct } from "ect-crypto";
import { createWorkloadEctVerifier, createWptFactory } from "ect-wimse";
import { createIdentityServer, type IssuedWit } from "ect-wimse/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEctFetchHandler, workloadIdentityHeaders } from "../src/index.js";
import { createEctNodeHandler } from "../src/node.js";
import { listen, send } from "./support.js";

const receiver = "wimse://example.org/receiver";
let sender: IssuedWit;
let stranger: IssuedWit;
let server: Awaited<ReturnType<typeof listen>>;
let origin: string;

async function ect(iss = sender.subject, key = sender.key) {
  return createEct({ iss, aud: receiver, exec_act: "review", pred: [] }, key);
}

async function headersFor(tokens: string | string[], who = sender, url = `${origin}/task`) {
  return workloadIdentityHeaders(url, tokens, {
    wit: who.wit,
    proof: createWptFactory({ wit: who.wit, key: who.key }),
  });
}

beforeAll(async () => {
  const identity = await createIdentityServer({ trustDomain: "example.org" });
  const other = await createIdentityServer({ trustDomain: "untrusted.example" });
  sender = await identity.issueWit({ workload: "sender" });
  stranger = await other.issueWit({ workload: "stranger" });
  const verifier = createWorkloadEctVerifier({
    verifierId: receiver,
    trustAnchors: identity.trustAnchors,
    requireOth: ["execution-context"],
  });
  // The origin is configuration; the port is known only once listening, so it is read lazily.
  const handler = (o: string) =>
    createEctNodeHandler(
      (_req, res, { ects }) => {
        res.end(JSON.stringify({ iss: ects.map((e) => e.claims.iss) }));
      },
      { workloadIdentity: { verifier, origin: o } },
    );
  let listener: ReturnType<typeof handler> | undefined;
  server = await listen((req, res) => listener!(req, res));
  origin = server.url;
  listener = handler(origin);
});

afterAll(() => server.close());

describe("ect-http workloadIdentity (profile §9.5)", () => {
  it("accepts a request carrying WIT, WPT (oth covering Execution-Context) and the ECT", async () => {
    const res = await send(server.port, { path: "/task", headers: await headersFor(await ect()) });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ iss: [sender.subject] });
  });

  it("accepts several ECTs in one field line, proving the request once", async () => {
    const res = await send(server.port, {
      path: "/task",
      headers: await headersFor([await ect(), await ect()]),
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ iss: [sender.subject, sender.subject] });
  });

  it("answers 400 with the code for a missing WIT or WPT", async () => {
    const headers = await headersFor(await ect());
    const { "Workload-Identity-Token": _wit, ...noWit } = headers;
    const a = await send(server.port, { path: "/task", headers: noWit });
    expect([a.status, a.json().code, a.headers["content-type"]]).toEqual([
      400,
      EctErrorCodes.WIT_MISSING,
      "application/problem+json",
    ]);
    const { "Workload-Proof-Token": _wpt, ...noWpt } = headers;
    const b = await send(server.port, { path: "/task", headers: noWpt });
    expect([b.status, b.json().code]).toEqual([400, EctErrorCodes.WPT_MISSING]);
  });

  it("answers 400 for a WIT from an untrusted domain and for a replayed WPT", async () => {
    const untrusted = await send(server.port, {
      path: "/task",
      headers: await headersFor(await ect(stranger.subject, stranger.key), stranger),
    });
    expect([untrusted.status, untrusted.json().code]).toEqual([400, EctErrorCodes.WIT_UNTRUSTED]);
    const headers = await headersFor(await ect());
    expect((await send(server.port, { path: "/task", headers })).status).toBe(200);
    const replayed = await send(server.port, {
      path: "/task",
      headers: { ...headers, "Execution-Context": await ect() },
    });
    // the new ECT no longer matches the WPT's oth: the first refusal is the oth check
    expect([replayed.status, replayed.json().code]).toEqual([400, EctErrorCodes.WPT_OTH_MISMATCH]);
    const again = await send(server.port, { path: "/task", headers });
    expect([again.status, again.json().code]).toEqual([400, EctErrorCodes.WPT_REPLAY]);
  });

  it("answers 400 when the Execution-Context differs from what the WPT covers, or comes in two field lines", async () => {
    const headers = await headersFor(await ect());
    const swapped = await send(server.port, {
      path: "/task",
      headers: { ...headers, "Execution-Context": await ect() },
    });
    expect([swapped.status, swapped.json().code]).toEqual([400, EctErrorCodes.WPT_OTH_MISMATCH]);
    const value = headers["Execution-Context"]!;
    const twoLines = await send(server.port, {
      path: "/task",
      headers: { ...headers, "Execution-Context": [value, value] },
    });
    expect([twoLines.status, twoLines.json().code]).toEqual([400, EctErrorCodes.WPT_OTH_MISMATCH]);
  });

  it("answers 400 for a WPT made for another origin, whatever the Host header says", async () => {
    const elsewhere = await send(server.port, {
      path: "/task",
      headers: {
        ...(await headersFor(await ect(), sender, "https://evil.example/task")),
        host: "evil.example",
      },
    });
    expect([elsewhere.status, elsewhere.json().code]).toEqual([400, EctErrorCodes.WPT_AUD_MISMATCH]);
  });

  it("answers 403 for an ECT whose iss is not the WIT's sub", async () => {
    const res = await send(server.port, {
      path: "/task",
      headers: await headersFor(await ect("wimse://example.org/sendeR")),
    });
    expect([res.status, res.json().code]).toEqual([403, EctErrorCodes.WIT_SUBJECT_MISMATCH]);
  });

  it("works with the fetch handler, with the configured origin", async () => {
    const identity = await createIdentityServer({ trustDomain: "example.org" });
    const issued = await identity.issueWit({ workload: "sender" });
    const verifier = createWorkloadEctVerifier({ verifierId: receiver, trustAnchors: identity.trustAnchors });
    const handle = createEctFetchHandler((_request, { ects }) => new Response(ects[0]!.claims.iss), {
      workloadIdentity: { verifier, origin: "https://b.example" },
    });
    const token = await createEct(
      { iss: issued.subject, aud: receiver, exec_act: "x", pred: [] },
      issued.key,
    );
    const headers = await workloadIdentityHeaders("https://b.example/run?x=1", token, {
      wit: issued.wit,
      proof: createWptFactory(issued),
    });
    const ok = await handle(new Request("http://internal:8080/run?x=1", { method: "POST", headers }));
    expect([ok.status, await ok.text()]).toEqual([200, issued.subject]);
    const bad = await handle(
      new Request("http://internal:8080/run", { method: "POST", headers: { "Execution-Context": token } }),
    );
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([
      400,
      EctErrorCodes.WIT_MISSING,
    ]);
  });

  it("refuses a verifier together with workloadIdentity, or a bad origin, at construction", async () => {
    const verifier = { verifyRequest: async () => ({ ects: [] }) };
    const stub = {
      verify: async () => {
        throw new Error("unused");
      },
    };
    expect(() =>
      createEctNodeHandler(() => {}, {
        verifier: stub,
        workloadIdentity: { verifier, origin: "https://b.example" },
      }),
    ).toThrow(expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }));
    expect(() =>
      createEctFetchHandler(() => new Response(), {
        workloadIdentity: { verifier, origin: "b.example/path" },
      }),
    ).toThrow(expect.objectContaining({ code: EctErrorCodes.CONFIG_INVALID }));
  });
});
