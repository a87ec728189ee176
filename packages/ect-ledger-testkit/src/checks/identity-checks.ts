import assert from "node:assert/strict";
import { EctErrorCodes } from "ect-core";
import { base64urlEncodeText } from "ect-core/internal";
import type { ConformanceCheck } from "../conformance-check.js";
import { reencodeEs256Signature } from "../test-tokens.js";
import {
  assertEmpty,
  expectAppended,
  expectConflict,
  expectDuplicate,
  expectEctError,
  recordOf,
} from "./assertions.js";

const group = "identity, duplicates and conflicts (profile §7)";

/** profile §7 identity: `(wid or "", jti)`, duplicate vs conflict, case-insensitive UUIDs. */
export const identityChecks: readonly ConformanceCheck[] = [
  {
    id: "identity.duplicate-same-token",
    group,
    title:
      "appending the same token again is `duplicate` with the existing entry and receipt, nothing written",
    async run({ newLedger, issuer, clock }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      const token = await issuer.issue({ wid });
      const first = expectAppended(await ledger.append(token));
      await ledger.append(await issuer.issue({ wid }));
      clock.advance(60_000);
      const again = expectDuplicate(await ledger.append(token), "re-send");
      assert.deepEqual(recordOf(again.entry), recordOf(first.entry), "duplicate returns the stored entry");
      assert.deepEqual({ ...again.receipt }, { ...first.receipt }, "duplicate returns the existing receipt");
      assert.equal(await ledger.size(), 2, "a duplicate writes nothing");
      assert.equal((await ledger.conflicts()).length, 0, "a duplicate is not a conflict");
    },
  },
  {
    id: "identity.duplicate-reencoded-signature",
    group,
    title: "the same header and claims with a re-encoded ECDSA signature (s -> n - s) is `duplicate`",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const token = await issuer.issue({ wid: globalThis.crypto.randomUUID() });
      const first = expectAppended(await ledger.append(token));
      const reencoded = reencodeEs256Signature(token);
      assert.notEqual(reencoded, token);
      const again = expectDuplicate(await ledger.append(reencoded), "re-encoded signature");
      assert.equal(again.entry.index, 0);
      assert.equal(again.entry.token, token, "the stored token is the one first received");
      assert.deepEqual({ ...again.receipt }, { ...first.receipt });
      assert.equal(await ledger.size(), 1);
      assert.equal((await ledger.conflicts()).length, 0);
    },
  },
  {
    id: "identity.conflict-different-claims",
    group,
    title: "the same (wid, jti) with other claims is `conflict`: nothing overwritten, evidence kept",
    async run({ newLedger, issuer, clock }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      const jti = globalThis.crypto.randomUUID();
      const original = await issuer.issue({ wid, jti, exec_act: "payment.approve" });
      const first = expectAppended(await ledger.append(original));
      const sizeBefore = await ledger.size();
      clock.set(1_790_000_000_000);
      const forged = await issuer.issue({ wid, jti, exec_act: "payment.reject" });
      const result = expectConflict(await ledger.append(forged), "conflicting token");
      assert.deepEqual(recordOf(result.existing), recordOf(first.entry), "conflict reports the stored entry");
      assert.deepEqual(
        { ...result.evidence },
        { id: 0, wid, jti, token: forged, existingIndex: 0, receivedAt: 1_790_000_000_000, wit: null },
        "evidence record",
      );
      assert.equal(await ledger.size(), sizeBefore, "a conflict writes no entry");
      assert.equal((await ledger.get(wid, jti))?.token, original, "the stored token is not overwritten");
      const conflicts = await ledger.conflicts();
      assert.equal(conflicts.length, 1);
      assert.deepEqual({ ...conflicts[0]! }, { ...result.evidence }, "conflicts() keeps the evidence");
      const second = await issuer.issue({ wid, jti, exec_act: "payment.cancel" });
      const again = expectConflict(await ledger.append(second), "second conflicting token");
      assert.equal(again.evidence.id, 1, "evidence ids are 0, 1, 2, ...");
      assert.equal((await ledger.conflicts()).length, 2);
    },
  },
  {
    id: "identity.conflict-different-header",
    group,
    title: "the same claims under a different header (another kid) is `conflict`, not `duplicate`",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const claims = issuer.claimsFor({ wid: globalThis.crypto.randomUUID() });
      const rawClaimsJson = JSON.stringify(claims);
      const token = await issuer.issue({}, { rawClaimsJson });
      expectAppended(await ledger.append(token));
      const other = await issuer.issue(
        {},
        { rawClaimsJson, header: { alg: "ES256", typ: "exec+jwt", kid: "another-key" } },
      );
      expectConflict(await ledger.append(other), "same claims, other header");
      // Same claims, same meaning, different bytes (member order): still not byte-identical.
      const { iss, aud, ...rest } = claims;
      const reordered = await issuer.issue({}, { rawClaimsJson: JSON.stringify({ aud, iss, ...rest }) });
      expectConflict(await ledger.append(reordered), "claims serialised in another member order");
      assert.equal(await ledger.size(), 1);
    },
  },
  {
    id: "identity.case-insensitive",
    group,
    title: "UUIDs compare case-insensitively: an upper-case jti/wid is the same identity",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const wid = globalThis.crypto.randomUUID();
      const jti = globalThis.crypto.randomUUID();
      const token = await issuer.issue({ wid, jti });
      expectAppended(await ledger.append(token));
      const upper = await issuer.issue({ wid: wid.toUpperCase(), jti: jti.toUpperCase() });
      const result = await ledger.append(upper);
      assert.notEqual(result.status, "appended", "an upper-case jti must not create a second entry");
      expectConflict(result, "upper-case identity with other claim bytes");
      const upperJtiOnly = await issuer.issue({ wid, jti: jti.toUpperCase() });
      expectConflict(await ledger.append(upperJtiOnly), "upper-case jti only");
      assert.equal(await ledger.size(), 1);
      for (const [w, j] of [
        [wid.toUpperCase(), jti],
        [wid, jti.toUpperCase()],
        [wid.toUpperCase(), jti.toUpperCase()],
      ] as const) {
        assert.equal((await ledger.get(w, j))?.token, token, `get(${w}, ${j})`);
        assert.equal((await ledger.getEct(w, j))?.token, token, `getEct(${w}, ${j})`);
      }
      assert.equal((await ledger.listWorkflow(wid.toUpperCase())).length, 1, "listWorkflow(upper-case wid)");
      const stored = await ledger.get(wid, jti);
      assert.equal(stored?.jti, jti, "the entry keeps the jti as written in the token");
      // An upper-case token first, looked up in lower case.
      const jti2 = globalThis.crypto.randomUUID();
      const upperFirst = await issuer.issue({ wid, jti: jti2.toUpperCase() });
      expectAppended(await ledger.append(upperFirst));
      assert.equal((await ledger.get(wid, jti2))?.token, upperFirst);
      assert.equal((await ledger.get(wid, jti2))?.jti, jti2.toUpperCase());
    },
  },
  {
    id: "identity.scoped-by-wid",
    group,
    title: "the same jti in another workflow, or without wid, is another identity",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const jti = globalThis.crypto.randomUUID();
      const w1 = globalThis.crypto.randomUUID();
      const w2 = globalThis.crypto.randomUUID();
      const a = await issuer.issue({ wid: w1, jti });
      const b = await issuer.issue({ wid: w2, jti });
      const c = await issuer.issue({ jti });
      expectAppended(await ledger.append(a), "jti in w1");
      expectAppended(await ledger.append(b), "same jti in w2");
      expectAppended(await ledger.append(c), "same jti without wid");
      assert.equal((await ledger.get(w1, jti))?.token, a);
      assert.equal((await ledger.get(w2, jti))?.token, b);
      assert.equal((await ledger.get(null, jti))?.token, c);
      assert.equal((await ledger.get(undefined, jti))?.token, c);
      assert.equal((await ledger.get(null, jti))?.wid, null, "wid is null when the token has none");
      assert.equal(await ledger.get(globalThis.crypto.randomUUID(), jti), undefined);
    },
  },
  {
    id: "identity.undecodable-refused",
    group,
    title:
      "tokens that do not decode or break profile §3 claim rules throw their EctError code and write nothing",
    async run({ newLedger, issuer }) {
      const ledger = await newLedger();
      const enc = base64urlEncodeText;
      const header = enc(JSON.stringify({ alg: "ES256", typ: "exec+jwt", kid: "k" }));
      const sig = "c2ln";
      const claims = issuer.claimsFor();
      const cases: [string, unknown, string][] = [
        [EctErrorCodes.MALFORMED, "a..b", "an empty segment"],
        [EctErrorCodes.MALFORMED, "a.b.c.d", "four segments"],
        [EctErrorCodes.MALFORMED, "a.b", "two segments"],
        [EctErrorCodes.MALFORMED, 42, "not a string"],
        [
          EctErrorCodes.JSON_DUPLICATE_MEMBER,
          `${header}.${enc(`{"jti":"${claims["jti"]}",${JSON.stringify(claims).slice(1)}`)}.${sig}`,
          "duplicate claim member",
        ],
        [EctErrorCodes.LEVEL_TOO_LOW, enc(JSON.stringify(claims)), "an unsigned (L1) token"],
        [
          EctErrorCodes.JTI_INVALID,
          `${header}.${enc(JSON.stringify({ ...claims, jti: "not-a-uuid" }))}.${sig}`,
          "jti not a UUID",
        ],
        [
          EctErrorCodes.WID_INVALID,
          `${header}.${enc(JSON.stringify({ ...claims, wid: 7 }))}.${sig}`,
          "wid not a UUID",
        ],
        [
          EctErrorCodes.CLAIM_MISSING,
          `${header}.${enc(JSON.stringify({ ...claims, iss: undefined }))}.${sig}`,
          "iss missing",
        ],
      ];
      for (const [code, token, what] of cases) {
        await expectEctError(() => ledger.append(token as string), code as never, what);
      }
      await assertEmpty(ledger, "after refused tokens");
    },
  },
];
