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
  LedgerImportBatch,
  LedgerStoreView,
  SequenceCheck,
  SequenceOutcome,
  StoredCheckpoint,
  TreeNode,
  TreeNodeId,
} from "./backend-contract.js";
export {
  entryLeafHash,
  hashChildren,
  hashLeaf,
  type LeafInputFields,
  leafInput,
  leafInputText,
} from "./leaf-input.js";
