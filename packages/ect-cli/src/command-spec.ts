import { parseArgs } from "node:util";
import { usageError } from "./cli-error.js";

/** One option of a command: its parser type and what the help says about it. */
export interface OptionSpec {
  /** `string`: takes a value; `boolean`: a switch. */
  readonly type: "string" | "boolean";
  /** May be given several times (values are collected in order). */
  readonly multiple?: boolean;
  /** A one-letter alias. */
  readonly short?: string;
  /** The value's placeholder in the help, e.g. `FILE`. */
  readonly value?: string;
  /** One line (or a few) for the help. */
  readonly description: string;
  /** The command cannot run without it: every missing required option is reported at once. */
  readonly required?: boolean;
}

/** A command (or sub-command): the single source of its parser and its help text. */
export interface CommandSpec {
  /** `verify`, `ledger audit`, ... */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage lines after `ect <name>`. */
  readonly usage: readonly string[];
  /** Paragraphs explaining what it does. */
  readonly description: string;
  /** Its options by long name (without `--`); `--help` is added to every command. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Bounds on the positional arguments. */
  readonly positionals: { readonly min: number; readonly max: number; readonly name: string };
  /** Example invocations, each `command  # comment`. */
  readonly examples: readonly string[];
  /** Extra sections (title and text) after the options. */
  readonly sections?: readonly { readonly title: string; readonly text: string }[];
  /**
   * Options people guess that this command does not have, with what to write instead (e.g.
   * `"--aud": "--verifier-id ID (the audience a token must name)"`).
   */
  readonly guesses?: Readonly<Record<string, string>>;
}

/** Guesses every command answers (the trust flags of earlier versions). */
const COMMON_GUESSES: Readonly<Record<string, string>> = {
  "--jwks": "--trust ISS=FILE (binds the keys of FILE to the issuer ISS)",
  "--iss-key": "--trust ISS=FILE (binds the keys of FILE to the issuer ISS)",
};

/** The parsed command line of one command. */
export interface ParsedCommand {
  /** Option values by long name: a string, a switch's `true`, or the list of a repeatable option. */
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  /** The positional arguments, in order. */
  readonly positionals: readonly string[];
  /** `--help` was given: print the help instead of running. */
  readonly help: boolean;
}

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "show this help" };

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest candidate to `input`, when it is close enough to be a typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(input, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function helpHint(spec: CommandSpec): string {
  return `see 'ect help ${spec.name}'`;
}

/**
 * Parses `argv` for a command with node:util `parseArgs` (strict) and turns its errors into usage
 * errors that name the command, the option and the fix. A non-repeatable option given twice is
 * refused rather than silently taking the last value.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinStringValues(spec, argv),
      options,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (error) {
    throw translateParseError(spec, error);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values["help"] === true) return { values, positionals: parsed.positionals, help: true };
  const seen = new Map<string, number>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    const count = (seen.get(token.name) ?? 0) + 1;
    seen.set(token.name, count);
    if (count === 2 && !spec.options[token.name]?.multiple) {
      throw usageError(`option --${token.name} was given more than once`, `give it once; ${helpHint(spec)}`);
    }
  }
  const missing = Object.entries(spec.options)
    .filter(([name, option]) => option.required && values[name] === undefined)
    .map(([name]) => name);
  const { min, max, name } = spec.positionals;
  if (parsed.positionals.length < min) {
    const also =
      missing.length > 0 ? ` and ${missingOptionsError(spec, missing).message.slice("missing ".length)}` : "";
    throw usageError(
      `missing ${name}${also}`,
      `usage: ect ${spec.name} ${spec.usage[0] ?? ""}; ${helpHint(spec)}`,
    );
  }
  if (missing.length > 0) throw missingOptionsError(spec, missing);
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!;
    throw usageError(
      max === 0
        ? `unexpected argument ${JSON.stringify(extra)}: 'ect ${spec.name}' takes no arguments besides options`
        : `too many arguments: unexpected ${JSON.stringify(extra)}`,
      helpHint(spec),
    );
  }
  return { values, positionals: parsed.positionals, help: false };
}

/**
 * An option that always takes a value takes the next word whatever it starts with: a thumbprint
 * `kid` starts with '-' one time in 64, and `--kid -x` must not be read as an unknown option `-x`
 * (parseArgs refuses such a value as ambiguous). `--name value` becomes `--name=value`; words after
 * `--` are left alone.
 */
function joinStringValues(spec: CommandSpec, argv: readonly string[]): string[] {
  const shorts = new Map<string, string>(
    Object.entries(spec.options)
      .filter(([, o]) => o.short !== undefined)
      .map(([name, o]) => [`-${o.short}`, name]),
  );
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = word.startsWith("--") ? word.slice(2) : shorts.get(word);
    if (name !== undefined && spec.options[name]?.type === "string" && i + 1 < argv.length) {
      out.push(`--${name}=${argv[i + 1]!}`);
      i++;
    } else out.push(word);
  }
  return out;
}

