import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rankOptions } from '../../src/glm/cloze.js';
import { parseMarkers } from '../../src/glm/markers.js';
import { GlmError } from '../../src/glm/errors.js';
import { DecodeState } from '../../src/glm/decoder.js';
import { healingFor } from '../../src/glm/healing.js';
import { buildPartA } from '../../src/glm/layout.js';
import type { GlmModel } from '../../src/glm/model.js';
import { logProbability } from '../../src/glm/processors.js';
import { loadTiny } from './helpers.js';

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

test('options are ranked by log p(option, eop | Part A), normalised over the options', async () => {
  // The model's own scores (the context cache's share is tested in context.test.ts).
  const result = await rankOptions(
    model,
    parseMarkers('The movie was [MASK]. I liked it.'),
    ['good', 'bad', 'not great'],
    undefined,
    false,
    { contextCache: false },
  );
  assert.equal(result.options.length, 3);
  const total = result.options.reduce((sum, o) => sum + o.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-9);
  for (let i = 1; i < 3; i++) assert.ok((result.options[i - 1]?.logProb ?? 0) >= (result.options[i]?.logProb ?? 0));
  // Independent check: the same score from one decode step per token.
  const special = model.manifest.specialTokens;
  const segments = ['The movie was', '. I liked it.'].map((t) => model.tokenizer.encode(t));
  let state = await DecodeState.prefill(model.engine, buildPartA(segments, ['span'], special));
  const option = result.options.find((o) => o.option === 'not great');
  assert.deepEqual(option?.tokens, model.tokenizer.encode(' not great'));
  let expected = 0;
  const ids = [special.sop, ...(option?.tokens ?? [])];
  for (const [j, id] of ids.entries()) {
    const step = await state.push(0, j, id).run(model.engine);
    state = step.state;
    expected += logProbability(step.logits, ids[j + 1] ?? special.eop);
  }
  assert.ok(Math.abs((option?.logProb ?? 0) - expected) < 1e-4, `${option?.logProb} vs ${expected}`);
});

test('ranking needs one blank and two options', async () => {
  await assert.rejects(
    rankOptions(model, parseMarkers('a [MASK] b [MASK]'), ['x', 'y']),
    /exactly one blank in the text; it has 2/,
  );
  await assert.rejects(rankOptions(model, parseMarkers('a [MASK]'), ['x']), /at least two options/);
});

test("options of a blank touching a word are scored with the word's last token, as generation would write them", async () => {
  const before = 'x=th';
  const healing = healingFor(model.tokenizer, before, model.tokenizer.encode(before), false);
  assert.ok(healing, 'the fixture tokenizer extends the last token of "x=th"');
  const result = await rankOptions(model, parseMarkers(`${before}[MASK]+1`), ['is', 'at'], undefined, true);
  for (const o of result.options) assert.deepEqual(o.tokens, model.tokenizer.encode(`${healing.prefix}${o.option}`));
  const plain = await rankOptions(model, parseMarkers(`${before}[MASK]+1`), ['is', 'at']); // off by default
  for (const o of plain.options) assert.deepEqual(o.tokens, model.tokenizer.encode(o.option));
});

test('a cancelled ranking is a cancellation, not a bad request (the CLI exits 130, the editor stays silent)', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    rankOptions(model, parseMarkers('The movie was [MASK].'), ['good', 'bad'], controller.signal),
    (error: unknown) => error instanceof GlmError && error.code === 'cancelled',
  );
});
