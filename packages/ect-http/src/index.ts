/**
 * `ect-http`: Execution-Context HTTP transport for ECTs: fetch Request/Response and node:http helpers.
 *
 * @packageDocumentation
 */
export {};
