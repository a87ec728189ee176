/**
 * `ect-otel`: OpenTelemetry spans, attributes and span links from ECTs (profile §10), over @opentelemetry/api.
 *
 * @packageDocumentation
 */
export {};
