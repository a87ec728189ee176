/**
 * The full audit of a ledger (SPEC 7 "a full audit also re-verifies every token (section 5, step
 * 11) and the DAG"). It needs only the interfaces of this package, so it works on every backend.
 */
import { type ClaimRuleOptions, validateClaims, validateHeader } from "./claims.js";
import { Defaults, SUPPORTED_ALGORITHMS } from "./constants.js";
import { decodeEct } from "./decode.js";
import { EctErrorCodes as C, EctError, type EctErrorCode, isEctError } from "./errors.js";
import { chainHash, GENESIS_CHAIN_HASH, leafHash } from "./hash.js";
import type {
  AuditTokenVerifier,
  ChainVerification,
  DagRuleOptions,
  DagValidator,
  EctStore,
  Ledger,
  LedgerEntry,
  LedgerHead,
  StoredEct,
} from "./interfaces.js";
import type { EctClaims } from "./types.js";
import { ectKey } from "./uuid.js";

/** Options of {@link auditLedger}. */
export interface AuditLedgerOptions {
  /** The ledger to audit (any backend). */
  readonly ledger: Ledger;
  /**
   * Re-verifies each stored token in audit mode at its `ingestedAt` (SPEC 5.11): signature,
   * header and claim rules. `ect-crypto`'s `createAuditVerifier({ keys })` makes one. Without it,
   * only the header and claim rules are re-checked (no signature) and the report says
   * `signaturesVerified: false`.
   */
  readonly verifyToken?: AuditTokenVerifier;
  /**
   * How to re-check the DAG (SPEC 6): rule options for the built-in re-check (default `{}`: the
   * SPEC 6 defaults), a {@link DagValidator} (e.g. `ect-dag`'s) run for each entry against the
   * entries before it, or `false` to skip the DAG.
   */
  readonly dag?: DagRuleOptions | DagValidator | false;
  /** Claim rule options for the re-check without `verifyToken` (default: SPEC 3 defaults). */
  readonly claimRules?: ClaimRuleOptions;
  /** Entries read per `range` call (default 1000). */
  readonly pageSize?: number;
}

/** One problem the audit found, tied to its entry. */
export interface AuditProblem {
  /** Sequence number of the entry concerned. */
  readonly seq: number;
  /** The entry's `jti`. */
  readonly jti: string;
  /** The entry's `wid`, or `null`. */
  readonly wid: string | null;
  /** The stable error code of the rule it breaks. */
  readonly code: EctErrorCode;
  /** What is wrong, naming the member or rule. */
  readonly message: string;
  /** The claim or header member concerned, if any. */
  readonly member?: string;
}

/** A predecessor the audit accepted while it was not stored before its child (SPEC 6.2 "allow"). */
export interface AuditUnresolvedPredecessor {
  /** Sequence number of the child entry. */
  readonly seq: number;
  /** The predecessor's `jti` as written in the child's `pred`. */
  readonly pred: string;
}

/** The outcome of {@link auditLedger}. */
export interface AuditReport {
  /** True when no problem was found. */
  readonly valid: boolean;
  /** Entries audited (1 to the head's `seq` when the audit started). */
  readonly entries: number;
  /** The head the audit covered. */
  readonly head: LedgerHead;
  /** The ledger's own `verifyChain()` verdict. */
  readonly chain: ChainVerification;
  /** Every problem found, in sequence order; for one entry, in the order hash, token, DAG. */
  readonly problems: readonly AuditProblem[];
  /** True when each token's signature was re-verified (a `verifyToken` was given). */
  readonly signaturesVerified: boolean;
  /** True when the DAG was re-checked. */
  readonly dagChecked: boolean;
  /** Predecessors accepted while not stored earlier (`unresolvedPredecessors: "allow"`), by entry. */
  readonly unresolvedPredecessors: readonly AuditUnresolvedPredecessor[];
  /** Conflicting tokens the ledger keeps as evidence (informational, not a problem). */
  readonly conflicts: number;
}

function configError(option: string, message: string): EctError {
  return new EctError(C.CONFIG_INVALID, `auditLedger ${option} ${message}`, { member: option });
}

interface ResolvedRules {
  readonly unresolvedPredecessors: "reject" | "allow";
  readonly maxTraversal: number;
  readonly clockSkewSec: number;
  readonly predecessorPolicy: boolean;
  readonly allowPendingPredecessors: boolean;
}

