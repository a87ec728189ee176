/**
 * `ect-cli`: the `ect` command (keygen, create, verify, inspect, ledger append/audit/export/import/
 * head/show, graph) and {@link runCli}, which runs it in-process with any streams.
 *
 * @packageDocumentation
 */

export { cliVersion, runCli } from "./cli.js";
export { ExitCode, type ExitStatus } from "./cli-error.js";
export type { CliIo, CliOutput } from "./cli-io.js";
