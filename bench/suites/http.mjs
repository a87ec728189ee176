// The verify path under HTTP load: an ect-http node:http server at level 2 (createEctNodeHandler +
// createEctVerifier, full profile §5 with its replay cache) against a bare node:http server whose
// handler calls jose.jwtVerify. Each server runs in a process of its own (bench/lib/http-server.mjs);
// the clients run here: 64 concurrent keep-alive connections, each sending one POST at a time with
// its token in Execution-Context. A round sends unique valid tokens with every tenth one forged (a
// flipped signature byte), then replays a tenth of the round's accepted tokens. Every answer is
// checked: the ECT server must answer 200, 403 ECT_SIGNATURE_INVALID and 403 ECT_REPLAY; jose must
// answer 200, 403 and (it has no replay protection) 200 to the replays. A wrong answer aborts the
// suite. Rounds alternate between the servers (mirrored order), so drift hits both alike.
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { collectGarbage, nowNs, summarize } from "../lib/measure.mjs";
import { importPackage } from "../lib/suite.mjs";
import { benchClaims, generateBenchKey, ISSUER, signToken, VERIFIER_ID } from "../lib/tokens.mjs";

const CONNECTIONS = 64;
const BODY = JSON.stringify({ task: "bench.summarize", input: "x".repeat(64) });

