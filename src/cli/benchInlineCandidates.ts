import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ghostFills, inlineDecoding } from '../fill/ghostCandidates.js';
import { type GlmModel, blankKindFor, infill } from '../glm/index.js';
import { DEFAULT_SETTINGS } from '../settings/snapshot.js';
import { type CursorCase, cursorCases } from './benchCursors.js';

/** Candidate counts compared; the first is the baseline (a single suggestion, as before several existed). */
export const COUNTS = [1, 3, 5] as const;

interface Suggested {
  ms: number;
  fills: string[];
  /** The time budget ended the request (the first fill may be cut short). */
  timedOut: boolean;
}

/**
 * One inline request as the provider makes it (default settings but the count and the budget): latency and what it
 * shows. A budget of Infinity lets every candidate finish: the whole cost of the alternatives.
 */
async function suggest(model: GlmModel, at: CursorCase, candidates: number, budgetMs: number): Promise<Suggested> {
  const settings = { ...DEFAULT_SETTINGS, inline: { ...DEFAULT_SETTINGS.inline, candidates } };
  const kind = blankKindFor(settings.mode, at.text, at.offset, at.offset, 'prose');
  const controller = new AbortController();
  let partial = '';
  const start = performance.now();
  const budget = Number.isFinite(budgetMs) ? setTimeout(() => controller.abort(), budgetMs) : undefined;
  try {
    const result = await infill(
      model,
      { text: at.text, blanks: [{ start: at.offset, end: at.offset, kind }] },
      {
        ...inlineDecoding(settings),
        signal: controller.signal,
        deadline: start + budgetMs,
        onToken: (event) => void (event.candidate === 0 && (partial += event.text)),
      },
    );
    const span = result.spans[0];
    const fills = span ? ghostFills(span.candidates, candidates) : [partial];
    return { ms: performance.now() - start, fills, timedOut: controller.signal.aborted };
  } finally {
    clearTimeout(budget);
  }
}

export interface CountResult {
  candidates: number;
  p50Ms: number;
  p95Ms: number;
  /** Over the single suggestion's, same case and run: what the first item waits for the others. */
  p50Ratio: number;
  p95Ratio: number;
  /** Median of the extra milliseconds per request over the single suggestion's, same case and run. */
  p50ExtraMs: number;
  p95ExtraMs: number;
  /** Items shown per request, on average (fewer than asked when alternatives repeat or the budget ends them). */
  meanShown: number;
  /** Requests the time budget ended. */
  timedOut: number;
  /**
   * Requests whose first item differed from the single suggestion's, both having run to the end (0, or the
   * greedy-first rule is broken; a budget cuts the first fill wherever the clock says, so those are not compared).
   */
  firstDiffers: number;
}

export interface InlineCandidatesBench {
  cases: number;
  repeat: number;
  /** Infinity: no budget, every candidate runs to its end. */
  budgetMs: number;
  counts: CountResult[];
}

/**
 * Every cursor case with each candidate count, the order of the counts rotating from case to case so that a load
 * that changes during the bench skews all alike; p50/p95 of the request latencies, and of each one's ratio to the
 * single suggestion of the same case and run.
 */
export async function inlineCandidatesTimes(
  model: GlmModel,
  cases: readonly CursorCase[],
  repeat: number,
  budgetMs: number,
): Promise<InlineCandidatesBench> {
  await suggest(model, cases[0] as CursorCase, 1, budgetMs); // warm-up, not counted
  const runs = COUNTS.map(() => ({ got: [] as Suggested[], single: [] as Suggested[] }));
  for (let r = 0; r < repeat; r++) {
    for (const [i, at] of cases.entries()) {
      const got: Suggested[] = [];
      for (let k = 0; k < COUNTS.length; k++) {
        const j = (k + i + r) % COUNTS.length;
        got[j] = await suggest(model, at, COUNTS[j] as number, budgetMs);
      }
      for (const [j, one] of got.entries()) {
        runs[j]?.got.push(one);
        runs[j]?.single.push(got[0] as Suggested);
      }
    }
  }
  return { cases: cases.length, repeat, budgetMs, counts: runs.map((run, j) => summary(COUNTS[j] as number, run)) };
}

function summary(candidates: number, run: { got: Suggested[]; single: Suggested[] }): CountResult {
  const ms = run.got.map((g) => g.ms);
  const ratio = run.got.map((g, i) => g.ms / (run.single[i] as Suggested).ms);
  const extra = run.got.map((g, i) => g.ms - (run.single[i] as Suggested).ms);
  const differs = run.got.filter((g, i) => {
    const single = run.single[i] as Suggested;
    return !g.timedOut && !single.timedOut && g.fills[0] !== single.fills[0];
  });
  return {
    candidates,
    p50Ms: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    p50Ratio: percentile(ratio, 50),
    p95Ratio: percentile(ratio, 95),
    p50ExtraMs: percentile(extra, 50),
    p95ExtraMs: percentile(extra, 95),
    meanShown: run.got.reduce((n, g) => n + g.fills.length, 0) / run.got.length,
    timedOut: run.got.filter((g) => g.timedOut).length,
    firstDiffers: differs.length,
  };
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * The bench on a prose file's cursor cases, with the default time budget (what a user waits for) and without one
 * (the whole cost of the alternatives): tables and a JSON line.
 */
export async function inlineCandidatesReport(model: GlmModel, proseFile: string, repeat: number): Promise<string> {
  const cases = cursorCases(readFileSync(proseFile, 'utf8'));
  const benches = [];
  for (const budgetMs of [DEFAULT_SETTINGS.inline.timeBudgetMs, Infinity])
    benches.push(await inlineCandidatesTimes(model, cases, repeat, budgetMs));
  const rows = (bench: InlineCandidatesBench): string =>
    bench.counts
      .map(
        (c) =>
          `N = ${c.candidates}  p50 ${c.p50Ms.toFixed(0).padStart(5)} ms  p95 ${c.p95Ms.toFixed(0).padStart(5)} ms  ` +
          `x${c.p50Ratio.toFixed(2)} / x${c.p95Ratio.toFixed(2)}  +${c.p50ExtraMs.toFixed(0)} / +${c.p95ExtraMs.toFixed(0)} ms  ` +
          `${c.meanShown.toFixed(2)} shown  ${c.timedOut} at the budget  first differs ${c.firstDiffers}`,
      )
      .join('\n');
  const budget = (ms: number): string => (Number.isFinite(ms) ? `${ms} ms budget (the default)` : 'no budget');
  return (
    `inline candidates: ${model.manifest.name} (${model.device.used}), ${cases.length} cursors in ${proseFile}, ` +
    `${repeat} run(s) each, counts alternating; default settings but the count and the budget\n` +
    `latency p50/p95; ratio and extra ms over N = 1 in the same case and run (p50 / p95); items shown per request\n` +
    benches.map((bench) => `${budget(bench.budgetMs)}:\n${rows(bench)}\n`).join('') +
    `${JSON.stringify(benches)}\n`
  );
}
