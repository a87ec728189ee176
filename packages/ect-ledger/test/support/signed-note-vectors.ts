import { readFileSync } from "node:fs";

/** testdata/signed-note/vectors.json (see its PROVENANCE.md). */
export const signedNoteVectors = JSON.parse(
  readFileSync(new URL("../../../../testdata/signed-note/vectors.json", import.meta.url), "utf8"),
) as {
  c2spExample: { vkey: string; note: string };
  goSumdbNote: {
    peterSkey: string;
    peterVkey: string;
    enochVkey: string;
    text: string;
    peterSig: string;
    enochSig: string;
    badVkeys: string[];
  };
};
