import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DecodeState } from '../glm/decoder.js';
import { DEVICES, type Device, type GlmModel, defaultThreads, infill, loadModel, parseMarkers } from '../glm/index.js';
import { buildPartA } from '../glm/layout.js';
import { uncachedNextLogits } from '../glm/reference.js';
import { type CacheBench, cacheTimes } from './benchCache.js';
import { defaultModelFolder } from '../fill/modelFolder.js';
import { draftingReport } from './benchDrafting.js';
import { arenaReport } from './benchArena.js';
import { type MemoryBound, boundRow, decodeBound } from './benchBound.js';
import { timeDecode } from './benchDecode.js';
import { compareModels, modelsReport } from './benchModels.js';
import { inlineCandidatesReport } from './benchInlineCandidates.js';
import { packageRoot } from './defaults.js';

interface BenchOptions {
  model: string;
  device: Device;
  threads: number;
  repeat: number;
  decodeTokens: number;
  drafting: boolean;
  memoryArena: boolean;
  versus?: string[];
  inlineCandidates: boolean;
}

const PREFILL_SIZES = [128, 256, 512];
// Four blanks in a document of about 300 tokens, the size of a real editor window: one fill encodes it once,
// four single-blank fills encode it four times.
const CONTEXT =
  'The session keeps the model in memory between requests, so the second request is fast. ' +
  'A request names the blanks of a document; the document is encoded once, and each blank is filled in turn. ';
const FOUR_BLANKS =
  CONTEXT.repeat(6) +
  'The library [MASK] files from disk. Every request [MASK] a token first. ' +
  'Errors are [MASK] to the caller, and the cache is [MASK] when the session closes. ' +
  CONTEXT.repeat(2);

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer.');
  return n;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function medianMs(repeat: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) times.push((await timed(work)).ms);
  return median(times);
}

/** A Part A of exactly n tokens: [CLS], text, one [gMASK] at the end. */
function partAOf(model: GlmModel, n: number): ReturnType<typeof buildPartA> {
  const filler = model.tokenizer.encode(
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(n / 4)),
  );
  return buildPartA([filler.slice(0, n - 2), []], ['document'], model.manifest.specialTokens);
}

async function prefillTimes(model: GlmModel, repeat: number): Promise<Record<string, number | string>> {
  const s = model.manifest.architecture.maxSequenceLength;
  const out: Record<string, number | string> = {};
  for (const n of PREFILL_SIZES) {
    if (n > s) {
      out[n] = `skipped: over the model's maxSequenceLength ${s}`;
      continue;
    }
    const partA = partAOf(model, n);
    out[n] = await medianMs(repeat, () => DecodeState.prefill(model.engine, partA));
  }
  return out;
}

/** Greedy decode of `count` tokens after a Part A, with the cache, and recomputing the whole sequence each step. */
async function decodeTimes(
  model: GlmModel,
  count: number,
): Promise<{ cachedMsPerToken: number; recomputeMsPerToken: number; tokens: number }> {
  const s = model.manifest.architecture.maxSequenceLength;
  const tokens = Math.min(count, Math.floor(s / 2) - 1);
  const partA = partAOf(model, Math.floor(s / 2));
  const special = model.manifest.specialTokens;
  const filler = model.tokenizer.encode(' and so on').concat(Array(tokens).fill(model.tokenizer.encode(' x')[0]));
  const span = [special.sop, ...filler.slice(0, tokens - 1)];
  const cached = await timed(async () => {
    let state = await DecodeState.prefill(model.engine, partA);
    for (const [j, id] of span.entries()) state = (await state.push(0, j, id).run(model.engine)).state;
  });
  const prefillMs = await medianMs(3, () => DecodeState.prefill(model.engine, partA));
  const recompute = await timed(async () => {
    for (let j = 1; j <= span.length; j++) await uncachedNextLogits(model.engine, partA, [span.slice(0, j)]);
  });
  return {
    cachedMsPerToken: (cached.ms - prefillMs) / span.length,
    recomputeMsPerToken: recompute.ms / span.length,
    tokens: span.length,
  };
}

