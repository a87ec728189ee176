/**
 * `ect-otel`: OpenTelemetry spans, attributes and span links from ECTs (profile §10), over
 * `@opentelemetry/api` (a peer dependency). One span per ECT task with the `ect.*` attributes;
 * each `pred` becomes a span link to the predecessor's span when this process knows it
 * ({@link EctSpanRegistry}); `traceparent` travels beside the ECT (an HTTP header, an MCP `_meta`
 * member), so traces and the audit log join on `jti`.
 *
 * @packageDocumentation
 */
export { type StartEctSpanOptions, startEctSpan } from "./ect-span.js";
export { EctSpanAttributeNames, type EctSpanSource, ectSpanAttributes } from "./span-attributes.js";
export { EctSpanRegistry, type EctSpanRegistryOptions } from "./span-registry.js";
export {
  type HeaderSource,
  spanContextFromHeaders,
  spanContextFromMeta,
  type TraceContextFields,
  traceContextFields,
} from "./trace-context-carriers.js";
export { formatTraceparent, parseTraceparent } from "./traceparent.js";
