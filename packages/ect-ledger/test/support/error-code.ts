import { EctConfigError, EctError } from "ect-core";

/** What `fn` did: `"ok"`, the code of the `EctError` it threw (sync or async), or the other error. */
export async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return e instanceof EctError ? e.code : String(e);
  }
  return "ok";
}

/** What `fn` threw (sync or async) as `ECT_CONFIG_INVALID <option>` when it is an EctConfigError (a TypeError). */
export async function configErrorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return e instanceof EctConfigError && e instanceof TypeError ? `${e.code} ${e.option}` : String(e);
  }
  return "ok";
}
