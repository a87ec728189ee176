import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEct } from "ect-crypto";
import { importJWK, type JWK, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ect, payloadOf, pythonWithJwt, tempDir, writeKeyFiles } from "./support/cli.js";

const { dir, remove } = tempDir("verify");
afterAll(remove);

const A = "spiffe://example.org/agent-a";
const B = "spiffe://example.org/agent-b";
let keyA: Awaited<ReturnType<typeof writeKeyFiles>>;
let keyB: Awaited<ReturnType<typeof writeKeyFiles>>;
/** A JWK Set holding both keys, for the key-binding tests. */
const bothJwks = join(dir, "both.jwks.json");

beforeAll(async () => {
  keyA = await writeKeyFiles(dir, "a");
  keyB = await writeKeyFiles(dir, "b", { alg: "Ed25519" });
  const keys = [keyA.jwksFile, keyB.jwksFile].flatMap(
    (f) => (JSON.parse(readFileSync(f, "utf8")) as { keys: JWK[] }).keys,
  );
  writeFileSync(bothJwks, JSON.stringify({ keys }));
});

const trustA = () => ["--trust", `${A}=${keyA.jwksFile}`];
/** A token of A made in-process, for tests of verify (the create tests cover `ect create`). */
const tokenOfA = () => createEct({ iss: A, aud: B, exec_act: "summarise", pred: [] }, keyA.key);
const create = (extra: readonly string[] = [], env?: Record<string, string>) =>
  ect(["create", "--key", keyA.keyFile, "--iss", A, "--aud", B, "--exec-act", "summarise", ...extra], {
    cwd: dir,
    ...(env ? { env } : {}),
  });

