import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type GlmModel, infill, loadModel, parseMarkers, rankOptions } from '../../src/glm/index.js';
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
  const cases = JSON.parse(readFileSync(join(DEFAULT, 'tokenization-check.json'), 'utf8')) as {
    text: string;
    ids: number[];
  }[];
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
    (await rankOptions(model, parseMarkers(text), options)).options[0]?.option;
  assert.equal(await best('import numpy as [MASK]\n\nx = np.zeros(3)\n', ['np', 'pd']), 'np');
  assert.equal(
    await best('items = [3, 1, 2]\nfor i in range(len([MASK])):\n    print(items[i])\n', ['items', 'len', 'range']),
    'items',
  );
  const config =
    'def parse_config(path):\n    with open(path) as f:\n        return json.load(f)\n\nsettings = [MASK]("settings.json")\n';
  assert.equal(await best(config, ['parse_config', 'open', 'print']), 'parse_config');
  assert.equal(await best('let name = "world";\nprintln!("Hello, {}!", [MASK]);\n', ['name', 'world']), 'name');
  assert.equal(
    await best('## Install\n\nRun `npm [MASK]` to install the dependencies.\n', ['install', 'test', 'start']),
    'install',
  );
});

test('default model: a greedy fill names the attribute the class defines, and stops before the text after it', async () => {
  const text =
    'class Counter:\n    def __init__(self):\n        self.count = 0\n\n    def increment(self):\n        self.[MASK] += 1\n';
  assert.equal((await infill(model, parseMarkers(text), { maxTokens: 16 })).spans[0]?.text, 'count');
});

test('default model: a greedy fill calls the function defined above', async () => {
  const text =
    'def parse_config(path):\n    with open(path) as f:\n        return json.load(f)\n\nsettings = [MASK]("settings.json")\n';
  assert.equal((await infill(model, parseMarkers(text), { maxTokens: 16 })).spans[0]?.text, ' parse_config');
});

test('default model: greedy span fills end where ending was likeliest, not where the model ran on to', async () => {
  const alias = 'import numpy as [MASK]\n\nx = np.zeros(3)\n';
  const command = '## Install\n\nRun `npm [MASK]` to install the dependencies.\n';
  assert.equal((await infill(model, parseMarkers(alias), { maxTokens: 16 })).spans[0]?.text, ' np');
  assert.equal((await infill(model, parseMarkers(command), { maxTokens: 16 })).spans[0]?.text, ' install');
  // The run-ons the rule cuts back (the model card's fills before it; the model alone, without the context cache).
  const alone = { maxTokens: 16, endAtLikeliest: false, contextCache: false };
  assert.equal((await infill(model, parseMarkers(alias), alone)).spans[0]?.text, ' np.zeros(3))');
  assert.equal((await infill(model, parseMarkers(command), alone)).spans[0]?.text, ' install install install');
});

test('default model: a fill is generated for each blank kind', async () => {
  for (const text of [
    'const total = items.reduce((sum, x) => sum + x, [MASK]);',
    'Python is a language. [sMASK] It is popular.',
    'def f(x):\n[gMASK]',
  ]) {
    const result = await infill(model, parseMarkers(text), { maxTokens: 16 });
    assert.equal(result.spans.length, 1);
    assert.ok(result.spans[0]?.tokens.length, `no tokens for ${JSON.stringify(text)}`);
    assert.match(result.spans[0]?.text ?? '', /\S/, `a whitespace-only fill for ${JSON.stringify(text)}`);
  }
});
