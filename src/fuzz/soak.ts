// The soak: `node dist/soak.js` fills 1,000 texts back to back on one loaded model and reports RSS growth, crashes
// (any exception but a documented request error) and broken invariants (fuzz/check.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, InvalidArgumentError } from 'commander';
import { BLANK_KINDS, type GlmModel, type InfillOptions, MARKER_OF_KIND, loadModel } from '../glm/index.js';
import { seededRandom } from '../glm/sampler.js';
import type { FuzzCase } from './cases.js';
import { checkCase } from './check.js';
import { trendPercent } from './trend.js';

// Real prose and code: the project's own documents.
const SOURCES = [
  'README.md',
  'docs/model-contract.md',
  'models/default/MODEL_CARD.md',
  'models/default/DATA_SOURCES.md',
];

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
const quantile = (xs: readonly number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0;
const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

// A full collection on demand, without asking the user for --expose-gc: a leak is memory still referenced after one.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
// Every this many fills the soak collects and reads RSS again: garbage that V8 and onnxruntime free lazily (the last
// outputs, a released arena chunk) makes single raw readings swing by tens of MiB.
const COLLECT_EVERY = 10;

interface SoakOptions {
  model: string;
  fills: number;
  warmUp: number;
  threads: number;
  contextCache: boolean;
  memoryArena: boolean;
}

interface Tally {
  crashes: number;
  requestErrors: number;
  violations: number;
  spans: number;
  spansWithReplacementChar: number;
  unfilledSpans: number;
}

/** What the soak saw: RSS at every measured fill, RSS after a full collection every COLLECT_EVERY fills, fill times. */
interface Readings {
  warmUpRss: number[];
  rss: number[];
  collectedRss: number[];
  ms: number[];
  heapMiB: number[];
}

function parseOptions(): SoakOptions {
  return new Command('glm-infill-soak')
    .description('Fill many texts on one loaded model; print RSS growth, crashes and invariant violations as JSON.')
    .option('-m, --model <folder>', 'model folder', 'models/default')
    .option('--fills <n>', 'fills to measure (at least 100)', atLeast(100), 1000)
    .option(
      '--warm-up <n>',
      'fills run first and not measured (onnxruntime grows its arena to the longest text seen)',
      atLeast(0),
      100,
    )
    .option('--threads <n>', 'intra-op threads', atLeast(1), 1)
    .option('--no-context-cache', 'fill without the context cache (to tell its memory from the rest)')
    .option('--no-memory-arena', "with onnxruntime's CPU memory arena off (it is on in the extension)")
    .parse()
    .opts<SoakOptions>();
}

async function soak(
  model: GlmModel,
  documents: readonly string[],
  opts: SoakOptions,
  tally: Tally,
  examples: string[],
): Promise<Readings> {
  const readings: Readings = { warmUpRss: [], rss: [], collectedRss: [], ms: [], heapMiB: [] };
  for (let i = 0; i < opts.warmUp + opts.fills; i++) {
    const t0 = performance.now();
    const report = await checkCase(model, soakCase(documents, i, opts.contextCache));
    const measured = i >= opts.warmUp;
    if (measured) readings.ms.push(performance.now() - t0);
    (measured ? readings.rss : readings.warmUpRss).push(process.memoryUsage().rss);
    if (measured && (i - opts.warmUp) % COLLECT_EVERY === COLLECT_EVERY - 1) {
      collectGarbage();
      const usage = process.memoryUsage();
      readings.collectedRss.push(usage.rss);
      readings.heapMiB.push(mib(usage.heapUsed));
    }
    if (report.outcome === 'exception') tally.crashes++;
    else if (report.outcome !== 'filled') tally.requestErrors++;
    if (report.violations.length > 0 && examples.length < 10)
      examples.push(`fill ${i}: ${report.violations.join('; ')}`);
    tally.violations += report.violations.length > 0 ? 1 : 0;
    tally.spans += report.spans;
    tally.spansWithReplacementChar += report.replacementSpans;
    tally.unfilledSpans += report.unfilled;
    if ((i + 1) % 100 === 0)
      process.stderr.write(`glm-infill-soak: ${i + 1} fills, RSS ${mib(process.memoryUsage().rss)} MiB\n`);
  }
  return readings;
}

/** Growth of the mean of the last tenth of `xs` over the mean of its first tenth, in percent. */
function growthPercent(xs: readonly number[]): number {
  const tenth = Math.max(1, Math.floor(xs.length / 10));
  const first = mean(xs.slice(0, tenth));
  return Math.round(((mean(xs.slice(-tenth)) - first) / first) * 1000) / 10;
}

function memorySummary(r: Readings): Record<string, unknown> {
  const blocks = (xs: readonly number[], size: number): number[] =>
    Array.from({ length: Math.ceil(xs.length / size) }, (_, b) => mib(mean(xs.slice(b * size, b * size + size))));
  return {
    // The leak figure: RSS after a full collection, last tenth of the run over its first tenth.
    rssGrowthPercent: growthPercent(r.collectedRss),
    // The same readings' trend: the fitted line's rise over the run (a leak shows as a rise many errors wide).
    rssTrendPercent: trendPercent(r.collectedRss),
    // Raw readings between collections, which include garbage not yet freed (the earlier soaks' figure).
    rawRssGrowthPercent: growthPercent(r.rss),
    rssPeakMiB: mib(Math.max(...r.rss)),
    collectedRssPer100FillsMiB: blocks(r.collectedRss, 100 / COLLECT_EVERY),
    rawRssPer100FillsMiB: blocks(r.rss, 100),
    jsHeapAfterCollectionMiB: { first: r.heapMiB[0], last: r.heapMiB.at(-1) },
    fillMs: {
      mean: Math.round(mean(r.ms)),
      p50: Math.round(quantile(r.ms, 0.5)),
      p95: Math.round(quantile(r.ms, 0.95)),
      max: Math.round(Math.max(...r.ms)),
    },
  };
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const documents = SOURCES.map((f) => readFileSync(join(process.cwd(), f), 'utf8'));
  const model = await loadModel(opts.model, { device: 'cpu', threads: opts.threads, memoryArena: opts.memoryArena });
  const tally: Tally = {
    crashes: 0,
    requestErrors: 0,
    violations: 0,
    spans: 0,
    spansWithReplacementChar: 0,
    unfilledSpans: 0,
  };
  const examples: string[] = [];
  let readings: Readings;
  try {
    readings = await soak(model, documents, opts, tally, examples);
  } finally {
    await model.dispose();
  }
  const summary = {
    model: model.manifest.name,
    contextCache: opts.contextCache,
    memoryArena: opts.memoryArena,
    warmUpFills: opts.warmUp,
    fills: opts.fills,
    ...tally,
    examples,
    ...memorySummary(readings),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = tally.crashes + tally.violations > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`glm-infill-soak: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
