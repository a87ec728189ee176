import { ectKey } from "ect-core/internal";
import { entryLeafHash, type LedgerEntryDraft } from "ect-ledger";

/** A draft as ect-ledger would hand it to a backend, for a made-up token (backends never parse it). */
export function draft(
  fields: { jti?: string; wid?: string | null; pred?: string[]; ingestedAt?: number } = {},
): LedgerEntryDraft {
  const jti = fields.jti ?? globalThis.crypto.randomUUID();
  const wid = fields.wid ?? null;
  const ingestedAt = fields.ingestedAt ?? 1_767_225_600_000;
  const token = `eyJhbGciOiJub25lIn0.${Buffer.from(jti).toString("base64url")}.`.replace(/\.$/, "");
  return {
    token,
    jti,
    wid,
    iss: "spiffe://example.org/agent",
    ingestedAt,
    wit: null,
    leafHash: entryLeafHash({ token, ingestedAt }),
    key: ectKey(wid, jti),
    claims: {
      iss: "spiffe://example.org/agent",
      aud: "spiffe://example.org/ledger",
      iat: 1_767_225_600,
      exp: 1_767_226_200,
      jti,
      ...(wid === null ? {} : { wid }),
      exec_act: "task",
      pred: fields.pred ?? [],
    },
  };
}
