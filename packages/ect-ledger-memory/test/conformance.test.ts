import { describeDagVectors, describeLedgerConformance, loadDagVectors } from "ect-ledger-testkit";
import { MemoryLedger } from "../src/index.js";
import { tamperMemoryLedger } from "../src/testing.js";

// profile §7: the memory backend passes the whole ledger conformance suite.
describeLedgerConformance("MemoryLedger", {
  create: (options) => new MemoryLedger(options),
  tamper: (ledger, change) => tamperMemoryLedger(ledger, change),
});

// profile §6: the shared DAG vectors through the memory ledger's append and through the audit.
describeDagVectors(
  "MemoryLedger",
  {
    create: (options) => new MemoryLedger(options),
    tamper: (ledger, change) => tamperMemoryLedger(ledger, change),
  },
  loadDagVectors(new URL("../../../testdata/ect/dag/", import.meta.url)),
);
