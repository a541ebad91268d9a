import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import { encode as gpt2Encode } from 'gpt-3-encoder';
import type { SpecialTokens } from '../../src/glm/manifest.js';
import type { GlmModel } from '../../src/glm/model.js';
import { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { FIXTURES, ROOT, fixture, loadTiny, maxAbsDiff } from './helpers.js';
import { type ReferenceLogits, TOLERANCE, assertCachedDecodeMatches, assertPrefillMatches } from './reference.js';

// A random-weight GLM saved as THUDM saves checkpoints (fp16, two model-parallel shards) and converted by
// models/glm/convert_thudm.py; the reference logits come from PyTorch on the unsplit source weights
// (test/fixtures/thudm-tiny/make.py).
const THUDM_TINY = join(FIXTURES, 'thudm-tiny');

interface Reference extends ReferenceLogits {
  segments: { text: string; ids: number[] }[];
}

const reference = fixture<Reference>('thudm-tiny/reference-logits.json');
let model: GlmModel;

before(async () => {
  model = await loadTiny(join(THUDM_TINY, 'model'));
});
after(() => model.dispose());

test('converted THUDM checkpoint: manifest ids follow the GPT-2 family rule after the base vocabulary', () => {
  // The tiny vocabulary has 294 entries with <|endoftext|> last, as GPT-2's 50257 (docs/glm.md §4.1, shifted).
  assert.deepEqual(model.manifest.specialTokens, {
    eos: 293,
    pad: 293,
    cls: 296,
    mask: 297,
    smask: 301,
    gmask: 300,
    sop: 294,
    eop: 295,
  });
  assert.equal(model.tokenizer.size, 302);
  assert.equal(model.manifest.provenance.modelParallelShards, 2);
});

test('converted THUDM checkpoint: its tokenizer gives the ids of the tokenizer it came from', () => {
  for (const s of reference.segments) assert.deepEqual(model.tokenizer.encode(s.text), s.ids, JSON.stringify(s.text));
});

test('converted THUDM checkpoint: prefill logits equal PyTorch within 1e-4', () =>
  assertPrefillMatches(model, reference));

test('converted THUDM checkpoint: cached decode steps equal PyTorch within 1e-4', async () => {
  await assertCachedDecodeMatches(model, reference);
});

test('converted THUDM checkpoint: one uncached pass over Part A and Part B equals PyTorch within 1e-4', async () => {
  const partA = reference.partA.inputIds;
  const sep = partA.length;
  const ids = [...partA, ...reference.decode.map((d) => d.inputId)];
  const positions: [number[], number[]] = [
    [...reference.partA.positionIds[0], ...reference.decode.map((d) => d.positionIds[0])],
    [...reference.partA.positionIds[1], ...reference.decode.map((d) => d.positionIds[1])],
  ];
  // GLM's mask: Part A rows see Part A; Part B rows see Part A and Part B up to themselves (docs/glm.md §3.1).
  const n = ids.length;
  const mask = new Float32Array(n * n);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) mask[row * n + col] = col < sep || (row >= sep && col <= row) ? 1 : 0;
  }
  const logitPositions = reference.decode.map((_, i) => sep + i);
  const { logits } = await model.engine.forward({ ids, positions, mask, logitPositions }, model.engine.emptyCache());
  reference.decode.forEach((step, i) => {
    const diff = maxAbsDiff(logits[i] as Float32Array, step.logits);
    assert.ok(diff < TOLERANCE, `Part B row ${i}: max |Δ| = ${diff}`);
  });
});

// --- GPT-2 (glm-2b, glm-10b) against an independent GPT-2 implementation ------------------------------------------
const GPT2_DIR = join(ROOT, 'node_modules', 'gpt-3-encoder');
// THUDM's ids for the GPT-2 vocabulary (docs/glm.md §4.1).
const GPT2_SPECIAL: SpecialTokens = {
  eos: 50256,
  pad: 50256,
  cls: 50259,
  mask: 50260,
  smask: 50264,
  gmask: 50263,
  sop: 50257,
  eop: 50258,
};

function python(): string {
  return process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

async function convertGpt2(): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'glm-gpt2-'));
  const file = join(folder, 'tokenizer.json');
  const r = spawnSync(
    python(),
    [
      '-m',
      'models.glm.thudm_tokenizers',
      '--family',
      'gpt2',
      '--files',
      join(GPT2_DIR, 'encoder.json'),
      join(GPT2_DIR, 'vocab.bpe'),
      '--out',
      file,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `tokenizer conversion failed: ${r.error?.message ?? ''} ${r.stderr}`);
  return { file, cleanup: () => rm(folder, { recursive: true, force: true }) };
}

const GPT2_SAMPLE = [
  "GLM fills blanks in text: \"The capital of France is Paris.\" It's we're they've I'm you'll he'd.",
  'def add(a, b):\n    return a + b\n\nclass Foo:\n\tpass\r\n',
  'const x = `template ${y}`; // comment\n  if (a && b || !c) { return [1, 2, 3].map((v) => v * 2); }',
  'Numbers 3.14159 and 1,000,000 and 2026-11-28; 0x1F and 1e-9.',
  'Emoji 😀👍🏽 and CJK 中文字符 日本語のテキスト 한국어 and accents: café, naïve, Ünïcödé — “quotes” … ½',
  '   leading and trailing whitespace   \n\n\n    indented\n',
  '<|endoftext|> and [MASK] are plain text here',
].join('\n');

