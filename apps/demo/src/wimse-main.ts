// The `--wimse` branch of the `ect-demo` command: prints the WIMSE demo for people (or as JSON).
import type { DemoOptions } from "./cli-options.js";
import { formatStep, heading, type Style } from "./terminal-report.js";
import { formatWimseSummary, runWimseDemo } from "./wimse-demo.js";

const TITLES: Record<string, string> = { setup: "Setup", workflow: "Workflow", attack: "Attacks" };

/** Runs `ect-demo --wimse`; returns the exit status (0 when every expected outcome happened). */
export async function runWimse(options: DemoOptions, style: Style): Promise<number> {
  const print = (text: string) => {
    if (!options.json) process.stdout.write(`${text}\n`);
  };
  print(style.bold("ECT demo, WIMSE mode: a loan application over HTTP on 127.0.0.1 (profile §9)"));
  print(
    style.dim(
      "intake → credit-check → underwriting; every hop carries WIT, WPT and an ECT signed with the WIT's key",
    ),
  );
  let phase = "";
  const report = await runWimseDemo({
    onStep: (step) => {
      if (step.phase !== phase) {
        phase = step.phase;
        print(heading(TITLES[phase] ?? phase, style));
      }
      print(formatStep(step, style));
    },
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else print(formatWimseSummary(report, style));
  return report.ok ? 0 : 1;
}
