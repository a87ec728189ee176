import { isEctError } from "ect-core";
import type { buildGraph } from "ect-dag";
import { ExitCode, type ExitStatus, failure, usageError } from "../cli-error.js";
import { type Command, type CommandContext, stringOption } from "../command-context.js";
import type { CommandSpec, ParsedCommand } from "../command-spec.js";
import { LEDGER_OPTIONS, readFromLedger } from "./ledger-options.js";
import { widOption } from "./ledger-read.js";

const FORMATS = ["ascii", "mermaid", "dot"] as const;

const spec: CommandSpec = {
  name: "graph",
  summary: "draw a workflow's DAG from a ledger",
  usage: ["--ledger LEDGER [--wid UUID] [--format ascii|mermaid|dot]"],
  description:
    "Draws the tasks of a ledger (all of them, or one workflow's with --wid) as a graph: each task's pred claim " +
    "is an edge from the task it followed. ascii (default) is for a terminal, mermaid renders in Markdown " +
    "(GitHub, docs), dot is Graphviz ('| dot -Tsvg > workflow.svg'). Labels are escaped for each format.",
  options: {
    ...LEDGER_OPTIONS,
    wid: { type: "string", value: "UUID", description: "only this workflow ('none' for tokens without wid)" },
    format: { type: "string", value: "FORMAT", description: "ascii (default), mermaid or dot" },
  },
  positionals: { min: 0, max: 0, name: "" },
  examples: [
    "ect graph --ledger ledger.jsonl",
    "ect graph --ledger ledger.jsonl --wid 1b4e28ba-2fa1-41d2-883f-0016d3cca427 --format mermaid",
    "ect graph --ledger redis://127.0.0.1:6379 --format dot | dot -Tsvg > workflow.svg",
  ],
};

async function run(context: CommandContext, parsed: ParsedCommand): Promise<ExitStatus> {
  const format = stringOption(parsed, "format") ?? "ascii";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw usageError(`--format ${JSON.stringify(format)} is not one of ${FORMATS.join(", ")}`);
  }
  const widText = stringOption(parsed, "wid");
  const { buildGraph, toAscii, toDot, toMermaid } = await import("ect-dag");
  return readFromLedger(context, parsed, async (ledger) => {
    const entries =
      widText === undefined ? await ledger.range({}) : await ledger.listWorkflow(widOption(widText));
    if (entries.length === 0) {
      throw failure(
        widText === undefined
          ? "the ledger is empty: nothing to draw"
          : `no entries with wid ${JSON.stringify(widText)}`,
      );
    }
    let graph: ReturnType<typeof buildGraph>;
    try {
      graph = buildGraph(entries);
    } catch (error) {
      if (isEctError(error))
        throw failure(`cannot build the graph: ${error.code}: ${error.message}`, undefined, error.code);
      throw error;
    }
    const columns = context.io.stdout.columns;
    const text =
      format === "mermaid"
        ? toMermaid(graph)
        : format === "dot"
          ? toDot(graph)
          : toAscii(graph, columns !== undefined && columns >= 20 ? { width: columns } : {});
    context.out(text.endsWith("\n") ? text : `${text}\n`);
    return ExitCode.OK;
  });
}

/** `ect graph`. */
export const graphCommand: Command = { spec, run };
