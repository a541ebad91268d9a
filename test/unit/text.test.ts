import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowSegments, precutText } from '../../src/glm/window.js';
import { EchoWatch, sentenceEnd } from '../../src/glm/stopping.js';

test('window keeps the tokens nearest the blanks and never drops more than needed', () => {
  const before = Array.from({ length: 10 }, (_, i) => 100 + i);
  const middle = Array.from({ length: 10 }, (_, i) => 200 + i);
  const after = Array.from({ length: 10 }, (_, i) => 300 + i);
  const { segments, report } = windowSegments([before, middle, after], 12);
  assert.deepEqual(segments, [
    [107, 108, 109],
    [200, 201, 202, 207, 208, 209],
    [300, 301, 302],
  ]);
  assert.deepEqual(report, { textTokens: 30, keptTokens: 12 });
  assert.deepEqual(windowSegments([before, after], 40).segments, [before, after]);
  assert.equal(windowSegments([before, after], 0).report.keptTokens, 0);
});

test('window gives unused budget of a short side to the long side', () => {
  const { segments } = windowSegments([[1, 2], Array.from({ length: 20 }, (_, i) => i + 10)], 8);
  assert.deepEqual(segments, [
    [1, 2],
    [10, 11, 12, 13, 14, 15],
  ]);
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
