import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type LogitRule,
  applyRules,
  contentFirst,
  forPartB,
  forSpan,
  healedFirst,
  logitRules,
  minLength,
  wholeCharacters,
} from '../../src/glm/logitRules.js';
import type { GlmModel } from '../../src/glm/model.js';
import { loopGuard, repetitionPenalty } from '../../src/glm/processors.js';
import type { Span } from '../../src/glm/span.js';
import { END_IDS, ID, VOCAB_SIZE, fakeSpan, pushAll, utf8, whitespace } from './fakeSpan.js';

/** The ids a rule blocks for the span, on a flat row. */
function blocked(rule: LogitRule, span: Span): number[] {
  const row = applyRules([rule], new Float32Array(VOCAB_SIZE), span);
  return [...row].flatMap((v, id) => (v === -Infinity ? [id] : []));
}

test('min length: the end tokens wait until the span has minTokens tokens', () => {
  assert.deepEqual(blocked(minLength(2, END_IDS), pushAll(fakeSpan(), [ID.a])), END_IDS);
  assert.deepEqual(blocked(minLength(2, END_IDS), pushAll(fakeSpan(), [ID.a, ID.b])), []);
});

test('content first: no end and no whitespace until some text, but a line may open with its indentation', () => {
  const rule = contentFirst(whitespace, END_IDS);
  assert.deepEqual(
    blocked(rule, fakeSpan()),
    [ID.space, ID.newline, ...END_IDS].sort((a, b) => a - b),
  );
  assert.deepEqual(blocked(rule, fakeSpan({ startsLine: true })), [ID.newline, ...END_IDS]);
  assert.deepEqual(blocked(rule, pushAll(fakeSpan({ startsLine: true }), [ID.space])), [
    ID.space,
    ID.newline,
    ...END_IDS,
  ]);
  assert.deepEqual(blocked(rule, pushAll(fakeSpan(), [ID.a])), []);
});

test("whole characters: inside a character no end and no new character; at the budget's edge no character that cannot finish", () => {
  const rule = wholeCharacters(utf8, END_IDS);
  const inside = pushAll(fakeSpan(), [ID.lead]);
  const bytesThatCannotComeNext = [ID.a, ID.b, ID.space, ID.newline, ID.dot, ID.x, ID.lead, ID.cjkStop, ID.ab];
  assert.deepEqual(
    blocked(rule, inside),
    [...bytesThatCannotComeNext, ...END_IDS].sort((a, b) => a - b),
  );
  assert.deepEqual(blocked(rule, fakeSpan()), [ID.cont1, ID.cont2], 'a continuation byte cannot open a character');
  assert.deepEqual(
    blocked(rule, fakeSpan({ maxLength: 12 }, 10)),
    [ID.lead, ID.cont1, ID.cont2],
    'room 1: a 3-byte character could not finish',
  );
});

test("healed first: only the first token is held to the healed token's extensions", () => {
  const rule = healedFirst();
  const allowed = new Set([ID.a, ID.ab]);
  assert.equal(blocked(rule, fakeSpan({ allowedFirst: allowed })).length, VOCAB_SIZE - 2);
  assert.deepEqual(blocked(rule, pushAll(fakeSpan({ allowedFirst: allowed }), [ID.ab])), []);
});

test("processors apply to Part B or to the span's own tokens", () => {
  const span = pushAll(fakeSpan({ history: [ID.x] }), [ID.a, ID.a, ID.a]);
  const penalised = applyRules([forPartB(repetitionPenalty(2))], new Float32Array(VOCAB_SIZE).fill(1), span);
  assert.deepEqual(
    [ID.x, ID.a, ID.b].map((id) => penalised[id]),
    [0.5, 0.5, 1],
    "the earlier blanks' tokens count",
  );
  assert.deepEqual(blocked(forSpan(loopGuard(3)), span), [ID.a]);
  assert.deepEqual(
    blocked(forSpan(loopGuard(3)), pushAll(fakeSpan({ history: [ID.a, ID.a] }), [ID.a])),
    [],
    "only the span's tokens count",
  );
});

test("a request's rules: the never-valid ids always; sampling rules only when sampling; the span rules as they apply", () => {
  const special = { cls: 13, mask: 14, smask: 15, gmask: 16, sop: 17, eop: ID.eop, eos: ID.eos };
  const model = {
    manifest: { specialTokens: special },
    tokenizer: { size: 18, whitespace: () => whitespace },
  } as unknown as GlmModel;
  const options = {
    temperature: 0,
    topK: 0,
    topP: 1,
    repetitionPenalty: 1,
    maxRepeats: 3,
    blockRepeatedNgrams: 0,
    minTokens: 0,
    requireContent: true,
  };
  const row = (): Float32Array => Float32Array.from({ length: 20 }, (_, i) => i % 5);
  const greedy = applyRules(logitRules(model, options, utf8), row(), fakeSpan());
  const blockedIds = [...greedy].flatMap((v, id) => (v === -Infinity ? [id] : []));
  // Whitespace and the end tokens (no content yet), the continuation bytes, the specials and the padding rows.
  assert.deepEqual(blockedIds, [ID.space, ID.newline, ID.cont1, ID.cont2, ID.eop, ID.eos, 13, 14, 15, 16, 17, 18, 19]);
  assert.deepEqual(
    [...greedy].filter((v) => v > -Infinity),
    [0, 1, 4, 0, 1, 1, 2],
    'greedy rules do not rescale',
  );
  const sampled = applyRules(
    logitRules(model, { ...options, temperature: 2, topK: 1 }, utf8),
    row(),
    pushAll(fakeSpan(), [ID.a]),
  );
  // Top-k sees the row before the span's rules: the best logit (4) at id 4 and 9 (eop, allowed now: the span has content).
  assert.deepEqual(
    [...sampled].flatMap((v, id) => (v > -Infinity ? [[id, v]] : [])),
    [
      [ID.dot, 2],
      [ID.eop, 2],
    ],
  );
});
