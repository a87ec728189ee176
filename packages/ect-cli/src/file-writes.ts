import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, unlinkSync, writeSync } from "node:fs";
import { type FileHandle, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { failure, usageError } from "./cli-error.js";

function writeError(path: string, error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  if (code === "ENOENT") return usageError(`cannot write ${path}: its directory does not exist`);
  if (code === "EISDIR") return usageError(`cannot write ${path}: it is a directory`);
  if (code === "EACCES" || code === "EPERM") return usageError(`cannot write ${path}: permission denied`);
  return usageError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
}

async function writeAll(handle: FileHandle, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  let pending = "";
  for await (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= 1 << 16) {
      await handle.write(pending);
      pending = "";
    }
  }
  if (pending.length > 0) await handle.write(pending);
  await handle.sync();
}

async function syncDirectory(path: string): Promise<void> {
  try {
    const dir = await open(dirname(path), constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Not every platform can fsync a directory; the rename itself is still atomic.
  }
}

/**
 * Creates a new file exclusively (`O_EXCL`: an existing file, or a symlink planted in its place, is
 * never followed or overwritten) with `mode`, writes it and syncs it.
 *
 * @returns false when the file already exists.
 */
export async function writeNewFile(
  path: string,
  chunks: Iterable<string> | AsyncIterable<string>,
  mode: number,
): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (error) {
    if ((error as { code?: unknown })?.code === "EEXIST") return false;
    throw writeError(path, error);
  }
  try {
    await writeAll(handle, chunks);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw writeError(path, error);
  }
  await handle.close();
  await syncDirectory(path);
  return true;
}

/**
 * Replaces (or creates) a file atomically: writes a temporary file next to it, syncs it and renames
 * it over the target, so a reader sees the old or the new content, never half of one. The new file
 * gets `mode`, or the old one's permission bits with `keepExistingMode`.
 */
export async function replaceFileAtomically(
  path: string,
  chunks: Iterable<string> | AsyncIterable<string>,
  options: { readonly mode: number; readonly keepExistingMode: boolean },
): Promise<void> {
  let finalMode = options.mode;
  if (options.keepExistingMode) {
    try {
      finalMode = (await stat(path)).mode & 0o777;
    } catch {
      // New file.
    }
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  if (!(await writeNewFile(temp, chunks, finalMode)))
    throw writeError(temp, new Error("temporary file exists"));
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw writeError(path, error);
  }
  await syncDirectory(path);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown })?.code === "EPERM";
  }
}

/**
 * Takes `<path>.lock` (created exclusively, holding this process's id) so two `ect` processes never
 * write the same ledger file at once (a lost update would silently drop entries). Waits up to
 * `waitMs` for a live holder (calling `onWait` once). A lock left by a process that no longer runs
 * is reported, not silently broken, since removing it while another process takes it would let two
 * writers in; a process stopped by SIGINT or SIGTERM removes its own lock.
 *
 * @returns the function that releases the lock.
 */
export async function lockFile(
  path: string,
  options: { readonly waitMs: number; readonly onWait?: (holder: number | undefined) => void },
): Promise<() => Promise<void>> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + options.waitMs;
  let waiting = false;
  for (;;) {
    // The signal handlers are installed before the lock is created: a SIGINT/SIGTERM arriving at
    // any moment after the create finds them, removes the lock and then ends the process as usual.
    let owned = false;
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (owned) {
        try {
          unlinkSync(lock);
        } catch {
          // Already gone.
        }
      }
      process.kill(process.pid, signal);
    };
    const removeHandlers = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let fd: number | undefined;
    try {
      fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      owned = true;
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        removeHandlers();
        await unlink(lock).catch(() => undefined);
      };
    } catch (error) {
      removeHandlers();
      if (owned) {
        try {
          if (fd !== undefined) closeSync(fd);
        } catch {
          // Closed already, or the write failed: the lock goes either way.
        }
        await unlink(lock).catch(() => undefined);
      }
      if (owned || (error as { code?: unknown })?.code !== "EEXIST") throw writeError(lock, error);
    }
    const holder = Number.parseInt(await readFile(lock, "utf8").catch(() => ""), 10);
    if (Number.isSafeInteger(holder) && holder > 0 && !processIsAlive(holder)) {
      throw failure(
        `the ledger file ${path} is locked by process ${holder}, which is no longer running`,
        `if no other ect process is writing it, remove ${lock} and try again`,
      );
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(Number.isSafeInteger(holder) ? holder : undefined);
    }
    if (Date.now() >= deadline) {
      throw failure(
        `the ledger file ${path} is being written by another ect process${Number.isSafeInteger(holder) ? ` (pid ${holder})` : ""}`,
        "try again when it has finished",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
