/**
 * The checkpoint notes a ledger stores (profile §7): signed C2SP notes when the ledger has a note
 * key, the bare checkpoint text otherwise. Formatting, parsing and signing are `checkpoint.ts`'s;
 * this only chooses between the two forms.
 */
import type { NoteSigner } from "ect-core";
import { formatCheckpoint, type ParsedCheckpoint, parseCheckpoint, signCheckpoint } from "./checkpoint.js";
import { parseSignedNote } from "./signed-note.js";

/** The note of the checkpoint `(origin, treeSize, root)`: signed by `signer`, or its text alone. */
export function checkpointNote(
  checkpoint: { readonly origin: string; readonly treeSize: number; readonly root: Uint8Array },
  signer: NoteSigner | undefined,
): Promise<string> {
  return signer === undefined
    ? Promise.resolve(formatCheckpoint(checkpoint))
    : signCheckpoint(checkpoint, signer);
}

/**
 * What a stored checkpoint note says (signature not verified here: the audit and the import do
 * that with the ledger's vkey).
 *
 * @throws EctError `ECT_LEDGER_CHECKPOINT_MALFORMED` / `ECT_LEDGER_NOTE_MALFORMED`.
 */
export function checkpointOfNote(note: string): ParsedCheckpoint {
  return parseCheckpoint(note.includes("\n\n") ? parseSignedNote(note).text : note);
}
