// The request/response init shapes shared by fetch.ts and workload-identity.ts, in a module of
// their own so neither imports the other (no import loop).

/** Anything with an optional `headers` member, like `RequestInit` and `ResponseInit`. */
export interface WithHeadersInit {
  /** Headers in any form the `Headers` constructor accepts. */
  headers?: HeadersInit;
}

/** A `RequestInit` / `ResponseInit` whose headers are a `Headers` object carrying `Execution-Context`. */
export type InitWithExecutionContext<T> = Omit<T, "headers"> & {
  /** The original headers plus `Execution-Context`. */
  headers: Headers;
};
