import { EctError } from "ect-core";

/** What `fn` did: `"ok"`, the code of the `EctError` it threw (sync or async), or the other error. */
export async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return e instanceof EctError ? e.code : String(e);
  }
  return "ok";
}
