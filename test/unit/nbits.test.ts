import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildPartA } from '../../src/glm/layout.js';
import { loadModel } from '../../src/glm/model.js';
import type { GlmModel } from '../../src/glm/model.js';
import { argmax } from '../../src/glm/processors.js';
import { oneByOneAndDrafted } from './draftRows.js';
import { FIXTURES, fixture, loadTiny, maxAbsDiff } from './helpers.js';
import { type ReferenceLogits, cachedDecodeRows } from './reference.js';

// test/fixtures/tiny-nbits4: the tiny fixture's weights as int4 blocks of 32 with fp32 products (MatMulNBits), made by
// python3 -m models.glm.quantize --folder test/fixtures/tiny test/fixtures/tiny-nbits4 --scheme nbits4 --block-size 32
// before attention was fused (models.glm.fuse): it is also the fixture of a graph with the old past/present layout.
const NBITS4 = join(FIXTURES, 'tiny-nbits4');
/** Max |logit - PyTorch fp32|: int4 weights move the tiny model's logits by 0.04–0.05 (measured); twice that allowed. */
const INT4_TOLERANCE = 0.1;

const reference = fixture<ReferenceLogits>('reference-logits.json');
let model: GlmModel;
before(async () => {
  model = await loadTiny(NBITS4);
});
after(() => model.dispose());

/** The reference's prefill rows, then each cached decode step's row, from `m`. */
async function referenceRows(m: GlmModel): Promise<Float32Array[]> {
  const { prefill, decode } = await cachedDecodeRows(m, reference);
  return [...prefill, ...decode];
}

test(`nbits4 logits stay within ${INT4_TOLERANCE} of PyTorch fp32 (prefill and cached decode), argmax mostly kept`, async () => {
  const expected = [...reference.prefill.logits, ...reference.decode.map((d) => d.logits)];
  const rows = await referenceRows(model);
  assert.equal(rows.length, expected.length);
  let kept = 0;
  rows.forEach((row, i) => {
    const diff = maxAbsDiff(row, expected[i] as number[]);
    assert.ok(diff < INT4_TOLERANCE, `row ${i}: max |Δ| = ${diff}`);
    assert.ok(diff > 1e-4, `row ${i}: equal to fp32, so not quantized?`);
    if (argmax(row) === argmax(Float32Array.from(expected[i] as number[]))) kept++;
  });
  assert.ok(kept >= 0.8 * rows.length, `argmax kept on ${kept} of ${rows.length} rows`);
});

test('a 4-token pass gives each token the logits of four 1-token passes within 1e-5', async () => {
  const special = model.manifest.specialTokens;
  const partA = buildPartA([model.tokenizer.encode('for i in range(10): print(i)'), []], ['document'], special);
  const tokens = [special.sop, ...model.tokenizer.encode(' x = 1; y')].slice(0, 4);
  assert.equal(tokens.length, 4);
  const { oneByOne: single, drafted: wide } = await oneByOneAndDrafted(model, partA, tokens);
  wide.logits.forEach((row, i) => {
    const diff = maxAbsDiff(row, single[i] as Float32Array);
    assert.ok(diff < 1e-5, `token ${i}: max |Δ| = ${diff}`);
  });
});

test('WebAssembly runs the nbits4 graph (MatMulNBits) with the native logits within 1e-4', async () => {
  const wasm = await loadModel(NBITS4, { device: 'wasm', threads: 1 });
  try {
    assert.equal(wasm.device.used, 'wasm');
    const [native, web] = [await referenceRows(model), await referenceRows(wasm)];
    web.forEach((row, i) => assert.ok(maxAbsDiff(row, native[i] as Float32Array) < 1e-4, `row ${i}`));
  } finally {
    await wasm.dispose();
  }
});
