/**
 * The one import of `#signature-backend` (the package's `imports` map picks node:crypto under
 * Node, WebCrypto elsewhere; see `backend.ts`): verification and signing both reach the primitive
 * through here, so the seam stays one.
 *
 * @internal
 */
import { signatureBackend as selectedBackend } from "#signature-backend";
import type { SignatureBackend } from "./backend.js";

/**
 * The backend selected for this runtime. Typed through the relative contract, not through
 * whatever `#signature-backend` resolves to at compile time (possibly a previous build's
 * declarations). Both implementations are checked against the same contract where they are
 * defined.
 */
export const signatureBackend = selectedBackend as unknown as SignatureBackend;
