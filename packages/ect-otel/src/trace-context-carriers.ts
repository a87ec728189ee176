import type { SpanContext } from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent } from "./traceparent.js";

/** The W3C trace context members: the HTTP header names and the MCP `_meta` keys are the same. */
export interface TraceContextFields {
  /** The W3C `traceparent`. */
  readonly traceparent: string;
  /** The W3C `tracestate`, when the span context has one. */
  readonly tracestate?: string;
}

/**
 * The trace context of a span as `{ traceparent, tracestate? }`: set them as HTTP headers beside
 * `Execution-Context`, or spread them into an MCP request's `_meta` beside the ECT (profile §10),
 * so a trace and the audit log join on `jti`.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: { "execution-context": token, ...traceContextFields(span.spanContext()) } });
 * await ectClient.callTool({ name: "search", arguments, _meta: { ...traceContextFields(span.spanContext()) } });
 * ```
 */
export function traceContextFields(spanContext: SpanContext): TraceContextFields {
  const tracestate = spanContext.traceState?.serialize();
  return tracestate === undefined || tracestate === ""
    ? { traceparent: formatTraceparent(spanContext) }
    : { traceparent: formatTraceparent(spanContext), tracestate };
}

/** Request headers as fetch's `Headers` or as node:http's `IncomingHttpHeaders` (lower-case names). */
export type HeaderSource = Headers | { readonly [name: string]: string | readonly string[] | undefined };

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name];
  // Several field lines: W3C Trace Context §3.2 allows one traceparent; refuse an ambiguous pair.
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value as string | undefined;
}

/** The remote span context of an HTTP request's `traceparent` / `tracestate` headers, or `undefined`. */
export function spanContextFromHeaders(headers: HeaderSource): SpanContext | undefined {
  return parseTraceparent(header(headers, "traceparent"), header(headers, "tracestate"));
}

/** The remote span context of an MCP request's `_meta.traceparent` / `_meta.tracestate`, or `undefined`. */
export function spanContextFromMeta(
  meta: { readonly [member: string]: unknown } | undefined,
): SpanContext | undefined {
  return meta === undefined ? undefined : parseTraceparent(meta["traceparent"], meta["tracestate"]);
}
