import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { TokenMemo } from '../../src/glm/tokenMemo.js';

/** A tokenizer that counts its calls: one id per character. */
function countingTokenizer(): { tokenizer: GlmTokenizer; calls: () => number } {
  let calls = 0;
  const tokenizer = {
    encode: (text: string) => (calls++, [...text].map((c) => c.charCodeAt(0))),
  } as unknown as GlmTokenizer;
  return { tokenizer, calls: () => calls };
}

test('the memo answers again without tokenizing while requests keep asking for a text', () => {
  const { tokenizer, calls } = countingTokenizer();
  const memo = new TokenMemo(tokenizer, 1000);
  for (let request = 0; request < 5; request++) {
    assert.deepEqual(
      [...memo.encode('kept paragraph')],
      [...'kept paragraph'].map((c) => c.charCodeAt(0)),
    );
    memo.encode(`edited paragraph, version ${request}`);
    memo.endRequest();
  }
  // One call for the kept paragraph, one per version of the edited one.
  assert.equal(calls(), 1 + 5);
});

test('what neither the current request nor the one before asked for is dropped, so the memo does not grow', () => {
  const { tokenizer } = countingTokenizer();
  const memo = new TokenMemo(tokenizer, 1_000_000);
  for (let request = 0; request < 100; request++) {
    memo.encode(`a text of request ${request} `.repeat(10));
    memo.endRequest();
  }
  // The last two requests' texts remain.
  assert.equal(memo.size, 2 * `a text of request 99 `.length * 10);
});

test('touched texts stay without being tokenized again; the character bound holds within a request', () => {
  const { tokenizer, calls } = countingTokenizer();
  const memo = new TokenMemo(tokenizer, 30);
  memo.encode('another file');
  for (let request = 0; request < 4; request++) {
    memo.touch(['another file']);
    memo.endRequest();
  }
  memo.encode('another file');
  assert.equal(calls(), 1);
  memo.encode('x'.repeat(25));
  assert.ok(memo.size <= 30, `${memo.size} characters kept, 30 allowed`);
});
