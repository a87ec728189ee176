import { FORBIDDEN_MEMBER_NAMES, Limits } from "./constants.js";
import { EctConfigError, EctError, type EctErrorCode, EctErrorCodes } from "./errors.js";
import type { JsonObject, JsonValue } from "./types.js";

/** Options for {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /**
   * Deepest nesting allowed (the root object or array is depth 1). Default 16 (SPEC 5.3); an
   * integer from 1 to 1000.
   */
  readonly maxDepth?: number;
  /** Named in errors, e.g. `"header"` or `"claims"`. */
  readonly member?: string;
  /** Refuse `__proto__`, `constructor` and `prototype` as member names (SPEC 3). Default true. */
  readonly refuseForbiddenNames?: boolean;
}

const FORBIDDEN = new Set(FORBIDDEN_MEMBER_NAMES);
/** The same bound as ever: a configuration beyond it is a mistake, not a need. */
const MAX_DEPTH_LIMIT = 1000;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 bytes strictly: invalid sequences and a leading byte order mark are refused
 * (SPEC 5.3: "decode as UTF-8 (no BOM)").
 */
export function decodeUtf8Strict(bytes: Uint8Array, member?: string): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new EctError(
      EctErrorCodes.JSON_INVALID,
      `${member ?? "input"} starts with a UTF-8 byte order mark`,
      member === undefined ? {} : { member },
    );
  }
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new EctError(EctErrorCodes.JSON_INVALID, `${member ?? "input"} is not valid UTF-8`, {
      ...(member === undefined ? {} : { member }),
      cause,
    });
  }
}

/**
 * Parses JSON text strictly (SPEC 5.3): the root must be an object; duplicate member names at any
 * depth, nesting deeper than `maxDepth`, a leading BOM and (by default) the member names
 * `__proto__`, `constructor`, `prototype` are refused.
 *
 * The grammar is RFC 8259's, exactly what `JSON.parse` accepts (whitespace is only SP, HT, LF,
 * CR; numbers like `01`, `1.`, `.5`, `+1` are refused), with the restrictions of I-JSON
 * (RFC 7493) that `JSON.parse` does not make: a duplicate member name (`JSON.parse` silently keeps
 * the last one, so a token could mean one thing here and another to the next parser; names are
 * compared after unescaping, so `"a"` and `"\u0061"` are duplicates), a string holding a lone
 * UTF-16 surrogate (`"\ud800"`, or an unpaired surrogate in the text: RFC 8259 section 8.2 leaves
 * their meaning unpredictable and parsers disagree, JSON.parse keeps them and Go substitutes
 * U+FFFD), and a number that overflows to infinity (`1e400`), all refused anywhere in the value.
 *
 * When several rules are broken the error is, in this order: nesting too deep (found before
 * parsing, so a deep input costs one linear scan and no recursion), the grammar (and lone
 * surrogates in the text itself), then the first forbidden name, lone surrogate escape or
 * infinite number in document order, then a duplicate name.
 *
 * @throws {@link EctError} `ECT_JSON_INVALID`, `ECT_JSON_NOT_OBJECT`, `ECT_JSON_DUPLICATE_MEMBER`,
 *   `ECT_JSON_TOO_DEEP` or `ECT_FORBIDDEN_MEMBER_NAME`.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): JsonObject {
  return objectOnly(parseStrictJsonValue(text, options), options.member);
}

/**
 * {@link parseStrictJson} for the decoder, with arguments it has already checked: `maxDepth` an
 * integer from 1 to 1000, forbidden names refused.
 */
export function parseStrictJsonMember(text: string, member: string, maxDepth: number): JsonObject {
  return objectOnly(parseChecked(text, member, maxDepth, true), member);
}

function objectOnly(value: JsonValue, member: string | undefined): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new EctError(
      EctErrorCodes.JSON_NOT_OBJECT,
      `${member ?? "JSON"} is not a JSON object`,
      member === undefined ? {} : { member },
    );
  }
  return value;
}

