import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { ghostFills } from '../../src/fill/ghostCandidates.js';
import { infill, type InfillOptions } from '../../src/glm/infill.js';
import type { GlmModel } from '../../src/glm/model.js';
import { loadTiny } from './helpers.js';

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

// The random-weight fixture ends a blank at once: min tokens gives it spans. Token healing as for ghost text.
const INLINE: InfillOptions = { minTokens: 3, maxTokens: 5, tokenHealing: true };
const TEXTS = ['The morning train was late again, so the', 'One two thr', 'It was the best of times, it was'];

function atEnd(text: string): { text: string; blanks: { start: number; end: number; kind: 'span' }[] } {
  return { text, blanks: [{ start: text.length, end: text.length, kind: 'span' }] };
}

test('several candidates: the first generated is byte for byte the single fill, and comes first', async () => {
  for (const text of TEXTS) {
    const single = (await infill(model, atEnd(text), { ...INLINE, candidates: 1 })).spans[0]?.text ?? '';
    const several = (await infill(model, atEnd(text), { ...INLINE, candidates: 3 })).spans[0]?.candidates ?? [];
    assert.equal(several.length, 3, text);
    assert.deepEqual(several.map((c) => c.draw).sort(), [0, 1, 2]);
    assert.equal(several.find((c) => c.draw === 0)?.text, single, text);
    assert.equal(ghostFills(several, 3)[0], single, text);
  }
});

test('a cancel during an alternative keeps the whole first candidate and drops the fragment', async () => {
  const controller = new AbortController();
  const result = await infill(model, atEnd(TEXTS[0] as string), {
    ...INLINE,
    candidates: 3,
    signal: controller.signal,
    onToken: (event) => void (event.candidate === 1 && controller.abort()),
  });
  const single = (await infill(model, atEnd(TEXTS[0] as string), { ...INLINE, candidates: 1 })).spans[0]?.text;
  const span = result.spans[0];
  assert.ok(span, 'the blank keeps its first candidate');
  assert.equal(result.cancelled, true);
  assert.deepEqual(
    span.candidates.map((c) => [c.draw, c.stopReason === 'cancelled']),
    [[0, false]],
  );
  assert.equal(span.text, single);
});

test('alternatives start only while the time left before the deadline covers what the first took', async () => {
  const text = atEnd(TEXTS[1] as string);
  const spent = await infill(model, text, { ...INLINE, candidates: 3, deadline: performance.now() });
  assert.deepEqual(
    spent.spans[0]?.candidates.map((c) => [c.draw, c.stopReason === 'cancelled']),
    [[0, false]],
  );
  assert.equal(spent.cancelled, false, 'nothing was cut: the alternatives were never started');
  const ample = await infill(model, text, { ...INLINE, candidates: 3, deadline: performance.now() + 60_000 });
  assert.equal(ample.spans[0]?.candidates.length, 3);
});
