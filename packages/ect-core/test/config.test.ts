import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EctErrorCodes as C,
  DEFAULT_CONFIG,
  type EctConfig,
  loadConfigFromEnv,
  resolveConfig,
} from "../src/index.js";
import { Defaults, ENV_VARIABLES, replayRecordExpiry } from "../src/internal.js";
import { expectConfigError, expectEct, IAT } from "./helpers.js";

// SPEC 4: time settings, defaults and environment variables.

describe("defaults (SPEC 4 table)", () => {
  it("are the SPEC 4 values", () => {
    expect(DEFAULT_CONFIG).toEqual({
      iatMaxAgeMinutes: 15,
      iatMaxFutureSec: 30,
      defaultExpiryMin: 10,
      jtiReplayCacheSize: 100_000,
      jtiReplayTtlMin: 15,
      clockSkewSec: 30,
      maxTokenLength: 16_384,
      maxPredLength: 100,
    });
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(Defaults.MAX_TRAVERSAL).toBe(10_000);
    expect(Defaults.HEADER_MAX_TOKENS).toBe(16);
  });

  it("use the reference implementations' variable names", () => {
    expect(ENV_VARIABLES).toEqual({
      iatMaxAgeMinutes: "ECT_IAT_MAX_AGE_MINUTES",
      iatMaxFutureSec: "ECT_IAT_MAX_FUTURE_SEC",
      defaultExpiryMin: "ECT_DEFAULT_EXPIRY_MIN",
      jtiReplayCacheSize: "ECT_JTI_REPLAY_CACHE_SIZE",
      jtiReplayTtlMin: "ECT_JTI_REPLAY_TTL_MIN",
    });
  });
});

describe("resolveConfig", () => {
  it("fills in defaults and freezes the result", () => {
    const config = resolveConfig();
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(Object.isFrozen(config)).toBe(true);
    expect(resolveConfig({ clockSkewSec: 5 }).clockSkewSec).toBe(5);
  });

  it("accepts the edges of each range", () => {
    expect(
      resolveConfig({ iatMaxFutureSec: 0, clockSkewSec: 0, jtiReplayCacheSize: 0, maxPredLength: 0 }),
    ).toMatchObject({
      iatMaxFutureSec: 0,
      clockSkewSec: 0,
      jtiReplayCacheSize: 0,
      maxPredLength: 0,
    });
    expect(resolveConfig({ iatMaxAgeMinutes: 10_080, maxTokenLength: 64 }).maxTokenLength).toBe(64);
  });

  const keys = Object.keys(DEFAULT_CONFIG) as (keyof EctConfig)[];
  const bad: [string, unknown][] = [
    ["NaN", Number.NaN],
    ["negative", -1],
    ["a fraction", 1.5],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["absurd", 1e12],
    ["a string", "15"],
    ["a boolean", true],
  ];
  for (const key of keys) {
    it.each(bad)(`refuses ${key} = %s, naming it`, (_label, value) => {
      const e = expectConfigError(() => resolveConfig({ [key]: value } as Partial<EctConfig>), key);
      expect(e.message).toContain(key);
    });
  }

  it("refuses zero where zero makes no sense", () => {
    for (const key of [
      "iatMaxAgeMinutes",
      "defaultExpiryMin",
      "jtiReplayTtlMin",
      "maxTokenLength",
    ] as const) {
      expectConfigError(() => resolveConfig({ [key]: 0 }), key);
    }
  });
});

describe("loadConfigFromEnv", () => {
  it("gives the defaults for an empty environment and ignores unrelated variables", () => {
    expect(loadConfigFromEnv({})).toEqual(DEFAULT_CONFIG);
    expect(loadConfigFromEnv({ PATH: "/bin", ECT_OTHER: "x" })).toEqual(DEFAULT_CONFIG);
  });

  it("reads every variable", () => {
    const config = loadConfigFromEnv({
      ECT_IAT_MAX_AGE_MINUTES: "20",
      ECT_IAT_MAX_FUTURE_SEC: "0",
      ECT_DEFAULT_EXPIRY_MIN: "5",
      ECT_JTI_REPLAY_CACHE_SIZE: "0",
      ECT_JTI_REPLAY_TTL_MIN: "60",
    });
    expect(config).toEqual({
      ...DEFAULT_CONFIG,
      iatMaxAgeMinutes: 20,
      iatMaxFutureSec: 0,
      defaultExpiryMin: 5,
      jtiReplayCacheSize: 0,
      jtiReplayTtlMin: 60,
    });
  });

  it("ignores surrounding whitespace and leading zeros", () => {
    expect(
      loadConfigFromEnv({ ECT_IAT_MAX_AGE_MINUTES: " 20\n", ECT_IAT_MAX_FUTURE_SEC: "007" }),
    ).toMatchObject({
      iatMaxAgeMinutes: 20,
      iatMaxFutureSec: 7,
    });
  });

  it("lets explicit overrides win over the environment", () => {
    expect(
      loadConfigFromEnv({ ECT_IAT_MAX_AGE_MINUTES: "20" }, { iatMaxAgeMinutes: 3 }).iatMaxAgeMinutes,
    ).toBe(3);
  });

  it("checks overrides too", () => {
    expectConfigError(() => loadConfigFromEnv({}, { clockSkewSec: -5 }), "clockSkewSec");
  });

  const invalid: [string, string][] = [
    ["not a number", "abc"],
    ["negative", "-1"],
    ["a float", "1.5"],
    ["a float with zero fraction", "15.0"],
    ["absurd", "99999999999"],
    ["absurdly long", "1".repeat(40)],
    ["empty", ""],
    ["blank", "   "],
    ["an exponent", "1e3"],
    ["hex", "0x10"],
    ["a plus sign", "+5"],
    ["a unit", "15min"],
    ["two numbers", "1 2"],
    ["non-ASCII digits", "١٥"],
    ["Infinity", "Infinity"],
    ["NaN", "NaN"],
  ];
  for (const variable of Object.values(ENV_VARIABLES)) {
    it.each(invalid)(`refuses ${variable} %s, naming the variable`, (_label, raw) => {
      const e = expectConfigError(() => loadConfigFromEnv({ [variable]: raw }), `env.${variable}`);
      expect(e.message).toContain(variable);
    });
  }

  it("refuses zero for the settings where it is absurd, and accepts it where SPEC 4 gives it a meaning", () => {
    for (const variable of ["ECT_IAT_MAX_AGE_MINUTES", "ECT_DEFAULT_EXPIRY_MIN", "ECT_JTI_REPLAY_TTL_MIN"]) {
      expectConfigError(() => loadConfigFromEnv({ [variable]: "0" }), `env.${variable}`);
    }
    expect(loadConfigFromEnv({ ECT_JTI_REPLAY_CACHE_SIZE: "0" }).jtiReplayCacheSize).toBe(0); // disables the cache
    expect(loadConfigFromEnv({ ECT_IAT_MAX_FUTURE_SEC: "0" }).iatMaxFutureSec).toBe(0);
  });
});

