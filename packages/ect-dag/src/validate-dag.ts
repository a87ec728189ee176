import {
  EctErrorCodes as C,
  type DagRuleOptions,
  type DagValidationResult,
  type DagValidator,
  type EctClaims,
  EctError,
  type EctStore,
  type StoredEct,
} from "ect-core";
import { ectKey, isPromiseLike, type ResolvedDagRuleOptions, resolveDagRuleOptions } from "ect-core/internal";
import { type AncestorWalkOutcome, isStoredEctFor, type WalkStart, walkAncestors } from "./ancestor-walk.js";

/**
 * What a ledger backend recorded about its stored entries, atomically with each append, so the DAG
 * rules can skip the ancestor walk where it cannot find anything (profile §6, note for implementers).
 *
 * A stored entry is **closed** when, at its append, the DAG rules passed and every one of its
 * predecessors was stored (in its scope) and closed itself. Every ancestor of a closed entry was
 * therefore stored before it and is closed: the closed entries never lie on a cycle, and none of
 * them names a `jti` that was not stored when it was appended. So a new token whose predecessors
 * are all closed cannot close a cycle unless its own identity is stored already (rule 1), and its
 * walk would visit only those ancestors. An entry that arrived without the rules (`dag: false`, an
 * import, storage written behind the ledger) or with a predecessor unresolved (`"allow"`) is not
 * closed, nor is anything that descends from it: for those the walk runs.
 */
export interface DagClosure {
  /**
   * For a stored ECT as the store returned it: the upper bound on its number of distinct ancestors
   * that the store recorded with it when it was appended closed, or `undefined` when it is not
   * known to be closed (then the walk runs).
   */
  closedAncestors(stored: StoredEct): number | undefined;
}

/** {@link DagValidationResult} of a ledger's append, with what the backend stores for the new entry. */
export interface LedgerDagValidationResult extends DagValidationResult {
  /**
   * When the token is valid and every predecessor is closed ({@link DagClosure}): an upper bound on
   * its number of distinct ancestors (exact when the walk ran), to store with the entry, which is
   * then closed itself. Absent otherwise.
   */
  readonly closedAncestors?: number;
}

/**
 * The DAG rules as a ledger runs them inside its append, with the backend's
 * {@link DagClosure}. Built by {@link createLedgerDagValidator}.
 */
export type LedgerDagValidator = (
  claims: EctClaims,
  store: EctStore,
  closure: DagClosure,
) => LedgerDagValidationResult | Promise<LedgerDagValidationResult>;

/** What the lookups found for one distinct `pred` entry. */
type PredLookup =
  | { readonly kind: "stored"; readonly stored: StoredEct }
  | { readonly kind: "malformed" }
  | { readonly kind: "other-scope"; readonly stored: StoredEct }
  | { readonly kind: "missing" };

const MISSING: PredLookup = Object.freeze({ kind: "missing" });
const MALFORMED: PredLookup = Object.freeze({ kind: "malformed" });

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

function normalizeWid(wid: unknown): string | null | false {
  if (wid === undefined || wid === null) return null;
  return typeof wid === "string" ? wid.toLowerCase() : false;
}

/**
 * The claims the rules read must have the right shapes even when a caller skipped the claim rules
 * (SPEC 3): otherwise a string `pred` would be walked character by character.
 */
function checkShape(claims: EctClaims): void {
  if (claims === null || typeof claims !== "object") {
    throw new EctError(C.JSON_NOT_OBJECT, "claims must be an object");
  }
  if (typeof claims.jti !== "string" || claims.jti.length === 0) {
    throw new EctError(C.JTI_INVALID, "jti must be a non-empty string", { member: "jti" });
  }
  if (claims.wid !== undefined && claims.wid !== null && typeof claims.wid !== "string") {
    throw new EctError(C.WID_INVALID, "wid must be a string when present", { member: "wid" });
  }
  if (!Array.isArray(claims.pred) || !claims.pred.every((p) => typeof p === "string")) {
    throw new EctError(C.PRED_INVALID, "pred must be an array of strings", { member: "pred" });
  }
  if (typeof claims.iat !== "number" || !Number.isFinite(claims.iat)) {
    throw new EctError(C.IAT_INVALID, "iat must be a finite number", { member: "iat" });
  }
}

function policyDecision(stored: StoredEct): unknown {
  const ext = (stored.claims as Readonly<Record<string, unknown>>)["ect_ext"];
  if (ext === null || typeof ext !== "object" || Array.isArray(ext)) return undefined;
  return Object.hasOwn(ext, "pol_decision") ? (ext as Record<string, unknown>)["pol_decision"] : undefined;
}

