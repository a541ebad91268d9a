import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type GlmModel, infill, loadModel, rankOptions } from '../../src/glm/index.js';
import { ROOT } from './helpers.js';

// The shipped default model (models/default): its tokenizer must tokenize exactly as training did, and it must do
// what its model card claims.
const DEFAULT = join(ROOT, 'models', 'default');
let model: GlmModel;

before(async () => {
  model = await loadModel(DEFAULT, { device: 'cpu', threads: 1 });
});
after(() => model.dispose());

test('default model: the extension tokenizes exactly as the training pipeline did', () => {
  const cases = JSON.parse(readFileSync(join(DEFAULT, 'tokenization-check.json'), 'utf8')) as { text: string; ids: number[] }[];
  assert.ok(cases.length >= 20);
  for (const c of cases) assert.deepEqual(model.tokenizer.encode(c.text), c.ids, JSON.stringify(c.text.slice(0, 80)));
});

test('default model: the manifest records how it was made', () => {
  const { provenance, maskKinds, architecture } = model.manifest;
  assert.deepEqual([...maskKinds].sort(), ['document', 'sentence', 'span']);
  assert.ok(architecture.maxSequenceLength >= 512);
  assert.ok(Number(provenance.trainingTokens) >= 20e6, 'training tokens');
  assert.ok(typeof provenance.validationLoss === 'object');
});

test('default model: ranking options does the everyday jobs its model card shows', async () => {
  const best = async (text: string, options: string[]): Promise<string | undefined> =>
    (await rankOptions(model, text, options)).options[0]?.option;
  assert.equal(await best('result = compute(values[0], values[1][MASK]\nprint(result)', [')', '\n\n']), ')');
  assert.equal(await best('import numpy as [MASK]\n\nx = np.zeros(3)\n', ['np', 'pd']), 'np');
});

test('default model: a fill is generated for each blank kind', async () => {
  for (const text of ['const total = items.reduce((sum, x) => sum + x, [MASK]);', 'Python is a language. [sMASK] It is popular.', 'def f(x):\n[gMASK]']) {
    const result = await infill(model, text, { maxTokens: 16 });
    assert.equal(result.spans.length, 1);
    assert.ok(result.spans[0]?.tokens.length, `no tokens for ${JSON.stringify(text)}`);
    assert.match(result.spans[0]?.text ?? '', /\S/, `a whitespace-only fill for ${JSON.stringify(text)}`);
  }
});
