import type { Tensor } from 'onnxruntime-common';
import type { Ort } from './runtime.js';
import type { Architecture } from './manifest.js';

/**
 * Keys and values of every layer for the tokens seen so far (`[1, H, length, D]` each). A cache is never mutated:
 * a step returns a new one, so several continuations (candidates, cloze options) can branch from the same cache.
 */
export class KvCache {
  private constructor(
    readonly length: number,
    private readonly tensors: ReadonlyMap<string, Tensor>,
  ) {}

  /** The zero-length cache of a prefill (P = 0). */
  static empty(arch: Architecture, tensor: Ort['Tensor']): KvCache {
    const tensors = new Map<string, Tensor>();
    const empty = new Float32Array(0);
    for (let i = 0; i < arch.numLayers; i++) {
      tensors.set(`past_key_${i}`, new tensor('float32', empty, [1, arch.numHeads, 0, arch.headDim]));
      tensors.set(`past_value_${i}`, new tensor('float32', empty, [1, arch.numHeads, 0, arch.headDim]));
    }
    return new KvCache(0, tensors);
  }

  /** The next step's cache from a run's `present_*` outputs. */
  static fromOutputs(outputs: Readonly<Record<string, Tensor>>, numLayers: number, length: number): KvCache {
    const tensors = new Map<string, Tensor>();
    for (let i = 0; i < numLayers; i++) {
      for (const part of ['key', 'value']) {
        const present = outputs[`present_${part}_${i}`];
        if (present === undefined) throw new Error(`the model returned no present_${part}_${i}`);
        tensors.set(`past_${part}_${i}`, present);
      }
    }
    return new KvCache(length, tensors);
  }

  /** Feeds for the graph's `past_*` inputs. */
  feeds(): Record<string, Tensor> {
    return Object.fromEntries(this.tensors);
  }
}
