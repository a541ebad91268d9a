import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DecodeState } from '../../src/glm/decoder.js';
import { GlmError } from '../../src/glm/errors.js';
import { infill, type InfillOptions } from '../../src/glm/infill.js';
import { inMarkedText, parseMarkers } from '../../src/glm/markers.js';
import { buildPartA } from '../../src/glm/layout.js';
import type { GlmModel } from '../../src/glm/model.js';
import { argmax } from '../../src/glm/processors.js';
import { uncachedNextLogits } from '../../src/glm/reference.js';
import { BOUNDARY, utf8Vocab } from '../../src/glm/utf8Guard.js';
import { loadTiny, maxAbsDiff } from './helpers.js';

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

// The random-weight fixture model's greedy token is eop at once; min tokens makes it produce spans.
// Plain argmax decoding (no content rule, no loop guard), so the reference checks compare like with like.
const SPANS: InfillOptions = { minTokens: 4, maxTokens: 4, requireContent: false, maxRepeats: 0 };
const TWO_BLANKS = 'The quick brown fox [MASK] over the lazy dog. It was [MASK] of times.';

test('all blanks are filled in document order, each span in its place', async () => {
  const result = await infill(model, parseMarkers(TWO_BLANKS), SPANS);
  assert.equal(result.spans.length, 2);
  assert.equal(result.cancelled, false);
  for (const span of result.spans) {
    assert.equal(span.tokens.length, 4);
    assert.equal(span.stopReason, 'limit');
    assert.equal(span.text, model.tokenizer.decode(span.tokens));
  }
  const [a, b] = result.spans;
  assert.equal(result.text, `The quick brown fox${a?.text} over the lazy dog. It was${b?.text} of times.`);
  assert.equal(result.timings.generatedTokens, 8);
  assert.ok(
    result.timings.partATokens > 0 && result.timings.partATokens <= model.manifest.architecture.maxSequenceLength,
  );
});

test('cached multi-blank greedy decoding equals recomputing the whole sequence at every step', async () => {
  const result = await infill(model, parseMarkers(TWO_BLANKS), SPANS);
  const special = model.manifest.specialTokens;
  const segments = ['The quick brown fox', ' over the lazy dog. It was', ' of times.'].map((t) =>
    model.tokenizer.encode(t),
  );
  const partA = buildPartA(segments, ['span', 'span'], special);
  const spans: number[][] = [];
  const utf8 = utf8Vocab(model.tokenizer);
  for (const span of result.spans) {
    spans.push([special.sop]);
    let state = BOUNDARY;
    for (const [j, token] of span.tokens.entries()) {
      const logits = await uncachedNextLogits(model.engine, partA, spans);
      for (const id of [special.eop, special.eos, special.cls, special.mask, special.smask, special.gmask, special.sop])
        logits[id] = -Infinity;
      // The span keeps its bytes UTF-8 (utf8Guard.ts), and the grace finishes a character within 3 tokens of the limit.
      for (const id of utf8.blockedIn(state, 4 + 3 - j - 1)) logits[id] = -Infinity;
      assert.equal(token, argmax(logits));
      state = utf8.after(state, token) as number;
      spans.at(-1)?.push(token);
    }
  }
});

test('a later blank sees the earlier span: forcing blank 1 changes blank 2 logits', async () => {
  const special = model.manifest.specialTokens;
  const segments = ['Alpha', ' beta gamma', ' delta.'].map((t) => model.tokenizer.encode(t));
  const partA = buildPartA(segments, ['span', 'span'], special);
  const start = await DecodeState.prefill(model.engine, partA);
  const blank2Logits = async (fill: number[]): Promise<Float32Array> => {
    let state = start.push(0, 0, special.sop);
    fill.forEach((id, j) => (state = state.push(0, j + 1, id)));
    const { logits } = await state.push(1, 0, special.sop).run(model.engine);
    return Float32Array.from(logits);
  };
  const one = await blank2Logits(model.tokenizer.encode(' red'));
  const two = await blank2Logits(model.tokenizer.encode(' blue sky'));
  assert.ok(maxAbsDiff(one, two) > 1e-3, 'blank 2 logits did not change with blank 1');
  // And the cached state agrees with a full recomputation for both.
  const full = await uncachedNextLogits(model.engine, partA, [
    [special.sop, ...model.tokenizer.encode(' red')],
    [special.sop],
  ]);
  assert.ok(maxAbsDiff(one, full) < 1e-4);
});

