// A server process of the `http` benchmark (bench/suites/http.mjs), started with child_process.fork
// so it has an event loop and a process of its own, as a deployed service would; the clients run
// in the bench process. `process.argv[2]` picks the handler:
//
//   ect   ect-http's createEctNodeHandler + ect-crypto's createEctVerifier at level 2 (the full
//         profile §5 with the verifier's own in-memory replay cache)
//   jose  a bare node:http handler calling jose.jwtVerify(token, key, { algorithms, audience })
//
// Both read the whole request body, answer 200 with a small JSON body when the token is accepted
// and 403 with the refusal's code otherwise. The parent sends { publicJwk, kid, issuer, verifierId }
// over IPC and gets { port } back; it stops the process by PID (SIGTERM).
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";

const kind = process.argv[2];
// Stopped by the bench with SIGTERM: exit normally, so a --cpu-prof profile gets written.
process.on("SIGTERM", () => process.exit(0));

async function ectListener({ publicJwk, kid, issuer, verifierId }) {
  const { createEctVerifier, staticKeyResolver } = await import("ect-crypto");
  const { createEctNodeHandler } = await import("ect-http/node");
  const keys = staticKeyResolver([{ iss: issuer, kid, key: publicJwk, algorithms: ["ES256"] }]);
  const verifier = createEctVerifier({ verifierId, keys });
  return createEctNodeHandler(
    (_req, res, { ects }) => {
      const body = `{"ok":true,"jti":"${ects[0].claims.jti}"}`;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    },
    { verifier },
  );
}

async function joseListener({ publicJwk, verifierId }) {
  const { importJWK, jwtVerify } = await import("jose");
  const key = await importJWK(publicJwk, "ES256");
  const options = { algorithms: ["ES256"], audience: verifierId };
  const send = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  return (req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const token = req.headers["execution-context"];
      if (typeof token !== "string") {
        send(res, 400, '{"code":"missing"}');
        return;
      }
      jwtVerify(token, key, options).then(
        ({ payload }) => send(res, 200, `{"ok":true,"jti":"${payload.jti}"}`),
        (error) => send(res, 403, JSON.stringify({ code: error.code ?? "refused" })),
      );
    });
  };
}

// After the setup message, a "usage" message is answered with the CPU time of the whole process
// (main thread and thread pool) and the busy time of its event loop (the main thread), both in µs.
process.on("message", async (message) => {
  if (message === "usage") {
    const cpu = process.cpuUsage();
    process.send({ cpuUs: cpu.user + cpu.system, loopUs: performance.eventLoopUtilization().active * 1000 });
    return;
  }
  const listener = kind === "ect" ? await ectListener(message) : await joseListener(message);
  const server = createServer({ keepAliveTimeout: 60_000 }, listener);
  server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
});
