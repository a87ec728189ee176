import { decodeEct, type EctClaims } from "ect-core";
import { ectKey } from "ect-core/internal";
import { createEct, generateEctKeyPair } from "ect-crypto";
import { entryLeafHash, type LedgerEntryDraft } from "ect-ledger";

/** The issuer of the test tokens. */
export const ISSUER = "spiffe://example.org/agent";

/**
 * `count` distinct signed ECTs with no predecessors (half of them in a workflow), for appends
 * whose outcome a test tracks token by token; `padding` adds that many random (incompressible)
 * bytes in `ect_ext`, for big rows.
 */
export async function signedTokens(count: number, options: { padding?: number } = {}): Promise<string[]> {
  const key = await generateEctKeyPair({ kid: "postgres-test-key" });
  const wid = globalThis.crypto.randomUUID();
  const padding = () => {
    const bytes = new Uint8Array(options.padding ?? 0);
    globalThis.crypto.getRandomValues(bytes);
    return { ect_ext: { padding: Buffer.from(bytes).toString("base64url") } };
  };
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      createEct(
        {
          iss: ISSUER,
          aud: "spiffe://example.org/ledger",
          exec_act: "task.run",
          pred: [],
          ...(i % 2 ? { wid } : {}),
          ...(options.padding ? padding() : {}),
        },
        key,
      ),
    ),
  );
}

/** The draft ect-ledger would hand a backend for `token` ingested at `ingestedAt`. */
export function draftOf(token: string, ingestedAt = 1_767_225_600_000): LedgerEntryDraft {
  const claims = decodeEct(token).claims as unknown as EctClaims;
  const wid = claims.wid ?? null;
  return {
    token,
    jti: claims.jti,
    wid,
    iss: claims.iss,
    ingestedAt,
    wit: null,
    leafHash: entryLeafHash({ token, ingestedAt }),
    key: ectKey(wid, claims.jti),
    claims,
  };
}
