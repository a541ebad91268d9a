import { execFileSync } from 'node:child_process';
import type { GlmModel } from '../glm/index.js';
import type { PartA } from '../glm/layout.js';
import type { Architecture } from '../glm/manifest.js';
import { median, timeDecode } from './benchDecode.js';

/** Bytes of one stored weight by glm.json's `weights` (models/glm/quantize.py's schemes). */
const CODE_BYTES: Readonly<Record<string, number>> = { fp32: 4, int8: 1, nbits8: 1, nbits4: 0.5 };
// quantize.py's default MatMulNBits block: one fp32 scale per block of this many inputs.
const NBITS_BLOCK = 128;
const FLOAT_BYTES = 4;

export interface TokenBytes {
  /** Weights one decode step reads: every layer's matrices, the whole tied embedding (the logits), biases, norms. */
  weights: number;
  /** The fp32 K/V cache one step reads at `cacheLength`: layers × 2 × T × hidden × 4 B. */
  kvCache: number;
  total: number;
}

/** Bytes read by one cached decode step, from the shapes alone; undefined for a weights label it does not know. */
export function bytesPerToken(arch: Architecture, weights: string, cacheLength: number): TokenBytes | undefined {
  const code = CODE_BYTES[weights];
  if (code === undefined) return undefined;
  const h = arch.hiddenSize;
  const matrices = arch.numLayers * 12 * h * h + arch.vocabSize * h; // QKV 3h², dense h², MLP 8h²; logits V·h
  const columns = arch.numLayers * 9 * h + arch.vocabSize; // output features: 3h + h + 4h + h per layer, V
  const scales = weights === 'int8' ? columns : weights.startsWith('nbits') ? Math.ceil(matrices / NBITS_BLOCK) : 0;
  const vectors = arch.numLayers * 13 * h + 2 * h; // biases (9h) and two LayerNorms (4h) a layer, the final norm
  const weightBytes = matrices * code + (scales + vectors) * FLOAT_BYTES;
  const kvCache = arch.numLayers * 2 * cacheLength * h * FLOAT_BYTES;
  return { weights: weightBytes, kvCache, total: weightBytes + kvCache };
}

/** Bytes read per second: of wall time, and of the copying process's CPU time (steadier when cores are shared). */
export interface Bandwidth {
  wall: number;
  cpu: number;
}

export interface DecodeSpeed {
  /** Medians over the runs, per decoded token: wall time, and the process's CPU time (all its threads). */
  wallMsPerToken: number;
  cpuMsPerToken: number;
  runs: number;
}

