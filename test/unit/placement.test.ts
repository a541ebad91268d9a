// Typed blanks (placement.ts): the one space rule, the text the model reads around them, and the edits of a fill.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlankKind } from '../../src/glm/blank.js';
import { applyEdits, fillEdit, optionFill, placeBlanks, segmentsAround } from '../../src/glm/placement.js';

const span = (start: number, end: number, kind: BlankKind = 'span') => ({ start, end, kind });

test("one space right before a blank is the blank's, unless it is the blank before it's own", () => {
  const text = 'a b  c\\d';
  // "b" after a space takes it, "c" after two takes one, "d" after a backslash takes none.
  const placed = placeBlanks({ text, blanks: [span(2, 3), span(5, 6), span(7, 8)] });
  assert.deepEqual(
    placed.map((b) => b.space),
    [' ', ' ', ''],
  );
  assert.deepEqual(segmentsAround(text, placed), ['a', ' ', '\\', '']);
  // The space is inside the first blank: the second does not take it.
  assert.deepEqual(
    placeBlanks({ text: 'a b', blanks: [span(0, 2), span(2, 2)] }).map((b) => b.space),
    ['', ''],
  );
  assert.deepEqual(
    placeBlanks({ text: ' x', blanks: [span(0, 0), span(1, 1)] }).map((b) => b.space),
    ['', ' '],
  );
  // The text is the caller's, as it is: marker-like text and backslashes are just text around a typed blank.
  const doc = 'path C:\\ and \\[MASK] text';
  assert.deepEqual(segmentsAround(doc, placeBlanks({ text: doc, blanks: [span(8, 8)] })), [
    'path C:\\',
    ' and \\[MASK] text',
  ]);
});

test("a fill changes only its blank when it brings the blank's space back, and the space too when it does not", () => {
  const [blank] = placeBlanks({ text: 'a b', blanks: [span(2, 3)] });
  assert.ok(blank);
  assert.deepEqual(fillEdit('a b', blank, ' c'), { start: 2, end: 3, text: 'c' });
  assert.deepEqual(fillEdit('a b', blank, 'c'), { start: 1, end: 3, text: 'c' });
  assert.deepEqual(fillEdit('a b', blank, '\nc'), { start: 1, end: 3, text: '\nc' });
  // The blank moved along an edit that removed its space: the text before it is left alone.
  assert.deepEqual(fillEdit('ab', { ...blank, start: 1, end: 2 }, ' c'), { start: 1, end: 2, text: ' c' });
  const [tight] = placeBlanks({ text: 'ab', blanks: [span(1, 2)] });
  assert.ok(tight);
  assert.deepEqual(fillEdit('ab', tight, 'c'), { start: 1, end: 2, text: 'c' });
  // Either edit gives the text the span's own range gives.
  for (const fill of [' c', 'c']) {
    const edit = fillEdit('a b', blank, fill);
    assert.equal(applyEdits('a b', [edit]), applyEdits('a b', [{ start: 1, end: 3, text: fill }]));
  }
});

test("an option gets its blank's space back unless it starts with whitespace", () => {
  const [spaced] = placeBlanks({ text: 'was cold', blanks: [span(4, 8)] });
  const [tight] = placeBlanks({ text: 'was(cold)', blanks: [span(4, 8)] });
  assert.ok(spaced && tight);
  assert.deepEqual(
    ['warm', ' warm', '\twarm'].map((o) => optionFill(spaced, o)),
    [' warm', ' warm', '\twarm'],
  );
  assert.equal(optionFill(tight, 'warm'), 'warm');
});

test('blanks out of order, overlapping or outside the text are refused, and a request needs one', () => {
  const text = 'one two three';
  assert.throws(() => placeBlanks({ text, blanks: [] }), /no blank/);
  assert.throws(
    () => placeBlanks({ text, blanks: [span(4, 7), span(6, 9)] }),
    /Blank 2 \(characters 6 to 9\).*none overlapping/,
  );
  assert.throws(() => placeBlanks({ text, blanks: [span(8, 13), span(0, 3)] }), /Blank 2 .*document order/);
  assert.throws(() => placeBlanks({ text, blanks: [span(8, 14)] }), /Blank 1 .*13-character text/);
  assert.throws(() => placeBlanks({ text, blanks: [span(3, 2)] }), /Blank 1/);
  assert.doesNotThrow(() => placeBlanks({ text, blanks: [span(0, 3), span(3, 3), span(3, 7)] }));
});
