import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ect, tempDir } from "./support/cli.js";

const { dir, remove } = tempDir("keygen");
afterAll(remove);

describe.concurrent("ect keygen", () => {
  it("writes the private JWK with mode 0600 and prints the public JWK Set", async () => {
    const run = await ect(["keygen", "--out", "a.key.json"], { cwd: dir });
    expect(run.code).toBe(0);
    const jwks = JSON.parse(run.stdout) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    const [pub] = jwks.keys;
    expect(pub).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(pub).not.toHaveProperty("d");
    const file = join(dir, "a.key.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const priv = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    expect(priv["d"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(priv["kid"]).toBe(pub!["kid"]);
    expect(run.stderr).toContain("a.key.json");
  });

  it("refuses to overwrite a key file unless --force, and --force writes 0600 again", async () => {
    const file = join(dir, "b.key.json");
    writeFileSync(file, "keep me", { mode: 0o644 });
    const refused = await ect(["keygen", "--out", "b.key.json"], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("b.key.json exists; refusing to overwrite a key");
    expect(refused.stderr).toContain("--force");
    expect(refused.stdout).toBe("");
    expect(readFileSync(file, "utf8")).toBe("keep me");

    const forced = await ect(
      ["keygen", "--out", "b.key.json", "--force", "--alg", "Ed25519", "--kid", "agent-b-1"],
      {
        cwd: dir,
      },
    );
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({
      keys: [expect.objectContaining({ kty: "OKP", crv: "Ed25519", alg: "Ed25519", kid: "agent-b-1" })],
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ kid: "agent-b-1", crv: "Ed25519" });
  });

  it("refuses algorithms ECT never allows and a missing --out (exit 2)", async () => {
    const [hs, none, missing] = await Promise.all([
      ect(["keygen", "--alg", "HS256", "--out", "c.key.json"], { cwd: dir }),
      ect(["keygen", "--alg", "es256", "--out", "c.key.json"], { cwd: dir }),
      ect(["keygen"], { cwd: dir }),
    ]);
    expect(hs.code).toBe(2);
    expect(hs.stderr).toContain('--alg "HS256" is not an ECT algorithm');
    expect(hs.stderr).toContain("none and HS* are never allowed");
    expect(none.code).toBe(2); // case-sensitive (profile §2)
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing --out FILE");
  });

  it("refuses to write into a directory that does not exist (exit 2, no stack trace)", async () => {
    const run = await ect(["keygen", "--out", "no/such/dir/k.json"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("its directory does not exist");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
