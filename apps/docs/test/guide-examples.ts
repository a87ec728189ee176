// Extracts the TypeScript examples from the guides in docs/*.md so a test can type-check and run
// them. A fence ```ts (or ```typescript) is compiled and run; ```ts no-run is only compiled (for the
// few examples that need a Redis server).
import { readdirSync, readFileSync } from "node:fs";
import { REPO_ROOT } from "./site.js";

/** One fenced TypeScript example of a guide. */
export interface GuideExample {
  /** The guide's file name, e.g. `getting-started.md`. */
  readonly guide: string;
  /** 1-based line of the first code line in the guide. */
  readonly line: number;
  /** The code. */
  readonly code: string;
  /** False for ```ts no-run: type-checked only. */
  readonly run: boolean;
  /** A file-name-safe id, e.g. `getting-started-L42`. */
  readonly id: string;
}

/** docs/ */
export const GUIDES_DIR = `${REPO_ROOT}docs/`;

/** The guide files, sorted. */
export function guideFiles(): string[] {
  return readdirSync(GUIDES_DIR)
    .filter((name) => name.endsWith(".md"))
    .sort();
}

/** Every TypeScript example of one guide's text, in order. */
export function extractExamples(guide: string, text: string): GuideExample[] {
  const examples: GuideExample[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[1]!;
    const lang = open[2]!.toLowerCase();
    const flags = open[3]!.split(/\s+/).filter(Boolean);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.startsWith(fence)) end++;
    if (end === lines.length) throw new Error(`${guide}:${i + 1}: unclosed code fence`);
    if (lang === "ts" || lang === "typescript") {
      const unknown = flags.filter((flag) => flag !== "no-run");
      if (unknown.length > 0)
        throw new Error(`${guide}:${i + 1}: unknown fence flag(s) ${unknown.join(", ")}`);
      examples.push({
        guide,
        line: start + 1,
        code: lines.slice(start, end).join("\n"),
        run: !flags.includes("no-run"),
        id: `${guide.replace(/\.md$/, "")}-L${start + 1}`,
      });
    }
    i = end;
  }
  return examples;
}

/** Every TypeScript example of every guide. */
export function allExamples(): GuideExample[] {
  return guideFiles().flatMap((guide) =>
    extractExamples(guide, readFileSync(`${GUIDES_DIR}${guide}`, "utf8")),
  );
}
