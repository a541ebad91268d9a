// Marked text, the front end of the CLI and of these tests: what the model reads of it, and where the fills go back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InfillResult } from '../../src/glm/infill.js';
import { type MarkedText, inMarkedText, parseMarkers } from '../../src/glm/markers.js';
import { filledRange, placeBlanks, segmentsAround } from '../../src/glm/placement.js';

/** What the model reads of a marked text (the text around the blanks), and what each fill replaces in the source. */
function read(source: string, kindAtEnd?: 'sentence'): { segments: string[]; kinds: string[]; replaced: string[] } {
  const marked = parseMarkers(source, kindAtEnd);
  const placed = placeBlanks(marked);
  const replaced = placed.map((b, k) => {
    const marker = marked.markers[k] as { start: number; end: number };
    return source.slice(marker.start - b.space.length, marker.end);
  });
  return { segments: segmentsAround(marked.text, placed), kinds: placed.map((b) => b.kind), replaced };
}

/** The source with `fills[k]` written into blank k (none where it is undefined), through inMarkedText: the CLI's output. */
function filled(marked: MarkedText, fills: readonly (string | undefined)[]): string {
  const spans = placeBlanks(marked).map((blank, index) => ({
    index,
    ...filledRange(blank),
    text: fills[index] ?? '',
    unfilled: fills[index] === undefined,
  }));
  return inMarkedText(marked, { spans } as InfillResult).text;
}

test('markers become blanks of their kind; one space before a marker goes into the blank', () => {
  const { segments, kinds, replaced } = read('a [MASK] b[sMASK]  c [gMASK]');
  assert.deepEqual(segments, ['a', ' b', '  c', '']);
  assert.deepEqual(kinds, ['span', 'sentence', 'document']);
  assert.deepEqual(replaced, [' [MASK]', '[sMASK]', ' [gMASK]']);
});

test('an unknown mask marker is an input error naming the marker and its place', () => {
  assert.throws(() => parseMarkers('x [XMASK] y'), /Unknown mask marker \[XMASK\] at character 2/);
  assert.throws(() => parseMarkers('[mask]'), /Unknown mask marker \[mask\]/);
});

test('text without markers gets a blank of the given kind at its end (a document blank by default), taking a trailing space', () => {
  assert.deepEqual(read('Hello '), { segments: ['Hello', ''], kinds: ['document'], replaced: [' '] });
  assert.deepEqual(read('Hi', 'sentence').kinds, ['sentence']);
});

test('the fills go where the markers were, with the space each blank took; a blank not filled keeps its marker', () => {
  const marked = parseMarkers('The capital is [MASK]. It is [MASK].');
  assert.equal(filled(marked, [' Paris', ' big']), 'The capital is Paris. It is big.');
  assert.equal(filled(marked, [' Paris', undefined]), 'The capital is Paris. It is [MASK].');
});

test('marker-like words that index something are text; other near-misses stay errors that say how to escape', () => {
  const { segments, replaced } = read('y = x[mask] + arr[bitmask] + f(x)[Mask] + m[0][mask] + re[MASK]ing');
  assert.deepEqual(segments, ['y = x[mask] + arr[bitmask] + f(x)[Mask] + m[0][mask] + re', 'ing']);
  assert.deepEqual(replaced, ['[MASK]']);
  assert.throws(
    () => parseMarkers('y = [mask]'),
    /Unknown mask marker \[mask\] at character 4: .*write \\\[mask\] if it is text/,
  );
});

test('a backslash escapes a marker; two stand for one backslash before a blank', () => {
  const text = 'a \\[MASK] b \\\\[MASK] c \\[mask] d \\\\\\[gMASK]';
  const { segments, replaced } = read(text);
  // What the model reads: the escapes resolved. The blank's range is the marker alone (no space absorbed after "\").
  assert.deepEqual(segments, ['a [MASK] b \\', ' c [mask] d \\[gMASK]']);
  assert.deepEqual(replaced, ['[MASK]']);
  // The filled text keeps every character outside the blanks as written, backslashes included.
  assert.equal(filled(parseMarkers(text), ['X']), 'a \\[MASK] b \\\\X c \\[mask] d \\\\\\[gMASK]');
  // A text with escapes and no blank is read unescaped too, and continued at its end.
  assert.deepEqual(read('Write \\[MASK] for a blank ').segments, ['Write [MASK] for a blank', '']);
});