/** Refuses a `maxDepth` outside 1 to 1000 (a configuration mistake). */
export function checkMaxDepth(maxDepth: number): void {
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DEPTH_LIMIT) {
    throw new EctConfigError("maxDepth", `must be an integer from 1 to ${MAX_DEPTH_LIMIT}`, {
      received: maxDepth,
    });
  }
}

/**
 * Like {@link parseStrictJson} but accepts any JSON value at the root.
 */
export function parseStrictJsonValue(text: string, options: StrictJsonOptions = {}): JsonValue {
  const member = options.member;
  if (typeof text !== "string") {
    throw new EctError(EctErrorCodes.JSON_INVALID, `${member ?? "JSON"} must be a string`);
  }
  const maxDepth = options.maxDepth ?? Limits.JSON_MAX_DEPTH;
  checkMaxDepth(maxDepth);
  return parseChecked(text, member, maxDepth, options.refuseForbiddenNames ?? true);
}

function parseChecked(
  text: string,
  member: string | undefined,
  maxDepth: number,
  refuseForbidden: boolean,
): JsonValue {
  if (text.charCodeAt(0) === 0xfeff)
    refuse(member, EctErrorCodes.JSON_INVALID, "starts with a byte order mark");
  // 1. Members and depth, counted outside strings before anything is parsed.
  const members = countMembers(text, maxDepth);
  if (members < 0) {
    const path = locate(text, maxDepth).path;
    refuse(member, EctErrorCodes.JSON_TOO_DEEP, `nesting deeper than ${maxDepth}`, path);
  }
  // 2. The grammar: JSON.parse is RFC 8259's, no more and no less.
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (cause) {
    return refuse(member, EctErrorCodes.JSON_INVALID, "not valid JSON", undefined, cause);
  }
  // A raw lone surrogate can only sit inside a string (anywhere else JSON.parse refused it). The
  // UTF-8 decoder never yields one; a string handed in directly may.
  if (!isWellFormed(text)) refuse(member, EctErrorCodes.JSON_INVALID, "lone UTF-16 surrogate in the text");
  // 3. What JSON.parse lets through. Escaped lone surrogates need a `\u` escape in the text.
  const walk: Walk = {
    members: 0,
    refuseForbidden,
    checkStrings: text.includes("\\u"),
  };
  const problem = walkValue(value, walk);
  if (problem !== undefined) refuse(member, problem.code, problem.why, problem.path);
  // 4. JSON.parse keeps one member per name: fewer than the text holds means a duplicate.
  if (walk.members !== members) {
    const found = locate(text, maxDepth);
    refuse(
      member,
      EctErrorCodes.JSON_DUPLICATE_MEMBER,
      `duplicate member name ${JSON.stringify(found.name)}`,
      found.path,
    );
  }
  return value;
}

