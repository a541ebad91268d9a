import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Blank } from '../../src/glm/index.js';
import { newestSnapshots, parseSnapshot, restoreSnapshot, snapshotOf, textHash } from '../../src/fill/blankSnapshot.js';

const TEXT = [
  '# Notes',
  '',
  'The first paragraph has a word to fill here and goes on for a while.',
  'The second paragraph is about the weather, which was fine today.',
  'The third paragraph ends the notes with a last word.',
  '',
].join('\n');

/** A blank over the first occurrence of `word` after `from`. */
function blankAt(text: string, word: string, from = 0, kind: Blank['kind'] = 'span'): Blank {
  const start = text.indexOf(word, from);
  assert.ok(start >= 0, `${word} not in the text`);
  return { start, end: start + word.length, kind };
}

const texts = (text: string, blanks: readonly Blank[]): string[] => blanks.map((b) => text.slice(b.start, b.end));

test('the same text gives every blank back at its offsets and kind, with nothing dropped', () => {
  const blanks = [blankAt(TEXT, 'weather', 0, 'sentence'), blankAt(TEXT, 'word')];
  const snapshot = snapshotOf(TEXT, blanks, 1);
  assert.equal(snapshot.hash, textHash(TEXT));
  const restored = restoreSnapshot(snapshot, TEXT);
  assert.deepEqual(restored, { blanks: [blanks[1], blanks[0]], dropped: 0, moved: 0 });
});

test('text inserted before the blanks moves them; their text and kind are kept', () => {
  const blanks = [blankAt(TEXT, 'word'), blankAt(TEXT, 'weather', 0, 'sentence')];
  const changed = `Added on disk.\n${TEXT}`;
  const restored = restoreSnapshot(snapshotOf(TEXT, blanks, 1), changed);
  assert.equal(restored.dropped, 0);
  assert.equal(restored.moved, 2);
  assert.deepEqual(texts(changed, restored.blanks), ['word', 'weather']);
  assert.deepEqual(
    restored.blanks.map((b) => b.kind),
    ['span', 'sentence'],
  );
});

test('a blank whose own text an external edit changed is dropped; the others are kept where they now are', () => {
  const blanks = [blankAt(TEXT, 'word'), blankAt(TEXT, 'weather'), blankAt(TEXT, 'last word')];
  const changed = TEXT.replace('the weather', 'the climate').replace('# Notes', '# My notes');
  const restored = restoreSnapshot(snapshotOf(TEXT, blanks, 1), changed);
  assert.equal(restored.dropped, 1);
  assert.deepEqual(texts(changed, restored.blanks), ['word', 'last word']);
});

test('an edit that overlaps only part of a blank drops it', () => {
  const blanks = [blankAt(TEXT, 'fine today')];
  const restored = restoreSnapshot(snapshotOf(TEXT, blanks, 1), TEXT.replace('fine', 'great'));
  assert.deepEqual(restored, { blanks: [], dropped: 1, moved: 0 });
});

test('a neighbour changed on one side: the blank is found by its text and its other neighbour', () => {
  const blanks = [blankAt(TEXT, 'weather')];
  const changed = TEXT.replace('is about the ', 'talks about the ').replace('# Notes', '#  Notes');
  const restored = restoreSnapshot(snapshotOf(TEXT, blanks, 1), changed);
  assert.equal(restored.dropped, 0);
  assert.deepEqual(texts(changed, restored.blanks), ['weather']);
  assert.equal(restored.blanks[0]?.start, changed.indexOf('weather'));
});

test('both neighbours changed: the blank is dropped even though its word is still there', () => {
  const blanks = [blankAt(TEXT, 'weather')];
  const changed = TEXT.replace('is about the weather, which', 'covers the weather; it');
  const restored = restoreSnapshot(snapshotOf(TEXT, blanks, 1), changed);
  assert.deepEqual(restored, { blanks: [], dropped: 1, moved: 0 });
});

test('a repeated word is found by its neighbours, not by its first occurrence', () => {
  const text = 'the cat and the dog and the bird and the fish';
  const blanks = [blankAt(text, 'the', text.indexOf('the bird'))];
  const changed = `so ${text}`;
  const restored = restoreSnapshot(snapshotOf(text, blanks, 1), changed);
  assert.deepEqual(restored.blanks, [
    { start: changed.indexOf('the bird'), end: changed.indexOf('the bird') + 3, kind: 'span' },
  ]);
});

