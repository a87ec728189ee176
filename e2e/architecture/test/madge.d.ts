// madge 8 ships no type declarations; this is the part of its API the tests use.
declare module "madge" {
  interface MadgeResult {
    /** Every import cycle found, each as the list of files in it. */
    circular(): string[][];
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, unknown>;
    excludeRegExp?: RegExp[];
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
