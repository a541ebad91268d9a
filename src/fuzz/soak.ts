// The soak: `node dist/soak.js` fills 1,000 texts back to back on one loaded model and reports RSS growth, crashes
// (any exception but a documented request error) and broken invariants (fuzz/check.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { BLANK_KINDS, type InfillOptions, MARKER_OF_KIND, loadModel } from '../glm/index.js';
import { seededRandom } from '../glm/sampler.js';
import type { FuzzCase } from './cases.js';
import { checkCase } from './check.js';

// Real prose and code: the project's own documents.
const SOURCES = ['README.md', 'docs/model-contract.md', 'models/default/MODEL_CARD.md', 'models/default/DATA_SOURCES.md'];

type Random = () => number;
const int = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

/** Fill i: a window of a document with 1–4 of its words made blanks, and options like a user's. */
function soakCase(documents: readonly string[], i: number, contextCache: boolean): FuzzCase {
  const random = seededRandom(i + 1);
  const doc = documents[int(random, 0, documents.length - 1)] as string;
  const start = int(random, 0, Math.max(0, doc.length - 1500));
  let text = doc.slice(start, start + int(random, 200, 1500));
  for (let b = int(random, 1, 4); b > 0; b--) {
    const words = [...text.matchAll(/ \w+/g)];
    const word = words[int(random, 0, words.length - 1)];
    if (word === undefined) break;
    const marker = MARKER_OF_KIND[BLANK_KINDS[int(random, 0, 2)] ?? 'span'];
    text = `${text.slice(0, word.index)} ${marker}${text.slice(word.index + word[0].length)}`;
  }
  const options: InfillOptions = {
    maxTokens: int(random, 4, 32),
    temperature: random() < 0.2 ? 0.8 : 0,
    seed: i,
    candidates: random() < 0.1 ? 2 : 1,
    tokenHealing: random() < 0.2,
    contextCache,
  };
  return { seed: 0, index: i, layout: 'soak', text, options, kindAtEnd: 'document', editorBlanks: [] };
}

function atLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`a whole number ≥ ${min}.`);
    return n;
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0;
const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

async function main(): Promise<void> {
  const opts = new Command('glm-infill-soak')
    .description('Fill many texts on one loaded model; print RSS growth, crashes and invariant violations as JSON.')
    .option('-m, --model <folder>', 'model folder', 'models/default')
    .option('--fills <n>', 'fills to measure (at least 100)', atLeast(100), 1000)
    .option('--warm-up <n>', 'fills run first and not measured (onnxruntime grows its arena to the longest text seen)', atLeast(0), 100)
    .option('--threads <n>', 'intra-op threads', atLeast(1), 1)
    .option('--no-context-cache', 'fill without the context cache (to tell its memory from the rest)')
    .parse()
    .opts<{ model: string; fills: number; warmUp: number; threads: number; contextCache: boolean }>();
  const documents = SOURCES.map((f) => readFileSync(join(process.cwd(), f), 'utf8'));
  const model = await loadModel(opts.model, { device: 'cpu', threads: opts.threads });
  const warmUpRss: number[] = [];
  const rss: number[] = [];
  const ms: number[] = [];
  const totals = { crashes: 0, requestErrors: 0, violations: 0, spans: 0, spansWithReplacementChar: 0, unfilledSpans: 0 };
  const examples: string[] = [];
  try {
    for (let i = 0; i < opts.warmUp + opts.fills; i++) {
      const t0 = performance.now();
      const report = await checkCase(model, soakCase(documents, i, opts.contextCache));
      const measured = i >= opts.warmUp;
      if (measured) ms.push(performance.now() - t0);
      (measured ? rss : warmUpRss).push(process.memoryUsage().rss);
      if (report.outcome === 'exception') totals.crashes++;
      else if (report.outcome !== 'filled') totals.requestErrors++;
      if (report.violations.length > 0 && examples.length < 10) examples.push(`fill ${i}: ${report.violations.join('; ')}`);
      totals.violations += report.violations.length > 0 ? 1 : 0;
      totals.spans += report.spans;
      totals.spansWithReplacementChar += report.replacementSpans;
      totals.unfilledSpans += report.unfilled;
      if ((i + 1) % 100 === 0) process.stderr.write(`glm-infill-soak: ${i + 1} fills, RSS ${mib(process.memoryUsage().rss)} MiB\n`);
    }
  } finally {
    await model.dispose();
  }
  const summary = { model: model.manifest.name, warmUpFills: opts.warmUp, fills: opts.fills, ...totals, examples };
  process.stdout.write(`${JSON.stringify({ ...summary, ...memoryAndTime(warmUpRss, rss, ms) }, null, 2)}\n`);
  process.exitCode = totals.crashes + totals.violations > 0 ? 1 : 0;
}

/**
 * RSS growth as the mean RSS of the last 100 measured fills over that of the first 100: single readings swing with the
 * last output's size (onnxruntime frees its tensors lazily). The warm-up's own growth is reported beside it.
 */
function memoryAndTime(warmUpRss: readonly number[], rss: readonly number[], ms: readonly number[]): object {
  const first = mean(rss.slice(0, 100));
  const last = mean(rss.slice(-100));
  const growth = (from: number): number => Math.round(((last - from) / from) * 1000) / 10;
  return {
    rssFirst100MiB: mib(first), rssLast100MiB: mib(last), rssPeakMiB: mib(Math.max(...rss)),
    rssGrowthPercent: growth(first),
    rssGrowthFromWarmUpStartPercent: warmUpRss.length >= 100 ? growth(mean(warmUpRss.slice(0, 100))) : null,
    rssMeanPer100FillsMiB: Array.from({ length: Math.ceil(rss.length / 100) }, (_, b) => mib(mean(rss.slice(b * 100, b * 100 + 100)))),
    fillMs: { mean: Math.round(mean(ms)), p50: Math.round(quantile(ms, 0.5)), p95: Math.round(quantile(ms, 0.95)), max: Math.round(Math.max(...ms)) },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`glm-infill-soak: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
