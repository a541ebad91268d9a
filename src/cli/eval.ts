// Held-out infilling evaluation of a model folder through the same core the extension uses.
//
//   node dist/eval.js --cases data/eval/cases.jsonl --model models/default [--json runs/eval.json] [--limit N]
//
// Cases come from `python3 -m models.glm.eval_cases` (held-out split; each carries its train-split baseline).
// Greedy decoding by default; sampled candidates use a fixed seed. Either way a rerun gives the same table.
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type Blank,
  type BlankKind,
  type BlankedText,
  type CacheOptions,
  type DecodingOptions,
  MARKER_OF_KIND,
  type GlmModel,
  type PlacedBlank,
  decodingOptions,
  infill,
  isBlankKind,
  loadModel,
  placeBlanks,
  rankOptions,
  readContextFiles,
} from '../glm/index.js';
import { applyEdits } from '../glm/placement.js';
import { corpusBleu, editSimilarity } from './metrics.js';
import { userCaseKind } from './userCaseKind.js';

interface EvalBlank {
  start: number;
  end: number;
  original: string;
}
interface EvalCase {
  id: string;
  bucket: string;
  kind: string;
  mode: BlankKind;
  ratio?: number;
  source: string;
  text: string;
  blanks: EvalBlank[];
  baseline: string;
  /** User-shaped cases (models/glm/user_cases.py): other files of the document's package, relative to the cases file. */
  contextFiles?: string[];
  /** User-shaped cases: what the user selected (identifier, line, cursor…). */
  shape?: string;
}

interface BlankScore {
  exact: number;
  similarity: number;
  baselineExact: number;
  baselineSimilarity: number;
  logProb?: number;
  tokens?: number;
  baselineLogProb?: number;
}
interface Example {
  id: string;
  before: string;
  original: string;
  fill: string;
  after: string;
}

// Short blanks and the everyday jobs (bracket, identifier, argument, word) get the same short budget.
// User-shaped cases: a whole line, a sentence and the rest of a line after the cursor get the line budget.
const MAX_TOKENS: Record<string, number> = {
  short: 12,
  line: 48,
  long: 160,
  bracket: 12,
  identifier: 12,
  argument: 12,
  word: 12,
  sentence: 48,
  cursor: 48,
};
// Decoding of every fill: greedy by default; --candidates/--temperature/--select change it for the whole run.
let decoding: Partial<DecodingOptions> = { temperature: 0, repetitionPenalty: 1 };
// The blank kind of every case: the case's own ('case'), the extension's auto rule, or one kind for all.
let kindRule: 'case' | 'auto' | BlankKind = 'case';
let cacheRule: { contextCache: boolean; perplexity: boolean } = { contextCache: true, perplexity: true };
let casesFolder = '.';
const CONTEXT_SHOWN = 120;

function readCases(path: string): EvalCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EvalCase);
}

/** The case as the core takes it: its text, untouched, and its blanks, each of the kind the run's rule gives it. */
function requestOf(c: EvalCase): BlankedText {
  const blanks = [...c.blanks].sort((x, y) => x.start - y.start);
  return { text: c.text, blanks: blanks.map((b) => ({ start: b.start, end: b.end, kind: kindOf(c, b) })) };
}

function kindOf(c: EvalCase, b: EvalBlank): BlankKind {
  if (kindRule === 'case') return c.mode;
  return kindRule === 'auto' ? userCaseKind(c, b.start, b.end) : kindRule;
}

/** The case's context files, as the CLI's --context-file reads them (a file that cannot be used is skipped). */
async function cacheOf(c: EvalCase): Promise<CacheOptions> {
  if (!cacheRule.contextCache) return { contextCache: false };
  const { texts } = await readContextFiles((c.contextFiles ?? []).map((f) => resolve(casesFolder, f)));
  return { contextCache: true, contextTexts: texts };
}

