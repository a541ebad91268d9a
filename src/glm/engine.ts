import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { type Device, type DeviceReport, autoCandidates } from './device.js';
import { GlmError, errorText } from './errors.js';
import { type GraphNode, readGraphNodes } from './graphNodes.js';
import { type CacheLayout, KvCache, cacheLayoutOf } from './kvcache.js';
import { type Architecture, type GraphValue, type Manifest, checkGraph } from './manifest.js';
import { type Ort, RuntimeUnavailable, loadRuntime } from './runtime.js';

export interface EngineOptions {
  device?: Device;
  /** Intra-op threads, 0–MAX_THREADS; 0 = automatic. Under contention one thread beats two (toolchain.md), so automatic stays small. */
  threads?: number;
  /**
   * onnxruntime's CPU memory arena (default on). On, it keeps every chunk it grew to for the session's life, so RSS
   * follows the largest text seen; off, every tensor is a fresh malloc (a step outputs the whole K/V cache), which measured
   * 1.45x slower per fill (`node dist/bench.js --memory-arena`).
   */
  memoryArena?: boolean;
}

/** One forward pass: T new tokens after the cache, and which of them need logits. */
export interface ForwardInput {
  ids: readonly number[];
  positions: readonly [readonly number[], readonly number[]];
  /** Flat `[T, P + T]` mask, 1 = may attend. */
  mask: Float32Array;
  logitPositions: readonly number[];
}

export interface ForwardOutput {
  /** One row of `vocabSize` logits per requested position (views into the output buffer). */
  logits: Float32Array[];
  cache: KvCache;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
}

/**
 * Beyond this onnxruntime spends its time creating threads (1,000 took 44 s for a 1 s fill; 9,999 aborted); no
 * machine this runs on profits from more.
 */
export const MAX_THREADS = 64;

/** The thread count for a session: 0 (or none given) means `defaultThreads()`, in the CLI and the extension alike. */
export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined || threads === 0) return defaultThreads();
  if (!Number.isInteger(threads) || threads < 0 || threads > MAX_THREADS) {
    throw new GlmError(
      'input',
      `Threads must be an integer from 0 to ${MAX_THREADS} (0 = automatic: half the cores, at most 4), not ${threads}.`,
    );
  }
  return threads;
}

/**
 * An onnxruntime session over a GLM graph (contract "ONNX graph"): one graph for prefill and decode. The session
 * comes from onnxruntime-node, or from onnxruntime-web's WebAssembly build when asked (`wasm`) or when the native
 * binding cannot load; both are loaded here, on the first model, never when the extension or the CLI starts.
 */
export class GlmEngine {
  private disposed = false;

  private constructor(
    private readonly session: InferenceSession,
    private readonly ort: Ort,
    readonly arch: Architecture,
    readonly device: DeviceReport,
    /** The graph's operators, read from the file at load (graphNodes.ts); undefined where they could not be read. */
    readonly graphNodes: readonly GraphNode[] | undefined,
    /** How the graph passes keys and values (kvcache.ts): fused exports append, older ones concatenate. */
    readonly cacheLayout: CacheLayout,
  ) {}

