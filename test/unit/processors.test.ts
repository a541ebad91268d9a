import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyRules, forPartB } from '../../src/glm/logitRules.js';
import {
  argmax,
  logProbability,
  loopGuard,
  repeatedNgramBlock,
  repetitionPenalty,
  softmax,
  suppress,
  suppressFrom,
  temperature,
  topIndices,
  topK,
  topP,
} from '../../src/glm/processors.js';
import { ranked } from '../../src/glm/generate.js';
import { sampler, seededRandom } from '../../src/glm/sampler.js';

const row = (...values: number[]): Float32Array => Float32Array.from(values);

test('temperature divides logits', () => {
  const l = row(2, -4);
  temperature(2)(l, []);
  assert.deepEqual([...l], [1, -2]);
});

test('top-k keeps the k largest', () => {
  const l = row(1, 5, 3, 4);
  topK(2)(l, []);
  assert.deepEqual([...l], [-Infinity, 5, -Infinity, 4]);
});

test('top-p keeps the smallest set reaching p', () => {
  const l = row(Math.log(0.5), Math.log(0.3), Math.log(0.2));
  topP(0.7)(l, []);
  assert.deepEqual(
    [...l].map((v) => v > -Infinity),
    [true, true, false],
  );
  const one = row(0, 10, 0);
  topP(0.01)(one, []);
  assert.deepEqual(
    [...one].map((v) => v > -Infinity),
    [false, true, false],
  );
});

test('repetition penalty lowers generated tokens whatever their sign', () => {
  const l = row(2, -2, 2);
  repetitionPenalty(2)(l, [0, 1, 1]);
  assert.deepEqual([...l], [1, -4, 2]);
});

test('suppression and composition', () => {
  const span = {
    partB: [],
    tokens: [],
    hasContent: true,
    startsLine: false,
    allowedFirst: undefined,
    utf8: 0,
    room: 3,
  };
  const raw = row(9, 1, 2, 8, 7);
  const l = applyRules([forPartB(suppress([0])), forPartB(suppressFrom(4))], raw, span);
  assert.deepEqual([...raw], [9, 1, 2, 8, 7], 'the raw row stays intact');
  assert.deepEqual([...l], [-Infinity, 1, 2, 8, -Infinity]);
  assert.equal(argmax(l), 3);
  assert.deepEqual(topIndices(l, 2), [3, 2]);
});

test('softmax and log-probability agree', () => {
  const l = row(1, 2, 3);
  const p = softmax(l);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(Math.log(p[2] as number) - logProbability(l, 2)) < 1e-9);
});

test('seeded sampling is deterministic and follows the distribution', () => {
  const l = row(Math.log(0.7), Math.log(0.2), Math.log(0.1));
  const draw = (seed: number): number[] => {
    const sample = sampler(seededRandom(seed));
    return Array.from({ length: 2000 }, () => sample(l));
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  const share = draw(7).filter((x) => x === 0).length / 2000;
  assert.ok(share > 0.65 && share < 0.75, `share of the 0.7 token: ${share}`);
});

test('loop guard blocks the next copy of a piece repeated max times, and nothing else', () => {
  const blocked = (span: number[], max = 3): number[] => {
    const l = new Float32Array(10);
    loopGuard(max)(l, span);
    return [...l].flatMap((v, i) => (v === -Infinity ? [i] : []));
  };
  assert.deepEqual(blocked([5, 1, 2, 1, 2, 1, 2]), [1]); // "1 2" three times: a fourth "1" is blocked
  assert.deepEqual(blocked([7, 7, 7]), [7]);
  assert.deepEqual(blocked([7, 7]), []);
  assert.deepEqual(blocked([1, 2, 3, 1, 2, 4, 1, 2, 3]), []); // near-repeats pass
  assert.deepEqual(blocked([7, 7, 7], 0), []);
  assert.deepEqual(blocked([3, 3, 3, 3, 1, 2, 1, 2, 1, 2], 3), [1]); // only the piece the span ends with
});

test('the n-gram block bans the token that would repeat an n-gram of the span, near or far', () => {
  const blocked = (span: number[], n: number): number[] => {
    const l = new Float32Array(10);
    repeatedNgramBlock(n)(l, span);
    return [...l].flatMap((v, i) => (v === -Infinity ? [i] : []));
  };
  assert.deepEqual(blocked([1, 2, 3, 4, 5, 1, 2], 3), [3]); // "1 2 3" is there: "1 2" may not go on with 3
  assert.deepEqual(blocked([1, 2, 3, 1, 2, 4, 6, 1, 2], 3), [3, 4]); // every earlier continuation of "1 2"
  assert.deepEqual(blocked([1, 2, 3, 4, 5, 1, 2], 4), []); // "5 1 2" never came before
  assert.deepEqual(blocked([7, 7], 2), [7]); // "7 7" is there: a third 7 would repeat it
  assert.deepEqual(blocked([1, 2], 3), []); // nothing to repeat yet
  assert.deepEqual(blocked([1, 2, 3, 1, 2], 0), []); // off
});

test('consensus picks the candidate most like the others; likeliest the highest log-probability; per-token the highest mean', () => {
  type C = { text: string; logProb: number; tokens: number[] };
  const c = (text: string, logProb: number, tokens = 1): C => ({
    text,
    logProb,
    tokens: Array<number>(tokens).fill(0),
  });
  const pool = (): C[] => [c(')', -1), c('items)', -3), c('items', -2.5), c('items]', -4)];
  // A two-token fragment at -3 (mean -1) against a six-token line at -4.2 (mean -0.6).
  assert.deepEqual(
    ranked([c(' */', -3, 2), c(' return width * height;', -4.2, 6)], 'per-token').map((x) => x.text),
    [' return width * height;', ' */'],
  );
  assert.deepEqual(
    ranked([c(' */', -3, 2), c(' return width * height;', -4.2, 6)], 'likeliest').map((x) => x.text),
    [' */', ' return width * height;'],
  );
  assert.deepEqual(
    ranked(pool(), 'likeliest').map((x) => x.text),
    [')', 'items', 'items)', 'items]'],
  );
  // Agreement: "items)" 0.17 + 0.83 + 0.83; "items" and "items]" 0 + 0.83 + 0.83; ")" 0.17.
  assert.equal(ranked(pool(), 'consensus')[0]?.text, 'items)');
  assert.equal(ranked(pool(), 'consensus').at(-1)?.text, ')');
  assert.deepEqual(
    ranked([c('a', -2), c('b', -1)], 'consensus').map((x) => x.text),
    ['b', 'a'],
  ); // two: no majority
});
