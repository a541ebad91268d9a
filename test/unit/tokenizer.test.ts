import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Manifest } from '../../src/glm/manifest.js';
import { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { GlmError } from '../../src/glm/errors.js';
import { FIXTURES, TINY, fixture, tinyCopy } from './helpers.js';

const special = fixture<Manifest>('tiny/glm.json').specialTokens;
const cases = fixture<{ text: string; ids: number[] }[]>('tokenization.json');

test('tokenizer ids equal the Python fixtures', async () => {
  const tokenizer = await GlmTokenizer.load(join(TINY, 'tokenizer.json'), special);
  for (const c of cases) assert.deepEqual(tokenizer.encode(c.text), c.ids, JSON.stringify(c.text));
});

test('tokenizer round trip reproduces the text byte for byte', async () => {
  const tokenizer = await GlmTokenizer.load(join(TINY, 'tokenizer.json'), special);
  for (const c of cases) assert.equal(tokenizer.decode(tokenizer.encode(c.text)), c.text, JSON.stringify(c.text));
  assert.equal(tokenizer.decode([]), '');
});

test('the bracket-isolating tokenizer encodes as the Python fixtures, every bracket a token of its own', async () => {
  const tokenizer = await GlmTokenizer.load(join(FIXTURES, 'tokenizer-brackets.json'), special);
  for (const c of fixture<{ text: string; ids: number[] }[]>('tokenization-brackets.json')) {
    assert.deepEqual(tokenizer.encode(c.text), c.ids, JSON.stringify(c.text));
    assert.equal(tokenizer.decode(c.ids), c.text);
    for (const id of c.ids) {
      const piece = tokenizer.decode([id]).trim();
      assert.ok(
        piece.length === 1 || !/[()[\]{}]/.test(piece),
        `${JSON.stringify(piece)} in ${JSON.stringify(c.text)}`,
      );
    }
  }
});

test('special-token strings inside plain text are plain text', async () => {
  const tokenizer = await GlmTokenizer.load(join(TINY, 'tokenizer.json'), special);
  const text = 'a <|endoftext|> b [CLS] [MASK] <|endofpiece|>';
  const ids = tokenizer.encode(text);
  for (const id of Object.values(special)) assert.ok(!ids.includes(id), `id ${id} in ${ids.join(',')}`);
  assert.equal(tokenizer.decode(ids), text);
  assert.equal(tokenizer.decode([special.sop]), '<|startofpiece|>');
});

test('a tokenizer without the special tokens is refused, naming the file and the tokens', async () => {
  const { folder, cleanup } = await tinyCopy();
  try {
    const file = join(folder, 'tokenizer.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { added_tokens: unknown[] };
    json.added_tokens = [];
    await writeFile(file, JSON.stringify(json));
    await assert.rejects(GlmTokenizer.load(file, special), (error: unknown) => {
      assert.ok(error instanceof GlmError);
      assert.equal(error.code, 'model-invalid');
      assert.match(
        error.message,
        new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} lacks GLM's special tokens`),
      );
      assert.match(error.message, /\[gMASK\] is missing/);
      return true;
    });
  } finally {
    await cleanup();
  }
});

test('a special token with another id than glm.json says is refused', async () => {
  await assert.rejects(
    GlmTokenizer.load(join(TINY, 'tokenizer.json'), { ...special, eop: special.sop }),
    /<\|endofpiece\|> has id \d+ but glm.json says eop = \d+/,
  );
});
