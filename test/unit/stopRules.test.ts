import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Span } from '../../src/glm/span.js';
import {
  type Stop,
  type StopRule,
  Step,
  StopRules,
  cancellation,
  contextLimit,
  echo,
  endToken,
  likeliestEnd,
  sentence,
  tokenLimit,
  wholeCharacterEnd,
} from '../../src/glm/stopRules.js';
import { END_IDS, ID, VOCAB_SIZE, fakeSpan, utf8 } from './fakeSpan.js';

/** A step where token `id` has log-probability log(p) and the rest share what is left. */
function stepWith(id: number, p: number): Step {
  const logits = new Float32Array(VOCAB_SIZE).fill(Math.log((1 - p) / (VOCAB_SIZE - 1)));
  logits[id] = Math.log(p);
  return new Step(logits);
}

const flat = (): Step => new Step(new Float32Array(VOCAB_SIZE));

/** Runs a span through `tokens` as the decode loop does; returns the first stop, settled. */
function run(
  rules: StopRules,
  span: Span,
  tokens: readonly number[],
  step: (i: number) => Step = flat,
): Stop | undefined {
  for (const [i, next] of tokens.entries()) {
    const stop =
      rules.beforeChoice(span, step(i)) ??
      rules.beforeToken(span, next, step(i)) ??
      (span.push(next, -1), rules.afterToken(span));
    if (stop) return rules.settle(span, stop);
  }
  return undefined;
}

test('the first rule to stop wins, and every rule settles in order', () => {
  const say = (reason: Stop['reason']): StopRule => ({ afterToken: (span) => ({ reason, at: span.point() }) });
  const shorten: StopRule = { settle: (_span, stop) => ({ ...stop, at: { ...stop.at, tokens: stop.at.tokens - 1 } }) };
  const stop = run(new StopRules([{}, say('limit'), say('context'), shorten, shorten]), fakeSpan(), [ID.a, ID.b, ID.x]);
  assert.equal(stop?.reason, 'limit');
  assert.equal(stop?.at.tokens, -1);
});

test('an end token stops the span without joining it; its log-probability counts', () => {
  const span = fakeSpan();
  const stop = run(new StopRules([endToken(END_IDS)]), span, [ID.a, ID.eop], () => stepWith(ID.eop, 0.5));
  assert.equal(stop?.reason, 'end');
  assert.deepEqual(span.tokens, [ID.a]);
  assert.ok(Math.abs((stop?.at.logProb as number) - (-1 + Math.log(0.5))) < 1e-5);
});

test('cancellation stops before a token is chosen', () => {
  const controller = new AbortController();
  const rules = new StopRules([cancellation(controller.signal)]);
  assert.equal(run(rules, fakeSpan(), [ID.a]), undefined);
  controller.abort();
  assert.equal(run(rules, fakeSpan(), [ID.a])?.reason, 'cancelled');
});

test('likeliest end: a span that ran on is cut back to the prefix where ending scored highest', () => {
  // p(end) is 0.9 after "a" and 0.01 elsewhere; before any content (the opening space) it does not count.
  const ends = [0.95, 0.01, 0.9, 0.01, 0.01];
  const rules = (): StopRules => new StopRules([likeliestEnd(ID.eop, 0), tokenLimit(4)]);
  const stop = run(rules(), fakeSpan(), [ID.space, ID.a, ID.b, ID.x], (i) => stepWith(ID.eop, ends[i] as number));
  assert.equal(stop?.reason, 'end');
  assert.equal(stop?.at.tokens, 2);
  assert.ok(Math.abs((stop?.at.logProb as number) - (-2 + Math.log(0.9))) < 1e-5);
  // A sentence stop is the span's own end: nothing to cut back.
  const whole = new StopRules([
    likeliestEnd(ID.eop, 0),
    { afterToken: (span) => (span.tokens.length === 4 ? { reason: 'sentence', at: span.point() } : undefined) },
  ]);
  assert.equal(
    run(whole, fakeSpan(), [ID.space, ID.a, ID.b, ID.x], (i) => stepWith(ID.eop, ends[i] as number))?.at.tokens,
    4,
  );
  // minTokens: the prefixes shorter than it cannot be the end.
  const long = run(
    new StopRules([likeliestEnd(ID.eop, 3), tokenLimit(4)]),
    fakeSpan(),
    [ID.space, ID.a, ID.b, ID.x],
    (i) => stepWith(ID.eop, ends[i] as number),
  );
  assert.equal(long?.at.tokens, 3);
});

test('echo: the span stops where it starts repeating the text after the blank, and the repeat is dropped', () => {
  const span = fakeSpan();
  const stop = run(new StopRules([echo('b.xa')]), span, [ID.a, ID.b, ID.dot, ID.x, ID.a]);
  assert.equal(stop?.reason, 'echo');
  assert.equal(stop?.at.tokens, 1);
  assert.equal(span.until(stop.at).text, 'a');
  assert.equal(
    run(new StopRules([echo('b.xa')]), fakeSpan(), [ID.b, ID.dot, ID.x]),
    undefined,
    'no fill before the repeat: no echo',
  );
});

test('sentence: stops before a token that starts the next sentence, or after the token that ends it', () => {
  const latin = fakeSpan();
  const before = run(new StopRules([sentence()]), latin, [ID.a, ID.b, ID.dot, ID.space, ID.x]);
  assert.equal(before?.reason, 'sentence');
  assert.equal(latin.until(before.at).text, 'ab.');
  const cjk = fakeSpan();
  const after = run(new StopRules([sentence()]), cjk, [ID.a, ID.b, ID.cjkStop, ID.x]);
  assert.equal(cjk.until(after?.at as Stop['at']).text, 'ab。');
});

test('whole characters: a token that breaks a character ends the span, cut back to its last whole character', () => {
  const span = fakeSpan();
  const stop = run(new StopRules([wholeCharacterEnd(utf8)]), span, [ID.a, ID.lead, ID.x]);
  assert.equal(stop?.reason, 'end');
  assert.equal(stop?.at.tokens, 1);
  // Any stop inside a character keeps its reason.
  const full = run(new StopRules([wholeCharacterEnd(utf8), contextLimit(12)]), fakeSpan({}, 10), [ID.a, ID.lead]);
  assert.deepEqual([full?.reason, full?.at.tokens], ['context', 1]);
});

test('token limit: maxTokens, and up to 3 more to finish a character', () => {
  assert.equal(run(new StopRules([tokenLimit(2)]), fakeSpan(), [ID.a, ID.b, ID.x])?.at.tokens, 2);
  assert.equal(
    run(new StopRules([tokenLimit(2)]), fakeSpan(), [ID.a, ID.lead, ID.cont1, ID.cont2, ID.x])?.at.tokens,
    4,
  );
  // Tokens without bytes keep the character open: the grace runs out.
  assert.equal(run(new StopRules([tokenLimit(1)]), fakeSpan(), [ID.lead, ID.eos, ID.eos, ID.eos, ID.x])?.at.tokens, 4);
});

test('context limit: the span stops when its share of the positions is used up', () => {
  const stop = run(new StopRules([contextLimit(12)]), fakeSpan({}, 10), [ID.a, ID.b, ID.x]);
  assert.deepEqual([stop?.reason, stop?.at.tokens], ['context', 2]);
});
