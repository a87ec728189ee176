import { createTraceState, isValidSpanId, isValidTraceId, type SpanContext } from "@opentelemetry/api";

// W3C Trace Context level 1, §3.2: version "-" trace-id "-" parent-id "-" trace-flags, lower-case hex.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The W3C `traceparent` value of a span context: `00-<trace-id>-<span-id>-<flags>`.
 *
 * @example
 * ```ts
 * formatTraceparent(span.spanContext()); // "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
 * ```
 */
export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * The remote span context a W3C `traceparent` (and optional `tracestate`) names, or `undefined`
 * when the value is not a valid one (W3C Trace Context §3.2: lower-case hex, version `ff` invalid,
 * version `00` with nothing after the flags, trace and parent ids not all zeros; a later version
 * may append fields, which are ignored). A receiver that gets an invalid value starts a new trace.
 */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== "string") return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 0x01,
    isRemote: true,
    ...(typeof tracestate === "string" && tracestate.trim() !== ""
      ? { traceState: createTraceState(tracestate) }
      : {}),
  };
}
