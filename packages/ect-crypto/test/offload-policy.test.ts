// Where signature work runs (signature/offload-policy.ts): decided from progress only, so these
// tests drive it by counts and promise order, never by the clock.
import { describe, expect, it } from "vitest";
import {
  MAX_PROBE_INTERVAL,
  OffloadPolicy,
  POOLED_EXIT,
  PROBE_INTERVAL,
} from "../src/signature/offload-policy.js";
import { signatureBackendName } from "../src/signature/verify-signature.js";

/** Runs `n` operations one after another; returns how many went to the pool. */
async function sequential(policy: OffloadPolicy, n: number): Promise<number> {
  let pooled = 0;
  for (let i = 0; i < n; i++) {
    policy.begin();
    if (policy.offloadNext()) {
      pooled++;
      await policy.onPool(async () => undefined);
    }
    policy.end();
  }
  return pooled;
}

describe(`offload policy [${signatureBackendName}]`, () => {
  it("one operation at a time stays on the main thread, but for probes ever farther apart while they find nothing", async () => {
    const policy = new OffloadPolicy();
    expect(await sequential(policy, PROBE_INTERVAL - 1)).toBe(0);
    expect(await sequential(policy, 1)).toBe(1); // the first probe
    // Each quiet probe doubles the distance to the next one, up to MAX_PROBE_INTERVAL.
    for (let interval = 2 * PROBE_INTERVAL; interval <= MAX_PROBE_INTERVAL; interval *= 2) {
      expect(await sequential(policy, interval - 1)).toBe(0);
      expect(await sequential(policy, 1)).toBe(1);
    }
    expect(await sequential(policy, MAX_PROBE_INTERVAL * 10)).toBe(10);
  });

  it("a probe that sees overlap brings the probes back to every PROBE_INTERVAL", async () => {
    const policy = new OffloadPolicy();
    // Quiet probes until the distance is at its maximum, ending just after one.
    let upToMaximum = 0;
    for (let interval = PROBE_INTERVAL; interval <= MAX_PROBE_INTERVAL; interval *= 2)
      upToMaximum += interval;
    await sequential(policy, upToMaximum);
    for (let i = 1; i < MAX_PROBE_INTERVAL; i++) expect(policy.offloadNext()).toBe(false);
    policy.begin();
    expect(policy.offloadNext()).toBe(true); // the probe
    let release!: () => void;
    const probe = policy.onPool(() => new Promise<void>((resolve) => (release = resolve)));
    policy.begin(); // another operation arrives while it waits
    policy.end();
    release();
    await probe;
    policy.end();
    expect(await sequential(policy, POOLED_EXIT)).toBe(POOLED_EXIT);
    expect(await sequential(policy, PROBE_INTERVAL - 1)).toBe(0);
    expect(await sequential(policy, 1)).toBe(1); // every PROBE_INTERVAL again
  });

  it("overlapping operations go to the pool", () => {
    const policy = new OffloadPolicy();
    policy.begin();
    policy.begin();
    expect(policy.offloadNext()).toBe(true);
  });

  it("a pool operation that sees another begin enters pooled mode; POOLED_EXIT quiet ones leave it", async () => {
    const policy = new OffloadPolicy();
    // Reach the probe, and let another operation begin (and end) while the probe is on the pool.
    for (let i = 1; i < PROBE_INTERVAL; i++) expect(policy.offloadNext()).toBe(false);
    policy.begin();
    expect(policy.offloadNext()).toBe(true);
    let release!: () => void;
    const probe = policy.onPool(() => new Promise<void>((resolve) => (release = resolve)));
    policy.begin(); // a request that arrived because the main thread was free
    policy.end();
    release();
    await probe;
    policy.end();
    // Pooled now: the next POOLED_EXIT operations go to the pool even one at a time, then it ends.
    expect(await sequential(policy, POOLED_EXIT)).toBe(POOLED_EXIT);
    expect(await sequential(policy, PROBE_INTERVAL - 1)).toBe(0);
  });
});
