import { FORBIDDEN_MEMBER_NAMES, Limits } from "./constants.js";
import { EctConfigError, EctError, EctErrorCodes } from "./errors.js";
import type { JsonObject, JsonValue } from "./types.js";

/** Options for {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /**
   * Deepest nesting allowed (the root object or array is depth 1). Default 16 (SPEC 5.3); an
   * integer from 1 to 1000 (the parser recurses once per level).
   */
  readonly maxDepth?: number;
  /** Named in errors, e.g. `"header"` or `"claims"`. */
  readonly member?: string;
  /** Refuse `__proto__`, `constructor` and `prototype` as member names (SPEC 3). Default true. */
  readonly refuseForbiddenNames?: boolean;
}

const FORBIDDEN = new Set(FORBIDDEN_MEMBER_NAMES);
/** The parser recurses once per nesting level: a bound keeps it far from the stack limit. */
const MAX_DEPTH_LIMIT = 1000;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 bytes strictly: invalid sequences and a leading byte order mark are refused
 * (SPEC 5.3: "decode as UTF-8 (no BOM)").
 */
export function decodeUtf8Strict(bytes: Uint8Array, member?: string): string {
  const where = member === undefined ? {} : { member };
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new EctError(
      EctErrorCodes.JSON_INVALID,
      `${member ?? "input"} starts with a UTF-8 byte order mark`,
      where,
    );
  }
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new EctError(EctErrorCodes.JSON_INVALID, `${member ?? "input"} is not valid UTF-8`, {
      ...where,
      cause,
    });
  }
}

/**
 * Parses JSON text strictly (SPEC 5.3): the root must be an object; duplicate member names at any
 * depth, nesting deeper than `maxDepth`, a leading BOM and (by default) the member names
 * `__proto__`, `constructor`, `prototype` are refused.
 *
 * `JSON.parse` silently keeps the last of two duplicate members, so a token could mean one thing to
 * this library and another to the next parser: this is a scanner of its own. It accepts exactly
 * the RFC 8259 grammar (whitespace is only SP, HT, LF, CR; numbers like `01`, `1.`, `.5`, `1e`,
 * `+1` are refused) with one deliberate restriction: a string holding a lone UTF-16 surrogate
 * (`"\ud800"`, or an unpaired surrogate in the input text) is refused. RFC 8259 section 8.2 leaves
 * such strings' meaning unpredictable and I-JSON (RFC 7493 section 2.1) forbids them; parsers
 * disagree (JSON.parse keeps the lone surrogate, Go substitutes U+FFFD), and two readers seeing
 * different `iss` or `kid` values is exactly what a strict decoder exists to prevent. Duplicate
 * names are compared after unescaping, so `"a"` and `"\u0061"` are duplicates.
 *
 * @throws {@link EctError} `ECT_JSON_INVALID`, `ECT_JSON_NOT_OBJECT`, `ECT_JSON_DUPLICATE_MEMBER`,
 *   `ECT_JSON_TOO_DEEP` or `ECT_FORBIDDEN_MEMBER_NAME`.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): JsonObject {
  const value = parseStrictJsonValue(text, options);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const member = options.member;
    throw new EctError(
      EctErrorCodes.JSON_NOT_OBJECT,
      `${member ?? "JSON"} is not a JSON object`,
      member === undefined ? {} : { member },
    );
  }
  return value;
}

/**
 * Like {@link parseStrictJson} but accepts any JSON value at the root.
 */
export function parseStrictJsonValue(text: string, options: StrictJsonOptions = {}): JsonValue {
  if (typeof text !== "string") {
    throw new EctError(EctErrorCodes.JSON_INVALID, `${options.member ?? "JSON"} must be a string`);
  }
  const maxDepth = options.maxDepth ?? Limits.JSON_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DEPTH_LIMIT) {
    throw new EctConfigError("maxDepth", `must be an integer from 1 to ${MAX_DEPTH_LIMIT}`, {
      received: maxDepth,
    });
  }
  return new StrictJsonParser(text, maxDepth, options).parseDocument();
}

