/**
 * `ect-ledger`: the ECT audit ledger's shared layer (profile §7): record format, leaf input, RFC
 * 9162 Merkle tree and proofs, C2SP signed checkpoints and tlog-proof receipts, integration, audit,
 * and the backend contract that storage backends implement.
 *
 * @packageDocumentation
 */
export type {
  IntegrationCommit,
  LedgerBackend,
  LedgerBackendConflict,
  LedgerBackendEntry,
  LedgerConflictDraft,
  LedgerEntryDraft,
  LedgerEntryFields,
  LedgerImportBatch,
  LedgerStoreView,
  SequenceCheck,
  SequenceCheckResult,
  SequenceOutcome,
  StoredCheckpoint,
  TreeNode,
  TreeNodeId,
} from "./backend-contract.js";
export { backendEntryOf } from "./backend-entry.js";
export {
  type Checkpoint,
  formatCheckpoint,
  type ParsedCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type VerifiedCheckpoint,
  verifyCheckpoint,
} from "./checkpoint.js";
export {
  entryLeafHash,
  type LeafInputFields,
  leafInput,
  leafInputText,
  type ParsedLeafInput,
  parseLeafInput,
} from "./leaf-input.js";
export {
  type AuditLedgerOptions,
  type AuditProblem,
  type AuditReport,
  type AuditUnresolvedPredecessor,
  auditLedger,
} from "./ledger-audit.js";
export {
  exportLedgerJsonl,
  type ImportLedgerOptions,
  importLedgerJsonl,
  LEDGER_EXPORT_FORMAT,
  type LedgerExportHeader,
  type LedgerImportResult,
} from "./ledger-export.js";
export { issueReceipt, unsignedReceipt } from "./ledger-receipt.js";
export { emptyTreeRoot, hashChildren, hashLeaf, MERKLE_HASH_LENGTH, merkleTreeHash } from "./merkle-hash.js";
export { verifyConsistency, verifyInclusion } from "./merkle-proof.js";
export {
  integrateLeafHashes,
  MemoryMerkleTree,
  type MerkleIntegration,
  type MerkleNode,
  type MerkleNodeId,
  type MerkleNodeReader,
  type MerkleNodeReaderSync,
  readConsistencyProof,
  readInclusionProof,
  readTreeRoot,
} from "./merkle-tree.js";
export { type SplitLedgerOptions, splitLedgerOptions } from "./own-backend-options.js";
export {
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type NoteVerifier,
  noteVerifierFromVkey,
  parseSignedNote,
  type SignedNote,
  signNote,
  type VerifiedNote,
  verifySignedNote,
} from "./signed-note.js";
export {
  formatEntryTlogProof,
  formatTlogProof,
  parseTlogProof,
  TLOG_PROOF_HEADER,
  type TlogProof,
  type TlogProofVerification,
  verifyTlogProof,
} from "./tlog-proof.js";
export {
  backendNodeReader,
  type CheckpointScheduler,
  type EntryInclusion,
  ledgerEntryOf,
  storeOfView,
  type TransparencyAppendOptions,
  type TransparencyAppendResult,
  TransparencyLedger,
  type TransparencyLedgerOptions,
} from "./transparency-ledger.js";