/** One usage error naming every missing required option (not one per run). */
export function missingOptionsError(spec: CommandSpec, names: readonly string[]): Error {
  const labels = names.map((n) => `--${n}${spec.options[n]?.value ? ` ${spec.options[n]!.value}` : ""}`);
  const details = names.map((n) => `--${n}: ${spec.options[n]?.description ?? ""}`).join("; ");
  return usageError(
    `missing ${labels.length === 1 ? "option" : "options"} ${labels.join(", ")}`,
    `${details}; ${helpHint(spec)}`,
  );
}

/** Usage error unless every one of `names` was given (for requirements that depend on other options). */
export function requireOptions(spec: CommandSpec, parsed: ParsedCommand, names: readonly string[]): void {
  const missing = names.filter((n) => {
    const value = parsed.values[n];
    return value === undefined || (Array.isArray(value) && value.length === 0);
  });
  if (missing.length > 0) throw missingOptionsError(spec, missing);
}

function translateParseError(spec: CommandSpec, error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /'([^']+)'/.exec(message)?.[1] ?? "?";
    const names = Object.keys(spec.options).map((n) => `--${n}`);
    const bare = option.split("=")[0]!;
    const guess = spec.guesses?.[bare] ?? COMMON_GUESSES[bare];
    const suggestion = guess ?? (bare.startsWith("--") ? closest(bare, names) : undefined);
    return usageError(
      `unknown option ${bare} for 'ect ${spec.name}'`,
      `${suggestion ? `did you mean ${suggestion}? ` : ""}${helpHint(spec)}`,
    );
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const argMissing = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(message);
    if (argMissing) {
      const option = spec.options[argMissing[1]!.slice(2)];
      return usageError(
        `option ${argMissing[1]} needs a value (${argMissing[1]} ${option?.value ?? "VALUE"})`,
        helpHint(spec),
      );
    }
    const ambiguous = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument is ambiguous/.exec(message);
    if (ambiguous) {
      return usageError(
        `the value of ${ambiguous[1]} starts with '-'`,
        `write it as ${ambiguous[1]}=VALUE if that is meant; ${helpHint(spec)}`,
      );
    }
    const noArgument = /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
    if (noArgument) {
      return usageError(`option ${noArgument[1]} is a switch and takes no value`, helpHint(spec));
    }
    return usageError(message.split(". ")[0] ?? message, helpHint(spec));
  }
  return usageError(message, helpHint(spec));
}

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    if (paragraph.trim() === "") {
      out.push("");
      continue;
    }
    const lead = /^\s*/.exec(paragraph)![0];
    let line = indent + lead;
    for (const word of paragraph.trim().split(/\s+/)) {
      if (line.trim().length > 0 && line.length + 1 + word.length > width) {
        out.push(line.trimEnd());
        line = indent + lead;
      }
      line += (line.trim().length > 0 ? " " : "") + word;
    }
    out.push(line.trimEnd());
  }
  return out.join("\n");
}

/** The help text of a command, generated from its spec (so it always matches the parser). */
export function renderHelp(spec: CommandSpec, width = 100): string {
  const lines: string[] = [];
  lines.push(`ect ${spec.name}: ${spec.summary}`, "");
  lines.push("Usage:");
  for (const usage of spec.usage) lines.push(`  ect ${spec.name} ${usage}`.trimEnd());
  lines.push("", wrap(spec.description, width, "  "), "", "Options:");
  const entries = [...Object.entries(spec.options), ["help", HELP_OPTION] as const];
  const labels = entries.map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : "    ";
    const value = option.type === "string" ? ` ${option.value ?? "VALUE"}` : "";
    return `${short}--${name}${value}${option.multiple ? " ..." : ""}`;
  });
  const column = Math.min(34, Math.max(...labels.map((l) => l.length)) + 2);
  entries.forEach(([, option], i) => {
    const label = labels[i]!;
    const text = option.required ? `${option.description} (required)` : option.description;
    const description = wrap(text, width - column - 2, "").split("\n");
    if (label.length + 2 > column) {
      lines.push(`  ${label}`);
      for (const d of description) lines.push(`  ${" ".repeat(column)}${d}`);
    } else {
      lines.push(`  ${label.padEnd(column)}${description[0] ?? ""}`);
      for (const d of description.slice(1)) lines.push(`  ${" ".repeat(column)}${d}`);
    }
  });
  for (const section of spec.sections ?? []) {
    lines.push("", `${section.title}:`, wrap(section.text, width, "  "));
  }
  if (spec.examples.length > 0) {
    lines.push("", "Examples:");
    for (const example of spec.examples) lines.push(`  ${example}`);
  }
  return `${lines.join("\n")}\n`;
}