function resolveRules(options: DagRuleOptions): ResolvedRules {
  const rules = {
    unresolvedPredecessors: options.unresolvedPredecessors ?? "reject",
    maxTraversal: options.maxTraversal ?? Defaults.MAX_TRAVERSAL,
    clockSkewSec: options.clockSkewSec ?? Defaults.CLOCK_SKEW_SEC,
    predecessorPolicy: options.predecessorPolicy ?? true,
    allowPendingPredecessors: options.allowPendingPredecessors ?? false,
  };
  if (rules.unresolvedPredecessors !== "reject" && rules.unresolvedPredecessors !== "allow") {
    throw configError("dag.unresolvedPredecessors", 'must be "reject" or "allow"');
  }
  if (!Number.isSafeInteger(rules.maxTraversal) || rules.maxTraversal < 0) {
    throw configError("dag.maxTraversal", "must be a non-negative integer");
  }
  if (!Number.isFinite(rules.clockSkewSec) || rules.clockSkewSec < 0) {
    throw configError("dag.clockSkewSec", "must be a non-negative number");
  }
  return rules;
}

/**
 * Audits a whole ledger and reports **every** problem with its entry (seq, jti, code, message),
 * not just the first (SPEC 7):
 *
 * 1. the hash chain, recomputed independently of the backend: each entry's `leafHash` from its
 *    token and its `chainHash` from the previous stored one, contiguous `seq`, the head; plus the
 *    ledger's own `verifyChain()` verdict (`ECT_LEDGER_CHAIN_BROKEN`);
 * 2. each entry against its token: the token decodes and its `jti`, `wid`, `iss` are the entry's
 *    (`ECT_LEDGER_CHAIN_BROKEN` for a mismatch), and each identity appears once
 *    (`ECT_DAG_DUPLICATE_JTI`);
 * 3. each token re-verified in audit mode at its `ingestedAt` (SPEC 5.11) with `verifyToken`, or
 *    its header and claim rules without it;
 * 4. the DAG (SPEC 6): each predecessor is stored **earlier** in the ledger in the same workflow,
 *    issued no later than the child plus skew, its policy decision allows children, and no cycle
 *    (a forward reference, possible only with `unresolvedPredecessors: "allow"`, is walked).
 *
 * Reads the ledger page by page through `range`, so memory stays bounded by the page size.
 *
 * @example
 * ```ts
 * const report = await auditLedger({ ledger, verifyToken: createAuditVerifier({ keys }) });
 * for (const p of report.problems) console.log(p.seq, p.jti, p.code, p.message);
 * ```
 *
 * @throws {@link EctError} `ECT_CONFIG_INVALID` for invalid options; the ledger's own errors
 *   (e.g. `ECT_LEDGER_UNAVAILABLE`) when it cannot be read.
 */
