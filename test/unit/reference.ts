import assert from 'node:assert/strict';
import type { KvCache } from '../../src/glm/kvcache.js';
import { partBStepMask } from '../../src/glm/layout.js';
import type { GlmModel } from '../../src/glm/model.js';
import { maxAbsDiff } from './helpers.js';

/** PyTorch outputs written by models/glm/fixtures.py (and test/fixtures/thudm-tiny/make.py). */
export interface ReferenceLogits {
  partA: { inputIds: number[]; positionIds: [number[], number[]] };
  prefill: { logitPositions: number[]; logits: number[][] };
  decode: { inputId: number; positionIds: [number, number]; logits: number[] }[];
}

export const TOLERANCE = 1e-4;

/** Part A in one bidirectional pass, with the logit rows the reference recorded. */
export function prefillReference(
  model: GlmModel,
  reference: ReferenceLogits,
): Promise<{ cache: KvCache; logits: Float32Array[] }> {
  const { inputIds, positionIds } = reference.partA;
  const n = inputIds.length;
  return model.engine.forward(
    {
      ids: inputIds,
      positions: positionIds,
      mask: new Float32Array(n * n).fill(1),
      logitPositions: reference.prefill.logitPositions,
    },
    model.engine.emptyCache(),
  );
}

export async function assertPrefillMatches(model: GlmModel, reference: ReferenceLogits): Promise<void> {
  const { logits } = await prefillReference(model, reference);
  assert.equal(logits.length, reference.prefill.logits.length);
  reference.prefill.logits.forEach((expected, k) => {
    const diff = maxAbsDiff(logits[k] as Float32Array, expected);
    assert.ok(diff < TOLERANCE, `prefill row ${k}: max |Δ| = ${diff}`);
  });
}

/** The reference's decode inputs fed one at a time through the cache after its prefill: each step's logit row. */
export async function cachedDecodeRows(
  model: GlmModel,
  reference: ReferenceLogits,
): Promise<{ prefill: Float32Array[]; decode: Float32Array[]; cache: KvCache }> {
  const prefill = await prefillReference(model, reference);
  let cache = prefill.cache;
  const decode: Float32Array[] = [];
  for (const step of reference.decode) {
    const out = await model.engine.forward(
      {
        ids: [step.inputId],
        positions: [[step.positionIds[0]], [step.positionIds[1]]],
        mask: partBStepMask(cache.length, 1),
        logitPositions: [0],
      },
      cache,
    );
    decode.push(out.logits[0] as Float32Array);
    cache = out.cache;
  }
  return { prefill: prefill.logits, decode, cache };
}

/** Every cached decode step's logits must match the reference's. */
export async function assertCachedDecodeMatches(model: GlmModel, reference: ReferenceLogits): Promise<KvCache> {
  const { decode, cache } = await cachedDecodeRows(model, reference);
  reference.decode.forEach((step, i) => {
    const diff = maxAbsDiff(decode[i] as Float32Array, step.logits);
    assert.ok(diff < TOLERANCE, `decode step ${i}: max |Δ| = ${diff}`);
  });
  return cache;
}