/** A value, or a promise of it when a lookup answered asynchronously. */
type Answer<T> = T | Promise<T>;

function lookupPredecessors(
  store: EctStore,
  wid: string | null,
  ids: readonly string[],
): Answer<PredLookup[]> {
  // One predecessor (a chain, the common case): one lookup, no array. A store that answers
  // synchronously (memory) costs no promise at all.
  if (ids.length === 1) {
    const one = store.getEct(wid, ids[0]!);
    return isPromiseLike(one)
      ? Promise.resolve(one).then((stored) => classifyPredecessors(store, wid, ids, [stored]))
      : classifyPredecessors(store, wid, ids, [one]);
  }
  const found = ids.map((id) => store.getEct(wid, id));
  return found.some(isPromiseLike)
    ? Promise.all(found).then((all) => classifyPredecessors(store, wid, ids, all))
    : classifyPredecessors(store, wid, ids, found as (StoredEct | undefined)[]);
}

function classifyPredecessors(
  store: EctStore,
  wid: string | null,
  ids: readonly string[],
  found: readonly (StoredEct | undefined)[],
): Answer<PredLookup[]> {
  const results: PredLookup[] = new Array(found.length);
  let missed = false;
  for (let i = 0; i < found.length; i++) {
    const stored = found[i];
    if (stored === undefined) missed = true;
    results[i] =
      stored === undefined
        ? MISSING
        : isStoredEctFor(stored, ids[i]!)
          ? { kind: "stored", stored }
          : MALFORMED;
  }
  if (!missed) return results;
  // SPEC 6.3: a predecessor missing from the child's scope may be stored in another workflow.
  // Only misses pay for this, and only one lookup each.
  const misses: number[] = [];
  for (let i = 0; i < results.length; i++) if (results[i]!.kind === "missing") misses.push(i);
  let elsewhere: Promise<(StoredEct | undefined)[]> | undefined;
  if (typeof store.findEctByJti === "function") {
    elsewhere = Promise.all(misses.map((i) => store.findEctByJti!(ids[i]!)));
  } else if (wid !== null) {
    elsewhere = Promise.all(misses.map((i) => store.getEct(null, ids[i]!)));
  }
  if (elsewhere === undefined) return results;
  return elsewhere.then((stores) => {
    for (let m = 0; m < misses.length; m++) {
      const stored = stores[m];
      const i = misses[m]!;
      if (stored !== undefined && isStoredEctFor(stored, ids[i]!)) {
        // Stored in the child's scope after all (appended in between): an ordinary predecessor.
        const sameScope =
          normalizeWid((stored.claims as Readonly<Record<string, unknown>>)["wid"]) === normalizeWid(wid);
        results[i] = sameScope ? { kind: "stored", stored } : { kind: "other-scope", stored };
      }
    }
    return results;
  });
}

/**
 * Runs SPEC 6 rules 1-6 with options already resolved. Shared by {@link validateDag},
 * {@link createDagValidator} and {@link dagCheck}. Answers synchronously when every lookup did
 * (an in-memory store) and no walk is needed; otherwise a promise. Throws synchronously for claims
 * without the shapes the rules read or a store that throws.
 *
 * @internal
 */
export function runDagRules(
  claims: EctClaims,
  store: EctStore,
  options: ResolvedDagRuleOptions,
  closure?: DagClosure,
): Answer<LedgerDagValidationResult> {
  checkShape(claims);
  const wid = claims.wid ?? null;
  const ownKey = ectKey(wid, claims.jti);
  const pred = claims.pred;

  // Distinct keys in the child's scope, each with the first index naming it. A duplicate entry
  // (a claim-rule violation, SPEC 3) is looked up and reported once.
  const directKeys = new Map<string, number>();
  const selfIndexes: number[] = [];
  const lookupIndexes: number[] = [];
  const lookupIds: string[] = [];
  const lookupKeys: string[] = [];
  for (let i = 0; i < pred.length; i++) {
    const key = ectKey(wid, pred[i]!);
    if (key === ownKey) selfIndexes.push(i);
    else if (!directKeys.has(key)) {
      directKeys.set(key, i);
      lookupIndexes.push(i);
      lookupIds.push(pred[i]!);
      lookupKeys.push(key);
    }
  }
  const selfFound = store.getEct(wid, claims.jti);
  const lookupsFound = lookupPredecessors(store, wid, lookupIds);
  const judge = (self: StoredEct | undefined, lookups: readonly PredLookup[]) =>
    judgeDag(
      claims,
      store,
      options,
      closure,
      ownKey,
      directKeys,
      selfIndexes,
      lookupIndexes,
      lookupKeys,
      self,
      lookups,
    );
  if (isPromiseLike(selfFound) || isPromiseLike(lookupsFound)) {
    // Indexed, not destructured: no iterator on the per-token path.
    return Promise.all([selfFound, lookupsFound]).then((found) => judge(found[0], found[1]));
  }
  return judge(selfFound, lookupsFound);
}