/** A flipped character in the middle of the signature: still canonical base64url, no longer valid. */
function forge(token) {
  const dot = token.lastIndexOf(".");
  const i = dot + 20;
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

/** One round's requests: [token, expected] pairs for `kind`. */
function roundRequests(count, privateKey, kind) {
  const requests = [];
  const accepted = [];
  for (let i = 0; i < count; i++) {
    const token = signToken(benchClaims(), privateKey);
    if (i % 10 === 9) {
      requests.push([
        forge(token),
        { status: 403, code: kind === "ect" ? "ECT_SIGNATURE_INVALID" : undefined },
      ]);
    } else {
      requests.push([token, { status: 200 }]);
      accepted.push(token);
    }
  }
  for (let i = 0; i < count / 10; i++) {
    const replay = accepted[(i * 7) % accepted.length];
    requests.push([replay, kind === "ect" ? { status: 403, code: "ECT_REPLAY" } : { status: 200 }]);
  }
  return requests;
}

function startServer(ctx, kind, setup) {
  return new Promise((resolve, reject) => {
    const child = fork(join(ctx.benchDir, "lib", "http-server.mjs"), [kind], {
      cwd: ctx.root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // e.g. ECT_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a server's time goes
      execArgv: (process.env.ECT_BENCH_SERVER_ARGS ?? "").split(" ").filter(Boolean),
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${kind} server exited (${code}) before listening`)));
    child.once("message", ({ port }) => {
      child.removeAllListeners("exit");
      resolve({ kind, port, pid: child.pid, child });
    });
    child.send(setup);
  });
}

function post(agent, port, token) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/task",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(BODY),
          "execution-context": token,
        },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

/** The server process's CPU time (all threads) and event-loop busy time so far, µs. */
function serverUsage(server) {
  return new Promise((resolve) => {
    server.child.once("message", resolve);
    server.child.send("usage");
  });
}

/** Sends every request over `CONNECTIONS` keep-alive lanes, checking each answer; returns timings. */
async function runRound(server, requests) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = new Float64Array(requests.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= requests.length) return;
      const [token, expected] = requests[i];
      const t0 = nowNs();
      const { status, body } = await post(agent, server.port, token);
      latencies[i] = nowNs() - t0;
      const code = status === 200 ? undefined : JSON.parse(body).code;
      if (status !== expected.status || (expected.code !== undefined && code !== expected.code)) {
        throw new Error(
          `${server.kind} server, request ${i}: answered ${status} ${code ?? ""}, expected ${expected.status} ${expected.code ?? ""}`,
        );
      }
    }
  };
  // Open the connections before the clock starts, as a keep-alive client pool would have them.
  await Promise.all(
    Array.from({ length: CONNECTIONS }, () => post(agent, server.port, "warm").catch(() => {})),
  );
  collectGarbage();
  const before = await serverUsage(server);
  const start = nowNs();
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  const elapsed = nowNs() - start;
  const after = await serverUsage(server);
  agent.destroy();
  return { latencies, elapsed, cpuUs: after.cpuUs - before.cpuUs, loopUs: after.loopUs - before.loopUs };
}

export default {
  title: "ect-http server (level 2) vs bare node:http + jose.jwtVerify, 64 keep-alive clients",
  async run(ctx) {
    await importPackage("ect-http/node", ["createEctNodeHandler"]);
    const perRound = ctx.quick ? 1000 : 3000;
    const rounds = ctx.quick ? 2 : 8;
    const key = generateBenchKey();
    const setup = { publicJwk: key.publicJwk, kid: key.kid, issuer: ISSUER, verifierId: VERIFIER_ID };
    const servers = {
      ect: await startServer(ctx, "ect", setup),
      jose: await startServer(ctx, "jose", setup),
    };
    const stop = () => {
      for (const s of Object.values(servers)) {
        try {
          process.kill(s.pid);
        } catch {
          // already gone
        }
      }
    };
    ctx.log(
      `servers: ect pid ${servers.ect.pid}, jose pid ${servers.jose.pid}; ${rounds} rounds of ${perRound} tokens ` +
        `(every tenth forged) + ${perRound / 10} replays per server, ${CONNECTIONS} keep-alive connections`,
    );
    const stats = {
      ect: { lat: [], rounds: [], cpuUs: 0, loopUs: 0, requests: 0 },
      jose: { lat: [], rounds: [], cpuUs: 0, loopUs: 0, requests: 0 },
    };
    try {
      // Warm-up: one short round each (JIT, key import, connection pools), not recorded.
      for (const kind of ["ect", "jose"])
        await runRound(servers[kind], roundRequests(500, key.privateKey, kind));
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? ["ect", "jose"] : ["jose", "ect"];
        for (const kind of order) {
          const requests = roundRequests(perRound, key.privateKey, kind);
          const { latencies, elapsed, cpuUs, loopUs } = await runRound(servers[kind], requests);
          const side = stats[kind];
          side.lat.push(...latencies);
          side.rounds.push(elapsed);
          side.cpuUs += cpuUs;
          side.loopUs += loopUs;
          side.requests += requests.length;
        }
      }
    } finally {
      stop();
    }
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    const jose = summarize(stats.jose.lat, sum(stats.jose.rounds), stats.jose.rounds);
    const ect = summarize(stats.ect.lat, sum(stats.ect.rounds), stats.ect.rounds);
    ctx.record({
      name: "node:http + jose.jwtVerify (no replay check), requests",
      ...jose,
      inflight: CONNECTIONS,
    });
    ctx.record({
      name: "ect-http createEctNodeHandler + createEctVerifier (level 2), requests",
      ...ect,
      inflight: CONNECTIONS,
      ratio: ect.opsPerSec / jose.opsPerSec,
      p50Ratio: jose.p50Us / ect.p50Us,
      ratioTo: "jose server",
      target: { op: ">=", value: 1.0 },
    });
    // Where a server's time goes: its CPU time per request (main thread and thread pool) and its
    // main thread's share (event-loop busy time). A server whose main thread is busy all the time is
    // bounded by it, whatever the second core does.
    for (const [kind, label] of [
      ["jose", "jose server"],
      ["ect", "ect-http server"],
    ]) {
      const side = stats[kind];
      ctx.record({
        name: `${label}: CPU per request (all threads)`,
        value: side.cpuUs / side.requests,
        unit: "µs",
      });
      ctx.record({
        name: `${label}: main thread busy per request`,
        value: side.loopUs / side.requests,
        unit: "µs",
      });
    }
  },
};
