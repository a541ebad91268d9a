import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GhostCandidate, ghostFills, inlineDecoding } from '../../src/fill/ghostCandidates.js';
import { DEFAULT_SETTINGS } from '../../src/settings/snapshot.js';

const c = (draw: number, text: string, stopReason: GhostCandidate['stopReason'] = 'end'): GhostCandidate => ({
  draw,
  text,
  stopReason,
});

test('ghost fills: the first generated first, whatever its rank, then the others best first', () => {
  // Ranked by log-probability: the greedy fill (draw 0) is not the likeliest whole span here.
  const ranked = [c(2, ' bus'), c(0, ' train was late'), c(1, ' tram')];
  assert.deepEqual(ghostFills(ranked, 3), [' train was late', ' bus', ' tram']);
  assert.deepEqual(ghostFills(ranked, 2), [' train was late', ' bus']);
  assert.deepEqual(ghostFills(ranked, 1), [' train was late']);
});

test('ghost fills: no repeats, no fill without visible text, no alternative cut short by the budget', () => {
  const ranked = [c(1, ' bus'), c(0, ' bus'), c(2, ' \n'), c(3, ' tram', 'cancelled'), c(4, ' car', 'limit')];
  assert.deepEqual(ghostFills(ranked, 5), [' bus', ' car']);
});

test('ghost fills: a first fill with no text leaves the alternatives; a cut-short first one is still shown', () => {
  assert.deepEqual(ghostFills([c(1, ' bus'), c(0, '  ')], 3), [' bus']);
  assert.deepEqual(ghostFills([c(0, ' the tr', 'cancelled')], 3), [' the tr']);
  assert.deepEqual(ghostFills([], 3), []);
});

test('inline decoding: the candidates setting, shared prefill and greedy first unless the user samples', () => {
  const options = inlineDecoding({ ...DEFAULT_SETTINGS, inline: { ...DEFAULT_SETTINGS.inline, candidates: 5 } });
  assert.equal(options.candidates, 5);
  assert.equal(DEFAULT_SETTINGS.inline.candidates, 3);
  assert.equal(inlineDecoding(DEFAULT_SETTINGS).temperature, DEFAULT_SETTINGS.temperature);
  assert.equal(options.tokenHealing, true);
  assert.equal(options.maxTokens, DEFAULT_SETTINGS.inline.maxTokens);
});