/** The rules over what the lookups found; the walk (SPEC 6.5) only where it is needed. */
function judgeDag(
  claims: EctClaims,
  store: EctStore,
  options: ResolvedDagRuleOptions,
  closure: DagClosure | undefined,
  ownKey: string,
  directKeys: ReadonlyMap<string, number>,
  selfIndexes: readonly number[],
  lookupIndexes: readonly number[],
  lookupKeys: readonly string[],
  self: StoredEct | undefined,
  lookups: readonly PredLookup[],
): Answer<LedgerDagValidationResult> {
  const wid = claims.wid ?? null;
  const childWid = normalizeWid(wid);
  const pred = claims.pred;

  const duplicate: EctError[] = [];
  const missing: EctError[] = [];
  const mismatch: EctError[] = [];
  const temporal: EctError[] = [];
  const cycle: EctError[] = [];
  const policy: EctError[] = [];
  const unresolved: string[] = [];
  const starts: WalkStart[] = [];
  // Only messages read it: built when a violation is.
  const scopeName = () => (wid === null ? "the scope without wid" : `workflow ${show(wid)}`);

  // SPEC 6.1 uniqueness.
  if (self !== undefined) {
    duplicate.push(
      new EctError(C.DAG_DUPLICATE_JTI, `jti ${show(claims.jti)} is already stored in ${scopeName()}`, {
        member: "jti",
      }),
    );
  }

  // SPEC 6.5: a `pred` entry naming the token itself is the shortest cycle.
  for (const i of selfIndexes) {
    cycle.push(
      new EctError(C.DAG_CYCLE, `pred[${i}] names the token's own jti: a cycle`, { member: `pred[${i}]` }),
    );
  }

  const latestAllowed = claims.iat + options.clockSkewSec;
  for (let n = 0; n < lookupIndexes.length; n++) {
    const i = lookupIndexes[n]!;
    const member = `pred[${i}]`;
    const id = pred[i]!;
    const found = lookups[n]!;
    if (found.kind === "missing") {
      // SPEC 6.2 existence.
      if (options.unresolvedPredecessors === "allow") unresolved.push(id);
      else {
        missing.push(
          new EctError(C.DAG_PRED_MISSING, `${member} ${show(id)} is not stored in ${scopeName()}`, {
            member,
          }),
        );
      }
      continue;
    }
    if (found.kind === "malformed") {
      missing.push(
        new EctError(C.DAG_PRED_MISSING, `${member} ${show(id)}: the store returned a malformed ECT`, {
          member,
        }),
      );
      continue;
    }
    const parentWid = (found.stored.claims as Readonly<Record<string, unknown>>)["wid"];
    if (found.kind === "other-scope") {
      // SPEC 6.3: stored, but in another workflow. Never counted as unresolved.
      mismatch.push(
        new EctError(
          C.DAG_WORKFLOW_MISMATCH,
          `${member} ${show(id)} belongs to ${parentWid === undefined ? "no workflow" : `workflow ${show(parentWid)}`}, not ${scopeName()}`,
          { member },
        ),
      );
      continue;
    }
    // SPEC 6.3 workflow consistency (a store keyed by jti alone may return another workflow's ECT).
    if (normalizeWid(parentWid) !== childWid) {
      mismatch.push(
        new EctError(
          C.DAG_WORKFLOW_MISMATCH,
          `${member} ${show(id)} has wid ${show(parentWid)}, not ${show(wid)}`,
          {
            member,
          },
        ),
      );
    }
    // SPEC 6.4 temporal order: parent iat <= child iat + skew (a parent without a number fails).
    const parentIat = (found.stored.claims as Readonly<Record<string, unknown>>)["iat"];
    if (typeof parentIat !== "number" || !(parentIat <= latestAllowed)) {
      temporal.push(
        new EctError(
          C.DAG_TEMPORAL_ORDER,
          `${member} ${show(id)} was issued at ${show(parentIat)}, after the child's iat ${claims.iat} + ${options.clockSkewSec}s skew`,
          { member },
        ),
      );
    }
    // SPEC 6.6 predecessor policy.
    if (options.predecessorPolicy) {
      const decision = policyDecision(found.stored);
      if (
        decision === "rejected" ||
        (decision === "pending_human_review" && !options.allowPendingPredecessors)
      ) {
        policy.push(
          new EctError(C.DAG_PRED_POLICY, `${member} ${show(id)} has policy decision ${show(decision)}`, {
            member,
          }),
        );
      }
    }
    starts.push({ key: lookupKeys[n]!, predIndex: i, stored: found.stored });
  }

  // Profile §6 note: over closed predecessors (see DagClosure) the walk can find no cycle, no
  // malformed ancestor and at most `bound` ancestors; it runs whenever that is not known, and
  // whenever the bound does not prove the traversal limit holds.
  const bound =
    closure !== undefined &&
    self === undefined &&
    selfIndexes.length === 0 &&
    starts.length === directKeys.size
      ? closedBound(starts, closure)
      : undefined;
  const finish = (walk: AncestorWalkOutcome | undefined) =>
    dagResult(options, walk, bound, unresolved, [duplicate, missing, mismatch, temporal, cycle, policy]);
  // SPEC 6.5 acyclicity and the traversal bound.
  if (bound !== undefined && bound <= options.maxTraversal) return finish(undefined);
  return walkAncestors({ store, wid, ownKey, directKeys, starts, maxTraversal: options.maxTraversal }).then(
    finish,
  );
}

