import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ContextCache } from '../../src/glm/contextCache.js';
import { DecodeState } from '../../src/glm/decoder.js';
import { cacheDraft, documentDraft, draftsExactly, lookupDrafter } from '../../src/glm/drafting.js';
import type { DraftEvent } from '../../src/glm/generate.js';
import { type FilledSpan, infill, type InfillOptions, type InfillResult } from '../../src/glm/infill.js';
import { buildPartA } from '../../src/glm/layout.js';
import { parseMarkers } from '../../src/glm/markers.js';
import type { GlmModel } from '../../src/glm/model.js';
import type { GraphNode } from '../../src/glm/graphNodes.js';
import { oneByOneAndDrafted } from './draftRows.js';
import { FIXTURES, TINY, loadTiny, maxAbsDiff, tinyCopy } from './helpers.js';

const NEVER = new Set([99]);

test('a document draft is what followed the latest occurrence of the longest matching tail', () => {
  const document = [1, 2, 3, 4, 5, 6, 9, 3, 4, 7, 8];
  assert.deepEqual(documentDraft(document, [0, 3, 4], 3, NEVER), [7, 8]);
  assert.deepEqual(documentDraft(document, [2, 3, 4], 3, NEVER), [5, 6, 9]);
  assert.deepEqual(documentDraft(document, [2, 3, 4], 1, NEVER), [5]);
  assert.deepEqual(documentDraft(document, [5, 5], 3, NEVER), []);
  assert.deepEqual(documentDraft(document, [4], 3, NEVER), [], 'one token is too short a match');
});

test('a draft ends before a token it must never copy (a blank of the window)', () => {
  assert.deepEqual(documentDraft([1, 2, 3, 99, 4, 1, 2], [1, 2], 5, NEVER), [3]);
  assert.deepEqual(documentDraft([1, 2, 99, 1, 2], [1, 2], 5, NEVER), []);
});

test('the drafter falls back on the history itself, then on the context cache', () => {
  const cache = ContextCache.build([[10, 11, 12, 13, 14]], 100);
  const draft = lookupDrafter([1, 2, 3], cache, NEVER);
  assert.deepEqual(draft([5, 6, 7, 5, 6], 4), [7, 5, 6], 'the history repeats itself');
  assert.deepEqual(draft([10, 11], 2), [12, 13]);
  assert.deepEqual(draft([1, 2], 4), [3]);
  assert.deepEqual(draft([1, 2], 0), []);
  assert.deepEqual(cacheDraft(cache, [11], 3, NEVER), [], 'a one-token context is not trusted');
});

let model: GlmModel;
before(async () => {
  model = await loadTiny();
});
after(() => model.dispose());

test('a drafted run gives each position the logits and K/V of one-token runs; a rejected draft is undone', async () => {
  const special = model.manifest.specialTokens;
  const text = model.tokenizer.encode('for i in range(10): print(i)');
  const partA = buildPartA([text, []], ['document'], special);
  const tokens = [special.sop, ...model.tokenizer.encode(' x = 1; y = 2')].slice(0, 6);
  const { oneByOne, start, drafted } = await oneByOneAndDrafted(model, partA, tokens);
  drafted.logits.forEach((row, i) => assert.ok(maxAbsDiff(row, oneByOne[i] as Float32Array) < 1e-4, `row ${i}`));
  // Keep two tokens, then go on with another third token: as if the rest of the draft had never run.
  const kept = drafted.after(1);
  assert.equal(kept.length, start.length + 2);
  const other = model.tokenizer.encode(' z')[0] as number;
  const resumed = await kept.push(0, 2, other).run(model.engine);
  let reference = await DecodeState.prefill(model.engine, partA);
  for (const [j, id] of [...tokens.slice(0, 2), other].entries()) {
    const run = await reference.push(0, j, id).run(model.engine);
    if (j === 2) assert.ok(maxAbsDiff(run.logits, resumed.logits) < 1e-4);
    reference = run.state;
  }
});

// Repetitive code and prose, so that drafts come true; the random-weight model is pushed to write with minTokens.
const TEXTS = [
  'def f(x):\n    return x + 1\n\ndef g(x):\n    return x + 1\n\ndef h(x):\n[MASK]\n',
  'a = [1, 2, 3]\nb = [1, 2, 3]\nc = [MASK]\nd = [1, 2, 3]\n',
  'for i in range(10):\n    total += i\nfor i in range(10):\n    [MASK]\n',
  'The cat sat on the mat. The cat sat on the [MASK]. The cat sat on the mat.',
  'It was the best of times, it was the worst of times, it was [MASK] of times.',
  'x x x x x x x x [MASK] y y y y',
  'The quick brown fox [MASK] over the lazy dog. It was [MASK] of times. [gMASK]',
  'if (a) {\n  b();\n}\nif (a) {\n  [MASK]\n}\n',
  'Zürich, Genève, Zürich, Genève, [MASK], Zürich',
];
const SETTINGS: InfillOptions[] = [
  { minTokens: 12, maxTokens: 16 },
  { minTokens: 6, maxTokens: 24, maxRepeats: 0, requireContent: false },
  { minTokens: 4, maxTokens: 10, candidates: 3 },
  { minTokens: 8, maxTokens: 12, contextCache: true, contextTexts: ['def h(x):\n    return x + 1\n'] },
  { maxTokens: 8 },
];

