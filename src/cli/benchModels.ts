import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DecodeState } from '../glm/decoder.js';
import { draftsExactly } from '../glm/drafting.js';
import { type Device, type GlmModel, loadModel } from '../glm/index.js';
import { buildPartA } from '../glm/layout.js';
import { median, timeDecode } from './benchDecode.js';

/** One model folder's side of the comparison (medians over the runs). */
export interface ModelSide {
  folder: string;
  weights: string;
  fileMB: number;
  loadMs: number;
  prefillMs: number;
  decodeMsPerToken: number;
  /** CPU time of the process (all its threads) per decoded token: steadier than wall time on a shared machine. */
  decodeCpuMsPerToken: number;
  /** The first model's decode time over this one's: above 1 is faster than the first. */
  decodeSpeedup: number;
  decodeCpuSpeedup: number;
  prefillSpeedup: number;
  draftsExactly: boolean;
}

export interface ModelsBench {
  prefillTokens: number;
  /** The Part A the decode runs after. */
  contextTokens: number;
  decodeTokens: number;
  repeat: number;
  models: ModelSide[];
}

export interface ModelsOptions {
  device: Device;
  threads: number;
  repeat: number;
  decodeTokens: number;
}

const PREFILL = 512;
/** Decode runs after a Part A of this many tokens, as in the main bench (half the usual window). */
const CONTEXT = 256;

/** Part A of `n` tokens ([CLS], filler, [gMASK]); the same ids for every model (they share a tokenizer). */
function partAOf(model: GlmModel, n: number): ReturnType<typeof buildPartA> {
  const filler = model.tokenizer.encode('Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(n));
  return buildPartA([filler.slice(0, n - 2), []], ['document'], model.manifest.specialTokens);
}

type PartA = ReturnType<typeof buildPartA>;

interface Times {
  prefill: number[];
  decode: number[];
  decodeCpu: number[];
}

/** One run: a prefill of `long`; then, after an untimed prefill of `context`, `span` decoded a token at a time. */
async function run(model: GlmModel, long: PartA, context: PartA, span: number[], times: Times): Promise<void> {
  const start = performance.now();
  await DecodeState.prefill(model.engine, long);
  times.prefill.push(performance.now() - start);
  const decode = await timeDecode(model, context, span);
  times.decode.push(decode.wallMs);
  times.decodeCpu.push(decode.cpuMs);
}

/**
 * Model folders of one architecture (the same weights quantized differently, say) measured in one process: a
 * prefill of 512 tokens and a cached greedy-style decode after 256, the models taking turns run by run so that a
 * machine whose load changes skews all alike; ratios against the first folder.
 */
export async function compareModels(folders: readonly string[], opts: ModelsOptions): Promise<ModelsBench> {
  const models: GlmModel[] = [];
  const loadMs: number[] = [];
  try {
    for (const folder of folders) {
      const start = performance.now();
      models.push(await loadModel(folder, { device: opts.device, threads: opts.threads }));
      loadMs.push(performance.now() - start);
    }
    const first = models[0] as GlmModel;
    const s = first.manifest.architecture.maxSequenceLength;
    const long = partAOf(first, Math.min(PREFILL, s));
    const contextTokens = Math.min(CONTEXT, s - opts.decodeTokens - 1);
    const context = partAOf(first, contextTokens);
    const x = first.tokenizer.encode(' x')[0] as number;
    const span = [first.manifest.specialTokens.sop, ...Array<number>(opts.decodeTokens - 1).fill(x)];
    const times: Times[] = models.map(() => ({ prefill: [], decode: [], decodeCpu: [] }));
    for (let r = 0; r < opts.repeat; r++) {
      for (const [i, model] of models.entries()) await run(model, long, context, span, times[i] as Times);
    }
    const base = times[0] as Times;
    const sides = models.map((model, i): ModelSide => {
      const t = times[i] as Times;
      return {
        folder: folders[i] as string,
        weights: model.manifest.weights,
        fileMB: statSync(join(folders[i] as string, model.manifest.model)).size / 1e6,
        loadMs: loadMs[i] as number,
        prefillMs: median(t.prefill),
        decodeMsPerToken: median(t.decode),
        decodeCpuMsPerToken: median(t.decodeCpu),
        decodeSpeedup: median(base.decode) / median(t.decode),
        decodeCpuSpeedup: median(base.decodeCpu) / median(t.decodeCpu),
        prefillSpeedup: median(base.prefill) / median(t.prefill),
        draftsExactly: draftsExactly(model.engine.graphNodes),
      };
    });
    return {
      prefillTokens: long.ids.length,
      contextTokens,
      decodeTokens: span.length,
      repeat: opts.repeat,
      models: sides,
    };
  } finally {
    for (const model of models) await model.dispose();
  }
}

export function modelsReport(b: ModelsBench): string {
  const rows = b.models.map(
    (m) =>
      `${m.folder} (${m.weights}, ${m.fileMB.toFixed(1)} MB): load ${m.loadMs.toFixed(0)} ms, ` +
      `prefill ${b.prefillTokens} ${m.prefillMs.toFixed(1)} ms (${m.prefillSpeedup.toFixed(2)}x), ` +
      `decode ${m.decodeMsPerToken.toFixed(2)} ms/token (${m.decodeSpeedup.toFixed(2)}x), ` +
      `CPU ${m.decodeCpuMsPerToken.toFixed(2)} ms/token (${m.decodeCpuSpeedup.toFixed(2)}x), ` +
      `drafting ${m.draftsExactly ? 'on' : 'off'}`,
  );
  return (
    `models compared, taking turns, median of ${b.repeat} runs; decode: ${b.decodeTokens} tokens after ` +
    `${b.contextTokens}; (n x) = the first model's time over this one's:\n` +
    `${rows.join('\n')}\n${JSON.stringify(b)}\n`
  );
}