async function scoreBlankCase(model: GlmModel, c: EvalCase): Promise<{ score: BlankScore; example: Example }> {
  const blank = c.blanks[0] as EvalBlank;
  const request = requestOf(c);
  const cache = await cacheOf(c);
  const result = await infill(model, request, { ...decoding, ...cache, maxTokens: MAX_TOKENS[c.kind] ?? 32 });
  // The blank took over the space before it, if any, and a fill brings it back: the expected text starts with it.
  const { space } = placeBlanks(request)[0] as PlacedBlank;
  const expected = space + blank.original;
  const fill = result.spans[0]?.text ?? '';
  const baseline = space + c.baseline;
  // Perplexity of the original span as written, without token healing, so the column keeps one meaning.
  const ranked = cacheRule.perplexity
    ? await rankOptions(model, request, [blank.original, `${c.baseline}`], undefined, false, cache)
    : undefined;
  const original = ranked?.options.find((o) => o.option === blank.original);
  const base = ranked?.options.find((o) => o.option === c.baseline && o !== original) ?? original;
  return {
    score: {
      exact: fill === expected ? 1 : 0,
      similarity: editSimilarity(fill, expected),
      baselineExact: baseline === expected ? 1 : 0,
      baselineSimilarity: editSimilarity(baseline, expected),
      logProb: original?.logProb,
      tokens: original ? original.tokens.length + 1 : undefined,
      baselineLogProb: base?.logProb,
    },
    example: {
      id: c.id,
      before: c.text.slice(Math.max(0, blank.start - CONTEXT_SHOWN), blank.start),
      original: blank.original,
      fill,
      after: c.text.slice(blank.end, blank.end + CONTEXT_SHOWN),
    },
  };
}

async function fillRatioCase(model: GlmModel, c: EvalCase): Promise<{ filled: string; baseline: string }> {
  const request = requestOf(c);
  const result = await infill(model, request, { ...decoding, maxTokens: 12 });
  // A blank left without text shows its marker, as the CLI prints it, never the original text it stands for.
  const shown = result.spans.map((s) =>
    s.unfilled ? { ...(request.blanks[s.index] as Blank), text: MARKER_OF_KIND[s.kind] } : s,
  );
  return {
    filled: applyEdits(c.text, shown),
    baseline: applyEdits(
      c.text,
      request.blanks.map((b) => ({ ...b, text: c.baseline })),
    ),
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function perplexity(scores: readonly BlankScore[], key: 'logProb' | 'baselineLogProb'): number {
  const usable = scores.filter((s) => s[key] !== undefined && s.tokens !== undefined);
  const nll = -usable.reduce((sum, s) => sum + (s[key] as number), 0);
  return Math.exp(nll / usable.reduce((sum, s) => sum + (s.tokens as number), 0));
}

interface CellRow {
  bucket: string;
  kind: string;
  n: number;
  exact: number;
  exactSe: number;
  baselineExact: number;
  similarity: number;
  similaritySe: number;
  baselineSimilarity: number;
  perplexity: number;
}

/** Standard error of the mean. */
function standardError(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1) / values.length);
}

function cellRow(bucket: string, kind: string, scores: readonly BlankScore[]): CellRow {
  const exact = scores.map((s) => s.exact);
  const similarity = scores.map((s) => s.similarity);
  return {
    bucket,
    kind,
    n: scores.length,
    exact: mean(exact),
    exactSe: standardError(exact),
    baselineExact: mean(scores.map((s) => s.baselineExact)),
    similarity: mean(similarity),
    similaritySe: standardError(similarity),
    baselineSimilarity: mean(scores.map((s) => s.baselineSimilarity)),
    perplexity: perplexity(scores, 'logProb'),
  };
}

const pct = (x: number): string => (Number.isNaN(x) ? '–' : (100 * x).toFixed(1));

