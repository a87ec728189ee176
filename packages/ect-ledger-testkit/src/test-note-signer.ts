import type { NoteSigner } from "ect-core";
import { base64Encode } from "ect-core/internal";

const encoder = new TextEncoder();

/** A {@link NoteSigner} with its public key, for checking its signatures independently. */
export interface TestNoteSigner extends NoteSigner {
  /** The 32-byte raw Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The note verifier key `<name>+<keyid hex>+<base64(0x01 ‖ key)>`. */
  readonly vkey: string;
}

/**
 * A fresh Ed25519 C2SP note signer (WebCrypto) named `origin`: key id = the first 4 bytes of
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), per the signed-note spec.
 */
export async function createTestNoteSigner(origin: string): Promise<TestNoteSigner> {
  const pair = (await globalThis.crypto.subtle.generateKey({ name: "Ed25519" }, false, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await globalThis.crypto.subtle.exportKey("raw", pair.publicKey));
  const keyBytes = new Uint8Array(1 + publicKey.length);
  keyBytes[0] = 0x01;
  keyBytes.set(publicKey, 1);
  const name = encoder.encode(`${origin}\n`);
  const idInput = new Uint8Array(name.length + keyBytes.length);
  idInput.set(name, 0);
  idInput.set(keyBytes, name.length);
  const idBytes = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", idInput)).slice(0, 4);
  const hexId = Array.from(idBytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const keyId = Number.parseInt(hexId, 16);
  return Object.freeze({
    name: origin,
    keyId,
    publicKey,
    vkey: `${origin}+${hexId}+${base64Encode(keyBytes)}`,
    async sign(message: Uint8Array) {
      return new Uint8Array(
        await globalThis.crypto.subtle.sign("Ed25519", pair.privateKey, message as Uint8Array<ArrayBuffer>),
      );
    },
  });
}
