import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cacheWeight, countBin, mixCache } from '../../src/glm/cacheMixture.js';
import { ContextCache, MAX_ORDER, mergedPrediction } from '../../src/glm/contextCache.js';
import { readContextFiles } from '../../src/glm/contextFiles.js';
import { buildContextCache, paragraphs } from '../../src/glm/cacheSources.js';
import type { SpecialTokens } from '../../src/glm/manifest.js';
import { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { TINY } from './helpers.js';
import { logNormalizer } from '../../src/glm/processors.js';

const VOCAB = 100;

test('the cache answers from the longest matching context', () => {
  // 1 2 3 → 4 twice, but after 9 2 3 comes 7: a query ending 9 2 3 must see only 7.
  const cache = ContextCache.build(
    [
      [1, 2, 3, 4, 5, 1, 2, 3, 4],
      [9, 2, 3, 7],
    ],
    VOCAB,
  );
  assert.deepEqual(cache.predict([9, 2, 3]), { order: 3, total: 1, counts: new Map([[7, 1]]) });
  assert.deepEqual(cache.predict([1, 2, 3]), { order: 3, total: 2, counts: new Map([[4, 2]]) });
  // Only the last two tokens match anywhere: all three occurrences of "2 3" count.
  assert.deepEqual(cache.predict([8, 2, 3]), {
    order: 2,
    total: 3,
    counts: new Map([
      [4, 2],
      [7, 1],
    ]),
  });
  // The last token alone: order 1.
  assert.deepEqual(cache.predict([8, 5]), { order: 1, total: 1, counts: new Map([[1, 1]]) });
  assert.equal(cache.predict([42]), undefined);
  assert.equal(cache.predict([]), undefined);
});

test('a match never runs across two sequences, and the last token of a sequence predicts nothing', () => {
  const cache = ContextCache.build(
    [
      [1, 2],
      [3, 4],
    ],
    VOCAB,
  );
  // "2" ends the first sequence: nothing follows it, so it is not in the index.
  assert.equal(cache.predict([2]), undefined);
  assert.deepEqual(cache.predict([2, 3]), { order: 1, total: 1, counts: new Map([[4, 1]]) });
});

test('matches are extended up to MAX_ORDER tokens', () => {
  const long = Array.from({ length: 20 }, (_, i) => i + 1);
  const cache = ContextCache.build([long], VOCAB);
  assert.equal(cache.predict(long.slice(0, 15))?.order, MAX_ORDER);
  assert.deepEqual([...(cache.predict(long.slice(0, 15))?.counts ?? [])], [[16, 1]]);
});

test("the mixture is a distribution that keeps the model's end probability", () => {
  const logits = Float32Array.from([2, 0, 1, -1, 0.5]);
  const end = 4;
  const prediction = {
    order: 3,
    total: 4,
    counts: new Map([
      [1, 3],
      [3, 1],
    ]),
  };
  const mixed = mixCache(logits, prediction, 0.5, [end]);
  const close = (a: number, b: number, what: string): void =>
    assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);
  close(logNormalizer(mixed), 0, 'probabilities sum to 1');
  const model = [...logits].map((l) => Math.exp(l - logNormalizer(logits)));
  close(Math.exp(mixed[end] as number), model[end] as number, 'end probability');
  close(
    Math.exp(mixed[1] as number),
    0.5 * (model[1] as number) + 0.5 * (1 - (model[end] as number)) * 0.75,
    'mixed token',
  );
  // The token the cache saw three times overtakes the model's favourite.
  assert.ok((mixed[1] as number) > (mixed[0] as number));
});

test('the weight follows the blank group, the matched length and the count', () => {
  const weights = {
    span: Array.from({ length: MAX_ORDER }, (_, i) => [i / 10, i / 10 + 0.01, i / 10 + 0.02]),
    long: Array.from({ length: MAX_ORDER }, () => [0, 0, 0]),
  };
  assert.equal(countBin(1), 0);
  assert.equal(countBin(3), 1);
  assert.equal(countBin(40), 2);
  assert.ok(Math.abs(cacheWeight(weights, 'span', { order: 5, total: 6, counts: new Map() }) - 0.42) < 1e-12);
  assert.equal(cacheWeight(weights, 'sentence', { order: 5, total: 6, counts: new Map() }), 0);
});

