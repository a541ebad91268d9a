import type { BlankKind } from './blank.js';
import type { SpecialTokens } from './manifest.js';

/** Part A: `[CLS] s0 M1 s1 … MN sN [eos]` and where each blank's mask token sits. */
export interface PartA {
  ids: number[];
  /** maskIndex[k] = index of blank k's mask token in Part A; Part B of blank k takes it as position. */
  maskIndex: number[];
}

export interface PartAOptions {
  addCls: boolean;
  addEos: boolean;
}

/** The Python side's full training/scoring layout (contract "Layout"); the goldens compare it field by field. */
export interface Layout {
  inputIds: number[];
  targets: number[];
  positionIds: [number[], number[]];
  sep: number;
  lossMask: number[];
  attentionMask: number[][];
}

export function maskId(kind: BlankKind, special: SpecialTokens): number {
  if (kind === 'span') return special.mask;
  return kind === 'sentence' ? special.smask : special.gmask;
}

/** GLM omits the trailing eos when generation continues the text: last blank a document blank at the very end (docs/glm.md §4.4). */
export function defaultPartAOptions(
  segments: readonly (readonly number[])[],
  kinds: readonly BlankKind[],
): PartAOptions {
  const endsWithDocumentBlank = kinds.at(-1) === 'document' && (segments.at(-1)?.length ?? 0) === 0;
  return { addCls: true, addEos: !endsWithDocumentBlank };
}

export function buildPartA(
  segments: readonly (readonly number[])[],
  kinds: readonly BlankKind[],
  special: SpecialTokens,
  options: PartAOptions = defaultPartAOptions(segments, kinds),
): PartA {
  if (segments.length !== kinds.length + 1) {
    throw new Error(
      `layout needs one more segment than blanks (got ${segments.length} segments, ${kinds.length} blanks)`,
    );
  }
  const ids: number[] = options.addCls ? [special.cls] : [];
  const maskIndex: number[] = [];
  segments.forEach((segment, k) => {
    if (k > 0) {
      maskIndex.push(ids.length);
      ids.push(maskId(kinds[k - 1] as BlankKind, special));
    }
    ids.push(...segment);
  });
  if (options.addEos) ids.push(special.eos);
  return { ids, maskIndex };
}

/** Position rows of Part A: positions 0…n-1, block positions 0. */
export function partAPositions(length: number): [number[], number[]] {
  return [Array.from({ length }, (_, i) => i), new Array<number>(length).fill(0)];
}

/**
 * Part B token j of a span (j = 0 is sop) sits at the blank's mask position with block position j + 1;
 * the block position restarts at 1 for every blank (docs/glm.md §2.1, §7).
 */
export function partBPosition(partA: PartA, blank: number, j: number): [number, number] {
  const position = partA.maskIndex[blank];
  if (position === undefined) throw new Error(`no blank ${blank} in Part A`);
  return [position, j + 1];
}

/** Full layout with Part B spans in `order` (training shuffles it, inference uses document order). */
export function buildLayout(
  partA: PartA,
  fills: readonly (readonly number[])[],
  order: readonly number[],
  special: SpecialTokens,
): Layout {
  const sep = partA.ids.length;
  const inputIds = [...partA.ids];
  const targets = new Array<number>(sep).fill(-1);
  const lossMask = new Array<number>(sep).fill(0);
  const [row0, row1] = partAPositions(sep);
  for (const blank of order) {
    const fill = fills[blank];
    if (fill === undefined) throw new Error(`no fill for blank ${blank}`);
    [special.sop, ...fill].forEach((id, j) => {
      const [position, block] = partBPosition(partA, blank, j);
      inputIds.push(id);
      row0.push(position);
      row1.push(block);
    });
    targets.push(...fill, special.eop);
    lossMask.push(...new Array<number>(fill.length + 1).fill(1));
  }
  const attentionMask = inputIds.map((_, row) => glmMaskRow(row, sep, inputIds.length));
  return { inputIds, targets, positionIds: [row0, row1], sep, lossMask, attentionMask };
}

/** Row `row` of GLM's mask: Part A rows see Part A; Part B rows see Part A and Part B up to themselves (docs/glm.md §3.1). */
export function glmMaskRow(row: number, sep: number, length: number): number[] {
  const visibleUpTo = row < sep ? sep : row + 1;
  return Array.from({ length }, (_, col) => (col < visibleUpTo ? 1 : 0));
}

/**
 * Mask for `count` new Part B tokens after `past` cached tokens: the cache holds Part A and earlier Part B,
 * all visible; among the new tokens, lower triangle. Flat `[count, past + count]`, as the graph takes it.
 */
export function partBStepMask(past: number, count: number): Float32Array {
  const width = past + count;
  const mask = new Float32Array(count * width);
  for (let r = 0; r < count; r++) mask.fill(1, r * width, r * width + past + r + 1);
  return mask;
}