test('a blank that could stand in two places is dropped rather than guessed', () => {
  const before = 'This sentence comes right before the blank: ';
  const after = ' and this one comes after it, long enough to count.';
  const text = `${before}word${after}`;
  // The neighbour before changed, and the blank's text with the one after now stands twice.
  const changed = `${before.replace('blank:', 'gap:')}word${after}\nword${after}`;
  const restored = restoreSnapshot(snapshotOf(text, [blankAt(text, 'word')], 1), changed);
  assert.deepEqual(restored, { blanks: [], dropped: 1, moved: 0 });
  // Standing once, the same blank is found.
  const once = `${before.replace('blank:', 'gap:')}word${after}`;
  assert.deepEqual(texts(once, restoreSnapshot(snapshotOf(text, [blankAt(text, 'word')], 1), once).blanks), ['word']);
});

test('an empty blank (an insertion point) needs both neighbours', () => {
  const at = TEXT.indexOf(' today');
  const blanks: Blank[] = [{ start: at, end: at, kind: 'span' }];
  const moved = `Intro.\n${TEXT}`;
  assert.deepEqual(restoreSnapshot(snapshotOf(TEXT, blanks, 1), moved).blanks, [
    { start: at + 7, end: at + 7, kind: 'span' },
  ]);
  const typedAt = TEXT.slice(0, at) + ' and warm' + TEXT.slice(at);
  assert.equal(restoreSnapshot(snapshotOf(TEXT, blanks, 1), typedAt).dropped, 1);
});

test("a blank near the document's start keeps that anchor: text added before it leaves only the other side", () => {
  const blanks = [blankAt(TEXT, 'Notes')];
  const changed = TEXT.replace('# Notes', '## Notes');
  const restored = restoreSnapshot(snapshotOf(TEXT, blanks, 1), changed);
  assert.deepEqual(texts(changed, restored.blanks), ['Notes']);
  assert.equal(restored.blanks[0]?.start, 3);
});

test('an emptied file drops every blank', () => {
  const blanks = [blankAt(TEXT, 'word'), blankAt(TEXT, 'weather')];
  assert.deepEqual(restoreSnapshot(snapshotOf(TEXT, blanks, 1), ''), { blanks: [], dropped: 2, moved: 0 });
});

test('a snapshot survives JSON (workspace state) and a broken one is refused field by field', () => {
  const snapshot = snapshotOf(TEXT, [blankAt(TEXT, 'word')], 5);
  assert.deepEqual(parseSnapshot(JSON.parse(JSON.stringify(snapshot))), snapshot);
  for (const broken of [
    undefined,
    'text',
    { ...snapshot, hash: 1 },
    { ...snapshot, blanks: 'none' },
    { ...snapshot, blanks: [{ ...snapshot.blanks[0], kind: 'paragraph' }] },
    { ...snapshot, blanks: [{ ...snapshot.blanks[0], end: 2 }] },
    { ...snapshot, blanks: [{ ...snapshot.blanks[0], text: 'other' }] },
  ]) {
    assert.equal(parseSnapshot(broken), undefined, JSON.stringify(broken));
  }
});

test('a snapshot whose offsets lie past the end of its own text places nothing there', () => {
  const snapshot = snapshotOf(TEXT, [blankAt(TEXT, 'word')], 1);
  const [saved] = snapshot.blanks;
  assert.ok(saved);
  const lying = { ...snapshot, blanks: [{ ...saved, start: TEXT.length + 10, end: TEXT.length + 14 }] };
  assert.deepEqual(restoreSnapshot(lying, TEXT).blanks, [blankAt(TEXT, 'word')]);
});

test('only the most recently saved snapshots are kept', () => {
  const at = (savedAt: number) => snapshotOf(TEXT, [], savedAt);
  const kept = newestSnapshots({ a: at(1), b: at(3), c: at(2) }, 2);
  assert.deepEqual(Object.keys(kept).sort(), ['b', 'c']);
});