/** One request with four blanks against four requests with one blank each (the others removed). */
async function multiBlankTimes(model: GlmModel, repeat: number): Promise<{ oneFillMs: number; fourFillsMs: number }> {
  const options = { minTokens: 8, maxTokens: 8 };
  const singles = [0, 1, 2, 3].map((k) => {
    let i = 0;
    return FOUR_BLANKS.replace(/ \[MASK\]/g, (m) => (i++ === k ? m : ''));
  });
  const oneFillMs = await medianMs(repeat, () => infill(model, parseMarkers(FOUR_BLANKS), options));
  const fourFillsMs = await medianMs(repeat, async () => {
    for (const text of singles) await infill(model, parseMarkers(text), options);
  });
  return { oneFillMs, fourFillsMs };
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

const fmt = (ms: number | string): string => (typeof ms === 'number' ? `${ms.toFixed(2)} ms` : ms);

interface Measured {
  model: string;
  device: GlmModel['device'];
  threads: number;
  maxSequenceLength: number;
  sessionCreationMs: number;
  firstRunMs: number;
  prefillMs: Record<string, number | string>;
  decode: {
    cachedMsPerToken: number;
    recomputeMsPerToken: number;
    tokens: number;
    tokensPerSecond: number;
    cachedSpeedup: number;
  };
  multiBlank: { oneFillMs: number; fourFillsMs: number; speedup: number };
  contextCache: CacheBench & { stepRatio: number };
  rssMiB: number;
  memoryBound: MemoryBound | string;
}

async function measure(opts: BenchOptions, device: Device): Promise<Measured> {
  const load = await timed(() => loadModel(opts.model, { device, threads: opts.threads, warmUp: false }));
  const model = load.value;
  try {
    const firstRunMs = (await timed(() => DecodeState.prefill(model.engine, partAOf(model, 16)))).ms;
    const prefill = await prefillTimes(model, opts.repeat);
    const decode = await decodeTimes(model, opts.decodeTokens);
    const multi = await multiBlankTimes(model, opts.repeat);
    const cache = cacheTimes(model, __filename);
    const s = model.manifest.architecture.maxSequenceLength;
    const bound = await decodeBound(model, partAOf(model, Math.floor(s / 2)), decode.tokens, opts.repeat);
    return {
      model: model.manifest.name,
      device: model.device,
      threads: opts.threads,
      maxSequenceLength: model.manifest.architecture.maxSequenceLength,
      sessionCreationMs: load.ms,
      firstRunMs,
      prefillMs: prefill,
      decode: {
        ...decode,
        tokensPerSecond: 1000 / decode.cachedMsPerToken,
        cachedSpeedup: decode.recomputeMsPerToken / decode.cachedMsPerToken,
      },
      multiBlank: { ...multi, speedup: multi.fourFillsMs / multi.oneFillMs },
      contextCache: { ...cache, stepRatio: (decode.cachedMsPerToken + cache.stepMs) / decode.cachedMsPerToken },
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      memoryBound: bound,
    };
  } finally {
    await model.dispose();
  }
}

function report(result: Measured): string {
  const { decode, multiBlank: multi, contextCache: cache } = result;
  return table([
    ['model', `${result.model} (S = ${result.maxSequenceLength}, ${result.device.used}, ${result.threads} thread(s))`],
    ['session creation', fmt(result.sessionCreationMs)],
    ['first run (16 tokens, cold)', fmt(result.firstRunMs)],
    ...PREFILL_SIZES.map((n): [string, string] => [
      `prefill ${n} Part A tokens`,
      fmt(result.prefillMs[n] as number | string),
    ]),
    [
      `decode, cached (${decode.tokens} tokens)`,
      `${decode.cachedMsPerToken.toFixed(3)} ms/token, ${decode.tokensPerSecond.toFixed(0)} tokens/s`,
    ],
    ['decode, recomputing every step', `${decode.recomputeMsPerToken.toFixed(3)} ms/token`],
    ['cache speed-up', `${decode.cachedSpeedup.toFixed(2)}x`],
    ['1 fill of 4 blanks', fmt(multi.oneFillMs)],
    ['4 fills of 1 blank', fmt(multi.fourFillsMs)],
    ['multi-blank speed-up', `${multi.speedup.toFixed(2)}x`],
    [
      `context cache: build (${(cache.chars / 1000).toFixed(0)} K chars)`,
      `${fmt(cache.buildMs)}, ${fmt(cache.rebuildMs)} again, ${fmt(cache.editedMs)} after typing a character (tokens memoised), ${cache.heapMiB.toFixed(1)} MiB heap`,
    ],
    [
      'context cache: per decode step',
      `${cache.stepMs.toFixed(3)} ms, a step with it / without: ${cache.stepRatio.toFixed(3)}x`,
    ],
    ['RSS', `${result.rssMiB.toFixed(0)} MiB`],
    [
      'decode vs memory bound',
      typeof result.memoryBound === 'string' ? result.memoryBound : boundRow(result.memoryBound),
    ],
  ]);
}

interface Comparison {
  threads: number;
  prefillMs: Record<string, { wasm: number; native: number; ratio: number }>;
  decodeMsPerToken: { wasm: number; native: number; ratio: number; tokens: number };
}

/**
 * The same measurements on both runtimes, alternating run by run (wasm, native, wasm, …) so that a machine whose
 * load changes during the bench skews both sides alike; medians of `repeat` runs each.
 */
async function compare(wasm: GlmModel, native: GlmModel, opts: BenchOptions): Promise<Comparison> {
  const alternate = async (
    work: (model: GlmModel) => Promise<number>,
  ): Promise<{ wasm: number; native: number; ratio: number }> => {
    const times: { wasm: number[]; native: number[] } = { wasm: [], native: [] };
    for (let i = 0; i < opts.repeat; i++) {
      times.wasm.push(await work(wasm));
      times.native.push(await work(native));
    }
    const w = median(times.wasm);
    const n = median(times.native);
    return { wasm: w, native: n, ratio: w / n };
  };
  const s = native.manifest.architecture.maxSequenceLength;
  const prefillMs: Comparison['prefillMs'] = {};
  for (const n of PREFILL_SIZES.filter((size) => size <= s)) {
    prefillMs[n] = await alternate(
      async (model) => (await timed(() => DecodeState.prefill(model.engine, partAOf(model, n)))).ms,
    );
  }
  const tokens = Math.min(opts.decodeTokens, Math.floor(s / 2) - 1);
  const partA = partAOf(native, Math.floor(s / 2));
  const special = native.manifest.specialTokens;
  const span = [special.sop, ...Array<number>(tokens - 1).fill(native.tokenizer.encode(' x')[0] as number)];
  const decode = await alternate(async (model) => (await timeDecode(model, partA, span)).wallMs);
  return { threads: opts.threads, prefillMs, decodeMsPerToken: { ...decode, tokens } };
}

// This bench's own bundle stands in for code (benchCache.ts does the same); the project's decoding notes for prose.
const DRAFTING_SOURCES = { code: __filename, prose: join(__dirname, '..', 'docs', 'decoding.md') };

async function withModel<T>(opts: BenchOptions, work: (model: GlmModel) => Promise<T>): Promise<T> {
  const model = await loadModel(opts.model, { device: opts.device, threads: opts.threads });
  try {
    return await work(model);
  } finally {
    await model.dispose();
  }
}

function parseOptions(): BenchOptions & { compare: boolean } {
  return new Command('glm-infill-bench')
    .description(
      'Measure session creation, prefill, decode, the K/V cache and multi-blank filling. ' +
        'With --device wasm it then measures prefill and decode on WebAssembly and on the native CPU runtime, ' +
        'alternating, and prints the wasm/native ratios.',
    )
    .option('-m, --model <folder>', 'model folder', defaultModelFolder(packageRoot()))
    .addOption(new Option('-d, --device <device>').choices(DEVICES).default('cpu'))
    .option('--threads <n>', 'intra-op threads', positive, defaultThreads())
    .option('--repeat <n>', 'runs per measurement (median)', positive, 5)
    .option('--decode-tokens <n>', 'tokens for the decode measurements', positive, 48)
    .option('--no-compare', 'with --device wasm: skip the comparison with the native CPU runtime')
    .option(
      '--drafting',
      'only this: greedy fills of a code and a prose text with lookup drafting off and on, alternating (ms/token)',
      false,
    )
    .option(
      '--versus <folders...>',
      'only this: prefill 512 and cached decode of -m and these model folders (same architecture), taking turns; ' +
        'ratios against -m',
    )
    .option(
      '--memory-arena',
      "only this: greedy fills on two sessions, onnxruntime's CPU memory arena on and off, alternating (ms/fill)",
      false,
    )
    .option(
      '--inline-candidates',
      'only this: inline requests with 1, 3 and 5 ghost-text candidates at prose cursors, alternating (p50/p95 ms)',
      false,
    )
    .parse()
    .opts<BenchOptions & { compare: boolean }>();
}

/** The report of a mode that measures only one thing, or undefined for the whole bench. */
async function singleModeReport(opts: BenchOptions): Promise<string | undefined> {
  if (opts.versus !== undefined) return modelsReport(await compareModels([opts.model, ...opts.versus], opts));
  if (opts.inlineCandidates)
    return withModel(opts, (model) => inlineCandidatesReport(model, DRAFTING_SOURCES.prose, opts.repeat));
  if (opts.drafting) return withModel(opts, (model) => draftingReport(model, DRAFTING_SOURCES, opts.repeat));
  if (opts.memoryArena)
    return arenaReport(opts.model, opts, [DRAFTING_SOURCES.code, DRAFTING_SOURCES.prose], opts.repeat);
  return undefined;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const single = await singleModeReport(opts);
  if (single !== undefined) {
    process.stdout.write(single);
    return;
  }
  const result = await measure(opts, opts.device);
  if (opts.device !== 'wasm' || !opts.compare) {
    process.stdout.write(`${report(result)}\n${JSON.stringify(result)}\n`);
    return;
  }
  const wasm = await loadModel(opts.model, { device: 'wasm', threads: opts.threads });
  const native = await loadModel(opts.model, { device: 'cpu', threads: opts.threads });
  try {
    const c = await compare(wasm, native, opts);
    const row = (m: { wasm: number; native: number; ratio: number }, unit: string): string =>
      `${m.wasm.toFixed(2)} ${unit} / ${m.native.toFixed(2)} ${unit} = ${m.ratio.toFixed(2)}x`;
    process.stdout.write(
      `${report(result)}\n\nwasm / native ${native.device.used}, ${opts.threads} thread(s), alternating, ` +
        `median of ${opts.repeat} (higher is slower):\n${table([
          ...Object.entries(c.prefillMs).map(([n, m]): [string, string] => [`prefill ${n}`, row(m, 'ms')]),
          [`decode (${c.decodeMsPerToken.tokens} tokens)`, row(c.decodeMsPerToken, 'ms/token')],
        ])}\n${JSON.stringify({ wasm: result, comparison: c })}\n`,
    );
  } finally {
    await wasm.dispose();
    await native.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`glm-infill-bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
