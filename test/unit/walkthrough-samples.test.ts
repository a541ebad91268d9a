import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type GlmModel, infill, loadModel } from '../../src/glm/index.js';
import { SAMPLES, sampleKind } from '../../src/editor/walkthroughSamples.js';
import { ROOT } from './helpers.js';

// The walkthrough's samples (media/walkthrough/*.md says what the bundled model writes into them): checked on the
// shipped model, greedy, as the steps' Fill Blank runs it.
let model: GlmModel;

before(async () => {
  model = await loadModel(join(ROOT, 'models', 'default'), { device: 'cpu', threads: 1 });
});
after(() => model.dispose());

/** The sample's selections as span blanks, filled; the texts the model wrote. */
async function fills(kind: 'fill' | 'mark'): Promise<string[]> {
  const { text, selections } = SAMPLES[kind];
  const blanks = selections.map(([start, end]) => ({ start, end, kind: 'span' as const }));
  const result = await infill(model, { text, blanks }, { maxTokens: 32 });
  return result.spans.map((s) => s.text);
}

test('walkthrough samples: the selected word of the first step becomes the command the sentence describes', async () => {
  const { text, selections } = SAMPLES.fill;
  assert.deepEqual(
    selections.map(([start, end]) => text.slice(start, end)),
    ['ci'],
  );
  assert.deepEqual(await fills('fill'), [' install']); // the space before a blank belongs to it
});

test('walkthrough samples: both marked blanks of the second step get the attribute the class defines', async () => {
  assert.deepEqual(await fills('mark'), ['count', 'count']);
});

test('walkthrough samples: the ghost-text draft puts the cursor at its end; unknown samples are refused', () => {
  const { text, selections, then } = SAMPLES.ghost;
  assert.deepEqual(selections, [[text.length, text.length]]);
  assert.equal(then, 'editor.action.inlineSuggest.trigger');
  assert.equal(sampleKind(undefined), 'fill');
  assert.equal(sampleKind('mark'), 'mark');
  assert.equal(sampleKind('nonsense'), undefined);
  assert.equal(sampleKind(['fill']), undefined);
});
