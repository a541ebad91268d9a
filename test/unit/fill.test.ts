// The editor-independent logic of the front ends (src/fill), in plain Node: no extension host needed.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InlineJournal } from '../../src/fill/inlineJournal.js';
import { SettingError, defaultModelFolder, modelFolder } from '../../src/fill/modelFolder.js';
import { mapRange, mapThrough } from '../../src/fill/offsetRange.js';
import { TypeThroughCache } from '../../src/fill/typeThroughCache.js';

test('a blank keeps its place through edits around it, and edits inside it are flagged', () => {
  const blank = { start: 10, end: 15 };
  assert.deepEqual(mapRange(blank, { start: 0, end: 0, length: 3 }), {
    start: 13,
    end: 18,
    touched: false,
    removed: false,
  });
  assert.deepEqual(mapRange(blank, { start: 20, end: 22, length: 0 }), {
    start: 10,
    end: 15,
    touched: false,
    removed: false,
  });
  assert.deepEqual(mapRange(blank, { start: 15, end: 15, length: 2 }), {
    start: 10,
    end: 15,
    touched: false,
    removed: false,
  });
  assert.deepEqual(mapRange(blank, { start: 10, end: 10, length: 2 }), {
    start: 12,
    end: 17,
    touched: false,
    removed: false,
  });
  assert.deepEqual(mapRange(blank, { start: 12, end: 12, length: 2 }), {
    start: 10,
    end: 17,
    touched: true,
    removed: false,
  });
  assert.deepEqual(mapRange(blank, { start: 8, end: 17, length: 1 }), {
    start: 9,
    end: 9,
    touched: true,
    removed: true,
  });
});

test('typing at an empty blank touches it, and the blank moves after the text', () => {
  assert.deepEqual(mapRange({ start: 5, end: 5 }, { start: 5, end: 5, length: 1 }), {
    start: 6,
    end: 6,
    touched: true,
    removed: false,
  });
});

test("one event's changes map the same whatever their order", () => {
  const changes = [
    { start: 0, end: 0, length: 2 },
    { start: 20, end: 21, length: 0 },
  ];
  assert.deepEqual(
    mapThrough({ start: 10, end: 12 }, changes),
    mapThrough({ start: 10, end: 12 }, [...changes].reverse()),
  );
  assert.deepEqual(mapThrough({ start: 10, end: 12 }, changes), { start: 12, end: 14, touched: false, removed: false });
});

test('the cache serves the rest of a suggestion while it is typed through', () => {
  const cache = new TypeThroughCache();
  const at = (text: string): { text: string; replaces: number } => ({ text, replaces: 0 });
  cache.remember('u', 'Hello', '', [at(' world')]);
  assert.deepEqual(cache.lookup('u', 'Hello', ''), [at(' world')]);
  assert.deepEqual(cache.lookup('u', 'Hello wo', ''), [at('rld')]);
  assert.equal(cache.lookup('u', 'Hello x', ''), undefined);
  assert.equal(cache.lookup('v', 'Hello', ''), undefined);
  assert.equal(cache.lookup('u', 'Hello', 'changed'), undefined);
  cache.clear();
  assert.equal(cache.lookup('u', 'Hello', ''), undefined);
});

test('the cache keeps, in their order, the suggestions that still match what was typed', () => {
  const cache = new TypeThroughCache();
  const items = [
    { text: ' world', replaces: 0 },
    { text: ' there', replaces: 0 },
    { text: ' wonder', replaces: 0 },
    { text: ', you', replaces: 1 }, // replaces the space before the cursor
  ];
  cache.remember('u', 'Hello ', '', items);
  assert.deepEqual(cache.lookup('u', 'Hello ', ''), items, 'asked again in place (Alt+]): all of them, as they were');
  assert.deepEqual(cache.lookup('u', 'Hello  wo', ''), [
    { text: 'rld', replaces: 0 },
    { text: 'nder', replaces: 0 },
  ]);
  assert.deepEqual(cache.lookup('u', 'Hello  t', ''), [{ text: 'here', replaces: 0 }]);
  assert.equal(cache.lookup('u', 'Hello  x', ''), undefined);
  cache.remember('u', 'Other', '', [{ text: '', replaces: 0 }]);
  assert.equal(cache.lookup('u', 'Hello ', ''), undefined, 'a request with nothing to show forgets the last one');
});

test('the inline journal keeps the last outcome, stamped by its clock', () => {
  let now = new Date('2026-01-01T10:00:00Z');
  const journal = new InlineJournal(() => now);
  assert.equal(journal.lastOutcome, undefined);
  journal.record(false, 'inline suggestions are off', 'Turn them on.');
  now = new Date('2026-01-01T10:00:05Z');
  journal.record(true, 'shown');
  assert.deepEqual(journal.lastOutcome, { at: now, shown: true, reason: 'shown' });
});

test('the model folder: the shipped model when the setting is empty, else the absolute or ~ path it names', () => {
  assert.equal(defaultModelFolder('/ext'), join('/ext', 'models', 'default'));
  assert.equal(modelFolder('  ', '/ext'), join('/ext', 'models', 'default'));
  assert.equal(modelFolder('/models/mine', '/ext'), '/models/mine');
  assert.equal(modelFolder('~/models/mine', '/ext'), join(homedir(), 'models/mine'));
  assert.throws(
    () => modelFolder('models/mine', '/ext'),
    (e: unknown) => e instanceof SettingError && /not an absolute folder path/.test(e.message),
  );
});
