import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tensor } from 'onnxruntime-common';
import { fuseAdvice } from '../../src/glm/fuseAdvice.js';
import { KvCache, cacheLayoutOf } from '../../src/glm/kvcache.js';
import type { Architecture } from '../../src/glm/manifest.js';
import { FIXTURES, TINY, loadTiny } from './helpers.js';

const ARCH: Architecture = {
  vocabSize: 16,
  hiddenSize: 4,
  numLayers: 1,
  numHeads: 2,
  headDim: 2,
  maxSequenceLength: 64,
  gelu: 'tanh',
};
const WIDTH = ARCH.numHeads * ARCH.headDim;

/** The outputs of a fused graph's run over `t` tokens whose rows are all `value` (keys) and `-value` (values). */
function newRows(t: number, value: number): Record<string, Tensor> {
  const rows = (v: number): Tensor => new Tensor('float32', new Float32Array(t * WIDTH).fill(v), [1, t, WIDTH]);
  return { new_key_0: rows(value), new_value_0: rows(-value) };
}

/** The first value of each row the cache feeds for layer 0's keys. */
function keyRows(cache: KvCache): number[] {
  const fed = cache.feeds().cache_key_0 as Tensor;
  assert.deepEqual(fed.dims, [1, cache.length, WIDTH]);
  const data = fed.data as Float32Array;
  return Array.from({ length: cache.length }, (_, r) => data[r * WIDTH] as number);
}

test('the layout is read from the graph inputs', () => {
  assert.equal(cacheLayoutOf(['input_ids', 'cache_key_0']), 'appended');
  assert.equal(cacheLayoutOf(['input_ids', 'past_key_0']), 'concatenated');
});

test('an appended cache grows in place, and branches never see each other', () => {
  const prefill = KvCache.empty('appended', ARCH, Tensor).extend(newRows(3, 1), 3);
  const a = prefill.extend(newRows(1, 2), 1);
  const b = prefill.extend(newRows(1, 3), 1); // a second candidate from the same Part A
  const a2 = a.extend(newRows(2, 4), 2);
  assert.deepEqual(keyRows(prefill), [1, 1, 1]);
  assert.deepEqual(keyRows(a), [1, 1, 1, 2]);
  assert.deepEqual(keyRows(b), [1, 1, 1, 3]);
  assert.deepEqual(keyRows(a2), [1, 1, 1, 2, 4, 4]);
  assert.deepEqual(
    Array.from((a2.feeds().cache_value_0 as Tensor).data as Float32Array).slice(-WIDTH),
    [-4, -4, -4, -4],
  );
});

test('a prefix of an appended cache (a rejected draft) continues without the dropped rows', () => {
  const drafted = KvCache.empty('appended', ARCH, Tensor).extend(newRows(2, 1), 2).extend(newRows(3, 5), 3);
  const kept = drafted.prefix(3);
  const next = kept.extend(newRows(1, 7), 1);
  assert.deepEqual(keyRows(next), [1, 1, 5, 7]);
  assert.deepEqual(keyRows(drafted), [1, 1, 5, 5, 5], 'the longer cache is unchanged');
  assert.throws(() => drafted.prefix(6), /no prefix of 6 in a cache of 5 tokens/);
});

test('an appended cache keeps its rows across growth past its first capacity', () => {
  let cache = KvCache.empty('appended', ARCH, Tensor);
  for (let i = 0; i < 300; i++) cache = cache.extend(newRows(1, i), 1);
  assert.deepEqual(
    keyRows(cache),
    Array.from({ length: 300 }, (_, i) => i),
  );
});

test('a run output with the wrong row count is an error, not a corrupt cache', () => {
  const cache = KvCache.empty('appended', ARCH, Tensor);
  assert.throws(() => cache.extend(newRows(2, 1), 3), /new_key_0 has 8 values, expected 3 rows of 4/);
});

test('the tiny model (fused) runs on the appended layout, the nbits4 fixture on the concatenated one, with advice', async () => {
  for (const [folder, layout] of [
    [TINY, 'appended'],
    [join(FIXTURES, 'tiny-nbits4'), 'concatenated'],
  ] as const) {
    const model = await loadTiny(folder);
    try {
      assert.equal(model.engine.cacheLayout, layout, folder);
      const advice = fuseAdvice(model);
      if (layout === 'appended') assert.equal(advice, undefined);
      else assert.match(advice ?? '', /python3 -m models\.glm\.fuse .*tiny-nbits4\/model\.onnx.* about 2x faster/);
    } finally {
      await model.dispose();
    }
  }
});