export interface MemoryBound {
  bytesPerToken: TokenBytes;
  cacheLength: number;
  /** The mean of `readings`, taken right before and right after the decode runs (the machine's load changes). */
  bandwidth: Bandwidth;
  readings: Bandwidth[];
  /** bytes / bandwidth: the fastest a step could be if it only had to read its bytes once. */
  boundMsPerToken: { wall: number; cpu: number };
  measured: DecodeSpeed;
  /** bound / measured, wall time: 1 is decode at the memory bound, 0.2 is five times slower than it. */
  ratio: number;
  /** The same in CPU time on both sides. */
  cpuRatio: number;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export function memoryBound(
  bytes: TokenBytes,
  cacheLength: number,
  readings: Bandwidth[],
  measured: DecodeSpeed,
): MemoryBound {
  const bandwidth = { wall: mean(readings.map((r) => r.wall)), cpu: mean(readings.map((r) => r.cpu)) };
  const boundMsPerToken = { wall: (bytes.total / bandwidth.wall) * 1000, cpu: (bytes.total / bandwidth.cpu) * 1000 };
  return {
    bytesPerToken: bytes,
    cacheLength,
    bandwidth,
    readings,
    boundMsPerToken,
    measured,
    ratio: boundMsPerToken.wall / measured.wallMsPerToken,
    cpuRatio: boundMsPerToken.cpu / measured.cpuMsPerToken,
  };
}

// The copy runs in a node process of its own, so that its two buffers never count in the bench's RSS.
const COPY_SCRIPT = `
const [bytes, repeat] = process.argv.slice(1).map(Number);
const source = Buffer.alloc(bytes, 1); // filled: every page mapped before the first timed copy
const target = Buffer.alloc(bytes);
source.copy(target);
const cpuMs = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const wall = [], cpu = [];
for (let i = 0; i < repeat; i++) {
  const [w, c] = [performance.now(), cpuMs()];
  source.copy(target);
  wall.push(performance.now() - w);
  cpu.push(cpuMs() - c);
}
const median = (v) => v.sort((a, b) => a - b)[Math.floor(repeat / 2)];
process.stdout.write(JSON.stringify([median(wall), median(cpu)]));
`;

/**
 * This machine's read bandwidth now: a `Buffer.copy` of `bytes` (256 MiB, far above any cache), median of `repeat`,
 * counted as bytes read per second (the copy also writes as many: the figure is a floor of a pure read's speed).
 */
export function readBandwidth(bytes = 256 * 2 ** 20, repeat = 5): Bandwidth {
  const args = ['-e', COPY_SCRIPT, String(bytes), String(repeat)];
  const [wallMs = 0, cpuMs = 0] = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as number[];
  if (!(wallMs > 0 && cpuMs > 0)) {
    throw new Error(`the bandwidth measurement timed no copy (wall ${wallMs} ms, CPU ${cpuMs} ms)`);
  }
  return { wall: bytes / (wallMs / 1000), cpu: bytes / (cpuMs / 1000) };
}

/** The bench's row: cached decode against the memory bound of this model on this machine. */
export function boundRow(b: MemoryBound): string {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  const gbs = (n: number): string => (n / 1e9).toFixed(1);
  const ms = (n: number): string => n.toFixed(3);
  const { weights, kvCache, total } = b.bytesPerToken;
  const { bandwidth, boundMsPerToken: bound, measured } = b;
  return (
    `${mb(total)}/token (weights ${mb(weights)} + K/V ${mb(kvCache)} at T = ${b.cacheLength}) / ` +
    `${gbs(bandwidth.wall)} GB/s read (CPU time ${gbs(bandwidth.cpu)}; before, after: ` +
    `${b.readings.map((r) => gbs(r.wall)).join(', ')}) = ${ms(bound.wall)} ms/token (CPU ${ms(bound.cpu)}); ` +
    `decode ${ms(measured.wallMsPerToken)} ms/token (CPU ${ms(measured.cpuMsPerToken)}, median of ${measured.runs}): ` +
    `bound / measured = ${b.ratio.toFixed(2)} (CPU ${b.cpuRatio.toFixed(2)})`
  );
}

/** Cached greedy-style decode of `tokens` tokens after `partA` (sop, then one token repeated), `runs` times. */
export async function decodeSpeed(model: GlmModel, partA: PartA, tokens: number, runs: number): Promise<DecodeSpeed> {
  const x = model.tokenizer.encode(' x')[0] as number;
  const span = [model.manifest.specialTokens.sop, ...Array<number>(tokens - 1).fill(x)];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const times = await timeDecode(model, partA, span);
    wall.push(times.wallMs);
    cpu.push(times.cpuMs);
  }
  return { wallMsPerToken: median(wall), cpuMsPerToken: median(cpu), runs };
}

/**
 * Cached decode against its memory bound: `runs` decodes of `tokens` after `partA` (step j reads the K/V of
 * |partA| + j + 1 positions: their mean is the length), between two bandwidth readings; or why there is no bound.
 */
export async function decodeBound(
  model: GlmModel,
  partA: PartA,
  tokens: number,
  runs: number,
): Promise<MemoryBound | string> {
  const cacheLength = partA.ids.length + (tokens + 1) / 2;
  const bytes = bytesPerToken(model.manifest.architecture, model.manifest.weights, cacheLength);
  if (bytes === undefined) return `skipped: weights ${JSON.stringify(model.manifest.weights)} of unknown size`;
  const readings = [readBandwidth()];
  const speed = await decodeSpeed(model, partA, tokens, runs);
  readings.push(readBandwidth());
  return memoryBound(bytes, cacheLength, readings, speed);
}