function markdown(
  rows: readonly CellRow[],
  ratios: readonly {
    ratio: number;
    n: number;
    bleu: number;
    baselineBleu: number;
    similarity: number;
    baselineSimilarity: number;
  }[],
): string {
  const lines = [
    '| bucket | blank | n | exact match % ± se (model / baseline) | edit similarity % ± se (model / baseline) | perplexity of the original span |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.bucket} | ${r.kind} | ${r.n} | ${pct(r.exact)} ± ${pct(r.exactSe)} / ${pct(r.baselineExact)} | ` +
        `${pct(r.similarity)} ± ${pct(r.similaritySe)} / ${pct(r.baselineSimilarity)} | ${Number.isNaN(r.perplexity) ? '–' : r.perplexity.toFixed(1)} |`,
    ),
    '',
    '| mask ratio | paragraphs | BLEU-4 (model / baseline) | edit similarity % of the text (model / baseline) |',
    '|---|---|---|---|',
    ...ratios.map(
      (r) =>
        `| ${Math.round(100 * r.ratio)}% | ${r.n} | ${r.bleu.toFixed(1)} / ${r.baselineBleu.toFixed(1)} | ${pct(r.similarity)} / ${pct(r.baselineSimilarity)} |`,
    ),
  ];
  return lines.join('\n');
}

/** What a run (or one shard of it) measured, before any averaging: shards merge by concatenation. */
interface RawResults {
  model: string;
  weights: string;
  decoding: Partial<DecodingOptions>;
  /** The blank-kind rule and whether the context cache was on. */
  setup: { kind: string; contextCache: boolean };
  scores: { bucket: string; kind: string; score: BlankScore }[];
  ratioRuns: { ratio: number; filled: string; baseline: string; original: string }[];
  examples: Example[];
  seconds: number;
}

async function collect(model: GlmModel, cases: readonly EvalCase[], limit: number): Promise<RawResults> {
  const started = performance.now();
  const raw: RawResults = {
    model: model.manifest.name,
    weights: model.manifest.weights,
    decoding,
    setup: { kind: kindRule, contextCache: cacheRule.contextCache },
    scores: [],
    ratioRuns: [],
    examples: [],
    seconds: 0,
  };
  const counts = new Map<string, number>();
  for (const c of cases) {
    const key = c.ratio !== undefined ? `ratio ${c.ratio}` : `${c.bucket}\u0000${c.kind}`;
    if ((counts.get(key) ?? 0) >= limit) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (c.ratio !== undefined) {
      raw.ratioRuns.push({ ratio: c.ratio, ...(await fillRatioCase(model, c)), original: c.text });
      continue;
    }
    const { score, example } = await scoreBlankCase(model, c);
    raw.scores.push({ bucket: c.bucket, kind: c.kind, score });
    raw.examples.push(example);
  }
  raw.seconds = (performance.now() - started) / 1000;
  return raw;
}

function merge(parts: readonly RawResults[]): RawResults {
  const [first] = parts;
  if (first === undefined) throw new Error('nothing to merge');
  for (const p of parts) {
    if (
      p.model !== first.model ||
      p.weights !== first.weights ||
      JSON.stringify([p.decoding, p.setup]) !== JSON.stringify([first.decoding, first.setup])
    ) {
      throw new Error('shards come from different models or decoding settings');
    }
  }
  return {
    ...first,
    scores: parts.flatMap((p) => p.scores),
    ratioRuns: parts.flatMap((p) => p.ratioRuns),
    examples: parts.flatMap((p) => p.examples),
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
  };
}