test('context files that cannot be used are skipped with the reason; the others are read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glm-context-'));
  try {
    const good = join(dir, 'good.ts');
    const binary = join(dir, 'image.png');
    const latin1 = join(dir, 'latin1.txt');
    const big = join(dir, 'big.txt');
    const fifo = join(dir, 'pipe');
    await writeFile(good, 'export const answer = 42;\n');
    await writeFile(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
    await writeFile(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    await writeFile(big, 'x'.repeat(2000));
    execFileSync('mkfifo', [fifo]);
    const { texts, skipped } = await readContextFiles(
      [good, binary, latin1, big, fifo, join(dir, 'gone.ts'), dir],
      1000,
    );
    assert.deepEqual(texts, ['export const answer = 42;\n']);
    assert.deepEqual(
      skipped.map((s) => [s.path, s.reason]),
      [
        [binary, 'binary (holds NUL bytes)'],
        [latin1, 'not UTF-8 text'],
        [big, '2000 bytes, over the 1000-byte limit for context files'],
        [fifo, 'not a regular file'],
        [join(dir, 'gone.ts'), 'cannot be read: ENOENT'],
        [dir, 'not a regular file'],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('two indexes answer as one: the longer match wins, equal matches pool their occurrences', () => {
  const a = { order: 3, total: 2, counts: new Map([[7, 2]]) };
  const b = {
    order: 3,
    total: 1,
    counts: new Map([
      [7, 1],
      [9, 1],
    ]),
  };
  assert.deepEqual(mergedPrediction(a, b), {
    order: 3,
    total: 3,
    counts: new Map([
      [7, 3],
      [9, 1],
    ]),
  });
  assert.equal(mergedPrediction(a, { ...b, order: 5 })?.order, 5);
  assert.equal(mergedPrediction(a, { ...b, order: 2 }), a);
  assert.equal(mergedPrediction(undefined, b), b);
  assert.equal(mergedPrediction(a, undefined), a);
  // The same texts split over two indexes predict what one index over all of them does.
  const one = ContextCache.build(
    [
      [1, 2, 3, 4],
      [5, 2, 3, 6],
    ],
    VOCAB,
  );
  const left = ContextCache.build([[1, 2, 3, 4]], VOCAB);
  const right = ContextCache.build([[5, 2, 3, 6]], VOCAB);
  assert.deepEqual(mergedPrediction(left.predict([2, 3]), right.predict([2, 3])), one.predict([2, 3]));
});

test('the document is cut into paragraphs that put the text back together, none over the limit', () => {
  const text = 'a = 1\n\nb = 2\nc = 3\n\n\n' + 'x = 1\n'.repeat(1500) + 'no line break '.repeat(400);
  const pieces = paragraphs(text);
  assert.equal(pieces.join(''), text);
  assert.deepEqual(pieces.slice(0, 2), ['a = 1\n\n', 'b = 2\nc = 3\n\n']);
  assert.ok(
    pieces.every((p) => p.length <= 4000),
    'no piece over 4000 characters',
  );
  assert.ok(
    pieces.slice(2, -2).every((p) => p.endsWith('\n')),
    'long paragraphs are cut at line breaks',
  );
});

test('the tokenization memo does not keep the document versions its paragraphs were cut from', async () => {
  // A user types in a large file: every request indexes a new version of the document, whose edited paragraph is
  // a new memo key. The memo may keep that paragraph, never the ~1 MB version around it.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const manifest = JSON.parse(await readFile(join(TINY, 'glm.json'), 'utf8')) as { specialTokens: SpecialTokens };
  const tokenizer = await GlmTokenizer.load(join(TINY, 'tokenizer.json'), manifest.specialTokens);
  const filler = 'the blank was filled and then the text went on\n'.repeat(4).concat('\n');
  const body = filler.repeat(Math.ceil(1_000_000 / filler.length));
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let version = 0; version < 40; version++) {
    const document = `edit number ${version} of the paragraph being typed\n\n${body}`;
    buildContextCache(tokenizer, [document.slice(0, 200), ''], []);
  }
  collect();
  const retainedMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  // 40 versions of about 1 MB each: kept, they would be 40 MiB or more.
  assert.ok(retainedMiB < 10, `${retainedMiB.toFixed(1)} MiB kept after 40 document versions`);
});