/**
 * The result: the walk's outcome (none when the bound made it unnecessary) added to rule 5's
 * violations, then every rule's in order.
 */
function dagResult(
  options: ResolvedDagRuleOptions,
  walk: AncestorWalkOutcome | undefined,
  bound: number | undefined,
  unresolved: string[],
  byRule: readonly EctError[][],
): LedgerDagValidationResult {
  const cycle = byRule[4]!;
  switch (walk?.kind) {
    case "cycle":
      cycle.push(
        new EctError(
          C.DAG_CYCLE,
          `pred[${walk.predIndex}] leads to ${show(walk.via)}, which names this token as a predecessor: a cycle`,
          { member: `pred[${walk.predIndex}]` },
        ),
      );
      break;
    case "stored-cycle":
      cycle.push(
        new EctError(C.DAG_CYCLE, `the stored ancestors of pred[${walk.predIndex}] already contain a cycle`, {
          member: `pred[${walk.predIndex}]`,
        }),
      );
      break;
    case "limit":
      cycle.push(
        new EctError(
          C.DAG_TRAVERSAL_LIMIT,
          `the ancestor walk reached more than maxTraversal (${options.maxTraversal}) nodes`,
          { member: "pred" },
        ),
      );
      break;
    case "malformed":
      cycle.push(
        new EctError(
          C.DAG_TRAVERSAL_LIMIT,
          `the ancestor walk from pred[${walk.predIndex}] cannot complete: stored ECT ${show(walk.id)} is malformed`,
          { member: `pred[${walk.predIndex}]` },
        ),
      );
      break;
    case "acyclic":
    case undefined:
      break;
  }

  // Rule order, then `pred` order; a valid token shares the frozen empty lists.
  const violations = inRuleOrder(byRule);
  const valid = violations.length === 0;
  const unresolvedPredecessors = unresolved.length === 0 ? NONE : Object.freeze(unresolved);
  if (!valid || bound === undefined) {
    return Object.freeze({ valid, violations, unresolvedPredecessors });
  }
  // Closed: every predecessor stored and closed, and the rules passed. The walk, when it ran,
  // counted the ancestors exactly (all stored); otherwise the bound stands. One literal (an object
  // spread here cost microseconds per append).
  return Object.freeze({
    valid,
    violations,
    unresolvedPredecessors,
    closedAncestors: walk === undefined ? bound : walk.visited,
  });
}

/** The frozen empty list a valid result shares. */
const NONE: readonly never[] = Object.freeze([]);

/** The violations of every rule, in the order given, as one frozen list. */
function inRuleOrder(lists: readonly EctError[][]): readonly EctError[] {
  let out: EctError[] | undefined;
  for (const list of lists) {
    if (list.length === 0) continue;
    if (out === undefined) out = [];
    for (let i = 0; i < list.length; i++) out.push(list[i]!);
  }
  return out === undefined ? NONE : Object.freeze(out);
}

/**
 * The sum over the distinct stored predecessors of 1 + their recorded bound: an upper bound on the
 * new token's distinct ancestors; `undefined` when a predecessor is not closed.
 */
function closedBound(starts: readonly WalkStart[], closure: DagClosure): number | undefined {
  let bound = 0;
  for (const start of starts) {
    const ancestors = closure.closedAncestors(start.stored);
    if (ancestors === undefined || !Number.isSafeInteger(ancestors) || ancestors < 0) return undefined;
    bound += 1 + ancestors;
  }
  return Number.isSafeInteger(bound) ? bound : undefined;
}