test('seeded sampling is deterministic; another seed gives another fill', async () => {
  const options: InfillOptions = { temperature: 1, maxTokens: 6, minTokens: 6, seed: 11 };
  const a = await infill(model, parseMarkers(TWO_BLANKS), options);
  const b = await infill(model, parseMarkers(TWO_BLANKS), options);
  const c = await infill(model, parseMarkers(TWO_BLANKS), { ...options, seed: 12 });
  assert.deepEqual(
    a.spans.map((s) => s.tokens),
    b.spans.map((s) => s.tokens),
  );
  assert.notDeepEqual(
    a.spans.map((s) => s.tokens),
    c.spans.map((s) => s.tokens),
  );
});

test('candidates: n per blank, best first, greedy ones start with different tokens', async () => {
  const result = await infill(model, parseMarkers('One [MASK] two'), { candidates: 3, minTokens: 2, maxTokens: 3 });
  const candidates = result.spans[0]?.candidates ?? [];
  assert.equal(candidates.length, 3);
  assert.equal(new Set(candidates.map((c) => c.tokens[0])).size, 3);
  for (let i = 1; i < candidates.length; i++)
    assert.ok((candidates[i - 1]?.logProb ?? 0) >= (candidates[i]?.logProb ?? 0));
  assert.deepEqual(result.spans[0]?.tokens, candidates[0]?.tokens);
  assert.ok(candidates.every((c) => c.logProb < 0 && Number.isFinite(c.logProb)));
});

test('streaming reports every token, and the pieces add up to the span', async () => {
  const events: { blank: number; text: string }[] = [];
  const result = await infill(model, parseMarkers(TWO_BLANKS), { ...SPANS, onToken: (e) => events.push(e) });
  for (const [k, span] of result.spans.entries()) {
    const texts = events.filter((e) => e.blank === k).map((e) => e.text);
    assert.equal(texts.join(''), span.text.replace(/\uFFFD+$/, ''));
  }
});

test('cancellation mid-generation returns at once and reports cancelled', async () => {
  const controller = new AbortController();
  let tokens = 0;
  const marked = parseMarkers(TWO_BLANKS);
  const result = inMarkedText(
    marked,
    await infill(model, marked, {
      maxTokens: 64,
      minTokens: 64,
      signal: controller.signal,
      onToken: () => {
        if (++tokens === 3) controller.abort();
      },
    }),
  );
  assert.equal(result.cancelled, true);
  assert.equal(tokens, 3, 'no token after the abort');
  assert.equal(result.spans.length, 0, 'the interrupted blank is not reported as filled');
  assert.equal(result.text, TWO_BLANKS);
});

test('text without a blank is continued with a document blank at its end', async () => {
  const result = await infill(model, parseMarkers('Once upon a time'), { minTokens: 2, maxTokens: 2 });
  assert.equal(result.spans.length, 1);
  assert.equal(result.spans[0]?.kind, 'document');
  assert.equal(result.spans[0]?.start, 'Once upon a time'.length);
  assert.ok(result.text.startsWith('Once upon a time') && result.text.length > 'Once upon a time'.length);
});

test('a text longer than the model positions is windowed around the blanks, never rejected', async () => {
  const words = (tag: string): string => Array.from({ length: 400 }, (_, i) => `${tag}${i}`).join(' ');
  const text = `${words('a')} [MASK] ${words('b')}`;
  const result = await infill(model, parseMarkers(text), { minTokens: 2, maxTokens: 2 });
  const s = model.manifest.architecture.maxSequenceLength;
  assert.ok(result.window.textTokens > s, `text tokens ${result.window.textTokens}`);
  assert.ok(result.window.keptTokens < result.window.textTokens);
  assert.ok(result.timings.partATokens + 3 <= s);
  assert.equal(result.spans.length, 1);
  assert.equal(result.text.slice(0, text.indexOf(' [MASK]')), words('a'));
});

