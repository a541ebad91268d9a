import * as assert from 'node:assert/strict';
import { mapRange, mapThrough } from '../../src/editor/offsetRange.js';
import { TypeThroughCache } from '../../src/editor/typeThroughCache.js';

describe('range mapping, cache (pure)', () => {
  it('keeps a blank in place through edits around it and flags edits inside it', () => {
    const blank = { start: 10, end: 15 };
    assert.deepEqual(mapRange(blank, { start: 0, end: 0, length: 3 }), { start: 13, end: 18, touched: false, removed: false });
    assert.deepEqual(mapRange(blank, { start: 20, end: 22, length: 0 }), { start: 10, end: 15, touched: false, removed: false });
    assert.deepEqual(mapRange(blank, { start: 15, end: 15, length: 2 }), { start: 10, end: 15, touched: false, removed: false });
    assert.deepEqual(mapRange(blank, { start: 10, end: 10, length: 2 }), { start: 12, end: 17, touched: false, removed: false });
    assert.deepEqual(mapRange(blank, { start: 12, end: 12, length: 2 }), { start: 10, end: 17, touched: true, removed: false });
    assert.deepEqual(mapRange(blank, { start: 8, end: 17, length: 1 }), { start: 9, end: 9, touched: true, removed: true });
  });

  it('treats typing at an empty blank as touching it', () => {
    assert.deepEqual(mapRange({ start: 5, end: 5 }, { start: 5, end: 5, length: 1 }), { start: 6, end: 6, touched: true, removed: false });
  });

  it('applies one event\'s changes whatever their order', () => {
    const changes = [{ start: 0, end: 0, length: 2 }, { start: 20, end: 21, length: 0 }];
    assert.deepEqual(mapThrough({ start: 10, end: 12 }, changes), mapThrough({ start: 10, end: 12 }, [...changes].reverse()));
    assert.deepEqual(mapThrough({ start: 10, end: 12 }, changes), { start: 12, end: 14, touched: false, removed: false });
  });

  it('serves the rest of a suggestion while it is typed through', () => {
    const cache = new TypeThroughCache();
    cache.remember('u', 'Hello', '', ' world');
    assert.equal(cache.lookup('u', 'Hello', ''), ' world');
    assert.equal(cache.lookup('u', 'Hello wo', ''), 'rld');
    assert.equal(cache.lookup('u', 'Hello x', ''), undefined);
    assert.equal(cache.lookup('v', 'Hello', ''), undefined);
    assert.equal(cache.lookup('u', 'Hello', 'changed'), undefined);
  });
});
