// inp_hash / out_hash on MCP (profile §10): SHA-256 of the RFC 8785 canonical JSON.
import { sha256Base64url } from "ect-core";
import { describe, expect, it } from "vitest";
import { toolArgumentsHash, toolResultHash } from "../src/index.js";

describe("JCS hashes", () => {
  it("hash the RFC 8785 form: numbers as ECMAScript prints them, members sorted by UTF-16 code units", async () => {
    // RFC 8785 §3.2.2.3 and §3.2.3 examples.
    const args = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"\\u20ac":"Euro Sign","\\r":"Carriage Return","1":"One"}',
    );
    const canonical =
      '{"\\r":"Carriage Return","1":"One","numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"€":"Euro Sign"}';
    expect(await toolArgumentsHash(args)).toBe(await sha256Base64url(canonical));
  });

  it("cover content and, only when present, structuredContent", async () => {
    const content = [{ type: "text", text: "5" }];
    expect(await toolResultHash({ content })).toBe(
      await sha256Base64url('{"content":[{"text":"5","type":"text"}]}'),
    );
    expect(await toolResultHash({ content, structuredContent: { sum: 5 } })).toBe(
      await sha256Base64url('{"content":[{"text":"5","type":"text"}],"structuredContent":{"sum":5}}'),
    );
  });

  it("refuse values with no canonical form (a lone surrogate)", async () => {
    await expect(toolArgumentsHash({ text: "\ud800" })).rejects.toMatchObject({
      code: "ECT_MCP_INPUT_HASH_MISMATCH",
      member: "params.arguments",
    });
    await expect(toolResultHash({ content: [{ text: "\udc00" }] })).rejects.toMatchObject({
      code: "ECT_MCP_OUTPUT_HASH_MISMATCH",
    });
  });
});