export async function auditLedger(options: AuditLedgerOptions): Promise<AuditReport> {
  const { ledger, verifyToken } = options;
  if (ledger === null || typeof ledger !== "object" || typeof ledger.range !== "function") {
    throw configError("ledger", "must be a Ledger");
  }
  if (verifyToken !== undefined && typeof verifyToken !== "function") {
    throw configError("verifyToken", "must be an AuditTokenVerifier function");
  }
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw configError("pageSize", "must be a positive integer");
  const dagOption = options.dag ?? {};
  const validator = typeof dagOption === "function" ? dagOption : undefined;
  const rules = dagOption === false || typeof dagOption === "function" ? undefined : resolveRules(dagOption);

  const head = await ledger.head();
  const chain = await ledger.verifyChain();
  const problems: AuditProblem[] = [];
  const unresolved: { seq: number; pred: string }[] = [];
  const firstSeqOfKey = new Map<string, number>();

  let expectedSeq = 1;
  let previousChain = GENESIS_CHAIN_HASH;
  let lastChain = GENESIS_CHAIN_HASH;
  let ownChainBroken = false;
  const context: EntryAuditContext = {
    ledger,
    verifyToken,
    validator,
    rules,
    claimRules: options.claimRules,
  };
  while (expectedSeq <= head.seq) {
    const page = await ledger.range({ fromSeq: expectedSeq, toSeq: head.seq, limit: pageSize });
    if (page.length === 0) break;
    // Entries are audited independently (hashes, signature, DAG reads), so a page runs in
    // parallel; only the identity check needs the order and runs in the merge below.
    const audits = await Promise.all(
      page.map((entry, i) =>
        auditEntry(
          entry,
          i === 0 ? expectedSeq : page[i - 1]!.seq + 1,
          i === 0 ? previousChain : page[i - 1]!.chainHash,
          context,
        ),
      ),
    );
    for (let i = 0; i < page.length; i++) {
      const entry = page[i]!;
      const audit = audits[i]!;
      problems.push(...audit.entryProblems);
      if (audit.chainBroken) ownChainBroken = true;
      if (audit.identity) {
        const first = firstSeqOfKey.get(audit.identity.key);
        if (first !== undefined) {
          problems.push(
            problemOf(
              entry,
              C.DAG_DUPLICATE_JTI,
              `identity (${audit.identity.wid ?? ""}, ${audit.identity.jti}) is already stored at seq ${first}`,
            ),
          );
        } else firstSeqOfKey.set(audit.identity.key, entry.seq);
      }
      problems.push(...audit.tokenProblems);
      unresolved.push(...audit.unresolved);
    }
    const last = page[page.length - 1]!;
    previousChain = last.chainHash;
    lastChain = last.chainHash;
    if (!(last.seq >= expectedSeq)) {
      // A backend whose range() does not move forward: stop rather than loop forever.
      problems.push(
        problemOf(last, C.LEDGER_CHAIN_BROKEN, `range() from seq ${expectedSeq} returned earlier entries`),
      );
      ownChainBroken = true;
      break;
    }
    expectedSeq = last.seq + 1;
  }
  const audited = expectedSeq - 1;
  if (audited !== head.seq) {
    problems.push(
      Object.freeze({
        seq: audited + 1,
        jti: "",
        wid: null,
        code: C.LEDGER_CHAIN_BROKEN,
        message: `entries ${audited + 1} to ${head.seq} are missing`,
      }),
    );
    ownChainBroken = true;
  } else if (head.seq > 0 && lastChain !== head.chainHash) {
    problems.push(
      Object.freeze({
        seq: head.seq,
        jti: "",
        wid: null,
        code: C.LEDGER_CHAIN_BROKEN,
        message: "the head's chainHash is not the last entry's",
      }),
    );
    ownChainBroken = true;
  }
  if (!chain.valid && !ownChainBroken) {
    // The backend found something this audit did not (it may check more than the hashes).
    const entry = await ledger.getBySeq(chain.brokenAt);
    problems.push(
      Object.freeze({
        seq: chain.brokenAt,
        jti: entry?.jti ?? "",
        wid: entry?.wid ?? null,
        code: chain.error.code,
        message: `verifyChain: ${chain.error.message}`,
      }),
    );
  }
  problems.sort((a, b) => a.seq - b.seq);
  return Object.freeze({
    valid: problems.length === 0,
    entries: audited,
    head,
    chain,
    problems: Object.freeze(problems),
    signaturesVerified: verifyToken !== undefined,
    dagChecked: validator !== undefined || rules !== undefined,
    unresolvedPredecessors: Object.freeze(unresolved.map((u) => Object.freeze(u))),
    conflicts: (await ledger.conflicts()).length,
  });
}

function problemOf(entry: LedgerEntry, code: EctErrorCode, message: string, member?: string): AuditProblem {
  return Object.freeze({
    seq: entry.seq,
    jti: entry.jti,
    wid: entry.wid,
    code,
    message,
    ...(member === undefined ? {} : { member }),
  });
}

interface EntryAuditContext {
  readonly ledger: Ledger;
  readonly verifyToken: AuditTokenVerifier | undefined;
  readonly validator: DagValidator | undefined;
  readonly rules: ResolvedRules | undefined;
  readonly claimRules: ClaimRuleOptions | undefined;
}

interface EntryAudit {
  /** Hash chain and entry-vs-token problems. */
  readonly entryProblems: AuditProblem[];
  /** Token (SPEC 5.11) and DAG problems. */
  readonly tokenProblems: AuditProblem[];
  readonly chainBroken: boolean;
  /** The token's own identity, when it decodes. */
  readonly identity: { readonly key: string; readonly wid: string | null; readonly jti: string } | undefined;
  readonly unresolved: { seq: number; pred: string }[];
}

