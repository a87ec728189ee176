import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type TimeInput,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { decodeEct, type EctClaims, EctConfigError, type EctError } from "ect-core";
import { validateClaims } from "ect-core/internal";
import { EctSpanAttributeNames, type EctSpanSource, ectSpanAttributes } from "./span-attributes.js";
import type { EctSpanRegistry } from "./span-registry.js";

/** Options of {@link startEctSpan}. */
export interface StartEctSpanOptions {
  /** Where predecessors' span contexts are looked up (links) and this span's is recorded. */
  readonly registry?: EctSpanRegistry;
  /** The span name (default `ect <exec_act>`). */
  readonly name?: string;
  /** The span kind (default internal). */
  readonly kind?: SpanKind;
  /** The parent context (default the active context). */
  readonly parent?: Context;
  /**
   * A remote parent, e.g. from `spanContextFromHeaders` or `spanContextFromMeta`; wins over
   * `parent`. `undefined` (no trace context received) leaves the parent as it is.
   */
  readonly remoteParent?: SpanContext | undefined;
  /** More attributes. */
  readonly attributes?: Attributes;
  /** The start time (default now). */
  readonly startTime?: TimeInput;
}

/**
 * The claims and level of a token this process created itself (so already trusted): decoded, and
 * checked against the claim rules so a span never carries a malformed `jti`.
 */
function createdEct(token: string): EctSpanSource {
  const decoded = decodeEct(token, { minLevel: 1 });
  const violations = validateClaims(decoded.claims);
  if (violations.length > 0) throw violations[0]!;
  return { claims: decoded.claims as unknown as EctClaims, level: decoded.level };
}

/**
 * Starts one span for an ECT task (profile §10): attributes `ect.jti`, `ect.wid`, `ect.iss`,
 * `ect.exec_act`, `ect.level`; one span link per `pred` entry whose span context the registry
 * knows (a join task gets one link per predecessor); the new span's context is recorded in the
 * registry under `(wid, jti)` for the tasks that follow. Pass a verified ECT (`VerifiedEct`), or a
 * token this process created (decoded, not verified: never pass a received token unverified).
 * The caller ends the span.
 *
 * @example
 * ```ts
 * const span = startEctSpan(tracer, await verifier.verify(token), { registry, remoteParent: spanContextFromHeaders(req.headers) });
 * try { ... } finally { span.end(); }
 * ```
 * @throws {@link EctError} when a created token does not decode or breaks a claim rule;
 *   {@link EctConfigError} when `ect` is neither.
 */
export function startEctSpan(
  tracer: Tracer,
  ect: EctSpanSource | string,
  options: StartEctSpanOptions = {},
): Span {
  const source = typeof ect === "string" ? createdEct(ect) : ect;
  if (source === null || typeof source !== "object" || source.claims === undefined) {
    throw new EctConfigError("ect", "must be a verified ECT or a token");
  }
  const { claims } = source;
  const links: Link[] = [];
  for (const pred of claims.pred) {
    const predecessor = options.registry?.get(claims.wid, pred);
    if (predecessor !== undefined) {
      links.push({ context: predecessor, attributes: { [EctSpanAttributeNames.JTI]: pred } });
    }
  }
  const base = options.parent ?? context.active();
  const parent = options.remoteParent === undefined ? base : trace.setSpanContext(base, options.remoteParent);
  const span = tracer.startSpan(
    options.name ?? `ect ${claims.exec_act}`,
    {
      attributes: { ...options.attributes, ...ectSpanAttributes(source) },
      links,
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
    },
    parent,
  );
  options.registry?.set(claims.wid, claims.jti, span.spanContext());
  return span;
}
