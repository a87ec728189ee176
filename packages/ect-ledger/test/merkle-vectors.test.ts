import { describe, expect, it } from "vitest";
import { verifyConsistency, verifyInclusion } from "../src/index.js";
import { runVectors } from "./support/rfc6962-vectors.js";
import { loadRfc6962Vectors } from "./support/rfc6962-vectors-node.js";

const vectors = loadRfc6962Vectors();

describe("transparency-dev/merkle vectors (testdata/rfc6962-merkle), profile §7", () => {
  it("finds every vector file", () => {
    expect(vectors.filter((v) => v.kind === "inclusion").length).toBeGreaterThan(90);
    expect(vectors.filter((v) => v.kind === "consistency").length).toBeGreaterThan(80);
    expect(vectors.filter((v) => !v.vector.wantErr).length).toBeGreaterThan(10);
  });

  it.each(runVectors(vectors, { verifyInclusion, verifyConsistency }))("$file", ({ wantErr, outcome }) => {
    expect(outcome).toBe(wantErr ? "ECT_LEDGER_PROOF_INVALID" : "ok");
  });
});
