import { performance } from 'node:perf_hooks';
import type { GlmModel } from '../glm/index.js';
import { fuzzCase } from './cases.js';
import { type CaseReport, checkCase } from './check.js';

/** Totals of a fuzz run, and the first violations with the case that broke them (re-run it with --from). */
export interface FuzzSummary {
  seed: number;
  cases: number;
  outcomes: Record<string, number>;
  layouts: Record<string, number>;
  spans: number;
  spansWithReplacementChar: number;
  unfilledSpans: number;
  violations: number;
  examples: { index: number; layout: string; violations: string[]; text: string }[];
  seconds: number;
}

export async function fuzz(
  model: GlmModel,
  seed: number,
  from: number,
  cases: number,
  progress?: (done: number) => void,
): Promise<FuzzSummary> {
  const t0 = performance.now();
  const summary: FuzzSummary = {
    seed,
    cases: 0,
    outcomes: {},
    layouts: {},
    spans: 0,
    spansWithReplacementChar: 0,
    unfilledSpans: 0,
    violations: 0,
    examples: [],
    seconds: 0,
  };
  for (let index = from; index < from + cases; index++) {
    const c = fuzzCase(seed, index);
    let report: CaseReport;
    try {
      report = await checkCase(model, c);
    } catch (error) {
      report = {
        violations: [`harness: ${String(error)}`],
        outcome: 'exception',
        spans: 0,
        replacementSpans: 0,
        unfilled: 0,
      };
    }
    summary.cases++;
    summary.outcomes[report.outcome] = (summary.outcomes[report.outcome] ?? 0) + 1;
    summary.layouts[c.layout] = (summary.layouts[c.layout] ?? 0) + 1;
    summary.spans += report.spans;
    summary.spansWithReplacementChar += report.replacementSpans;
    summary.unfilledSpans += report.unfilled;
    if (report.violations.length > 0) {
      summary.violations++;
      if (summary.examples.length < 10)
        summary.examples.push({ index, layout: c.layout, violations: report.violations, text: c.text.slice(0, 200) });
    }
    progress?.(summary.cases);
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}
