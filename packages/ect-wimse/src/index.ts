/**
 * `ect-wimse`: WIMSE workload identity binding for ECTs: WIT and WPT verification and WIT-bound ECT verification (profile §9).
 *
 * @packageDocumentation
 */
export {};