  /**
   * Opens `file`, falling back to the CPU when the requested accelerator cannot start and to WebAssembly when the
   * native runtime cannot load, and checks the graph.
   */
  static async create(file: string, manifest: Manifest, options: EngineOptions = {}): Promise<GlmEngine> {
    const requested = options.device ?? 'auto';
    const threads = resolveThreads(options.threads);
    const settings = { threads, memoryArena: options.memoryArena ?? true };
    const { session, device, ort } = await openSession(file, requested, settings, manifest.externalData);
    // onnxruntime took the file, so a graph this reader cannot follow only turns off what depends on its operators.
    const nodes = await readGraphNodes(file).catch(() => undefined);
    try {
      checkGraph(manifest, graphValues(session, 'input'), graphValues(session, 'output'), file, nodes);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new GlmEngine(session, ort, manifest.architecture, device, nodes, cacheLayoutOf(session.inputNames));
  }

  /** The zero-length cache of a prefill, in this runtime's tensors. */
  emptyCache(): KvCache {
    return KvCache.empty(this.cacheLayout, this.arch, this.ort.Tensor);
  }

  /** `quiet`: a run expected to fail (a probe) must not print onnxruntime's own error line on stderr. */
  async forward(input: ForwardInput, cache: KvCache, options: { quiet?: boolean } = {}): Promise<ForwardOutput> {
    if (this.disposed) throw new GlmError('runtime', 'The model was disposed; load it again.');
    const t = input.ids.length;
    const { Tensor } = this.ort;
    const feeds: Record<string, Tensor> = {
      ...cache.feeds(),
      input_ids: int64Tensor(Tensor, input.ids, [1, t]),
      position_ids: int64Tensor(Tensor, [...input.positions[0], ...input.positions[1]], [1, 2, t]),
      attention_mask: new Tensor('float32', input.mask, [1, 1, t, cache.length + t]),
      logit_positions: int64Tensor(Tensor, input.logitPositions, [1, input.logitPositions.length]),
    };
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.session.run(feeds, options.quiet ? { logSeverityLevel: 4 } : {});
    } catch (error) {
      throw new GlmError('runtime', `onnxruntime failed on a ${t}-token step: ${errorText(error)}`, { cause: error });
    }
    const logits = outputs.logits as Tensor;
    // The export leaves the vocabulary axis symbolic, so this is the first place a wrong vocabSize shows.
    if (logits.dims[2] !== this.arch.vocabSize) {
      throw new GlmError(
        'model-invalid',
        `The model returns ${logits.dims[2]} logits per token but glm.json says ` +
          `vocabSize = ${this.arch.vocabSize}.`,
      );
    }
    return {
      logits: logitRows(logits, input.logitPositions.length, this.arch.vocabSize),
      cache: cache.extend(outputs as Record<string, Tensor>, t),
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}

/**
 * onnxruntime's environment start-up (the first session) gathers POSIX telemetry by matching regexes against the
 * process command line with GCC's backtracking std::regex, one stack frame chain per character: from ~29 KB of argv
 * (a text given as a CLI argument) the main thread's stack overflows and the process dies with SIGSEGV. Turning that
 * telemetry off skips those regexes (600 KB of argv then load fine); nothing in this project reads it. A value the
 * user set is kept.
 */
function skipCommandLineTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}

interface OpenedSession {
  session: InferenceSession;
  device: DeviceReport;
  ort: Ort;
}

/** What every session of this engine is created with. */
interface SessionSettings {
  threads: number;
  memoryArena: boolean;
}

async function openSession(
  file: string,
  requested: Device,
  settings: SessionSettings,
  externalData: string | null,
): Promise<OpenedSession> {
  skipCommandLineTelemetry();
  if (requested === 'wasm') return openWasm(file, settings, externalData, { requested });
  let ort: Ort;
  try {
    ort = await loadRuntime('native');
  } catch (error) {
    if (!(error instanceof RuntimeUnavailable)) throw error;
    return openWasm(file, settings, externalData, { requested, runtimeFailure: error.message });
  }
  // onnxruntime prints a failed provider load to stderr itself; the reason is reported through DeviceReport instead.
  ort.env.logLevel = 'fatal';
  const reasons: string[] = [];
  const accelerators = requested === 'auto' ? autoCandidates() : requested === 'cpu' ? [] : [requested];
  for (const device of accelerators) {
    try {
      const session = await ort.InferenceSession.create(file, sessionOptions([device], settings));
      return { session, ort, device: { requested, used: device } };
    } catch (error) {
      reasons.push(`${device} could not start: ${errorText(error).split('\n')[0]}`);
    }
  }
  if (requested === 'auto' && accelerators.length === 0)
    reasons.push('no accelerator available to onnxruntime-node on this machine');
  try {
    const session = await ort.InferenceSession.create(file, sessionOptions(['cpu'], settings));
    const fallbackReason = requested === 'cpu' ? undefined : reasons.join('; ');
    return { session, ort, device: { requested, used: 'cpu', ...(fallbackReason ? { fallbackReason } : {}) } };
  } catch (error) {
    throw unloadable(file, error);
  }
}

/**
 * onnxruntime-web's WebAssembly build (CPU only, the same graph, int8 contrib ops included). It is handed bytes, not
 * paths, so a model's external weights file is read here too, under the name the graph refers to. `runtimeFailure`
 * says why the native runtime is not used when the user did not ask for WebAssembly.
 */
async function openWasm(
  file: string,
  settings: SessionSettings,
  externalData: string | null,
  why: { requested: Device; runtimeFailure?: string },
): Promise<OpenedSession> {
  let ort: Ort;
  try {
    ort = await loadRuntime('wasm');
  } catch (error) {
    const native = why.runtimeFailure ? `${why.runtimeFailure}; ` : '';
    throw new GlmError('runtime-missing', `No onnxruntime could start: ${native}${errorText(error)}`, { cause: error });
  }
  ort.env.logLevel = 'fatal';
  // Read once per process, when the WebAssembly module starts (the first session); later values are ignored.
  ort.env.wasm.numThreads = settings.threads;
  const bytes = await readFile(file);
  const external =
    externalData === null ? [] : [{ path: externalData, data: await readFile(join(dirname(file), externalData)) }];
  try {
    const session = await ort.InferenceSession.create(bytes, {
      ...sessionOptions(['wasm'], settings),
      intraOpNumThreads: undefined,
      externalData: external,
    });
    const { requested, runtimeFailure } = why;
    const fallbackReason = runtimeFailure ?? (requested === 'wasm' ? undefined : 'the native runtime is not available');
    return {
      session,
      ort,
      device: {
        requested,
        used: 'wasm',
        ...(fallbackReason ? { fallbackReason } : {}),
        ...(runtimeFailure ? { runtimeFailure } : {}),
      },
    };
  } catch (error) {
    throw unloadable(file, error);
  }
}

function unloadable(file: string, error: unknown): GlmError {
  return new GlmError(
    'model-invalid',
    `${file} could not be loaded by onnxruntime (corrupt or not an ONNX model?): ` + `${errorText(error)}`,
    { cause: error },
  );
}

function sessionOptions(providers: string[], settings: SessionSettings): InferenceSession.SessionOptions {
  return {
    executionProviders: providers,
    intraOpNumThreads: settings.threads,
    enableCpuMemArena: settings.memoryArena,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
}

function graphValues(session: InferenceSession, role: 'input' | 'output'): GraphValue[] {
  const names = role === 'input' ? session.inputNames : session.outputNames;
  const metadata = role === 'input' ? session.inputMetadata : session.outputMetadata;
  return names.map((name, i) => {
    const meta = metadata[i];
    return meta && meta.isTensor ? { name, type: meta.type, shape: meta.shape } : { name };
  });
}

function int64Tensor(Tensor: Ort['Tensor'], values: readonly number[], dims: number[]): Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i] as number);
  return new Tensor('int64', data, dims);
}

function logitRows(tensor: Tensor, count: number, vocab: number): Float32Array[] {
  const data = tensor.data as Float32Array;
  const rows: Float32Array[] = [];
  for (let k = 0; k < count; k++) rows.push(data.subarray(k * vocab, (k + 1) * vocab));
  return rows;
}