describe.concurrent("ect create + ect verify", () => {
  it("a created token verifies with ect verify (exit 0, claims printed) and with plain jose", async () => {
    const created = await create();
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token.split(".")).toHaveLength(3);

    const verified = await ect(["verify", token, ...trustA(), "--verifier-id", B], { cwd: dir });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(
      `verified: level 2, signed ES256 by kid "${keyA.key.kid}" bound to issuer "${A}"`,
    );
    expect(verified.stdout).toContain('"exec_act": "summarise"');

    const jwk = (JSON.parse(readFileSync(keyA.jwksFile, "utf8")) as { keys: JWK[] }).keys[0]!;
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(jwk, "ES256"), {
      typ: "exec+jwt",
      audience: B,
      issuer: A,
    });
    expect(protectedHeader).toEqual({ alg: "ES256", typ: "exec+jwt", kid: keyA.key.kid });
    expect(payload).toMatchObject({ exec_act: "summarise", pred: [] });
    expect(payload.exp! - payload.iat!).toBe(600); // profile §4 default expiry, 10 minutes
  });

  it("--json, stdin (-) and the verified claims", async () => {
    const created = await create(["--json", "--wid", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"]);
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout) as { token: string; jti: string; wid: string };
    expect(out.wid).toBe("1b4e28ba-2fa1-41d2-883f-0016d3cca427");
    const verified = await ect(["verify", "-", ...trustA(), "--verifier-id", B, "--json"], {
      cwd: dir,
      stdin: `${out.token}\n`,
    });
    expect(verified.code).toBe(0);
    const result = JSON.parse(verified.stdout) as {
      valid: boolean;
      level: number;
      claims: Record<string, unknown>;
    };
    expect(result).toMatchObject({ valid: true, level: 2, claims: { jti: out.jti, iss: A, aud: B } });
  });

  it("--inp-hash-of/--out-hash-of hash the exact bytes of the files; --pred, --ext and --exp-in set their claims", async () => {
    const input = Buffer.from('{"loan": 42}\r\n\u00e9', "utf8");
    writeFileSync(join(dir, "in.bin"), input);
    writeFileSync(join(dir, "out.bin"), Buffer.alloc(0));
    const pred = "6f9619ff-8b86-4011-b42d-00c04fc96401";
    const created = await create([
      "--inp-hash-of",
      "in.bin",
      "--out-hash-of",
      "out.bin",
      "--pred",
      pred,
      "--wid",
      "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
      "--aud",
      A,
      "--ext",
      '{"pol":"loan-policy-v2","pol_decision":"approved"}',
      "--exp-in",
      "60",
    ]);
    expect(created.code).toBe(0);
    const claims = payloadOf(created.stdout.trim());
    expect(claims["inp_hash"]).toBe(createHash("sha256").update(input).digest("base64url"));
    expect(claims["out_hash"]).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"); // SHA-256 of nothing
    expect(claims["pred"]).toEqual([pred]);
    expect(claims["aud"]).toEqual([B, A]);
    expect(claims["ect_ext"]).toEqual({ pol: "loan-policy-v2", pol_decision: "approved" });
    expect((claims["exp"] as number) - (claims["iat"] as number)).toBe(60);
  });

  it("--claims takes a strictly parsed claims file; duplicates and mixing with claim flags are refused", async () => {
    writeFileSync(
      join(dir, "claims.json"),
      JSON.stringify({ iss: A, aud: [B], exec_act: "from-file", pred: [], custom: { kept: true } }),
    );
    writeFileSync(join(dir, "dup.json"), `{"iss":"${A}","aud":"${B}","exec_act":"x","pred":[],"iss":"${B}"}`);
    writeFileSync(join(dir, "notjson.json"), "{iss: 1}");
    const base = ["create", "--key", keyA.keyFile];
    const [ok, dup, notJson, mixed] = await Promise.all([
      ect([...base, "--claims", "claims.json"], { cwd: dir }),
      ect([...base, "--claims", "dup.json"], { cwd: dir }),
      ect([...base, "--claims", "notjson.json"], { cwd: dir }),
      ect([...base, "--claims", "claims.json", "--iss", A], { cwd: dir }),
    ]);
    expect(ok.code).toBe(0);
    expect(payloadOf(ok.stdout.trim())).toMatchObject({ exec_act: "from-file", custom: { kept: true } });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain("claims file dup.json is not valid JSON");
    expect(dup.stderr).toMatch(/duplicate/i);
    expect(notJson.code).toBe(2);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("cannot be combined with --iss");
  });

  it("workflows: a root task gets a fresh wid (shown), --pred-from takes jti and wid, --pred needs a wid", async () => {
    const root = await create(["--out", "root.jwt"]);
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toBe("");
    const rootToken = readFileSync(join(dir, "root.jwt"), "utf8").trim();
    const rootClaims = payloadOf(rootToken);
    expect(rootClaims["wid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(root.stderr).toContain(`new workflow: wid ${rootClaims["wid"]}`);
    expect(root.stderr).toContain("wrote the token to root.jwt");
    const [fromFile, fromToken, fromAt, noWid, bare, noWidFlag] = await Promise.all([
      create(["--pred-from", "root.jwt"]),
      create(["--pred-from", rootToken, "--json"]),
      create(["--pred-from", "@root.jwt", "--wid", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"]),
      create(["--pred", rootClaims["jti"] as string]),
      create(["--pred-from", "no-such-file.jwt"]),
      create(["--no-wid"]),
    ]);
    for (const run of [fromFile]) {
      expect(run.code, run.stderr).toBe(0);
      expect(payloadOf(run.stdout.trim())).toMatchObject({
        pred: [rootClaims["jti"]],
        wid: rootClaims["wid"],
      });
      expect(run.stderr).not.toContain("new workflow");
    }
    expect(fromToken.code, fromToken.stderr).toBe(0);
    const json = JSON.parse(fromToken.stdout) as { token: string; wid: string };
    expect(json.wid).toBe(rootClaims["wid"]);
    expect(payloadOf(json.token)["pred"]).toEqual([rootClaims["jti"]]);
    expect(fromAt.code).toBe(2);
    expect(fromAt.stderr).toContain("differs from the wid of the --pred-from token");
    expect(noWid.code).toBe(2);
    expect(noWid.stderr).toContain("--pred without a workflow id");
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("neither a token nor an existing file");
    expect(noWidFlag.code, noWidFlag.stderr).toBe(0);
    expect(payloadOf(noWidFlag.stdout.trim())["wid"]).toBeUndefined();
  });

  it("--out FILE writes the token or refuses (exit 2, FILE untouched); --force replaces it", async () => {
    writeFileSync(join(dir, "taken.jwt"), "old content\n");
    const refused = await create(["--out", "taken.jwt"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("taken.jwt exists; refusing to overwrite it");
    expect(readFileSync(join(dir, "taken.jwt"), "utf8")).toBe("old content\n");
    const forced = await create(["--out", "taken.jwt", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, "taken.jwt"), "utf8").trim().split(".")).toHaveLength(3);
    const [old, missing] = await Promise.all([
      create(["--inp", "in.bin"]),
      ect(["create", "--exec-act", "x"], { cwd: dir }),
    ]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("did you mean --inp-hash-of FILE");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing options --key FILE, --iss ISS, --aud AUD");
  });

  it("a token argument may be @FILE or -; a file name without @ and a truncated token are told apart", async () => {
    const token = await tokenOfA();
    writeFileSync(join(dir, "a-task.jwt"), `${token}\n`);
    const [at, stdin, fileName, truncated, json] = await Promise.all([
      ect(["verify", "@a-task.jwt", ...trustA(), "--verifier-id", B], { cwd: dir }),
      ect(["verify", "-", ...trustA(), "--verifier-id", B], { cwd: dir, stdin: `${token}\n` }),
      ect(["verify", "a-task.jwt", ...trustA(), "--verifier-id", B], { cwd: dir }),
      ect(["verify", token.slice(0, 20), ...trustA(), "--verifier-id", B], { cwd: dir }),
      ect(["verify", token.slice(0, 20), ...trustA(), "--verifier-id", B, "--json"], { cwd: dir }),
    ]);
    expect(at.code, at.stderr).toBe(0);
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(fileName.code).toBe(2);
    expect(fileName.stderr).toContain("write @a-task.jwt");
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain("ECT_MALFORMED");
    expect(truncated.stderr).not.toContain("LEVEL_TOO_LOW");
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, error: { code: "ECT_MALFORMED" } });
  });

  it("a claim that breaks a profile §3 rule is refused before signing (exit 1 and its code)", async () => {
    const [pred, policy, ext] = await Promise.all([
      create(["--pred", "not-a-uuid", "--wid", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"]),
      create(["--ext", '{"pol":"p","pol_decision":"maybe"}']),
      create(["--ext", "[1,2]"]),
    ]);
    expect(pred.code).toBe(1);
    expect(pred.stderr).toContain("ECT_PRED_INVALID");
    expect(pred.stdout).toBe("");
    expect(policy.code).toBe(1);
    expect(policy.stderr).toContain("ECT_POLICY_INVALID");
    expect(ext.code).toBe(2);
    expect(ext.stderr).toContain("--ext must be a JSON object");
  });

  it("unreadable or wrong key files are usage errors that say what to do (exit 2)", async () => {
    mkdirSync(join(dir, "keydir"), { recursive: true });
    writeFileSync(join(dir, "hello.txt"), "hello");
    const runs = await Promise.all(
      [join(dir, "keydir"), join(dir, "hello.txt"), keyA.jwksFile, join(dir, "missing.json")].map((key) =>
        ect(["create", "--key", key, "--iss", A, "--aud", B, "--exec-act", "x"], { cwd: dir }),
      ),
    );
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("hint:");
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(runs[0]!.stderr).toContain("is a directory");
    expect(runs[1]!.stderr).toContain("neither a JWK (JSON) nor a PEM key");
    expect(runs[2]!.stderr).toContain("is a JWK Set, not one private key");
    expect(runs[3]!.stderr).toContain("does not exist");
    if (process.getuid?.() !== 0) {
      // Root reads any file whatever its mode, so this part only means something for other users.
      const locked = join(dir, "locked.key.json");
      writeFileSync(locked, "{}", { mode: 0o000 });
      const run = await ect(["create", "--key", locked, "--iss", A, "--aud", B, "--exec-act", "x"], {
        cwd: dir,
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("permission denied");
    }
  });

  it("a PKCS#8 PEM private key signs too (kid: its thumbprint, or --kid)", async () => {
    const { exportPrivatePem } = await import("ect-crypto");
    writeFileSync(join(dir, "a.pem"), await exportPrivatePem(keyA.key), { mode: 0o600 });
    const created = await ect(
      ["create", "--key", "a.pem", `--kid=${keyA.key.kid}`, "--iss", A, "--aud", B, "--exec-act", "from-pem"],
      { cwd: dir },
    );
    expect(created.code, created.stderr).toBe(0);
    const verified = await ect(["verify", created.stdout.trim(), ...trustA(), "--verifier-id", B], {
      cwd: dir,
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('"exec_act": "from-pem"');
  });

  it("a public key as --key, and a group-readable key file, are reported", async () => {
    const pub = JSON.parse(readFileSync(keyA.jwksFile, "utf8")).keys[0];
    writeFileSync(join(dir, "public.json"), JSON.stringify(pub));
    const loose = join(dir, "loose.key.json");
    writeFileSync(loose, readFileSync(keyA.keyFile), { mode: 0o644 });
    const [publicKey, looseKey] = await Promise.all([
      ect(["create", "--key", "public.json", "--iss", A, "--aud", B, "--exec-act", "x"], { cwd: dir }),
      ect(["create", "--key", loose, "--iss", A, "--aud", B, "--exec-act", "x"], { cwd: dir }),
    ]);
    expect(publicKey.code).toBe(2);
    expect(publicKey.stderr).toContain("holds a public key; signing needs the private key");
    expect(looseKey.code).toBe(0);
    expect(looseKey.stderr).toContain("warning: key file");
    expect(looseKey.stderr).toContain("chmod 600");
  });
});

describe.concurrent("ect verify: keys bound to the issuer named for their file (profile §5.5)", () => {
  it("refuses to run without --trust, naming every missing option at once (exit 2)", async () => {
    const token = await tokenOfA();
    const [none, old] = await Promise.all([
      ect(["verify", token], { cwd: dir }),
      ect(["verify", token, "--jwks", keyA.jwksFile, "--iss", A, "--verifier-id", B], { cwd: dir }),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing options --trust ISS=FILE, --verifier-id ID");
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("unknown option --jwks");
    expect(old.stderr).toContain("did you mean --trust ISS=FILE");
  });

  it("a key trusted for one issuer does not sign for another: the issue's forgery is refused", async () => {
    // Signed by B's key but claiming to be A; each issuer's keys are trusted for that issuer only.
    const forged = await createEct({ iss: A, aud: B, exec_act: "forged", pred: [] }, keyB.key);
    const trust = ["--trust", `${A}=${keyA.jwksFile}`, "--trust", `${B}=${keyB.jwksFile}`];
    const run = await ect(["verify", forged, ...trust, "--verifier-id", B], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused: ECT_KEY_NOT_FOUND (kid)");
    expect(run.stderr).toContain(`trusted keys: ${A} <- kid ${keyA.key.kid}`);

    // B's own key signing as B verifies under the same trust.
    const genuine = await createEct({ iss: B, aud: A, exec_act: "ok", pred: [] }, keyB.key);
    const ok = await ect(["verify", genuine, ...trust, "--verifier-id", A], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("signed Ed25519");
  });

  it("ambiguous trust is refused with a hint: one key for two issuers, two keys under one (iss, kid)", async () => {
    const token = await tokenOfA();
    const twin = await writeKeyFiles(dir, "twin", { kid: keyA.key.kid });
    const [shared, sameFile, twoKeysOneKid] = await Promise.all([
      ect(
        [
          "verify",
          token,
          "--trust",
          `${A}=${bothJwks}`,
          "--trust",
          `${B}=${keyB.jwksFile}`,
          "--verifier-id",
          B,
        ],
        {
          cwd: dir,
        },
      ),
      ect(
        [
          "verify",
          token,
          "--trust",
          `${A}=${keyA.jwksFile}`,
          "--trust",
          `${B}=${keyA.jwksFile}`,
          "--verifier-id",
          B,
        ],
        {
          cwd: dir,
        },
      ),
      ect(
        [
          "verify",
          token,
          "--trust",
          `${A}=${keyA.jwksFile}`,
          "--trust",
          `${A}=${twin.jwksFile}`,
          "--verifier-id",
          B,
        ],
        {
          cwd: dir,
        },
      ),
    ]);
    for (const run of [shared, sameFile]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain("is bound to two issuers");
      expect(run.stderr).toContain("hint: give each issuer its own key file");
    }
    expect(twoKeysOneKid.code).toBe(2);
    expect(twoKeysOneKid.stderr).toContain(`has two different keys with kid "${keyA.key.kid}"`);
  });

  it("--trust takes a JWK Set, one public JWK or a PEM public key; private keys and bad forms are usage errors", async () => {
    const token = await tokenOfA();
    const { exportPublicJwk } = await import("ect-crypto");
    const { createPublicKey } = await import("node:crypto");
    const jwk = await exportPublicJwk(keyA.key);
    writeFileSync(join(dir, "a.public.jwk.json"), JSON.stringify(jwk));
    const pemText = createPublicKey({
      key: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! },
      format: "jwk",
    })
      .export({ type: "spki", format: "pem" })
      .toString();
    writeFileSync(join(dir, "a.public.pem"), pemText);
    const [set, one, pem, privateKey, noEquals, missing] = await Promise.all([
      ect(["verify", token, "--trust", `${A}=${keyA.jwksFile}`, "--verifier-id", B], { cwd: dir }),
      ect(["verify", token, "--trust", `${A}=a.public.jwk.json`, "--verifier-id", B], { cwd: dir }),
      // keyA's kid is its RFC 7638 thumbprint: the lookup key a PEM key is found by.
      ect(["verify", token, "--trust", `${A}=a.public.pem`, "--verifier-id", B], { cwd: dir }),
      ect(["verify", token, "--trust", `${A}=${keyA.keyFile}`, "--verifier-id", B], { cwd: dir }),
      ect(["verify", token, "--trust", keyA.jwksFile, "--verifier-id", B], { cwd: dir }),
      ect(["verify", token, "--trust", `${A}=nope.json`, "--verifier-id", B], { cwd: dir }),
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(one.code, one.stderr).toBe(0);
    expect(pem.code, pem.stderr).toBe(0);
    expect(privateKey.code).toBe(2);
    expect(privateKey.stderr).toContain("private or symmetric key material");
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr).toContain("is not ISS=FILE");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.json does not exist");
  });
});

describe.concurrent("ect verify: refusals and options", () => {
  it("audience, expiry (--now as ISO 8601 or seconds) and a tampered token: exit 1 with the code", async () => {
    const token = await tokenOfA();
    const { iat } = payloadOf(token) as { iat: number };
    const [parts0, parts1, parts2] = token.split(".") as [string, string, string];
    const claims = payloadOf(token);
    const tampered = `${parts0}.${Buffer.from(JSON.stringify({ ...claims, exec_act: "approve-all" })).toString("base64url")}.${parts2}`;
    const [aud, expired, atIat, sig, bad] = await Promise.all([
      ect(["verify", token, ...trustA(), "--verifier-id", "spiffe://example.org/other", "--json"], {
        cwd: dir,
      }),
      ect(
        [
          "verify",
          token,
          ...trustA(),
          "--verifier-id",
          B,
          "--now",
          new Date((iat + 3600) * 1000).toISOString(),
        ],
        {
          cwd: dir,
        },
      ),
      ect(["verify", token, ...trustA(), "--verifier-id", B, "--now", String(iat + 1)], { cwd: dir }),
      ect(["verify", tampered, ...trustA(), "--verifier-id", B], { cwd: dir }),
      ect(["verify", token, ...trustA(), "--verifier-id", B, "--now", "yesterday"], { cwd: dir }),
    ]);
    expect(parts1).not.toBe("");
    expect(aud.code).toBe(1);
    expect(JSON.parse(aud.stdout)).toEqual({
      valid: false,
      error: { code: "ECT_AUD_MISMATCH", message: expect.any(String), member: "aud" },
    });
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain("refused: ECT_EXPIRED (exp)");
    expect(expired.stderr).toContain("use --now");
    expect(atIat.code).toBe(0);
    expect(sig.code).toBe(1);
    expect(sig.stderr).toContain("ECT_SIGNATURE_INVALID");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--now "yesterday" is not a time');
  });

  it("profile §4 environment: honoured by create and verify; an invalid value is exit 2 naming it", async () => {
    const created = await create([], { ECT_DEFAULT_EXPIRY_MIN: "2" });
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    const { iat, exp } = payloadOf(token) as { iat: number; exp: number };
    expect(exp - iat).toBe(120);
    const args = ["verify", token, ...trustA(), "--verifier-id", B, "--now", String(iat + 90)];
    const [old, invalid, fine] = await Promise.all([
      ect(args, { cwd: dir, env: { ECT_IAT_MAX_AGE_MINUTES: "1" } }),
      ect(args, { cwd: dir, env: { ECT_IAT_MAX_AGE_MINUTES: "ten" } }),
      ect(args, { cwd: dir, env: { ECT_JTI_REPLAY_CACHE_SIZE: "0" } }),
    ]);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain("ECT_IAT_TOO_OLD");
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("invalid environment: ECT_IAT_MAX_AGE_MINUTES");
    expect(fine.code).toBe(0);
  });

  it("algorithms: derived from the bound keys, narrowed by --alg; none/HS* and unsigned tokens are refused", async () => {
    const edToken = await createEct({ iss: B, aud: A, exec_act: "ed", pred: [] }, keyB.key);
    const trustB = ["--trust", `${B}=${keyB.jwksFile}`, "--verifier-id", A];
    const unsigned = Buffer.from(
      JSON.stringify({
        iss: B,
        aud: A,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 60,
        jti: crypto.randomUUID(),
        exec_act: "l1",
        pred: [],
      }),
    ).toString("base64url");
    const [derived, narrowed, none, l1, l1Allowed] = await Promise.all([
      ect(["verify", edToken, ...trustB], { cwd: dir }),
      ect(["verify", edToken, ...trustB, "--alg", "ES256"], { cwd: dir }),
      ect(["verify", edToken, ...trustB, "--alg", "none"], { cwd: dir }),
      ect(["verify", unsigned, ...trustB], { cwd: dir }),
      ect(["verify", unsigned, ...trustB, "--min-level", "1"], { cwd: dir }),
    ]);
    expect(derived.code).toBe(0);
    expect(narrowed.code).toBe(1);
    expect(narrowed.stderr).toContain("ECT_ALG_NOT_ALLOWED");
    expect(none.code).toBe(2);
    expect(l1.code).toBe(1);
    expect(l1.stderr).toContain("ECT_LEVEL_TOO_LOW");
    expect(l1Allowed.code).toBe(0);
    expect(l1Allowed.stdout).toContain("verified: level 1, unsigned");
  });

  it("unknown, repeated and valueless options are usage errors with a suggestion (exit 2)", async () => {
    const [typo, twice, valueless, extra, stdinEmpty] = await Promise.all([
      ect(["verify", "x", ...trustA(), "--verifer-id", B], { cwd: dir }),
      ect(["verify", "x", ...trustA(), "--verifier-id", B, "--verifier-id", A], { cwd: dir }),
      ect(["verify", "x", ...trustA(), "--verifier-id"], { cwd: dir }),
      ect(["verify", "x", "y", ...trustA(), "--verifier-id", B], { cwd: dir }),
      ect(["verify", "-", ...trustA(), "--verifier-id", B], { cwd: dir, stdin: "" }),
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown option --verifer-id for 'ect verify'");
    expect(typo.stderr).toContain("did you mean --verifier-id?");
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("--verifier-id was given more than once");
    expect(valueless.code).toBe(2);
    expect(valueless.stderr).toContain("--verifier-id needs a value");
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("too many arguments");
    expect(stdinEmpty.code).toBe(2);
    expect(stdinEmpty.stderr).toContain("stdin is empty");
  });
});

describe.concurrent("tokens made by standard JWT tools verify with ect verify", () => {
  it("jose SignJWT with the ECT header and claims", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ exec_act: "jose-task", pred: [] })
      .setProtectedHeader({ alg: "ES256", typ: "exec+jwt", kid: keyA.key.kid })
      .setIssuer(A)
      .setAudience(B)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(crypto.randomUUID())
      .sign(keyA.key.privateKey);
    const run = await ect(["verify", token, ...trustA(), "--verifier-id", B, "--json"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: true, claims: { exec_act: "jose-task" } });
  });

  it("Python PyJWT (jwt.encode) signing with the private JWK file", async () => {
    const python = pythonWithJwt();
    const script = [
      "import json, sys, time, uuid, jwt",
      "from jwt.algorithms import ECAlgorithm",
      "jwk = json.load(open(sys.argv[1]))",
      "now = int(time.time())",
      "claims = {'iss': sys.argv[2], 'aud': sys.argv[3], 'iat': now, 'exp': now + 300,",
      "          'jti': str(uuid.uuid4()), 'exec_act': 'python-task', 'pred': []}",
      "print(jwt.encode(claims, ECAlgorithm.from_jwk(json.dumps(jwk)), algorithm='ES256',",
      "                 headers={'typ': 'exec+jwt', 'kid': jwk['kid']}))",
    ].join("\n");
    const { spawnSync } = await import("node:child_process");
    const made = spawnSync(python, ["-c", script, keyA.keyFile, A, B], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const token = made.stdout.trim();
    const run = await ect(["verify", "-", ...trustA(), "--verifier-id", B], { cwd: dir, stdin: token });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('"exec_act": "python-task"');
  });
});
