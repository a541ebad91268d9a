import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, TINY } from './helpers.js';

// The CLI as a user runs it on awkward text: bytes that are not UTF-8, marker-like code, characters that span tokens,
// and more blanks than the model has room for.
const CLI = join(ROOT, 'dist', 'cli.js');
const DEFAULT = join(ROOT, 'models', 'default');

function cli(
  args: string[],
  input: string | Buffer = '',
  model = TINY,
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--model', model, '--threads', '1', ...args], {
    input,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('text that is not UTF-8 is refused with the byte offset (stdin and --file), never rewritten to U+FFFD', () => {
  const latin1 = Buffer.from([...Buffer.from('caf'), 0xe9, ...Buffer.from(' [MASK].')]);
  const piped = cli([], latin1);
  assert.equal(piped.code, 2, piped.stderr);
  assert.match(piped.stderr, /standard input is not UTF-8: byte 3 \(0xE9\)/);
  assert.equal(piped.stdout, '');
  const dir = mkdtempSync(join(tmpdir(), 'glm-cli-'));
  try {
    const file = join(dir, 'surrogate.txt');
    writeFileSync(file, Buffer.concat([Buffer.from('ok [MASK] '), Buffer.from([0xed, 0xa0, 0x80])])); // a lone surrogate (WTF-8)
    const r = cli(['--file', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /surrogate\.txt is not UTF-8: byte 10 \(0xED\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A U+FFFD written in the text is text: it passes through byte for byte.
  const kept = cli(['--min-tokens', '1', '-n', '1'], 'a\uFFFDb [MASK] c\n');
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /^a\uFFFDb.+ c\n$/su);
});

test("NumPy's x[mask] is text; \\[MASK] escapes a marker and stays in the output as written", () => {
  const code = cli(['--min-tokens', '1', '-n', '2', 'y = x[mask] + arr[bitmask] + [MASK]']);
  assert.equal(code.code, 0, code.stderr);
  assert.match(code.stdout, /^y = x\[mask\] \+ arr\[bitmask\] \+.+\n$/s);
  const escaped = cli(['--min-tokens', '1', '-n', '2', 'Write \\[MASK] for a blank, like [MASK].']);
  assert.equal(escaped.code, 0, escaped.stderr);
  assert.match(escaped.stdout, /^Write \\\[MASK\] for a blank, like.+\.\n$/s);
  const doubled = cli(['--json', '--min-tokens', '1', '-n', '1', 'C:\\\\[MASK]']);
  assert.equal(JSON.parse(doubled.stdout).spans.length, 1, 'two backslashes: a backslash and a blank');
  const typo = cli(['Apply the [mask] here.']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /Unknown mask marker \[mask\] at character 10: .*write \\\[mask\] if it is text/);
});

test('a blank that got no text keeps its marker, is named on stderr, and the exit code is 1', () => {
  // 42 blanks on 128 positions: two each. Sampling gives some a whitespace token only, which is no text.
  const text = '\n[MASK]'.repeat(42);
  const r = cli(['-t', '1', '--seed', '1', text]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^glm-infill: Blanks 3, 23 got no text .*positions ran out/);
  assert.equal(r.stdout.split('[MASK]').length - 1, 2, 'the two markers are kept');
});

test('14 document blanks in one long text: every blank gets text (the positions are shared out)', () => {
  const words = 'the of and to in is that for it as with was on be by this are from at or an which have not'.split(' ');
  const paragraph = (k: number): string =>
    Array.from({ length: 350 }, (_, i) => words[(i * 7 + k * 13) % words.length]).join(' ');
  const text = Array.from({ length: 15 }, (_, k) => paragraph(k)).join(' [gMASK] ');
  const r = cli(['--json'], text, DEFAULT);
  assert.equal(r.code, 0, r.stderr);
  const spans = JSON.parse(r.stdout).spans as { text: string; unfilled: boolean }[];
  assert.equal(spans.length, 14);
  for (const [i, span] of spans.entries())
    assert.ok(!span.unfilled && span.text.trim() !== '', `blank ${i + 1}: ${JSON.stringify(span)}`);
});

test('a fill ends on a character boundary: no U+FFFD after CJK text, even at -n 1', () => {
  for (const seed of ['1', '2']) {
    const r = cli([
      '--json',
      '-n',
      '1',
      '-t',
      '1.5',
      '--seed',
      seed,
      '日本語のテキスト[MASK]。絵文字 [MASK] 🎉[sMASK]',
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const span of JSON.parse(r.stdout).spans as { text: string }[])
      assert.doesNotMatch(span.text, /\uFFFD/u, `seed ${seed}`);
  }
  const shipped = cli(['-n', '1', '日本語のテキスト[MASK]'], '', DEFAULT);
  assert.equal(shipped.code, 0, shipped.stderr);
  assert.doesNotMatch(shipped.stdout, /\uFFFD/u);
});

test('token healing with -n 1 still gives text: the re-generated word token is not counted', () => {
  const r = cli(['--json', '-n', '1', '--token-healing', 'self.cou[MASK]'], '', DEFAULT);
  assert.equal(r.code, 0, r.stderr);
  const [span] = JSON.parse(r.stdout).spans as { text: string; tokens: number[] }[];
  assert.ok(span !== undefined && span.text.trim() !== '', JSON.stringify(span));
  assert.ok(span.tokens.length <= 2);
});
