#!/usr/bin/env node
/**
 * The `ect` executable: runs {@link runCli} on the process's arguments and streams.
 *
 * @packageDocumentation
 */
import { runCli } from "./cli.js";

// `ect ledger show | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
