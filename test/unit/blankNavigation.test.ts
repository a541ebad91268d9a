import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepBlank } from '../../src/fill/blankNavigation.js';
import { fillAnnouncement, quoted, stepAnnouncement } from '../../src/fill/fillAnnouncement.js';
import { rangesAfterEdits } from '../../src/fill/editedRanges.js';

const FIRST = { start: 10, end: 14 };
const EMPTY = { start: 30, end: 30 };
const LAST = { start: 50, end: 60 };
const BLANKS = [FIRST, EMPTY, LAST];
const cursor = (at: number) => ({ start: at, end: at });

test('next goes to the first blank after the cursor and wraps from the last to the first', () => {
  assert.deepEqual(stepBlank(BLANKS, cursor(0), 'next'), { index: 0, wrapped: false });
  assert.deepEqual(stepBlank(BLANKS, cursor(20), 'next'), { index: 1, wrapped: false });
  assert.deepEqual(stepBlank(BLANKS, LAST, 'next'), { index: 0, wrapped: true });
  assert.deepEqual(stepBlank(BLANKS, cursor(70), 'next'), { index: 0, wrapped: true });
});

test('next from a selected blank goes to the one after it, also from an empty blank', () => {
  assert.deepEqual(stepBlank(BLANKS, FIRST, 'next'), { index: 1, wrapped: false });
  assert.deepEqual(stepBlank(BLANKS, EMPTY, 'next'), { index: 2, wrapped: false });
  // A cursor at a non-empty blank's start: next selects that blank.
  assert.deepEqual(stepBlank(BLANKS, cursor(50), 'next'), { index: 2, wrapped: false });
});

test('previous goes back, to the start of the blank the cursor is in, and wraps from the first to the last', () => {
  assert.deepEqual(stepBlank(BLANKS, LAST, 'previous'), { index: 1, wrapped: false });
  assert.deepEqual(stepBlank(BLANKS, cursor(55), 'previous'), { index: 2, wrapped: false });
  assert.deepEqual(stepBlank(BLANKS, FIRST, 'previous'), { index: 2, wrapped: true });
  assert.deepEqual(stepBlank(BLANKS, cursor(5), 'previous'), { index: 2, wrapped: true });
});

test('no blanks: no step', () => {
  assert.equal(stepBlank([], cursor(0), 'next'), undefined);
  assert.equal(stepBlank([], cursor(0), 'previous'), undefined);
});

test('a fill is announced blank by blank, with the ones that kept their text', () => {
  assert.equal(fillAnnouncement(['foo', ' bar baz']), 'GLM Infill filled 2 blanks: 1 "foo", 2 "bar baz".');
  assert.equal(fillAnnouncement(['only']), 'GLM Infill filled the blank: "only".');
  assert.equal(
    fillAnnouncement(['a', undefined, 'c']),
    'GLM Infill filled 2 of 3 blanks: 1 "a", 3 "c". Blank 2 kept its text.',
  );
  assert.equal(fillAnnouncement([undefined, undefined]), 'GLM Infill wrote nothing: every blank kept its text.');
});

test('quoted text is one line, cut with an ellipsis, and says when it is empty', () => {
  assert.equal(quoted('two\n  lines'), '"two lines"');
  assert.equal(quoted('x'.repeat(100), 10), `"${'x'.repeat(9)}…"`);
  assert.equal(quoted(''), '(empty)');
  assert.equal(quoted(' \n'), '(whitespace)');
});

test('a step is announced with its number, count, line and text', () => {
  assert.equal(stepAnnouncement('Blank', 1, 3, 7, 'foo', false), 'Blank 2 of 3, line 7: "foo"');
  assert.equal(stepAnnouncement('Blank', 0, 3, 2, '', true), 'Blank 1 of 3, line 2: (empty) (wrapped around)');
});

test('written ranges shift by what the edits before them added or removed', () => {
  const edits = [
    { start: 5, end: 10, text: 'ab' }, // 5 characters become 2: later text moves 3 left
    { start: 20, end: 20, text: 'xyz' }, // an insertion: later text moves 3 right again
    { start: 30, end: 31, text: 'q' },
  ];
  assert.deepEqual(rangesAfterEdits(edits), [
    { start: 5, end: 7 },
    { start: 17, end: 20 },
    { start: 30, end: 31 },
  ]);
});
