import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GlmModel } from '../glm/index.js';

/** What the settings panel shows about the loaded model. */
export interface ModelInfo {
  name: string;
  folder: string;
  /** Bytes of the ONNX file plus its external weights. */
  bytes: number;
  weights: string;
  layers: number;
  hiddenSize: number;
  vocabSize: number;
  maxSequenceLength: number;
  maskKinds: string[];
  device: string;
  fallbackReason?: string;
  /** Which native binary failed to load, when the model runs on WebAssembly instead. */
  runtimeFailure?: string;
  loadMs: number;
}

export async function modelInfo(model: GlmModel): Promise<ModelInfo> {
  const { manifest } = model;
  const files = [manifest.model, ...(manifest.externalData ? [manifest.externalData] : [])];
  const sizes = await Promise.all(
    files.map((f) =>
      stat(join(model.folder, f)).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  const arch = manifest.architecture;
  return {
    name: manifest.name,
    folder: model.folder,
    bytes: sizes.reduce((a, b) => a + b, 0),
    weights: manifest.weights,
    layers: arch.numLayers,
    hiddenSize: arch.hiddenSize,
    vocabSize: arch.vocabSize,
    maxSequenceLength: arch.maxSequenceLength,
    maskKinds: manifest.maskKinds,
    device: model.device.used,
    ...(model.device.fallbackReason ? { fallbackReason: model.device.fallbackReason } : {}),
    ...(model.device.runtimeFailure ? { runtimeFailure: model.device.runtimeFailure } : {}),
    loadMs: Math.round(model.loadMs),
  };
}