/** Every check of one entry that does not depend on the other entries' audits. */
async function auditEntry(
  entry: LedgerEntry,
  expectedSeq: number,
  previousChain: string,
  context: EntryAuditContext,
): Promise<EntryAudit> {
  const entryProblems: AuditProblem[] = [];
  const tokenProblems: AuditProblem[] = [];
  const unresolved: { seq: number; pred: string }[] = [];
  let chainBroken = false;
  const toEntry = (code: EctErrorCode, message: string, member?: string) =>
    entryProblems.push(problemOf(entry, code, message, member));
  const toToken = (code: EctErrorCode, message: string, member?: string) =>
    tokenProblems.push(problemOf(entry, code, message, member));
  const tokenError = (error: EctError) => toToken(error.code, error.message, error.member);
  const failure = (what: string, e: unknown) =>
    isEctError(e)
      ? tokenError(e)
      : toToken(C.CHECK_FAILED, `${what} failed: ${e instanceof Error ? e.message : String(e)}`);

  // 1. Hash chain, linked through the stored previous chain hash so one tampered entry is reported
  // once, not together with every entry after it.
  if (entry.seq !== expectedSeq) {
    toEntry(C.LEDGER_CHAIN_BROKEN, `sequence number ${entry.seq} where ${expectedSeq} was expected`);
    chainBroken = true;
  }
  if (typeof entry.token !== "string" || (await leafHash(entry.token)) !== entry.leafHash) {
    toEntry(C.LEDGER_CHAIN_BROKEN, "leafHash does not match the stored token");
    chainBroken = true;
  }
  let chainOk = false;
  try {
    chainOk = (await chainHash(previousChain, entry.leafHash)) === entry.chainHash;
  } catch {
    // A stored hash that is not 32 bytes of hex.
  }
  if (!chainOk) {
    toEntry(C.LEDGER_CHAIN_BROKEN, "chainHash does not follow from the previous entry");
    chainBroken = true;
  }

  // 2. The entry against its token.
  let claims: EctClaims | undefined;
  let header: Readonly<Record<string, unknown>> | undefined;
  try {
    const decoded = decodeEct(entry.token);
    claims = decoded.claims as EctClaims;
    header = decoded.header;
  } catch (e) {
    if (isEctError(e)) toEntry(e.code, e.message, e.member);
    else toEntry(C.MALFORMED, "the stored token cannot be decoded");
  }
  if (claims) {
    if (claims.jti !== entry.jti)
      toEntry(C.LEDGER_CHAIN_BROKEN, "entry jti differs from its token's jti claim", "jti");
    if ((claims.wid ?? null) !== entry.wid) {
      toEntry(C.LEDGER_CHAIN_BROKEN, "entry wid differs from its token's wid claim", "wid");
    }
    if (claims.iss !== entry.iss)
      toEntry(C.LEDGER_CHAIN_BROKEN, "entry iss differs from its token's iss claim", "iss");
  }
  if (!Number.isSafeInteger(entry.ingestedAt) || entry.ingestedAt < 0) {
    toEntry(C.LEDGER_CHAIN_BROKEN, "ingestedAt is not a non-negative integer", "ingestedAt");
  }
  // SPEC 6.1 / 7 identity, taken from the token itself: the entry's fields may lie (above).
  const idWid = claims ? (typeof claims.wid === "string" ? claims.wid : null) : entry.wid;
  const idJti = claims ? claims.jti : entry.jti;
  const identity =
    typeof idJti === "string" ? { key: ectKey(idWid, idJti), wid: idWid, jti: idJti } : undefined;

  // 3. The token in audit mode (SPEC 5.11).
  if (context.verifyToken) {
    try {
      const result = await context.verifyToken(entry.token, { ingestedAt: entry.ingestedAt });
      if (!result.ok) tokenError(result.error);
    } catch (e) {
      failure("the token verifier", e);
    }
  } else if (claims && header) {
    for (const e of validateHeader(header, { algorithms: SUPPORTED_ALGORITHMS })) tokenError(e);
    for (const e of validateClaims(claims, context.claimRules)) tokenError(e);
  }

  // 4. The DAG (SPEC 6).
  if (claims && context.validator) {
    try {
      const outcome = await context.validator(claims, storeBefore(context.ledger, entry.seq));
      for (const v of outcome.violations) tokenError(v);
      for (const pred of outcome.unresolvedPredecessors) unresolved.push({ seq: entry.seq, pred });
    } catch (e) {
      failure("the DAG validator", e);
    }
  } else if (claims && context.rules) {
    await auditDag(context.ledger, entry, claims, context.rules, toToken, unresolved);
  }
  return { entryProblems, tokenProblems, chainBroken, identity, unresolved };
}

