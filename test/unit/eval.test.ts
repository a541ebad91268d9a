import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusBleu, editDistance, editSimilarity } from '../../src/cli/metrics.js';
import { FIXTURES, ROOT, TINY } from './helpers.js';

test('edit distance and similarity on hand-computed cases', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
  assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
  assert.equal(editSimilarity('', ''), 1);
  assert.equal(editSimilarity('abc', 'xyz'), 0);
});

test('corpus BLEU: identical text is 100, a brevity penalty applies, no 4-gram match is 0', () => {
  const ref = 'the cat sat on the mat today';
  assert.equal(corpusBleu([ref], [ref]), 100);
  // "the cat sat on the": precisions 1, brevity exp(1 - 7/5).
  assert.ok(Math.abs(corpusBleu(['the cat sat on the'], [ref]) - 100 * Math.exp(1 - 7 / 5)) < 1e-9);
  assert.equal(corpusBleu(['mat the on sat cat the'], [ref]), 0);
});

test('the evaluation command scores cases against their baseline and writes JSON', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'glm-eval-')), 'eval.json');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'dist', 'eval.js'), '--cases', join(FIXTURES, 'eval-cases.jsonl'), '--model', TINY, '--json', out],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| bucket \| blank \| n \|/);
  assert.match(r.stdout, /\| 50% \| 1 \|/);
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    cells: { bucket: string; kind: string; n: number; baselineExact: number; perplexity: number }[];
    examples: unknown[];
  };
  const short = result.cells.find((c) => c.bucket === 'code-python' && c.kind === 'short');
  assert.equal(short?.n, 1);
  assert.equal(short?.baselineExact, 1); // the baseline "a" is the original span
  assert.equal(result.cells.find((c) => c.bucket === 'code-python' && c.kind === 'line')?.baselineExact, 0);
  assert.ok(result.cells.every((c) => Number.isFinite(c.perplexity) && c.perplexity > 1));
  // A case whose text holds "[MASK]" is scored too: its blanks are offsets, and the marker-like text is plain text.
  assert.equal(result.examples.length, 4);
  assert.ok(result.examples.some((e) => (e as { id: string }).id === 'prose/short/0'));
});

test('two shards merged give the tables of the whole run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glm-eval-'));
  const run = (...args: string[]): void => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'eval.js'), ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  const common = [
    '--cases',
    join(FIXTURES, 'eval-cases.jsonl'),
    '--model',
    TINY,
    '-c',
    '3',
    '-t',
    '0.9',
    '--select',
    'consensus',
  ];
  run(...common, '--json', join(dir, 'whole.json'));
  run(...common, '--shard', '0/2', '--raw', join(dir, 'a.raw'));
  run(...common, '--shard', '1/2', '--raw', join(dir, 'b.raw'));
  run('--merge', join(dir, 'a.raw'), join(dir, 'b.raw'), '--json', join(dir, 'merged.json'));
  const read = (f: string): { cells: unknown[]; ratios: unknown[]; decoding: { select: string } } =>
    JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const whole = read('whole.json');
  const merged = read('merged.json');
  assert.deepEqual(merged.cells, whole.cells);
  assert.deepEqual(merged.ratios, whole.ratios);
  assert.equal(merged.decoding.select, 'consensus');
});
