// Held-out infilling evaluation of a model folder through the same core the extension uses.
//
//   node dist/eval.js --cases data/eval/cases.jsonl --model models/default [--json runs/eval.json] [--limit N]
//
// Cases come from `python3 -m models.glm.eval_cases` (held-out split; each carries its train-split baseline).
// Greedy decoding, so a rerun gives the same table.
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { type BlankKind, MARKER_OF_KIND, type GlmModel, infill, loadModel, rankOptions } from '../glm/index.js';
import { corpusBleu, editSimilarity } from './metrics.js';

interface EvalBlank { start: number; end: number; original: string }
interface EvalCase { id: string; bucket: string; kind: string; mode: BlankKind; ratio?: number; source: string; text: string; blanks: EvalBlank[]; baseline: string }

interface BlankScore { exact: number; similarity: number; baselineExact: number; baselineSimilarity: number; logProb?: number; tokens?: number; baselineLogProb?: number }
interface Example { id: string; before: string; original: string; fill: string; after: string }

const MAX_TOKENS: Record<string, number> = { short: 12, line: 48, long: 160 };
let repetitionPenalty = 1;
const CONTEXT_SHOWN = 120;

function readCases(path: string): EvalCase[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as EvalCase);
}

/** The case text with each blank replaced by its marker; null when the text itself holds marker-like strings. */
function markedText(c: EvalCase): string | null {
  if (/\[[a-z]?mask\]/i.test(c.text)) return null;
  let out = '';
  let cursor = 0;
  for (const b of [...c.blanks].sort((x, y) => x.start - y.start)) {
    out += c.text.slice(cursor, b.start) + MARKER_OF_KIND[c.mode];
    cursor = b.end;
  }
  return out + c.text.slice(cursor);
}

async function scoreBlankCase(model: GlmModel, c: EvalCase, marked: string): Promise<{ score: BlankScore; example: Example }> {
  const blank = c.blanks[0] as EvalBlank;
  const result = await infill(model, marked, { maxTokens: MAX_TOKENS[c.kind] ?? 32, temperature: 0, repetitionPenalty, mode: c.mode });
  const span = result.spans[0];
  // A space right before the marker belongs to the blank (the tokenizer attaches it to the next word).
  const absorbed = span !== undefined && marked[span.start] === ' ' ? ' ' : '';
  const expected = absorbed + blank.original;
  const fill = span?.text ?? '';
  const baseline = absorbed + c.baseline;
  const ranked = await rankOptions(model, marked, [blank.original, `${c.baseline}`]);
  const original = ranked.options.find((o) => o.option === blank.original);
  const base = ranked.options.find((o) => o.option === c.baseline && o !== original) ?? original;
  return {
    score: {
      exact: fill === expected ? 1 : 0, similarity: editSimilarity(fill, expected),
      baselineExact: baseline === expected ? 1 : 0, baselineSimilarity: editSimilarity(baseline, expected),
      logProb: original?.logProb, tokens: original ? original.tokens.length + 1 : undefined, baselineLogProb: base?.logProb,
    },
    example: {
      id: c.id, before: c.text.slice(Math.max(0, blank.start - CONTEXT_SHOWN), blank.start), original: blank.original,
      fill, after: c.text.slice(blank.end, blank.end + CONTEXT_SHOWN),
    },
  };
}

