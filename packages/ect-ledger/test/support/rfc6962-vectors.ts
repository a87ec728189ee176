// The transparency-dev/merkle proof vectors (testdata/rfc6962-merkle), loaded in Node, and the
// runner that checks them, which has no Node import so the browser test runs the same code.
export interface InclusionVector {
  readonly leafIdx: number;
  readonly treeSize: number;
  readonly root: string;
  readonly leafHash: string;
  readonly proof: readonly string[] | null; // Go writes an empty proof as null
  readonly desc: string;
  readonly wantErr: boolean;
}

export interface ConsistencyVector {
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: readonly string[] | null; // Go writes an empty proof as null
  readonly desc: string;
  readonly wantErr: boolean;
}

export type NamedVector =
  | { readonly file: string; readonly kind: "inclusion"; readonly vector: InclusionVector }
  | { readonly file: string; readonly kind: "consistency"; readonly vector: ConsistencyVector };

/** What a verifier did with a vector: `"ok"` or the error code it threw. */
export interface VectorOutcome {
  readonly file: string;
  readonly wantErr: boolean;
  readonly outcome: string;
}

export interface MerkleVerifiers {
  verifyInclusion(options: {
    leafHash: Uint8Array;
    index: number;
    treeSize: number;
    proof: Uint8Array[];
    root: Uint8Array;
  }): void;
  verifyConsistency(options: {
    size1: number;
    size2: number;
    root1: Uint8Array;
    root2: Uint8Array;
    proof: Uint8Array[];
  }): void;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Runs every vector through the verifiers and reports each outcome. */
export function runVectors(vectors: readonly NamedVector[], verifiers: MerkleVerifiers): VectorOutcome[] {
  return vectors.map((named) => {
    let outcome = "ok";
    try {
      if (named.kind === "inclusion") {
        const v = named.vector;
        verifiers.verifyInclusion({
          leafHash: fromBase64(v.leafHash),
          index: v.leafIdx,
          treeSize: v.treeSize,
          proof: (v.proof ?? []).map(fromBase64),
          root: fromBase64(v.root),
        });
      } else {
        const v = named.vector;
        verifiers.verifyConsistency({
          size1: v.size1,
          size2: v.size2,
          root1: fromBase64(v.root1),
          root2: fromBase64(v.root2),
          proof: (v.proof ?? []).map(fromBase64),
        });
      }
    } catch (error) {
      outcome = String((error as { code?: unknown }).code ?? error);
    }
    return { file: named.file, wantErr: named.vector.wantErr, outcome };
  });
}
