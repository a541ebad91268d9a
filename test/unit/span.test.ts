import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOUNDARY } from '../../src/glm/utf8Guard.js';
import { ID, fakeSpan, pushAll } from './fakeSpan.js';

test('a span adds its tokens, their log-probability and one position each', () => {
  const span = pushAll(fakeSpan({ history: [7, 8] }, 10), [ID.a, ID.b]);
  assert.deepEqual(span.tokens, [ID.a, ID.b]);
  assert.deepEqual(span.partB, [7, 8, ID.a, ID.b]);
  assert.equal(span.logProb, -2);
  assert.equal(span.state.length, 12);
  assert.equal(span.text(), 'ab');
  assert.deepEqual(span.point(-0.5), { tokens: 2, logProb: -2.5, state: span.state, whole: true });
});

test('the text with a next token is the text once it joins; a healed prefix is not shown', () => {
  const span = pushAll(fakeSpan({ healedPrefix: 'a' }), [ID.ab]);
  assert.equal(span.text(), 'b');
  assert.equal(span.textWith(ID.x), 'bx');
  assert.equal(span.textWith(ID.dot), 'b.');
  span.push(ID.x, -1);
  assert.equal(span.text(), 'bx', 'the text of the token that joined, not of the last one asked about');
});

test('whitespace is not content; with healing, content is judged on the shown text', () => {
  const span = pushAll(fakeSpan(), [ID.space, ID.newline]);
  assert.equal(span.hasContent, false);
  span.push(ID.a, -1);
  assert.equal(span.hasContent, true);
  const healed = pushAll(fakeSpan({ healedPrefix: 'a' }), [ID.a]);
  assert.equal(healed.hasContent, false, 'the healed token alone adds no text');
  healed.push(ID.b, -1);
  assert.equal(healed.hasContent, true);
});

test('inside a character the span is not whole; the last whole point stays where the character began', () => {
  const span = pushAll(fakeSpan(), [ID.a, ID.lead]);
  assert.notEqual(span.utf8, BOUNDARY);
  assert.equal(span.point().whole, false);
  assert.equal(span.lastWhole.tokens, 1);
  pushAll(span, [ID.cont1, ID.cont2]);
  assert.equal(span.utf8, BOUNDARY);
  assert.equal(span.lastWhole.tokens, 4);
  assert.equal(span.text(), 'a日');
  assert.deepEqual(span.until(span.point()).tokens, span.tokens);
  assert.deepEqual(span.until({ ...span.point(), tokens: 1 }), { tokens: [ID.a], text: 'a' });
  assert.throws(() => pushAll(fakeSpan(), [ID.lead, ID.a]), /breaks UTF-8/);
});

test('room: the fewer of the positions left and the token budget with its grace, less the next token', () => {
  assert.equal(fakeSpan({ maxLength: 100, maxTokens: 32 }, 10).room, 34); // budget: 32 + 3 grace − 0 − 1
  assert.equal(fakeSpan({ maxLength: 14, maxTokens: 32 }, 10).room, 3); // positions: 14 − 10 − 1
  assert.equal(pushAll(fakeSpan({ maxLength: 100, maxTokens: 2 }, 10), [ID.a, ID.b]).room, 2);
});