/**
 * Checks one new token's claims against the DAG rules of SPEC 6 and reports **every** violation:
 *
 * 1. uniqueness: no stored ECT has the same `(wid or "", jti)` (`ECT_DAG_DUPLICATE_JTI`, member `jti`);
 * 2. existence: every `pred` entry is stored in the same `wid` scope (`ECT_DAG_PRED_MISSING`), or
 *    is reported in `unresolvedPredecessors` under `unresolvedPredecessors: "allow"`;
 * 3. workflow consistency: a predecessor's `wid` equals the child's (`ECT_DAG_WORKFLOW_MISMATCH`);
 *    a predecessor stored in another workflow is refused even under `"allow"`;
 * 4. temporal order: a predecessor's `iat` <= the child's `iat` + `clockSkewSec`
 *    (`ECT_DAG_TEMPORAL_ORDER`);
 * 5. acyclicity: no ancestor names the token itself and the stored ancestors hold no cycle
 *    (`ECT_DAG_CYCLE`); more than `maxTraversal` distinct ancestors fails closed
 *    (`ECT_DAG_TRAVERSAL_LIMIT`);
 * 6. predecessor policy: a predecessor whose `ect_ext.pol_decision` is `rejected`, or
 *    `pending_human_review` unless `allowPendingPredecessors`, refuses the child (`ECT_DAG_PRED_POLICY`).
 *
 * Violations come in rule order, then `pred` order; each names its `member` (`jti`, `pred[2]`,
 * `pred`). Identity is `(wid or "", jti)`, case-insensitive. Every lookup is by key (no scan);
 * the ancestor walk is iterative, bounded and looks up one frontier at a time.
 *
 * The check is not atomic with a later append: a ledger should be given
 * {@link createDagValidator} so it runs the rules inside its append (SPEC 6).
 *
 * @example
 * ```ts
 * const result = await validateDag(claims, ledger, { unresolvedPredecessors: "allow" });
 * if (!result.valid) console.log(result.violations.map((v) => `${v.code} ${v.member}`));
 * ```
 *
 * @param claims - The new token's claims; they should have passed the claim rules (SPEC 3).
 * @param store - Where stored ECTs are looked up by `(wid, jti)`.
 * @param options - {@link DagRuleOptions}; defaults per SPEC 6.
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a bad option; `ECT_JTI_INVALID`,
 *   `ECT_WID_INVALID`, `ECT_PRED_INVALID`, `ECT_IAT_INVALID` when the claims lack the shapes the
 *   rules read. A store failure propagates unchanged.
 */
export async function validateDag(
  claims: EctClaims,
  store: EctStore,
  options?: DagRuleOptions,
): Promise<DagValidationResult> {
  return runDagRules(claims, store, resolveDagRuleOptions(options));
}

/**
 * Builds a {@link DagValidator} with its options checked once, for a ledger to run atomically with
 * its append (SPEC 6: "the check and the append of a ledger are one atomic step").
 *
 * @example
 * ```ts
 * const ledger = new MemoryLedger({ dag: createDagValidator({ unresolvedPredecessors: "allow" }) });
 * ```
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a bad option.
 */
export function createDagValidator(options?: DagRuleOptions): DagValidator {
  const resolved = resolveDagRuleOptions(options);
  return async (claims, store) => runDagRules(claims, store, resolved);
}

/**
 * Builds the {@link LedgerDagValidator} a ledger runs inside its atomic append, options checked
 * once: the same rules as {@link createDagValidator}, plus the backend's {@link DagClosure}, which
 * lets them skip the ancestor walk over predecessors that are closed (profile §6, note for
 * implementers) and tells the ledger what to store with the new entry (`closedAncestors`). The
 * outcome is the walk's in every case: only the work differs. When the store answers synchronously
 * (an in-memory backend's view) and no walk is needed, the result comes synchronously too (no
 * promise per lookup or per token); otherwise a promise. Bad claims or a failing store throw or
 * reject: `await` the answer either way.
 *
 * @example
 * ```ts
 * const validate = createLedgerDagValidator();
 * const result = await validate(claims, store, { closedAncestors: (stored) => undefined }); // always walks
 * ```
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for a bad or unknown option.
 */
export function createLedgerDagValidator(options?: DagRuleOptions): LedgerDagValidator {
  const resolved = resolveDagRuleOptions(options);
  return (claims, store, closure) => runDagRules(claims, store, resolved, closure);
}
