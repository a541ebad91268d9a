import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlankKind } from '../../src/glm/blank.js';
import {
  buildLayout,
  buildPartA,
  defaultPartAOptions,
  glmMaskRow,
  partBStepMask,
  type Layout,
} from '../../src/glm/layout.js';
import type { Manifest } from '../../src/glm/manifest.js';
import { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { fixture } from './helpers.js';
import { join } from 'node:path';
import { TINY } from './helpers.js';

interface LayoutCase {
  name: string;
  segments: number[][];
  segmentTexts: string[] | null;
  blanks: { kind: BlankKind; fill: number[] }[];
  partBOrder: number[];
  addCls: boolean;
  addEos: boolean;
  expected: Layout;
}

const cases = fixture<LayoutCase[]>('layouts.json');
const manifest = fixture<Manifest>('tiny/glm.json');
const special = manifest.specialTokens;

for (const c of cases) {
  test(`layout golden: ${c.name}`, () => {
    const kinds = c.blanks.map((b) => b.kind);
    const partA = buildPartA(c.segments, kinds, special, { addCls: c.addCls, addEos: c.addEos });
    const layout = buildLayout(
      partA,
      c.blanks.map((b) => b.fill),
      c.partBOrder,
      special,
    );
    assert.deepEqual(layout.inputIds, c.expected.inputIds, 'input ids');
    assert.deepEqual(layout.positionIds, c.expected.positionIds, 'position ids');
    assert.deepEqual(layout.targets, c.expected.targets, 'targets');
    assert.equal(layout.sep, c.expected.sep, 'sep');
    assert.deepEqual(layout.lossMask, c.expected.lossMask, 'loss mask');
    assert.deepEqual(layout.attentionMask, c.expected.attentionMask, 'attention mask');
  });
}

test('layout goldens: inference picks the same [CLS]/eos rule as the fixtures built from text', () => {
  for (const c of cases.filter((x) => x.segmentTexts !== null)) {
    const options = defaultPartAOptions(
      c.segments,
      c.blanks.map((b) => b.kind),
    );
    assert.deepEqual(options, { addCls: c.addCls, addEos: c.addEos }, c.name);
  }
});

test('layout goldens: segment texts tokenize to the golden segment ids', async () => {
  const tokenizer = await GlmTokenizer.load(join(TINY, 'tokenizer.json'), special);
  for (const c of cases.filter((x) => x.segmentTexts !== null)) {
    assert.deepEqual(
      c.segmentTexts?.map((t) => tokenizer.encode(t)),
      c.segments,
      c.name,
    );
  }
});

test('decode-step mask equals the rows of the full GLM mask it replaces', () => {
  const sep = 7;
  const past = 10; // Part A and three Part B tokens already cached
  const count = 3;
  const step = partBStepMask(past, count);
  for (let r = 0; r < count; r++) {
    assert.deepEqual(
      [...step.subarray(r * (past + count), (r + 1) * (past + count))],
      glmMaskRow(past + r, sep, past + count),
    );
  }
});

test('buildPartA rejects a segment count that does not match the blanks', () => {
  assert.throws(() => buildPartA([[1], [2]], [], special), /one more segment than blanks/);
});
