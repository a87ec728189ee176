// A verification worker of the multi-core benchmark: its own ect-crypto verifier (own key import,
// own in-memory replay cache), fed chunks of tokens by the pool in bench/suites/multicore.mjs.
import { parentPort, workerData } from "node:worker_threads";
import { loadEctVerify } from "./ect-api.mjs";
import { nowNs, runOps } from "./measure.mjs";

const ect = await loadEctVerify(workerData.key);
let verify = ect.newVerify({ capacity: workerData.capacity });

// Messages are handled one after another (a chunk queued behind another waits for it), so a
// worker verifying with `inflight` 1 really verifies one token at a time.
let queue = Promise.resolve();
parentPort.on("message", (message) => {
  queue = queue.then(() => handle(message));
});

async function handle(message) {
  try {
    if (message.type === "reset") {
      verify = ect.newVerify({ capacity: workerData.capacity });
      parentPort.postMessage({ type: "reset", id: message.id });
      return;
    }
    const { id, tokens } = message;
    const latencies = new Float64Array(tokens.length);
    const t0 = nowNs();
    await runOps((i) => verify(tokens[i]), {
      count: tokens.length,
      inflight: workerData.inflight,
      latencies,
    });
    parentPort.postMessage({ type: "done", id, busyNs: nowNs() - t0, latencies }, [latencies.buffer]);
  } catch (error) {
    parentPort.postMessage({ type: "error", id: message.id, error: String(error?.stack ?? error) });
  }
}
parentPort.postMessage({ type: "ready" });
