import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withoutEmptyFills } from '../../src/fill/emptyFills.js';
import { infill } from '../../src/glm/infill.js';
import { inMarkedText, parseMarkers } from '../../src/glm/markers.js';
import type { GlmModel } from '../../src/glm/model.js';
import { unfilledNote, unfilledSpan } from '../../src/glm/unfilled.js';
import { loadTiny } from './helpers.js';

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

test('a span is no text when empty, or whitespace only while fills must hold text; an empty end is a fill without that rule', () => {
  assert.equal(unfilledSpan({ text: '  ', stopReason: 'context' }, { requireContent: true }), true);
  assert.equal(unfilledSpan({ text: ' x', stopReason: 'context' }, { requireContent: true }), false);
  assert.equal(unfilledSpan({ text: '', stopReason: 'end' }, { requireContent: false }), false);
  assert.equal(unfilledSpan({ text: '', stopReason: 'context' }, { requireContent: false }), true);
  assert.equal(unfilledSpan({ text: '  ', stopReason: 'limit' }, { requireContent: false }), false);
});

test('the note names the blanks (1-based) and the reason', () => {
  const span = (
    index: number,
    unfilled: boolean,
    stopReason: string,
  ): { index: number; unfilled: boolean; stopReason: string } => ({ index, unfilled, stopReason });
  assert.equal(unfilledNote([span(0, false, 'end')]), undefined);
  assert.match(
    unfilledNote([span(0, false, 'end'), span(10, true, 'context'), span(11, true, 'context')]) ?? '',
    /^Blanks 11, 12 got no text .*positions ran out/,
  );
  assert.match(
    unfilledNote([span(0, true, 'limit')]) ?? '',
    /^Blank 1 got no text and keeps its .*allow more tokens per blank/,
  );
});

test('the editor writes no empty or whitespace-only fill and says which blanks kept their text', () => {
  const result = {
    spans: [
      { index: 0, stopReason: 'end' },
      { index: 1, stopReason: 'context' },
      { index: 2, stopReason: 'context' },
    ],
  };
  const { fills, note } = withoutEmptyFills(result as Parameters<typeof withoutEmptyFills>[0], [
    ' red',
    '  ',
    undefined,
  ]);
  assert.deepEqual(fills, [' red', undefined, undefined]);
  assert.match(note ?? '', /^GLM Infill: Blanks 2, 3 got no text/);
  assert.deepEqual(withoutEmptyFills(result as Parameters<typeof withoutEmptyFills>[0], ['a', 'b', 'c']), {
    fills: ['a', 'b', 'c'],
  });
});

test('the positions are shared out: with 42 blanks on 128 positions every blank gets a token, none gets an empty span', async () => {
  // Before the share, the first blanks took every position (maxTokens each) and the last ones got "" with stop 'context'.
  const result = await infill(model, parseMarkers('x [MASK]'.repeat(42)), { minTokens: 1, requireContent: false });
  assert.equal(result.spans.length, 42);
  for (const span of result.spans) assert.ok(span.tokens.length >= 1 && !span.unfilled, JSON.stringify(span));
});

test('a blank that got no text keeps its marker in the text and is flagged; its positions go to the blanks after it', async () => {
  const text = '\n[MASK]'.repeat(42);
  const marked = parseMarkers(text);
  const result = inMarkedText(marked, await infill(model, marked, { temperature: 1, seed: 1 }));
  const left = result.spans.filter((s) => s.unfilled);
  assert.deepEqual(
    left.map((s) => s.index),
    [2, 22],
  );
  assert.equal(result.text.split('[MASK]').length - 1, 2);
  for (const span of left) assert.equal(span.text.trim(), '');
});

test('the note says "whitespace only" when neither positions nor tokens ran out', () => {
  assert.match(
    unfilledNote([{ index: 4, unfilled: true, stopReason: 'sentence' }]) ?? '',
    /^Blank 5 got no text .*only whitespace/,
  );
});
