/**
 * `ect-crypto`: Create and verify Execution Context Tokens (ECTs) with jose: keys, resolvers, replay cache, the SPEC verification pipeline.
 *
 * @packageDocumentation
 */
export {};
