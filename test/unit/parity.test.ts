import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KvCache } from '../../src/glm/kvcache.js';
import { partBStepMask } from '../../src/glm/layout.js';
import type { GlmModel } from '../../src/glm/model.js';
import { argmax } from '../../src/glm/processors.js';
import { createGenerator } from '../../src/glm/generate.js';
import { decodingOptions } from '../../src/glm/infill.js';
import { fixture, loadTiny, maxAbsDiff } from './helpers.js';

interface Reference {
  partA: { inputIds: number[]; positionIds: [number[], number[]] };
  prefill: { logitPositions: number[]; logits: number[][] };
  decode: { inputId: number; positionIds: [number, number]; logits: number[] }[];
}

const reference = fixture<Reference>('reference-logits.json');
const TOLERANCE = 1e-4;
let model: GlmModel;

before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

async function prefill(): Promise<{ cache: KvCache; logits: Float32Array[] }> {
  const { inputIds, positionIds } = reference.partA;
  const n = inputIds.length;
  return model.engine.forward(
    { ids: inputIds, positions: positionIds, mask: new Float32Array(n * n).fill(1), logitPositions: reference.prefill.logitPositions },
    KvCache.empty(model.manifest.architecture),
  );
}

test('prefill logits equal PyTorch within 1e-4', async () => {
  const { logits } = await prefill();
  assert.equal(logits.length, reference.prefill.logits.length);
  reference.prefill.logits.forEach((expected, k) => {
    const diff = maxAbsDiff(logits[k] as Float32Array, expected);
    assert.ok(diff < TOLERANCE, `prefill row ${k}: max |Δ| = ${diff}`);
  });
});

test('every cached decode step equals PyTorch within 1e-4', async () => {
  let { cache } = await prefill();
  for (const [i, step] of reference.decode.entries()) {
    const out = await model.engine.forward(
      { ids: [step.inputId], positions: [[step.positionIds[0]], [step.positionIds[1]]], mask: partBStepMask(cache.length, 1), logitPositions: [0] },
      cache,
    );
    const diff = maxAbsDiff(out.logits[0] as Float32Array, step.logits);
    assert.ok(diff < TOLERANCE, `decode step ${i}: max |Δ| = ${diff}`);
    cache = out.cache;
  }
  assert.equal(cache.length, reference.partA.inputIds.length + reference.decode.length);
});

test('greedy picks the argmax of the reference logits', async () => {
  const rows = [...reference.prefill.logits, ...reference.decode.map((d) => d.logits)];
  const gen = createGenerator(model, decodingOptions({}));
  const special = model.manifest.specialTokens;
  const neverValid = new Set([special.cls, special.mask, special.smask, special.gmask, special.sop]);
  for (const row of rows) {
    const raw = Float32Array.from(row);
    assert.equal(gen.sample(raw), argmax(raw));
    // With the never-valid ids suppressed, greedy is the argmax over the ids a span may contain.
    const processed = Float32Array.from(row);
    for (const p of gen.processors) p(processed, []);
    const valid = row.map((v, id) => (neverValid.has(id) || id >= model.tokenizer.size ? -Infinity : v));
    assert.equal(gen.sample(processed), argmax(Float32Array.from(valid)));
  }
  // The fixture's decode inputs are the reference's greedy tokens among real outputs (no special id): check them.
  const notOutput = new Set([...neverValid, special.eop, special.eos]);
  for (let i = 1; i < reference.decode.length; i++) {
    const previous = reference.decode[i - 1] as Reference['decode'][number];
    const current = reference.decode[i] as Reference['decode'][number];
    const real = previous.logits.map((v, id) => (notOutput.has(id) ? -Infinity : v));
    if (current.inputId !== special.sop) assert.equal(current.inputId, argmax(Float32Array.from(real)));
  }
});
