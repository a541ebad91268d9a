import type { Tensor } from 'onnxruntime-common';
import type { Ort } from './runtime.js';
import type { Architecture } from './manifest.js';

/**
 * How a graph passes keys and values (docs/architecture.md, "Model contract"):
 * - `appended` (models.glm.fuse, the default export): inputs `cache_key_i`/`cache_value_i` `[1, P, H·D]`, outputs
 *   `new_key_i`/`new_value_i` `[1, T, H·D]` (only the new tokens' rows); the cache lives here and grows in place.
 * - `concatenated` (exports before fusion): inputs `past_*` `[1, H, P, D]`, outputs `present_*` `[1, H, P+T, D]`,
 *   the whole cache out of every step and back into the next.
 */
export type CacheLayout = 'appended' | 'concatenated';

export function cacheLayoutOf(inputNames: readonly string[]): CacheLayout {
  return inputNames.includes('cache_key_0') ? 'appended' : 'concatenated';
}

/** `key_0`, `value_0`, `key_1`, …: the per-layer tensor names after the layout's prefix. */
function tensorNames(numLayers: number): string[] {
  return Array.from({ length: numLayers }, (_, i) => [`key_${i}`, `value_${i}`]).flat();
}

/**
 * Keys and values of every layer for the tokens seen so far. A cache is never changed by later steps: `extend`
 * returns a new one, so several continuations (candidates, cloze options, drafts) can branch from the same cache.
 */
export abstract class KvCache {
  abstract readonly length: number;

  /** The zero-length cache of a prefill (P = 0). */
  static empty(layout: CacheLayout, arch: Architecture, tensor: Ort['Tensor']): KvCache {
    return layout === 'appended' ? AppendedCache.start(arch, tensor) : ConcatenatedCache.start(arch, tensor);
  }

  /** Feeds for the graph's cache inputs. */
  abstract feeds(): Record<string, Tensor>;

  /** This cache followed by the `t` tokens of a run's outputs. */
  abstract extend(outputs: Readonly<Record<string, Tensor>>, t: number): KvCache;

  /**
   * The cache of the first `length` tokens only, as if the later ones had never run (a rejected draft). Each token's
   * keys and values depend only on the tokens before it, so the prefix is exact.
   */
  abstract prefix(length: number): KvCache;

  protected checkPrefix(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.length)
      throw new Error(`no prefix of ${length} in a cache of ${this.length} tokens`);
  }
}

function output(outputs: Readonly<Record<string, Tensor>>, name: string): Tensor {
  const value = outputs[name];
  if (value === undefined) throw new Error(`the model returned no ${name}`);
  return value;
}

/**
 * Rows `[token][H·D]` of every layer's keys and values, shared by all the caches that reach them. Rows below
 * `filled` are never written again; a cache that ends at `filled` appends in place, any other (a branch, a prefix)
 * copies its rows into a new store first. A run in flight reads only rows below its cache's length, which no append
 * touches, so appending while another branch runs is safe.
 */
class RowStore {
  filled = 0;
  readonly rows: Float32Array[];

  constructor(
    readonly width: number,
    readonly capacity: number,
    count: number,
  ) {
    this.rows = Array.from({ length: count }, () => new Float32Array(capacity * width));
  }

  /** A new store holding the first `length` rows of this one, with room for `capacity`. */
  copy(length: number, capacity: number): RowStore {
    const store = new RowStore(this.width, capacity, this.rows.length);
    this.rows.forEach((rows, j) => store.rows[j]?.set(rows.subarray(0, length * this.width)));
    store.filled = length;
    return store;
  }
}

/**
 * Room for a quarter as many tokens again (at least 64): a span grows its store every 64+ tokens, not every step, and
 * a large model's cache (glm-large: 192 KB a token) is not held twice over.
 */
const capacityFor = (tokens: number): number => tokens + Math.max(64, Math.ceil(tokens / 4));

class AppendedCache extends KvCache {
  private constructor(
    private readonly store: RowStore,
    override readonly length: number,
    private readonly names: readonly string[],
    private readonly tensor: Ort['Tensor'],
  ) {
    super();
  }

  static start(arch: Architecture, tensor: Ort['Tensor']): AppendedCache {
    const names = tensorNames(arch.numLayers);
    return new AppendedCache(new RowStore(arch.numHeads * arch.headDim, 0, names.length), 0, names, tensor);
  }

  override feeds(): Record<string, Tensor> {
    const { width, rows } = this.store;
    const dims = [1, this.length, width];
    return Object.fromEntries(
      this.names.map((name, j) => [
        `cache_${name}`,
        new this.tensor('float32', (rows[j] as Float32Array).subarray(0, this.length * width), dims),
      ]),
    );
  }

  override extend(outputs: Readonly<Record<string, Tensor>>, t: number): KvCache {
    const total = this.length + t;
    let store = this.store;
    if (store.filled !== this.length || total > store.capacity) store = store.copy(this.length, capacityFor(total));
    this.names.forEach((name, j) => {
      const data = output(outputs, `new_${name}`).data as Float32Array;
      if (data.length !== t * store.width)
        throw new Error(`new_${name} has ${data.length} values, expected ${t} rows of ${store.width}`);
      store.rows[j]?.set(data, this.length * store.width);
    });
    store.filled = total;
    return new AppendedCache(store, total, this.names, this.tensor);
  }

  override prefix(length: number): KvCache {
    if (length === this.length) return this;
    this.checkPrefix(length);
    return new AppendedCache(this.store, length, this.names, this.tensor);
  }
}

class ConcatenatedCache extends KvCache {
  private constructor(
    override readonly length: number,
    private tensors: ReadonlyMap<string, Tensor> | (() => ReadonlyMap<string, Tensor>),
    private readonly names: readonly string[],
    private readonly tensor: Ort['Tensor'],
  ) {
    super();
  }

  static start(arch: Architecture, tensor: Ort['Tensor']): ConcatenatedCache {
    const empty = new Float32Array(0);
    const names = tensorNames(arch.numLayers);
    const tensors = new Map<string, Tensor>(
      names.map((name) => [`past_${name}`, new tensor('float32', empty, [1, arch.numHeads, 0, arch.headDim])]),
    );
    return new ConcatenatedCache(0, tensors, names, tensor);
  }

  override feeds(): Record<string, Tensor> {
    return Object.fromEntries(this.resolved());
  }

  override extend(outputs: Readonly<Record<string, Tensor>>, t: number): KvCache {
    // The names, not the tensors: a prefix that was never fed needs no copy to be replaced.
    const tensors = new Map(this.names.map((name) => [`past_${name}`, output(outputs, `present_${name}`)]));
    return new ConcatenatedCache(this.length + t, tensors, this.names, this.tensor);
  }

  /** The copy is made when the prefix is next fed: most prefixes of a verified draft are only recorded, never run. */
  override prefix(length: number): KvCache {
    if (length === this.length) return this;
    this.checkPrefix(length);
    return new ConcatenatedCache(
      length,
      () => new Map([...this.resolved()].map(([name, t]) => [name, prefixOf(t, length, this.tensor)])),
      this.names,
      this.tensor,
    );
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
