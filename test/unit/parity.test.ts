import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { GlmModel } from '../../src/glm/model.js';
import { argmax } from '../../src/glm/processors.js';
import { createGenerator } from '../../src/glm/generate.js';
import { decodingOptions } from '../../src/glm/infill.js';
import { applyRules } from '../../src/glm/logitRules.js';
import type { SpanSoFar } from '../../src/glm/span.js';
import { BOUNDARY } from '../../src/glm/utf8Guard.js';
import { fixture, loadTiny } from './helpers.js';
import { type ReferenceLogits, assertCachedDecodeMatches, assertPrefillMatches } from './reference.js';

type Reference = ReferenceLogits;

const reference = fixture<Reference>('reference-logits.json');
let model: GlmModel;

before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

test('prefill logits equal PyTorch within 1e-4', () => assertPrefillMatches(model, reference));

test('every cached decode step equals PyTorch within 1e-4', async () => {
  const cache = await assertCachedDecodeMatches(model, reference);
  assert.equal(cache.length, reference.partA.inputIds.length + reference.decode.length);
});

test('greedy picks the argmax of the reference logits', async () => {
  const rows = [...reference.prefill.logits, ...reference.decode.map((d) => d.logits)];
  const gen = createGenerator(model, decodingOptions({}));
  const special = model.manifest.specialTokens;
  const neverValid = new Set([special.cls, special.mask, special.smask, special.gmask, special.sop]);
  // A span with content, on a character boundary: only the never-valid ids and those that cannot start a character
  // within 3 more tokens are blocked.
  const span: SpanSoFar = {
    partB: [],
    tokens: [],
    hasContent: true,
    startsLine: false,
    allowedFirst: undefined,
    utf8: BOUNDARY,
    room: 3,
  };
  const blocked = new Set([...neverValid, ...gen.utf8.blockedIn(BOUNDARY, 3)]);
  for (const row of rows) {
    const raw = Float32Array.from(row);
    assert.equal(gen.sample(raw), argmax(raw));
    // With those suppressed, greedy is the argmax over the ids a span may contain.
    const processed = applyRules(gen.rules, raw, span);
    const valid = row.map((v, id) => (blocked.has(id) || id >= model.tokenizer.size ? -Infinity : v));
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
