import { describeLedgerConformance } from "../src/index.js";
import { referenceBackend } from "./fixtures/reference-backend.js";

// The suite passes a conforming backend written independently of ect-ledger-memory: its checks
// assert the SPEC, not one implementation's quirks.
describeLedgerConformance("ReferenceLedger (testkit fixture)", referenceBackend());