function report(raw: RawResults, json?: string): void {
  const cells = new Map<string, BlankScore[]>();
  const byBucket = new Map<string, BlankScore[]>();
  for (const { bucket, kind, score } of raw.scores) {
    cells.set(`${bucket}\u0000${kind}`, [...(cells.get(`${bucket}\u0000${kind}`) ?? []), score]);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), score]);
  }
  const rows = [...cells].map(([key, scores]) => {
    const [bucket, kind] = key.split('\u0000') as [string, string];
    return cellRow(bucket, kind, scores);
  });
  rows.push(...[...byBucket].map(([bucket, scores]) => cellRow(bucket, 'all', scores)));
  rows.sort(
    (a, b) =>
      a.bucket.localeCompare(b.bucket) || (a.kind === 'all' ? 1 : b.kind === 'all' ? -1 : a.kind.localeCompare(b.kind)),
  );
  const ratioValues = [...new Set(raw.ratioRuns.map((r) => r.ratio))].sort((a, b) => a - b);
  const ratios = ratioValues.map((ratio) => {
    const runs = raw.ratioRuns.filter((r) => r.ratio === ratio);
    const original = runs.map((r) => r.original);
    return {
      ratio,
      n: runs.length,
      bleu: corpusBleu(
        runs.map((r) => r.filled),
        original,
      ),
      baselineBleu: corpusBleu(
        runs.map((r) => r.baseline),
        original,
      ),
      similarity: mean(runs.map((r) => editSimilarity(r.filled, r.original))),
      baselineSimilarity: mean(runs.map((r) => editSimilarity(r.baseline, r.original))),
    };
  });
  console.log(markdown(rows, ratios));
  console.log(
    `\n${raw.scores.length} blank cases, ${raw.ratioRuns.length} ratio paragraphs, ` +
      `${raw.seconds.toFixed(0)} s, model ${raw.model} (${raw.weights}), ${describe(raw.decoding)}, ` +
      `blank kind ${raw.setup?.kind ?? 'case'}, context cache ${raw.setup?.contextCache === false ? 'off' : 'on'}`,
  );
  if (json) {
    const { model, weights, decoding: used, setup, examples, seconds } = raw;
    writeFileSync(
      json,
      `${JSON.stringify({ model, weights, decoding: used, setup, cells: rows, ratios, examples, seconds }, null, 1)}\n`,
    );
  }
}

function program(): Command {
  return new Command('glm-infill-eval')
    .description('Evaluate a model folder on held-out infilling cases (greedy unless told otherwise; seeded).')
    .option('--cases <file>', 'cases.jsonl from python3 -m models.glm.eval_cases')
    .option('-m, --model <folder>', 'model folder')
    .option('--json <file>', 'also write the results as JSON')
    .option('--limit <n>', 'cases per bucket and kind at most', (v) => Number.parseInt(v, 10), Infinity)
    .option('--threads <n>', 'intra-op threads', (v) => Number.parseInt(v, 10), 1)
    .option('--repetition-penalty <r>', 'repetition penalty (1 = none)', Number.parseFloat, 1)
    .option(
      '--max-repeats <n>',
      'a piece of 1–16 tokens may repeat this many times in a row in a fill (0 = no limit)',
      (v) => Number.parseInt(v, 10),
      3,
    )
    .option('-c, --candidates <n>', 'candidates per blank', (v) => Number.parseInt(v, 10), 1)
    .option('-t, --temperature <t>', 'sampling temperature of the candidates (0 = greedy)', Number.parseFloat, 0)
    .option('--top-p <p>', 'nucleus sampling mass', Number.parseFloat, 1)
    .option('--select <how>', 'likeliest | consensus: which candidate fills the blank', 'likeliest')
    .option('--seed <n>', 'sampling seed', (v) => Number.parseInt(v, 10), 2022)
    .option('--no-stop-at-echo', 'let fills repeat the text after their blank (the decoding rule off, to measure it)')
    .option('--token-healing', 'token healing at blanks that touch a word (off by default, as in Fill Blank)', false)
    .option(
      '--block-repeated-ngrams <n>',
      'no n-gram of n tokens comes twice in a fill (0 = off)',
      (v) => Number.parseInt(v, 10),
      0,
    )
    .option(
      '--no-end-at-likeliest',
      'keep span fills whole where they run on past their likeliest end (the rule off, to measure it)',
    )
    .option(
      '--kind <rule>',
      "blank kind of every case: case (its own), auto (the extension's rule from the selection), span, sentence or document",
      'case',
    )
    .option('--no-context-cache', "no context cache (by default the document and the case's context files feed it)")
    .option(
      '--no-lookup-drafting',
      'one token per model run (by default greedy fills draft from the text; the fills must be the same)',
    )
    .option('--no-perplexity', 'skip scoring the original span (halves the run time)')
    .option('--shard <k/n>', 'evaluate only every n-th case from the k-th (0-based), to run shards side by side')
    .option('--raw <file>', 'write the unaveraged results (for --merge)')
    .option('--merge <files...>', 'print the tables of shards written with --raw, instead of evaluating');
}