/** Refuses the document named `member`; the error names `path` (a member path) or the document. */
function refuse(
  member: string | undefined,
  code: EctErrorCode,
  why: string,
  path?: string,
  cause?: unknown,
): never {
  const m = path ?? member;
  throw new EctError(code, `${member ?? "JSON"}: ${why}`, {
    ...(m === undefined ? {} : { member: m }),
    ...(cause === undefined ? {} : { cause }),
  });
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index just past the string whose content starts at `from` (the text's length if unterminated). */
function endOfString(text: string, from: number): number {
  let i = from;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    // Escaped when preceded by an odd run of backslashes (the opening quote ends any run).
    let b = quote - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((quote - 1 - b) % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * The number of name separators (`:` outside strings: one per member in the text), or -1 as soon
 * as brackets outside strings nest deeper than `maxDepth`. Allocates nothing; strings are skipped
 * with `indexOf`.
 */
function countMembers(text: string, maxDepth: number): number {
  let members = 0;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = endOfString(text, i + 1) - 1;
    else if (c === 0x3a /* : */) members++;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return -1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return members;
}

/** The walk's running state. */
interface Walk {
  /** Members seen in objects so far. */
  members: number;
  readonly refuseForbidden: boolean;
  /** Whether strings may hold an escaped lone surrogate (the text has a `\u` escape). */
  readonly checkStrings: boolean;
}

interface Problem {
  readonly code: EctErrorCode;
  readonly why: string;
  /** The member path, for a forbidden name; otherwise the document is named. */
  readonly path?: string;
}

/** Counts members and finds, in document order, what JSON.parse accepts and I-JSON does not. */
function walkValue(value: JsonValue, walk: Walk): Problem | undefined {
  if (typeof value === "string") {
    return walk.checkStrings && !isWellFormed(value) ? LONE_SURROGATE_PROBLEM : undefined;
  }
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? undefined
      : // profile §5.3 (I-JSON): refused wherever it appears, not only where a claim rule looks.
        { code: EctErrorCodes.JSON_INVALID, why: "a number overflows to infinity" };
  }
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walkValue(value[i]!, walk);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  // for-in allocates no array of names; a member lent by a (polluted) prototype is not counted.
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    walk.members++;
    if (walk.refuseForbidden && FORBIDDEN.has(name)) {
      return {
        code: EctErrorCodes.FORBIDDEN_MEMBER_NAME,
        why: `forbidden member name ${JSON.stringify(name)}`,
        path: name,
      };
    }
    if (walk.checkStrings && !isWellFormed(name)) return LONE_SURROGATE_PROBLEM;
    const problem = walkValue(value[name]!, walk);
    if (problem !== undefined) {
      // Members of the root object are named by their own name (`exp`), nested ones by their path.
      return problem.path === undefined ? problem : { ...problem, path: `${name}.${problem.path}` };
    }
  }
  return undefined;
}

const LONE_SURROGATE_PROBLEM: Problem = {
  code: EctErrorCodes.JSON_INVALID,
  why: "lone UTF-16 surrogate in a string",
};

/** `String.prototype.isWellFormed` (ES2024) where the runtime has it. */
const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function";
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** No lone surrogate (`String.prototype.isWellFormed`, or the same test where a runtime lacks it). */
function isWellFormed(text: string): boolean {
  return hasIsWellFormed
    ? (text as string & { isWellFormed(): boolean }).isWellFormed()
    : !LONE_SURROGATE.test(text);
}

/**
 * The error path only: where the first duplicate name is, or where nesting first goes deeper than
 * `maxDepth`, with the member path the error names (members of the root by their own name, nested
 * ones as `a.b`; array elements carry their array's path). Names are compared after unescaping.
 */
function locate(text: string, maxDepth: number): { path: string | undefined; name?: string } {
  interface Frame {
    readonly path: string | undefined;
    /** The names seen so far, for an object; undefined for an array. */
    readonly names: Set<string> | undefined;
    /** The path of the member whose value comes next. */
    memberPath: string | undefined;
  }
  const stack: Frame[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === QUOTE) {
      const end = endOfString(text, i + 1);
      let next = end;
      while (next < n && " \t\r\n".includes(text.charAt(next))) next++;
      if (top?.names !== undefined && text.charCodeAt(next) === 0x3a /* : */) {
        const name = unescapeName(text.slice(i, end));
        const path = top.path === undefined ? name : `${top.path}.${name}`;
        if (top.names.has(name)) return { path, name };
        top.names.add(name);
        top.memberPath = path;
      }
      i = end - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const path = top === undefined ? undefined : top.names === undefined ? top.path : top.memberPath;
      if (stack.length + 1 > maxDepth) return { path };
      stack.push({ path, names: c === 0x7b ? new Set() : undefined, memberPath: undefined });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
  }
  return { path: undefined };
}

/** A member name's value: its quoted text unescaped (as it was when JSON.parse read it). */
function unescapeName(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1); // only before a syntax error the deep input was never parsed to
  }
}
