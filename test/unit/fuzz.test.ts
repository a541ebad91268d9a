import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { GlmModel } from '../../src/glm/model.js';
import { fuzzCase } from '../../src/fuzz/cases.js';
import { fuzz } from '../../src/fuzz/run.js';
import { loadTiny } from './helpers.js';

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

test('fuzz cases are the same for the same seed and index, and differ otherwise', () => {
  assert.deepEqual(fuzzCase(3, 17), fuzzCase(3, 17));
  assert.notDeepEqual(fuzzCase(3, 17).text, fuzzCase(3, 18).text);
});

test('seeded fuzz: random texts × blank layouts × options on the fixture model break no invariant', async () => {
  // 150 cases, a few seconds; `node dist/fuzz.js --cases 10000` runs the long version (README "Reliability").
  const summary = await fuzz(model, 2026, 0, 150);
  assert.equal(summary.violations, 0, JSON.stringify(summary.examples, null, 2));
  assert.equal(summary.spansWithReplacementChar, 0);
  assert.ok(summary.spans > 300, `only ${summary.spans} spans`);
  assert.ok(Object.keys(summary.layouts).length >= 8, 'most layouts drawn');
  assert.ok((summary.outcomes.filled ?? 0) > 100);
});
