import { describeLedgerConformance } from "ect-ledger-testkit";
import { MemoryLedger } from "../src/index.js";
import { tamperMemoryLedger } from "../src/testing.js";

// SPEC 7: the memory ledger passes the whole ledger conformance suite.
describeLedgerConformance("MemoryLedger", {
  create: ({ clock, dag, receiptSigner }) =>
    new MemoryLedger({ clock, ...(dag ? { dag } : {}), ...(receiptSigner ? { receiptSigner } : {}) }),
  tamper: (ledger, seq, mutation) => tamperMemoryLedger(ledger, seq, mutation),
});