test("GPT-2 tokenizer.json converted from GPT-2's files gives the ids of gpt-3-encoder on a varied sample", async () => {
  const { file, cleanup } = await convertGpt2();
  try {
    const tokenizer = await GlmTokenizer.load(file, GPT2_SPECIAL);
    const texts = [
      GPT2_SAMPLE,
      ...GPT2_SAMPLE.split('\n'),
      readFileSync(join(ROOT, 'src', 'glm', 'engine.ts'), 'utf8'),
      readFileSync(join(FIXTURES, 'tokenizer-sample.txt'), 'utf8'),
    ];
    for (const text of texts) {
      const expected = gpt2Encode(text);
      assert.deepEqual(tokenizer.encode(text), expected, JSON.stringify(text.slice(0, 60)));
      assert.equal(tokenizer.decode(expected), text);
    }
    assert.equal(tokenizer.size, 50265); // 50257 + 8 command tokens; [dBLOCK] and the padding rows after it are never outputs

    const json = JSON.parse(await readFile(file, 'utf8')) as object;
    const full = new Tokenizer(json, { clean_up_tokenization_spaces: false });
    const names: [string, number][] = [
      ['<|endoftext|>', 50256],
      ['<|startofpiece|>', 50257],
      ['<|endofpiece|>', 50258],
      ['[CLS]', 50259],
      ['[MASK]', 50260],
      ['[SEP]', 50261],
      ['[UNK]', 50262],
      ['[gMASK]', 50263],
      ['[sMASK]', 50264],
    ];
    for (const [name, id] of names) assert.equal(full.token_to_id(name), id, name);
    // Mask tokens drop the space on their left (THUDM's lstrip); other command tokens do not.
    const ids = (text: string): number[] => full.encode(text, { add_special_tokens: false }).ids;
    for (const [mask, id] of [
      ['[MASK]', 50260],
      ['[sMASK]', 50264],
      ['[gMASK]', 50263],
    ] as const) {
      assert.deepEqual(ids(`located in ${mask}.`), [...gpt2Encode('located in'), id, ...gpt2Encode('.')], mask);
    }
    assert.deepEqual(ids('a <|endofpiece|>'), [...gpt2Encode('a '), 50258]);
  } finally {
    await cleanup();
  }
});

// --- BERT WordPiece (glm-large): hand-computed cases on a small vocab.txt -----------------------------------------
// test/fixtures/thudm-tiny/bert/vocab.txt, id = line number - 1:
// [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4 the5 un6 ##aff7 ##able8 runn9 ##ing10 cafe11 ,12 .13 !14 hello15 world16 中17 文18
// ##s19 a20 ##b21 ab22; then sop 23, eop 24, [gMASK] 25, [sMASK] 26.
const BERT_SPECIAL: SpecialTokens = { eos: 0, pad: 0, cls: 2, mask: 4, smask: 26, gmask: 25, sop: 23, eop: 24 };

test('BERT WordPiece conversion: hand-computed cases', async () => {
  const file = join(THUDM_TINY, 'bert', 'tokenizer.json');
  const tokenizer = await GlmTokenizer.load(file, BERT_SPECIAL);
  const cases: [string, number[]][] = [
    ['The UNAFFABLE Café!', [5, 6, 7, 8, 11, 14]], // lowercased, accent stripped, longest-match-first pieces
    ['running', [9, 10]],
    ['hello,world.', [15, 12, 16, 13]], // punctuation splits words
    ['中文', [17, 18]], // each CJK character is a word
    ['中s', [17, 1]], // "s" alone is no word start
    ['xyz', [1]],
    ['ab abb', [22, 22, 21]],
    ['aab', [1]], // a + "##ab" fails: the whole word is [UNK]
    ['[MASK] <|endoftext|>', [1, 1, 1, 1, 1, 1, 1, 1]], // plain text: brackets and words, never the specials
  ];
  for (const [text, ids] of cases) assert.deepEqual(tokenizer.encode(text), ids, text);
  assert.equal(tokenizer.size, 27);
  // A decoded span carries the space before it (the extension's convention for blanks); pieces and closing
  // punctuation join the previous text.
  assert.equal(tokenizer.decode([5, 6, 7, 8, 11, 14]), ' the unaffable cafe!');
  assert.equal(tokenizer.decode([15, 12, 16, 13]), ' hello, world.');
  assert.equal(tokenizer.decode([19]), 's');
  const full = new Tokenizer(JSON.parse(await readFile(file, 'utf8')) as object, {
    clean_up_tokenization_spaces: false,
  });
  assert.deepEqual(full.encode('hello [MASK] world', { add_special_tokens: false }).ids, [15, 4, 16]);
});
