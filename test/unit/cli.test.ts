import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, TINY } from './helpers.js';

const CLI = join(ROOT, 'dist', 'cli.js');

function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--model', TINY, '--threads', '1', ...args], {
    input: input ?? '',
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help exits 0 and documents the markers', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\[sMASK\]/);
  assert.match(r.stdout, /--options/);
});

test('fills a text from an argument and prints it', () => {
  const r = cli(['--min-tokens', '2', '-n', '2', 'Hello [MASK] world']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Hello.+ world\n$/s);
  assert.doesNotMatch(r.stdout, /\[MASK\]/);
});

test('a fill holds text unless --no-require-content (the fixture model ends a span at once)', () => {
  const text = 'The quick brown fox [MASK] over the lazy dog.';
  const filled = cli([text]);
  assert.equal(filled.code, 0, filled.stderr);
  assert.match(filled.stdout, /^The quick brown fox\s*\S.* over the lazy dog\.\n$/s);
  const bare = cli(['--no-require-content', text]);
  assert.equal(bare.stdout, 'The quick brown fox over the lazy dog.\n');
});

test('reads standard input and prints JSON with spans, candidates and timings', () => {
  const r = cli(['--json', '--min-tokens', '3', '-n', '3', '-c', '2'], 'A [MASK] B [sMASK] C');
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.spans.length, 2);
  assert.equal(json.spans[0].candidates.length, 2);
  assert.equal(json.spans[1].kind, 'sentence');
  assert.ok(json.timings.tokensPerSecond > 0);
  assert.equal(json.model.device.used, 'cpu');
});

test('--options ranks fills', () => {
  const r = cli(['--options', 'yes|no', 'Is it [MASK]?']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => l.split('\t')[2]).sort(), ['no', 'yes']);
});

test('the loop rules as a user sets them: --block-repeated-ngrams and --no-end-at-likeliest', () => {
  // Without the guards the fixture model writes one token over and over.
  const fill = (...args: string[]): { tokens: number[]; stopReason: string } => {
    const r = cli(['--json', '--max-repeats', '0', '-n', '32', ...args, 'Hello [MASK] world']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).spans[0];
  };
  const bigrams = (t: number[]): string[] => t.slice(1).map((id, i) => `${t[i]} ${id}`);
  const loose = fill('--no-end-at-likeliest');
  assert.equal(loose.tokens.length, 32);
  assert.ok(new Set(bigrams(loose.tokens)).size < bigrams(loose.tokens).length, 'the fixture loops');
  const blocked = fill('--no-end-at-likeliest', '--block-repeated-ngrams', '2').tokens;
  assert.equal(new Set(bigrams(blocked)).size, bigrams(blocked).length, `a bigram repeats: ${blocked.join(' ')}`);
  const cut = fill(); // end at the likeliest end (default) cuts the loop back
  assert.ok(cut.tokens.length < loose.tokens.length && cut.stopReason === 'end', JSON.stringify(cut));
});

test('usage errors exit 2 with a message on stderr', () => {
  for (const [args, message] of [
    [['a [XMASK] b'], /Unknown mask marker \[XMASK\]/],
    [[''], /The text is empty/],
    [['--top-p', '2', 'x'], /top-p must be in/],
    [['--block-repeated-ngrams', '1', 'x'], /blocked repeated n-grams must be 0 \(off\) or an integer ≥ 2/],
    [['--options', 'only', 'x [MASK]'], /at least two non-empty fills/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--device', 'tpu', 'x'], /Allowed choices are auto, cpu/],
  ] as [string[], RegExp][]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});

test('a missing model exits 1', () => {
  const r = spawnSync(process.execPath, [CLI, '--model', '/nonexistent/model', 'x'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^glm-infill: Model folder \/nonexistent\/model does not exist/);
});

test('cuda on a machine without it: runs on the CPU and says why', () => {
  const r = cli(['--device', 'cuda', '--min-tokens', '1', '-n', '1', 'x [MASK]']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /running on cpu instead of cuda: cuda could not start/);
});