/** The flags of one run; every one not about the run itself is a decoding option. */
type EvalFlags = {
  cases?: string;
  model?: string;
  json?: string;
  limit: number;
  threads: number;
  shard?: string;
  raw?: string;
  merge?: string[];
  kind: string;
  contextCache: boolean;
  perplexity: boolean;
  lookupDrafting: boolean;
} & Pick<
  DecodingOptions,
  | 'repetitionPenalty'
  | 'maxRepeats'
  | 'candidates'
  | 'temperature'
  | 'topP'
  | 'select'
  | 'seed'
  | 'stopAtEcho'
  | 'tokenHealing'
  | 'endAtLikeliest'
  | 'blockRepeatedNgrams'
>;

async function main(): Promise<void> {
  const {
    cases,
    model: folder,
    json,
    limit,
    threads,
    shard,
    raw: rawPath,
    merge: shards,
    kind,
    contextCache,
    perplexity,
    lookupDrafting,
    ...chosen
  } = program().parse().opts<EvalFlags>();
  if (kind !== 'case' && kind !== 'auto' && !isBlankKind(kind))
    throw new Error(`--kind ${kind}: give case, auto, span, sentence or document`);
  kindRule = kind;
  cacheRule = { contextCache, perplexity };
  if (shards) {
    report(merge(shards.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RawResults)), json);
    return;
  }
  if (cases === undefined || folder === undefined) throw new Error('--cases and --model are required (or --merge)');
  casesFolder = dirname(resolve(cases));
  // Drafting is named only when off, so that results with it stay comparable (and mergeable) with earlier ones.
  decoding = lookupDrafting ? chosen : { ...chosen, lookupDrafting };
  decodingOptions(decoding); // a bad value fails here, before the model loads
  const [k, n] = parseShard(shard);
  const model = await loadModel(folder, { device: 'cpu', threads });
  try {
    const raw = await collect(
      model,
      readCases(cases).filter((_, i) => i % n === k),
      limit,
    );
    if (rawPath) writeFileSync(rawPath, `${JSON.stringify(raw)}\n`);
    report(raw, json);
  } finally {
    await model.dispose();
  }
}

/** `--shard k/n` as [k, n]; every case when not given. */
function parseShard(shard: string | undefined): [number, number] {
  const [k, n] = (shard ?? '0/1').split('/').map(Number) as [number, number];
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k < n))
    throw new Error(`--shard ${shard}: give k/n with 0 ≤ k < n`);
  return [k, n];
}

function describe(d: Partial<DecodingOptions>): string {
  const how =
    d.temperature === 0 ? 'greedy' : `sampled at temperature ${d.temperature}, top-p ${d.topP}, seed ${d.seed}`;
  const pick = (d.candidates ?? 1) > 1 ? `, ${d.candidates} candidates, ${d.select} chosen` : '';
  const off = [
    d.stopAtEcho === false && 'echo stop off',
    d.tokenHealing === true && 'token healing on',
    d.endAtLikeliest === false && 'end at likeliest off',
  ].filter(Boolean);
  const repeats =
    (d.maxRepeats !== undefined && d.maxRepeats !== 3 ? `, max repeats ${d.maxRepeats}` : '') +
    (d.blockRepeatedNgrams ? `, no repeated ${d.blockRepeatedNgrams}-grams` : '');
  return `${how}${pick}, repetition penalty ${d.repetitionPenalty}${repeats}${off.map((o) => `, ${o}`).join('')}`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