describe("replayRecordExpiry (SPEC 4: never less than the acceptance window)", () => {
  it("keeps a record for the TTL when the token's window is shorter", () => {
    // window ends at exp + skew = IAT + 630; the TTL reaches now + 900.
    expect(replayRecordExpiry({ iat: IAT, exp: IAT + 600 }, IAT)).toBe(IAT + 900);
  });

  it("keeps a record as long as the token can be accepted when that is longer than the TTL", () => {
    const config = { ...DEFAULT_CONFIG, iatMaxAgeMinutes: 60 };
    // exp is far away; iat + maxAge bounds acceptance: accepted at now = IAT + 3600 exactly.
    const expiry = replayRecordExpiry({ iat: IAT, exp: IAT + 86_400 }, IAT, config);
    expect(expiry).toBeGreaterThan(IAT + 3600);
    expect(expiry).toBe(IAT + 3601);
  });

  it("is bounded by exp + skew when that comes first", () => {
    const config = { ...DEFAULT_CONFIG, iatMaxAgeMinutes: 120, jtiReplayTtlMin: 1 };
    expect(replayRecordExpiry({ iat: IAT, exp: IAT + 3600 }, IAT, config)).toBe(IAT + 3630);
  });

  it("refuses values that would make the record expire at once", () => {
    expectEct(() => replayRecordExpiry({ iat: Number.NaN, exp: IAT }, IAT), C.IAT_INVALID, "iat");
    expectEct(() => replayRecordExpiry({ iat: IAT, exp: 1.5 }, IAT), C.EXP_INVALID, "exp");
    expectEct(() => replayRecordExpiry({ iat: IAT, exp: IAT + 1 }, Number.NaN), C.CONFIG_INVALID);
  });

  it("property: at every moment the token is still acceptable, its record is still live", () => {
    const acceptable = (iat: number, exp: number, t: number, c: EctConfig) =>
      exp + c.clockSkewSec > t && iat <= t + c.iatMaxFutureSec && iat >= t - c.iatMaxAgeMinutes * 60;
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: -3_600, max: 3_600 }),
        fc.record({
          iatMaxAgeMinutes: fc.integer({ min: 1, max: 10_080 }),
          iatMaxFutureSec: fc.integer({ min: 0, max: 3_600 }),
          jtiReplayTtlMin: fc.integer({ min: 1, max: 10_080 }),
          clockSkewSec: fc.integer({ min: 0, max: 3_600 }),
        }),
        fc.array(fc.double({ min: 0, max: 1_000_000, noNaN: true }), { maxLength: 20 }),
        (iat, lifetime, nowOffset, settings, offsets) => {
          const config = resolveConfig(settings);
          const exp = iat + lifetime;
          const now = iat + nowOffset;
          fc.pre(acceptable(iat, exp, now, config)); // recorded at an accepting moment
          const expiresAt = replayRecordExpiry({ iat, exp }, now, config);
          // The boundaries of the window, and random later moments (also fractional seconds).
          const moments = [
            iat + config.iatMaxAgeMinutes * 60,
            exp + config.clockSkewSec - 0.001,
            exp + config.clockSkewSec - 1,
            ...offsets.map((o) => now + o),
          ];
          for (const t of moments) {
            if (t >= now && acceptable(iat, exp, t, config)) expect(t).toBeLessThan(expiresAt);
          }
          expect(expiresAt).toBeGreaterThanOrEqual(now + config.jtiReplayTtlMin * 60);
        },
      ),
      { numRuns: 500 },
    );
  });
});
