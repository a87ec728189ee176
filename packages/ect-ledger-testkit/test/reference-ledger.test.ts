import { describeLedgerConformance } from "../src/index.js";
import { referenceHarness } from "./fixtures/reference-ledger.js";

// The suite passes a conforming backend written independently of ect-ledger-memory: its checks
// assert the profile, not one implementation's quirks.
describeLedgerConformance("ReferenceBackend (testkit fixture)", referenceHarness());
