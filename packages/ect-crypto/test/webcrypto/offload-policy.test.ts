// Runs ../offload-policy.test.ts again with the WebCrypto signature primitive selected (the policy
// itself does not depend on it; the packaging test wants every suite run against both).
import { vi } from "vitest";
import "../offload-policy.test.js";

vi.mock("#signature-backend", () => import("../../src/signature/webcrypto.js"));
