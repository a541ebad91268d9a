import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { infill } from '../../src/glm/infill.js';
import { parseMarkers } from '../../src/glm/markers.js';
import type { GlmModel } from '../../src/glm/model.js';
import { seededRandom } from '../../src/glm/sampler.js';
import { BOUNDARY, afterBytes, utf8Vocab } from '../../src/glm/utf8Guard.js';
import { loadTiny } from './helpers.js';

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

// What the guard accepts must be exactly what decodes without U+FFFD (and is not U+FFFD written out).
function decodesClean(bytes: Uint8Array): boolean {
  return !Buffer.from(bytes).toString('utf8').includes('\uFFFD');
}

test('the UTF-8 guard agrees with Node decoder on every 1- and 2-byte string and on 200,000 random longer ones', () => {
  const check = (bytes: Uint8Array): void => {
    const whole = afterBytes(BOUNDARY, bytes) === BOUNDARY;
    assert.equal(whole, decodesClean(bytes), Buffer.from(bytes).toString('hex'));
  };
  for (let a = 0; a < 256; a++) {
    check(Uint8Array.of(a));
    for (let b = 0; b < 256; b++) check(Uint8Array.of(a, b));
  }
  const random = seededRandom(7);
  // Bytes drawn mostly from the interesting ranges: leads, continuations, and the edges of the valid ranges.
  const pool = [
    0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbc, 0xbd, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
    0xff,
  ];
  for (let i = 0; i < 200_000; i++) {
    const length = 3 + Math.floor(random() * 6);
    check(
      Uint8Array.from({ length }, () =>
        random() < 0.8 ? (pool[Math.floor(random() * pool.length)] as number) : Math.floor(random() * 256),
      ),
    );
  }
});

test('the guard blocks what cannot follow: a continuation at a boundary, a second lead inside a character', () => {
  const vocab = utf8Vocab(model.tokenizer);
  // In a byte-level vocabulary byte 0xE6 is the one-character token "æ" (U+00E6).
  const lead = Array.from({ length: model.tokenizer.size }, (_, id) => id).find(
    (id) => model.tokenizer.tokenString(id) === '\u00e6',
  ) as number;
  assert.ok(lead !== undefined);
  const inside = vocab.after(BOUNDARY, lead) as number;
  assert.notEqual(inside, BOUNDARY);
  assert.ok(vocab.blockedIn(inside, 3).includes(lead), 'a lead byte cannot come inside a character');
  assert.ok(vocab.blockedIn(BOUNDARY, 0).includes(lead), 'a span with one token left cannot open a 3-byte character');
  assert.ok(!vocab.blockedIn(BOUNDARY, 2).includes(lead), 'with two tokens left it can');
});

test('sampled fills of the random-weight fixture never hold U+FFFD, whatever the budget', async () => {
  // Before the guard, most of these spans held U+FFFD: the fixture's byte tokens are noise.
  const text = '日本語のテキスト[MASK]。絵文字 🎉[MASK] and Ελληνικά[sMASK] مرحبا [gMASK]';
  let spans = 0;
  for (let seed = 0; seed < 12; seed++) {
    const result = await infill(model, parseMarkers(text), {
      temperature: 1.5,
      seed,
      maxTokens: 1 + (seed % 5),
      requireContent: seed % 2 === 0,
    });
    for (const span of result.spans) {
      spans++;
      assert.doesNotMatch(span.text, /\uFFFD/u, `seed ${seed}: ${JSON.stringify(span)}`);
      assert.ok(span.tokens.length <= 1 + (seed % 5) + 3, 'at most 3 tokens past the limit, to finish a character');
    }
    assert.ok(!result.text.includes('\uFFFD'));
  }
  assert.equal(spans, 48);
});