test('bad requests are input errors with a clear message', async () => {
  const check =
    (code: string, pattern: RegExp) =>
    (error: unknown): boolean => {
      assert.ok(error instanceof GlmError);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      return true;
    };
  assert.throws(() => parseMarkers(''), check('input', /The text is empty/));
  assert.throws(() => parseMarkers('  \n '), check('input', /The text is empty/));
  assert.throws(() => parseMarkers('a [XMASK] b'), check('input', /Unknown mask marker \[XMASK\]/));
  await assert.rejects(infill(model, { text: 'one two', blanks: [] }), check('input', /no blank/));
  await assert.rejects(infill(model, parseMarkers('x [MASK]'), { topP: 0 }), check('input', /top-p must be in/));
  await assert.rejects(
    infill(model, parseMarkers('x [MASK]'), { minTokens: 5, maxTokens: 2 }),
    check('input', /min tokens/),
  );
  await assert.rejects(
    infill(model, parseMarkers('x [MASK]'.repeat(60))),
    check('too-many-blanks', /60 blanks do not fit the model's 128 positions/),
  );
});

test('a fill has content: the end tokens and whitespace-only openings wait for it (requireContent)', async () => {
  // Precondition of the fixture: its greedy first token is eop, so without the rule the fill is empty.
  const bare = await infill(model, parseMarkers('The quick brown fox [MASK] over the lazy dog.'), {
    requireContent: false,
  });
  assert.equal(bare.spans[0]?.text, '');
  const filled = await infill(model, parseMarkers('The quick brown fox [MASK] over the lazy dog.'), {});
  assert.match(filled.spans[0]?.text ?? '', /\S/);

  const ws = model.tokenizer.whitespace();
  const opening = (t: number): string => (ws.lineBreak.has(t) ? 'line break' : ws.inline.has(t) ? 'inline' : 'content');
  const seen = { on: new Set<string>(), off: new Set<string>() };
  for (let seed = 0; seed < 60; seed++) {
    for (const [text, startsLine] of [
      ['x = [MASK] + 1', false],
      ['def f():\n[MASK]\n    return 1', true],
    ] as const) {
      const sampled = { temperature: 3, maxTokens: 3, seed };
      const on = (await infill(model, parseMarkers(text), sampled)).spans[0];
      const first = opening(on?.tokens[0] ?? -1);
      seen.on.add(first);
      assert.match(on?.text ?? '', /\S/, `seed ${seed}: ${JSON.stringify(on?.text)}`);
      assert.ok(first === 'content' || (startsLine && first === 'inline'), `seed ${seed} opens with ${first}`);
      const off = (await infill(model, parseMarkers(text), { ...sampled, requireContent: false })).spans[0];
      seen.off.add(off?.tokens.length === 0 ? 'empty' : opening(off?.tokens[0] ?? -1));
    }
  }
  // Without the rule the same draws open with whitespace or end empty.
  assert.ok(seen.off.has('empty') || seen.off.has('line break'), [...seen.off].join());

  // Greedy candidates start with the n best allowed first tokens: all 377 ids of the fixture are asked for.
  const firsts = async (text: string): Promise<string[]> =>
    (await infill(model, parseMarkers(text, 'span'), { candidates: 377, maxTokens: 1 })).spans[0]?.candidates.map((c) =>
      opening(c.tokens[0] ?? -1),
    ) ?? [];
  const midLine = await firsts('x = [MASK] + 1');
  assert.ok(midLine.every((o) => o === 'content'));
  const lineStart = await firsts('def f():\n[MASK]\n    return 1');
  assert.ok(lineStart.includes('inline') && !lineStart.includes('line break'), [...new Set(lineStart)].join());
});

test('a fill holds no piece of 1–16 tokens more than maxRepeats times in a row', async () => {
  const repeatsOf = (t: readonly number[]): number => {
    let most = 1;
    for (let p = 1; p <= 16; p++) {
      for (let end = t.length; end >= 2 * p; end--) {
        let k = 1;
        while (
          end - (k + 1) * p >= 0 &&
          t.slice(end - (k + 1) * p, end - k * p).join() === t.slice(end - p, end).join()
        )
          k++;
        most = Math.max(most, k);
      }
    }
    return most;
  };
  // The guard alone: endAtLikeliest would also cut such a loop back.
  const loose = await infill(model, parseMarkers('Hello [MASK] world'), {
    maxRepeats: 0,
    maxTokens: 32,
    endAtLikeliest: false,
  });
  assert.ok(repeatsOf(loose.spans[0]?.tokens ?? []) > 3, 'the fixture model loops without the guard');
  for (const maxRepeats of [3, 2]) {
    const guarded = await infill(model, parseMarkers('Hello [MASK] world'), {
      maxRepeats,
      maxTokens: 32,
      endAtLikeliest: false,
    });
    assert.ok(repeatsOf(guarded.spans[0]?.tokens ?? []) <= maxRepeats, JSON.stringify(guarded.spans[0]?.text));
  }
});

/**
 * The model with its logits overwritten so that greedy decoding writes `script` (by block position) in every span;
 * `rivals` give other ids a logit of their own at some block positions, so they compete with the scripted token.
 */
function scripted(
  base: GlmModel,
  script: readonly number[],
  rivals: ReadonlyArray<Record<number, number>> = [],
): GlmModel {
  const forward: GlmModel['engine']['forward'] = async (input, cache) => {
    const out = await base.engine.forward(input, cache);
    // Each row by the block position of the token it follows (a drafted pass asks for several rows).
    for (const [k, logits] of out.logits.entries()) {
      const block = input.positions[1][input.logitPositions[k] as number] ?? 0;
      const next = script[block - 1];
      if (next === undefined) continue;
      logits.fill(-10)[next] = 10;
      for (const [id, logit] of Object.entries(rivals[block - 1] ?? {})) logits[Number(id)] = logit;
    }
    return out;
  };
  return { ...base, engine: Object.assign(Object.create(base.engine) as GlmModel['engine'], { forward }) };
}

test('a fill stops where it starts to repeat the text after its blank, and drops the repeat (stopAtEcho)', async () => {
  const eop = model.manifest.specialTokens.eop;
  const writer = scripted(model, [...model.tokenizer.encode('count += 1\nprint'), eop]);
  const text = 'self.[MASK] += 1\nprint(self.count)\n';
  const cut = (await infill(writer, parseMarkers(text, 'span'), { maxTokens: 16 })).spans[0];
  assert.equal(cut?.text, 'count');
  assert.equal(cut?.stopReason, 'echo');
  assert.deepEqual(cut?.tokens, model.tokenizer.encode('count'));
  const whole = (await infill(writer, parseMarkers(text, 'span'), { maxTokens: 16, stopAtEcho: false })).spans[0];
  assert.equal(whole?.text, 'count += 1\nprint');
  assert.equal(whole?.stopReason, 'end');
  assert.ok((cut?.logProb ?? 0) > (whole?.logProb ?? 0), 'the cut fill scores only the tokens it keeps');
  // A later blank decodes on from the cut fill's state.
  const two = await infill(writer, parseMarkers('self.[MASK] += 1\nprint(self.count)\n[MASK]', 'span'), {
    maxTokens: 16,
  });
  assert.deepEqual(
    two.spans.map((s) => s.text),
    ['count', 'count += 1\nprint'],
  ); // nothing follows the second
  // A text after the blank that the fill does not repeat leaves it whole.
  const other = (await infill(writer, parseMarkers('self.[MASK] -= 1\n', 'span'), { maxTokens: 16 })).spans[0];
  assert.equal(other?.text, 'count += 1\nprint');
});

test('endAtLikeliest: a span fill that ran on is cut back to where ending was likeliest', async () => {
  const eop = model.manifest.specialTokens.eop;
  const [a, b, c] = model.tokenizer.encode('count += 1') as [number, number, number];
  const rival = model.tokenizer.encode('zebra')[0] as number;
  // After `a` the end token gets p ≈ 0.38; `c` then wins only narrowly over a rival: a+eop beats a b c + eop.
  const rivals = [{}, { [eop]: 9.5 }, { [rival]: 9.9 }];
  const writer = scripted(model, [a, b, c, eop], rivals);
  const text = 'x = [MASK]\n';
  const whole = (await infill(writer, parseMarkers(text, 'span'), { maxTokens: 8, endAtLikeliest: false })).spans[0];
  assert.deepEqual(whole?.tokens, [a, b, c]);
  const cut = (await infill(writer, parseMarkers(text, 'span'), { maxTokens: 8 })).spans[0]; // on by default
  assert.deepEqual(cut?.tokens, [a]);
  assert.equal(cut?.stopReason, 'end');
  assert.ok((cut?.logProb ?? -Infinity) > (whole?.logProb ?? 0), 'the cut fill scores its tokens and the end token');
  assert.ok(Math.abs((cut?.logProb ?? 0) - Math.log(Math.exp(9.5) / (Math.exp(10) + Math.exp(9.5)))) < 0.01);
  // Too unlikely an end after `a` leaves the fill whole; so does a sentence blank, which asks for the whole sentence.
  const sure = scripted(model, [a, b, c, eop], [{}, { [eop]: 5 }, { [rival]: 9.9 }]);
  assert.deepEqual(
    (await infill(sure, parseMarkers(text, 'span'), { maxTokens: 8, endAtLikeliest: true })).spans[0]?.tokens,
    [a, b, c],
  );
  const sentence = (await infill(writer, parseMarkers('x = [sMASK]\n'), { maxTokens: 8, endAtLikeliest: true }))
    .spans[0];
  assert.deepEqual(sentence?.tokens, [a, b, c]);
  // A fill that hits maxTokens is cut back too.
  assert.deepEqual(
    (await infill(writer, parseMarkers(text, 'span'), { maxTokens: 3, endAtLikeliest: true })).spans[0]?.tokens,
    [a],
  );
});

/** A word of the fixture tokenizer that is one token and the start of a longer token: what token healing works on. */
function healableWord(): { word: string; id: number; longer: number } {
  for (let id = 0; id < model.tokenizer.size; id++) {
    const word = model.tokenizer.decode([id]);
    if (!/^[a-z]{2,}$/.test(word) || model.tokenizer.encode(word).join() !== String(id)) continue;
    const longer = [...model.tokenizer.idsStartingWith(word)].find(
      (other) => other !== id && /^[a-z]+$/.test(model.tokenizer.decode([other])),
    );
    if (longer !== undefined) return { word, id, longer };
  }
  throw new Error('the fixture tokenizer has no healable word');
}

test("token healing: a blank touching a word re-generates the word's last token and shows only what it adds", async () => {
  const { word, longer } = healableWord();
  const longerText = model.tokenizer.decode([longer]);
  const eop = model.manifest.specialTokens.eop;
  const writer = scripted(model, [longer, eop]);
  const text = `x=${word}[MASK]+1`;
  const healed = await infill(writer, parseMarkers(text, 'span'), { maxTokens: 4, tokenHealing: true });
  assert.equal(healed.spans[0]?.text, longerText.slice(word.length));
  assert.equal(healed.text, `x=${longerText}+1`);
  const plain = await infill(writer, parseMarkers(text, 'span'), { maxTokens: 4 }); // off by default
  assert.equal(plain.spans[0]?.text, longerText); // the word stays in Part A and the fill repeats it
  // The first token is always one that continues the word, whatever the model prefers.
  for (let seed = 0; seed < 20; seed++) {
    const sampled = (
      await infill(model, parseMarkers(text, 'span'), { temperature: 2, maxTokens: 2, seed, tokenHealing: true })
    ).spans[0];
    assert.ok(model.tokenizer.decode(sampled?.tokens.slice(0, 1) ?? []).startsWith(word), `seed ${seed}`);
  }
  // No healing after a space, punctuation or at the start of the text.
  for (const other of [`x=${word} [MASK]+1`, `x=${word}.[MASK]+1`, `[MASK] ${word}`]) {
    const result = await infill(writer, parseMarkers(other, 'span'), { maxTokens: 4, tokenHealing: true });
    assert.equal(result.spans[0]?.text.trimStart(), longerText, other);
  }
});