/** A span as the user gets it, all but its log-probabilities. */
function fillOf(span: FilledSpan): unknown {
  const { index, kind, start, end, text, tokens, stopReason, unfilled, candidates } = span;
  return {
    index,
    kind,
    start,
    end,
    text,
    tokens,
    stopReason,
    unfilled,
    candidates: candidates.map((c) => [c.text, c.tokens, c.stopReason]),
  };
}

test('greedy fills are the same with and without lookup drafting, and drafts were taken', async () => {
  const passes: DraftEvent[] = [];
  for (const text of TEXTS) {
    for (const settings of SETTINGS) {
      const plain = await infill(model, parseMarkers(text), {
        ...settings,
        lookupDrafting: false,
        onDraft: () => assert.fail('drafted while off'),
      });
      const drafted = await infill(model, parseMarkers(text), { ...settings, onDraft: (e) => passes.push(e) });
      const where = `${JSON.stringify(text)} ${JSON.stringify(settings)}`;
      assert.deepEqual(drafted.spans.map(fillOf), plain.spans.map(fillOf), where);
      assert.equal(drafted.text, plain.text);
      // A wider pass may round differently in the last bits (the fills above are exact).
      const logProbs = (r: InfillResult): number[] => r.spans.flatMap((span) => span.candidates.map((c) => c.logProb));
      assert.ok(maxAbsDiff(logProbs(drafted), logProbs(plain)) < 1e-4, where);
    }
  }
  const accepted = passes.reduce((n, e) => n + e.accepted, 0);
  assert.ok(accepted >= 10, `only ${accepted} drafted tokens were taken in ${passes.length} passes`);
});

test('sampling never drafts', async () => {
  await infill(model, parseMarkers(TEXTS[0] as string), {
    temperature: 1,
    minTokens: 8,
    maxTokens: 8,
    onDraft: () => assert.fail('drafted while sampling'),
  });
});

const node = (opType: string, ints: Record<string, number> = {}): GraphNode => ({ opType, domain: '', ints });

test('the graph decides: int8 activations never draft, fp32 products do', () => {
  const fp32 = [node('MatMul'), node('LayerNormalization'), node('Softmax')];
  assert.equal(draftsExactly(fp32), true);
  assert.equal(draftsExactly([...fp32, node('DynamicQuantizeMatMul')]), false);
  assert.equal(draftsExactly([...fp32, node('MatMulInteger')]), false);
  assert.equal(draftsExactly([node('MatMulNBits', { bits: 4, accuracy_level: 0 })]), true);
  assert.equal(draftsExactly([node('MatMulNBits', { bits: 4 })]), true, 'accuracy_level defaults to 0');
  assert.equal(draftsExactly([node('MatMulNBits', { bits: 8, accuracy_level: 4 })]), false);
  assert.equal(draftsExactly(undefined), false, 'a graph that could not be read');
});

/** Greedy fills of `folder`'s model, counting drafted passes; the manifest's "weights" label is not consulted. */
async function draftedPasses(folder: string, weights?: string): Promise<number> {
  const { folder: copy, cleanup } = await tinyCopy(folder);
  try {
    if (weights !== undefined) {
      const manifest = JSON.parse(await readFile(join(copy, 'glm.json'), 'utf8')) as { weights: string };
      await writeFile(join(copy, 'glm.json'), JSON.stringify({ ...manifest, weights }));
    }
    const loaded = await loadTiny(copy);
    let passes = 0;
    try {
      for (const text of TEXTS) await infill(loaded, parseMarkers(text), { ...SETTINGS[0], onDraft: () => passes++ });
    } finally {
      await loaded.dispose();
    }
    return passes;
  } finally {
    await cleanup();
  }
}

test('an int8 graph with DynamicQuantizeMatMul never drafts; an fp32 graph labelled "int8" does', async () => {
  assert.equal(await draftedPasses(join(FIXTURES, 'tiny-int8')), 0);
  assert.ok((await draftedPasses(TINY, 'int8')) > 0);
});

test('an nbits4 graph (int4 weights, fp32 products) drafts, and its greedy fills are the same without drafting', async () => {
  const nbits = await loadTiny(join(FIXTURES, 'tiny-nbits4'));
  try {
    let accepted = 0;
    for (const text of TEXTS) {
      for (const settings of SETTINGS.slice(0, 2)) {
        const plain = await infill(nbits, parseMarkers(text), { ...settings, lookupDrafting: false });
        const drafted = await infill(nbits, parseMarkers(text), {
          ...settings,
          onDraft: (e) => void (accepted += e.accepted),
        });
        assert.deepEqual(drafted.spans.map(fillOf), plain.spans.map(fillOf), JSON.stringify(text));
      }
    }
    assert.ok(accepted > 0, 'no drafted token was taken');
  } finally {
    await nbits.dispose();
  }
});
