import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markDocument } from '../../src/editor/blankText.js';
import { ensureBlank, fillText, parseMarkers } from '../../src/glm/markers.js';
import { windowSegments, precutText } from '../../src/glm/window.js';
import { EchoWatch, sentenceEnd } from '../../src/glm/stopping.js';

test('markers become blanks of their kind; one space before a marker goes into the blank', () => {
  const text = 'a [MASK] b[sMASK]  c [gMASK]';
  const { segments, blanks } = parseMarkers(text);
  assert.deepEqual(segments, ['a', ' b', '  c', '']);
  assert.deepEqual(blanks.map((b) => b.kind), ['span', 'sentence', 'document']);
  assert.deepEqual(blanks.map((b) => text.slice(b.start, b.end)), [' [MASK]', '[sMASK]', ' [gMASK]']);
});

test('an unknown mask marker is an input error naming the marker and its place', () => {
  assert.throws(() => parseMarkers('x [XMASK] y'), /Unknown mask marker \[XMASK\] at character 2/);
  assert.throws(() => parseMarkers('[mask]'), /Unknown mask marker \[mask\]/);
});

test('text without markers gets a blank of the mode at its end, absorbing a trailing space', () => {
  const text = 'Hello ';
  const marked = ensureBlank(parseMarkers(text), text);
  assert.deepEqual(marked.segments, ['Hello', '']);
  assert.deepEqual(marked.blanks, [{ kind: 'document', start: 5, end: 6 }]);
  assert.equal(ensureBlank(parseMarkers('Hi'), 'Hi', 'sentence').blanks[0]?.kind, 'sentence');
});

test('fillText replaces each blank range by its fill', () => {
  const text = 'The capital is [MASK]. It is [MASK].';
  const { blanks } = parseMarkers(text);
  assert.equal(fillText(text, blanks, [' Paris', ' big']), 'The capital is Paris. It is big.');
  assert.equal(fillText(text, blanks.slice(0, 1), [' Paris']), 'The capital is Paris. It is [MASK].');
});

test('window keeps the tokens nearest the blanks and never drops more than needed', () => {
  const before = Array.from({ length: 10 }, (_, i) => 100 + i);
  const middle = Array.from({ length: 10 }, (_, i) => 200 + i);
  const after = Array.from({ length: 10 }, (_, i) => 300 + i);
  const { segments, report } = windowSegments([before, middle, after], 12);
  assert.deepEqual(segments, [[107, 108, 109], [200, 201, 202, 207, 208, 209], [300, 301, 302]]);
  assert.deepEqual(report, { textTokens: 30, keptTokens: 12 });
  assert.deepEqual(windowSegments([before, after], 40).segments, [before, after]);
  assert.equal(windowSegments([before, after], 0).report.keptTokens, 0);
});

test('window gives unused budget of a short side to the long side', () => {
  const { segments } = windowSegments([[1, 2], Array.from({ length: 20 }, (_, i) => i + 10)], 8);
  assert.deepEqual(segments, [[1, 2], [10, 11, 12, 13, 14, 15]]);
});

test('precut keeps the characters next to the blanks', () => {
  assert.deepEqual(precutText(['abcdef', 'ghijkl', 'mnopqr'], 2), ['ef', 'ghkl', 'mn']);
});

test('sentence end: a terminator followed by whitespace, a CJK full stop, or a line break', () => {
  assert.equal(sentenceEnd(' return a + b\n    '), 13); // a line of code is a sentence
  assert.equal(sentenceEnd('x = 1\r\ny'), 5);
  assert.equal(sentenceEnd('\n    return x'), -1); // a fill may start with its line break
  assert.equal(sentenceEnd('\n    return x\n'), 13);
  assert.equal(sentenceEnd('}\n'), 1);
  assert.equal(sentenceEnd(' It rained.'), -1); // the next token decides
  assert.equal(sentenceEnd(' It rained. Then'), 11);
  assert.equal(sentenceEnd(' Pi is 3.14 exactly'), -1);
  assert.equal(sentenceEnd(' He said "go." Then'), 14);
  assert.equal(sentenceEnd('下雨了。'), 4);
  assert.equal(sentenceEnd('. x'), -1); // no content before the stop
});

/** Feeds a whole fill to an EchoWatch token by token (`prefixLengths[i]`: text length after token i): tokens to keep, or -1. */
function echoStart(text: string, prefixLengths: readonly number[], after: string): number {
  const watch = new EchoWatch<number>(after);
  for (let i = 0; i < prefixLengths.length; i++) {
    const kept = watch.next(text.slice(0, prefixLengths[i]), i === 0 ? 0 : (prefixLengths[i - 1] as number), i);
    if (kept !== undefined) return kept;
  }
  return -1;
}

test('echo: where a fill starts to repeat the text after its blank, at a token boundary, after some content', () => {
  // Tokens "count", " +=", " 1": text lengths after each token 5, 8, 10.
  assert.equal(echoStart('count += 1', [5, 8, 10], ' += 1\nprint(x)'), 1);
  assert.equal(echoStart('count +=', [5, 8], ' += 1'), -1); // two characters of " += 1" repeated are not yet an echo
  assert.equal(echoStart('count -= 1', [5, 8, 10], ' += 1'), -1); // not the text after the blank
  assert.equal(echoStart(' += 1', [3, 5], ' += 1'), -1); // nothing would be left of the fill
  assert.equal(echoStart('a\n}\n}', [1, 3, 5], '\n}\n}\n'), -1); // whitespace and one bracket: too short to be sure
  assert.equal(echoStart('x) {\n  y', [1, 4, 9], ') {\n  y;\n}'), 1);
});

test('marker-like words that index something are text; other near-misses stay errors that say how to escape', () => {
  const text = 'y = x[mask] + arr[bitmask] + f(x)[Mask] + m[0][mask] + re[MASK]ing';
  const { segments, blanks } = parseMarkers(text);
  assert.deepEqual(segments, ['y = x[mask] + arr[bitmask] + f(x)[Mask] + m[0][mask] + re', 'ing']);
  assert.deepEqual(blanks.map((b) => text.slice(b.start, b.end)), ['[MASK]']);
  assert.throws(() => parseMarkers('y = [mask]'), /Unknown mask marker \[mask\] at character 4: .*write \\\[mask\] if it is text/);
});

test('a backslash escapes a marker; two stand for one backslash before a blank', () => {
  const text = 'a \\[MASK] b \\\\[MASK] c \\[mask] d \\\\\\[gMASK]';
  const { segments, blanks } = parseMarkers(text);
  // What the model reads: the escapes resolved. The blank's range is the marker alone (no space absorbed after "\").
  assert.deepEqual(segments, ['a [MASK] b \\', ' c [mask] d \\[gMASK]']);
  assert.deepEqual(blanks.map((b) => text.slice(b.start, b.end)), ['[MASK]']);
  // The filled text keeps every character outside the blanks as written, backslashes included.
  assert.equal(fillText(text, blanks, ['X']), 'a \\[MASK] b \\\\X c \\[mask] d \\\\\\[gMASK]');
});

test('the editor doubles a backslash right before a blank it marks, so the core reads a backslash and a blank', () => {
  const doc = 'path C:\\ and \\[MASK] text';
  const marked = markDocument(doc, [{ start: 8, end: 8, kind: 'span' }]);
  const { segments, blanks } = parseMarkers(marked.text);
  assert.equal(blanks.length, 1);
  assert.equal(blanks[0]?.start, marked.markerOffsets[0]);
  assert.equal(segments[0], 'path C:\\');
  assert.match(segments[1] ?? '', /^ and \\\[\u200BMASK\] text$/u);
});
