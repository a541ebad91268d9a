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
    private tensors: ReadonlyMap<string, Tensor> | (() => ReadonlyMap<string, Tensor>),
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

  /**
   * The cache of the first `length` tokens only, as if the later ones had never run (a rejected draft). Each token's
   * keys and values depend only on the tokens before it, so the prefix is exact. The copy is made when the cache is
   * next fed to the model: most prefixes of a verified draft are only recorded as points a span passed, never run.
   */
  prefix(length: number, tensor: Ort['Tensor']): KvCache {
    if (length === this.length) return this;
    if (!Number.isInteger(length) || length < 0 || length > this.length)
      throw new Error(`no prefix of ${length} in a cache of ${this.length} tokens`);
    return new KvCache(
      length,
      () => new Map([...this.resolved()].map(([name, t]) => [name, prefixOf(t, length, tensor)])),
    );
  }

  /** Feeds for the graph's `past_*` inputs. */
  feeds(): Record<string, Tensor> {
    return Object.fromEntries(this.resolved());
  }

  private resolved(): ReadonlyMap<string, Tensor> {
    if (typeof this.tensors === 'function') this.tensors = this.tensors();
    return this.tensors;
  }
}

/** The first `length` positions of a `[1, H, L, D]` float32 tensor. */
function prefixOf(t: Tensor, length: number, tensor: Ort['Tensor']): Tensor {
  const [batch, heads, full, dim] = t.dims as [number, number, number, number];
  const data = t.data as Float32Array;
  const out = new Float32Array(batch * heads * length * dim);
  for (let h = 0; h < batch * heads; h++)
    out.set(data.subarray(h * full * dim, (h * full + length) * dim), h * length * dim);
  return new tensor('float32', out, [batch, heads, length, dim]);
}
