// Runs bench/peer/pyjwt_verify.py (bare PyJWT jwt.decode) on the given tokens and key.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The first Python that can `import jwt, cryptography`: $ECT_BENCH_PYTHON, `python3` on PATH, then
 * Debian's /usr/bin/python3 (where python3-jwt lives even when a pyenv shim shadows it).
 */
export function findPython() {
  const candidates = [process.env.ECT_BENCH_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", "import jwt, cryptography"], { encoding: "utf8" });
    if (probe.status === 0) return python;
  }
  return undefined;
}

/**
 * Times PyJWT over `tokens` in a subprocess: `{ elapsedNs, latenciesNs, python, pyjwt,
 * cryptography }` (the subprocess's start-up and key import are not in `elapsedNs`).
 */
export function runPyjwt({ python, script, tokens, publicKeyPem, audience, rounds, warmup }) {
  const dir = mkdtempSync(join(tmpdir(), "ect-bench-py-"));
  try {
    const job = join(dir, "job.json");
    writeFileSync(job, JSON.stringify({ tokens, publicKeyPem, audience, rounds, warmup }));
    const run = spawnSync(python, [script, job], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`${python} ${script} failed (${run.status}):\n${run.stderr}`);
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