async function fillRatioCase(model: GlmModel, c: EvalCase, marked: string): Promise<{ filled: string; baseline: string }> {
  const result = await infill(model, marked, { maxTokens: 12, temperature: 0, repetitionPenalty, mode: 'span' });
  let baseline = '';
  let cursor = 0;
  for (const b of c.blanks) {
    baseline += c.text.slice(cursor, b.start) + c.baseline;
    cursor = b.end;
  }
  return { filled: result.text, baseline: baseline + c.text.slice(cursor) };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function perplexity(scores: readonly BlankScore[], key: 'logProb' | 'baselineLogProb'): number {
  const usable = scores.filter((s) => s[key] !== undefined && s.tokens !== undefined);
  const nll = -usable.reduce((sum, s) => sum + (s[key] as number), 0);
  return Math.exp(nll / usable.reduce((sum, s) => sum + (s.tokens as number), 0));
}

interface CellRow { bucket: string; kind: string; n: number; exact: number; baselineExact: number; similarity: number; baselineSimilarity: number; perplexity: number }

function cellRow(bucket: string, kind: string, scores: readonly BlankScore[]): CellRow {
  return {
    bucket, kind, n: scores.length, exact: mean(scores.map((s) => s.exact)), baselineExact: mean(scores.map((s) => s.baselineExact)),
    similarity: mean(scores.map((s) => s.similarity)), baselineSimilarity: mean(scores.map((s) => s.baselineSimilarity)),
    perplexity: perplexity(scores, 'logProb'),
  };
}

const pct = (x: number): string => (Number.isNaN(x) ? '–' : (100 * x).toFixed(1));

function markdown(rows: readonly CellRow[], ratios: readonly { ratio: number; n: number; bleu: number; baselineBleu: number; similarity: number; baselineSimilarity: number }[]): string {
  const lines = [
    '| bucket | blank | n | exact match % (model / baseline) | edit similarity % (model / baseline) | perplexity of the original span |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.bucket} | ${r.kind} | ${r.n} | ${pct(r.exact)} / ${pct(r.baselineExact)} | ${pct(r.similarity)} / ${pct(r.baselineSimilarity)} | ${r.perplexity.toFixed(1)} |`),
    '',
    '| mask ratio | paragraphs | BLEU-4 (model / baseline) | edit similarity % of the text (model / baseline) |',
    '|---|---|---|---|',
    ...ratios.map((r) => `| ${Math.round(100 * r.ratio)}% | ${r.n} | ${r.bleu.toFixed(1)} / ${r.baselineBleu.toFixed(1)} | ${pct(r.similarity)} / ${pct(r.baselineSimilarity)} |`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const cli = new Command('glm-infill-eval')
    .description('Evaluate a model folder on held-out infilling cases (greedy decoding).')
    .requiredOption('--cases <file>', 'cases.jsonl from python3 -m models.glm.eval_cases')
    .requiredOption('-m, --model <folder>', 'model folder')
    .option('--json <file>', 'also write the results as JSON')
    .option('--limit <n>', 'cases per bucket and kind at most', (v) => Number.parseInt(v, 10), Infinity)
    .option('--threads <n>', 'intra-op threads', (v) => Number.parseInt(v, 10), 1)
    .option('--repetition-penalty <r>', 'greedy decoding with this repetition penalty (1 = none)', Number.parseFloat, 1)
    .parse();
  const opts = cli.opts<{ cases: string; model: string; json?: string; limit: number; threads: number; repetitionPenalty: number }>();
  repetitionPenalty = opts.repetitionPenalty;
  const model = await loadModel(opts.model, { device: 'cpu', threads: opts.threads });
  const started = performance.now();
  const cells = new Map<string, BlankScore[]>();
  const ratioRuns = new Map<number, { filled: string[]; baseline: string[]; original: string[] }>();
  const examples: Example[] = [];
  let skipped = 0;
  for (const c of readCases(opts.cases)) {
    const marked = markedText(c);
    if (marked === null) { skipped++; continue; }
    if (c.ratio !== undefined) {
      const run = ratioRuns.get(c.ratio) ?? { filled: [], baseline: [], original: [] };
      if (run.filled.length >= opts.limit) continue;
      const { filled, baseline } = await fillRatioCase(model, c, marked);
      run.filled.push(filled); run.baseline.push(baseline); run.original.push(c.text);
      ratioRuns.set(c.ratio, run);
      continue;
    }
    const key = `${c.bucket}\u0000${c.kind}`;
    const scores = cells.get(key) ?? [];
    if (scores.length >= opts.limit) continue;
    const { score, example } = await scoreBlankCase(model, c, marked);
    scores.push(score);
    cells.set(key, scores);
    examples.push(example);
  }
  const rows = [...cells].map(([key, scores]) => { const [bucket, kind] = key.split('\u0000') as [string, string]; return cellRow(bucket, kind, scores); });
  const byBucket = new Map<string, BlankScore[]>();
  for (const [key, scores] of cells) byBucket.set(key.split('\u0000')[0] as string, [...(byBucket.get(key.split('\u0000')[0] as string) ?? []), ...scores]);
  rows.push(...[...byBucket].map(([bucket, scores]) => cellRow(bucket, 'all', scores)));
  rows.sort((a, b) => a.bucket.localeCompare(b.bucket) || (a.kind === 'all' ? 1 : b.kind === 'all' ? -1 : a.kind.localeCompare(b.kind)));
  const ratios = [...ratioRuns].sort(([a], [b]) => a - b).map(([ratio, r]) => ({
    ratio, n: r.filled.length, bleu: corpusBleu(r.filled, r.original), baselineBleu: corpusBleu(r.baseline, r.original),
    similarity: mean(r.filled.map((f, i) => editSimilarity(f, r.original[i] as string))),
    baselineSimilarity: mean(r.baseline.map((f, i) => editSimilarity(f, r.original[i] as string))),
  }));
  const seconds = (performance.now() - started) / 1000;
  console.log(markdown(rows, ratios));
  console.log(`\n${rows.filter((r) => r.kind !== 'all').reduce((n, r) => n + r.n, 0)} blank cases, ` +
    `${ratios.reduce((n, r) => n + r.n, 0)} ratio paragraphs, ${skipped} skipped (marker-like text), ${seconds.toFixed(0)} s, model ${model.manifest.name} ` +
    `(${model.manifest.weights}), greedy, repetition penalty ${repetitionPenalty}`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ model: model.manifest.name, weights: model.manifest.weights, repetitionPenalty, cells: rows, ratios, examples, skipped, seconds }, null, 1)}\n`);
  await model.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