class StrictJsonParser {
  private pos = 0;
  private readonly maxDepth: number;
  private readonly refuseForbidden: boolean;
  private readonly label: string;
  private readonly member: string | undefined;

  constructor(
    private readonly text: string,
    maxDepth: number,
    options: StrictJsonOptions,
  ) {
    this.maxDepth = maxDepth;
    this.refuseForbidden = options.refuseForbiddenNames ?? true;
    this.member = options.member;
    this.label = options.member ?? "JSON";
  }

  parseDocument(): JsonValue {
    if (this.text.charCodeAt(0) === 0xfeff)
      this.fail(EctErrorCodes.JSON_INVALID, "starts with a byte order mark");
    this.skipWhitespace();
    const value = this.parseValue(0, undefined);
    this.skipWhitespace();
    if (this.pos !== this.text.length)
      this.fail(EctErrorCodes.JSON_INVALID, `unexpected data at offset ${this.pos}`);
    return value;
  }

  private fail(
    code: (typeof EctErrorCodes)[keyof typeof EctErrorCodes],
    why: string,
    member?: string,
  ): never {
    const m = member ?? this.member;
    throw new EctError(code, `${this.label}: ${why}`, m === undefined ? {} : { member: m });
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private parseValue(depth: number, path: string | undefined): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b /* { */) return this.parseObject(depth + 1, path);
    if (c === 0x5b /* [ */) return this.parseArray(depth + 1, path);
    if (c === 0x22 /* " */) return this.parseString();
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
    if (this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    }
    if (this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return null;
    }
    return this.fail(EctErrorCodes.JSON_INVALID, `unexpected ${this.describeHere()} at offset ${this.pos}`);
  }

  private describeHere(): string {
    return this.pos >= this.text.length ? "end of input" : `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private checkDepth(depth: number, path: string | undefined): void {
    // Checked on entry to each object/array, so recursion never goes deeper than maxDepth + 1.
    if (depth > this.maxDepth)
      this.fail(EctErrorCodes.JSON_TOO_DEEP, `nesting deeper than ${this.maxDepth}`, path);
  }

  private parseObject(depth: number, path: string | undefined): JsonObject {
    this.checkDepth(depth, path);
    this.pos++; // {
    const out: JsonObject = {};
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d /* } */) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x22) {
        this.fail(EctErrorCodes.JSON_INVALID, `expected a member name at offset ${this.pos}`);
      }
      const name = this.parseString();
      // Members of the root object are named by their own name (`exp`), nested ones by their path.
      const childPath = path === undefined ? name : `${path}.${name}`;
      if (seen.has(name)) {
        this.fail(
          EctErrorCodes.JSON_DUPLICATE_MEMBER,
          `duplicate member name ${JSON.stringify(name)}`,
          childPath,
        );
      }
      if (this.refuseForbidden && FORBIDDEN.has(name)) {
        this.fail(
          EctErrorCodes.FORBIDDEN_MEMBER_NAME,
          `forbidden member name ${JSON.stringify(name)}`,
          childPath,
        );
      }
      seen.add(name);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) {
        this.fail(EctErrorCodes.JSON_INVALID, `expected ':' at offset ${this.pos}`);
      }
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(depth, childPath);
      // `__proto__` (allowed only when refuseForbiddenNames is false) must become an own data
      // property, never run the Object.prototype setter.
      if (name === "__proto__") {
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      } else out[name] = value;
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c /* , */) {
        this.pos++;
        continue;
      }
      if (c === 0x7d /* } */) {
        this.pos++;
        return out;
      }
      this.fail(EctErrorCodes.JSON_INVALID, `expected ',' or '}' at offset ${this.pos}`);
    }
  }

  private parseArray(depth: number, path: string | undefined): JsonValue[] {
    this.checkDepth(depth, path);
    this.pos++; // [
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d /* ] */) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.parseValue(depth, path));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return out;
      }
      this.fail(EctErrorCodes.JSON_INVALID, `expected ',' or ']' at offset ${this.pos}`);
    }
  }

  private parseString(): string {
    const t = this.text;
    let i = ++this.pos; // past the opening quote
    let out = "";
    let chunkStart = i;
    for (;;) {
      if (i >= t.length) {
        this.pos = i;
        this.fail(EctErrorCodes.JSON_INVALID, "unterminated string");
      }
      const c = t.charCodeAt(i);
      if (c === 0x22 /* " */) {
        this.pos = i + 1;
        return out + t.slice(chunkStart, i);
      }
      if (c < 0x20) {
        this.pos = i;
        this.fail(EctErrorCodes.JSON_INVALID, `control character in string at offset ${i}`);
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A raw surrogate in the text must be a high one followed by a low one.
        const next = t.charCodeAt(i + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) this.loneSurrogate(i);
        i += 2;
        continue;
      }
      if (c !== 0x5c /* \ */) {
        i++;
        continue;
      }
      out += t.slice(chunkStart, i);
      const e = t.charCodeAt(i + 1);
      let decoded: string;
      switch (e) {
        case 0x22:
          decoded = '"';
          break;
        case 0x5c:
          decoded = "\\";
          break;
        case 0x2f:
          decoded = "/";
          break;
        case 0x62:
          decoded = "\b";
          break;
        case 0x66:
          decoded = "\f";
          break;
        case 0x6e:
          decoded = "\n";
          break;
        case 0x72:
          decoded = "\r";
          break;
        case 0x74:
          decoded = "\t";
          break;
        case 0x75 /* u */:
          {
            const unit = this.hex4(i + 2);
            if (unit >= 0xd800 && unit <= 0xdfff) {
              // A high surrogate escape must be followed by a low surrogate escape (RFC 8259 section 7).
              if (unit > 0xdbff || t.charCodeAt(i + 6) !== 0x5c || t.charCodeAt(i + 7) !== 0x75) {
                this.loneSurrogate(i);
              }
              const low = this.hex4(i + 8);
              if (low < 0xdc00 || low > 0xdfff) this.loneSurrogate(i);
              decoded = String.fromCharCode(unit, low);
              i += 6;
            } else decoded = String.fromCharCode(unit);
            i += 4;
            break;
          }
        default:
          this.pos = i;
          this.fail(EctErrorCodes.JSON_INVALID, `bad escape at offset ${i}`);
      }
      out += decoded;
      i += 2;
      chunkStart = i;
    }
  }

  /** The value of four hex digits at `at`, or a failure. */
  private hex4(at: number): number {
    let n = 0;
    for (let k = at; k < at + 4; k++) {
      const c = this.text.charCodeAt(k);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else return this.fail(EctErrorCodes.JSON_INVALID, `bad \\u escape at offset ${at - 2}`);
      n = n * 16 + d;
    }
    return n;
  }

  private loneSurrogate(at: number): never {
    this.pos = at;
    return this.fail(EctErrorCodes.JSON_INVALID, `lone UTF-16 surrogate in string at offset ${at}`);
  }

  private parseNumber(): number {
    const t = this.text;
    const start = this.pos;
    let i = start;
    if (t.charCodeAt(i) === 0x2d) i++;
    if (t.charCodeAt(i) === 0x30) i++;
    else if (isDigit(t.charCodeAt(i))) while (isDigit(t.charCodeAt(i))) i++;
    else this.fail(EctErrorCodes.JSON_INVALID, `bad number at offset ${start}`);
    if (t.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(t.charCodeAt(i))) this.fail(EctErrorCodes.JSON_INVALID, `bad number at offset ${start}`);
      while (isDigit(t.charCodeAt(i))) i++;
    }
    const e = t.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const s = t.charCodeAt(i);
      if (s === 0x2b || s === 0x2d) i++;
      if (!isDigit(t.charCodeAt(i))) this.fail(EctErrorCodes.JSON_INVALID, `bad number at offset ${start}`);
      while (isDigit(t.charCodeAt(i))) i++;
    }
    const value = Number(t.slice(start, i));
    // profile §5.3 (I-JSON): a number that overflows to infinity (1e400) is refused wherever it
    // appears, header or claims, not only where a claim rule would look at it.
    if (!Number.isFinite(value)) {
      this.fail(EctErrorCodes.JSON_INVALID, `number at offset ${start} overflows to infinity`);
    }
    this.pos = i;
    return value;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
