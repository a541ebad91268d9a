import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DeviceReport } from './device.js';
import { type EngineOptions, GlmEngine } from './engine.js';
import { GlmError } from './errors.js';
import { type Manifest, loadManifest } from './manifest.js';
import { MAX_BYTES, modelFile } from './modelFiles.js';
import { GlmTokenizer } from './tokenizer.js';
import { DecodeState } from './decoder.js';

/** A loaded model folder: manifest, tokenizer and onnxruntime session, checked against each other. */
export interface GlmModel {
  folder: string;
  manifest: Manifest;
  tokenizer: GlmTokenizer;
  engine: GlmEngine;
  device: DeviceReport;
  /** Milliseconds from the first file read to a usable session (including warm-up when asked). */
  loadMs: number;
  dispose(): Promise<void>;
}

export interface LoadOptions extends EngineOptions {
  /** Run a decode step at load too (default): the first run after creation costs 2–3x a normal one. */
  warmUp?: boolean;
}

export async function loadModel(folder: string, options: LoadOptions = {}): Promise<GlmModel> {
  const start = performance.now();
  const root = resolve(folder);
  await requireFolder(root);
  const manifest = await loadManifest(root);
  const tokenizer = await GlmTokenizer.load(join(root, manifest.tokenizer), manifest.specialTokens);
  checkTokenizerSize(tokenizer, manifest, join(root, manifest.tokenizer));
  // onnxruntime gets the path in the folder, not the link's target: external data is found next to it.
  const modelFile = join(root, manifest.model);
  await requireModelFile(root, manifest.model);
  const engine = await GlmEngine.create(modelFile, manifest, options);
  try {
    await checkPositions(engine, manifest, modelFile);
    // Warm-up also checks what only a run shows (the logits' vocabulary axis is symbolic in the graph).
    await warmUp(engine, manifest, options.warmUp ?? true);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return {
    folder: root,
    manifest,
    tokenizer,
    engine,
    device: engine.device,
    loadMs: performance.now() - start,
    dispose: () => engine.dispose(),
  };
}

async function requireFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new GlmError(
      'model-missing',
      `Model folder ${folder} does not exist. ` + 'Give a folder that holds glm.json, model.onnx and tokenizer.json.',
    );
  }
}

/** The ONNX file, checked as every model file is (inside the folder, regular, bounded); onnxruntime reads it. */
async function requireModelFile(root: string, name: string): Promise<void> {
  await modelFile(root, name, 'Model file', MAX_BYTES.model);
}

/**
 * The position tables are not graph inputs, so only a run shows their size: one token at position and block
 * position S (the largest the layout uses) fails in the embedding lookup when the tables are shorter than glm.json
 * says, here with a clear message rather than at the first long text.
 */
async function checkPositions(engine: GlmEngine, manifest: Manifest, file: string): Promise<void> {
  const s = manifest.architecture.maxSequenceLength;
  const probe = {
    ids: [manifest.specialTokens.cls],
    positions: [[s], [s]] as const,
    mask: new Float32Array([1]),
    logitPositions: [],
  };
  try {
    await engine.forward(probe, engine.emptyCache(), { quiet: true });
  } catch (error) {
    throw new GlmError(
      'model-invalid',
      `${file} cannot run at position ${s}, which glm.json allows ` +
        `(maxSequenceLength ${s}): set maxSequenceLength to the length the model was trained with.`,
      { cause: error },
    );
  }
}

function checkTokenizerSize(tokenizer: GlmTokenizer, manifest: Manifest, file: string): void {
  if (tokenizer.size > manifest.architecture.vocabSize) {
    throw new GlmError(
      'model-invalid',
      `${file} has ${tokenizer.size} tokens but glm.json says the model has only ` +
        `${manifest.architecture.vocabSize} embedding rows.`,
    );
  }
}

/** A two-token prefill, and with `full` one decode step too: the first runs after creation are the slow ones. */
async function warmUp(engine: GlmEngine, manifest: Manifest, full: boolean): Promise<void> {
  const special = manifest.specialTokens;
  const state = await DecodeState.prefill(engine, { ids: [special.cls, special.gmask], maskIndex: [1] });
  if (full) await state.push(0, 0, special.sop).run(engine);
}