/** A store view of the entries strictly before `seq`: what the ledger held when `seq` was appended. */
function storeBefore(ledger: Ledger, seq: number): EctStore {
  return {
    async getEct(wid, jti) {
      const e = await ledger.get(wid, jti);
      return e && e.seq < seq ? e : undefined;
    },
    async findEctByJti(jti) {
      const e = ledger.findEctByJti ? await ledger.findEctByJti(jti) : undefined;
      return e && "seq" in e && typeof e.seq === "number" && e.seq < seq ? e : undefined;
    },
  };
}

type Report = (code: EctErrorCode, message: string, member?: string) => void;

/** The built-in SPEC 6 re-check of one entry against the rest of the ledger. */
async function auditDag(
  ledger: Ledger,
  entry: LedgerEntry,
  claims: EctClaims,
  rules: ResolvedRules,
  report: Report,
  unresolved: { seq: number; pred: string }[],
): Promise<void> {
  const preds = Array.isArray(claims.pred) ? claims.pred : [];
  // The token's own identity, not the entry's fields.
  const wid = typeof claims.wid === "string" ? claims.wid : null;
  const self = { wid, jti: String(claims.jti) };
  const childIat = typeof claims.iat === "number" ? claims.iat : Number.NaN;
  for (let i = 0; i < preds.length; i++) {
    const pred = preds[i];
    if (typeof pred !== "string") continue; // a claim rule violation, reported by step 3
    const member = `pred[${i}]`;
    const stored = await ledger.get(wid, pred);
    if (!stored) {
      // SPEC 6.3 vs 6.2: stored in another workflow, or not at all.
      const elsewhere = ledger.findEctByJti
        ? await ledger.findEctByJti(pred)
        : wid !== null
          ? await ledger.get(null, pred)
          : undefined;
      if (elsewhere) {
        report(C.DAG_WORKFLOW_MISMATCH, `predecessor ${pred} is stored in another workflow`, member);
      } else if (rules.unresolvedPredecessors === "allow") {
        unresolved.push({ seq: entry.seq, pred });
      } else {
        report(C.DAG_PRED_MISSING, `predecessor ${pred} is not stored`, member);
      }
      continue;
    }
    if (stored.seq >= entry.seq) {
      if (rules.unresolvedPredecessors === "allow") {
        // Unresolved when appended; a later entry fills it in. Fine unless that closes a cycle.
        unresolved.push({ seq: entry.seq, pred });
        await checkCycle(ledger, self, stored, rules, report, member);
      } else {
        report(C.DAG_PRED_MISSING, `predecessor ${pred} is stored only later, at seq ${stored.seq}`, member);
      }
    }
    // SPEC 6.4 temporal order.
    const predIat = stored.claims.iat;
    if (typeof predIat === "number" && predIat > childIat + rules.clockSkewSec) {
      report(
        C.DAG_TEMPORAL_ORDER,
        `predecessor ${pred} was issued at ${predIat}, after the child (${childIat}) plus ${rules.clockSkewSec} s skew`,
        member,
      );
    }
    // SPEC 6.6 predecessor policy.
    if (rules.predecessorPolicy) {
      const ext = stored.claims.ect_ext;
      const decision =
        ext && typeof ext === "object" ? (ext as Record<string, unknown>)["pol_decision"] : undefined;
      if (
        decision === "rejected" ||
        (decision === "pending_human_review" && !rules.allowPendingPredecessors)
      ) {
        report(C.DAG_PRED_POLICY, `predecessor ${pred} has policy decision ${decision}`, member);
      }
    }
  }
}

/** SPEC 6.5: walks the ancestors of `start` (same workflow) looking for `self`; bounded. */
async function checkCycle(
  ledger: Ledger,
  self: { readonly wid: string | null; readonly jti: string },
  start: LedgerEntry,
  rules: ResolvedRules,
  report: Report,
  member: string,
): Promise<void> {
  const target = ectKey(self.wid, self.jti);
  const seen = new Set<string>();
  const stack: StoredEct[] = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const key = ectKey(self.wid, String(node.claims.jti));
    if (key === target) {
      report(C.DAG_CYCLE, `predecessor ${start.jti} leads back to this entry`, member);
      return;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    if (seen.size > rules.maxTraversal) {
      report(C.DAG_TRAVERSAL_LIMIT, `the ancestor walk passed ${rules.maxTraversal} nodes`, member);
      return;
    }
    const preds = Array.isArray(node.claims.pred) ? node.claims.pred : [];
    for (const p of preds) {
      if (typeof p !== "string") continue;
      const next = await ledger.get(self.wid, p);
      if (next) stack.push(next);
    }
  }
}
