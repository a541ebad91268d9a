import type { GlmEngine } from './engine.js';
import { type PartA, glmMaskRow, partAPositions, partBPosition } from './layout.js';

/** Part B tokens fed so far: for each blank in order, sop and its tokens. */
export type PartBSpans = readonly (readonly number[])[];

/**
 * The logits after the last Part B token computed *without* a cache: the whole sequence (Part A and every Part B
 * token so far) in one pass with GLM's full mask. It is what the cached decoder must reproduce, and the baseline the
 * benchmark compares it with.
 */
export async function uncachedNextLogits(engine: GlmEngine, partA: PartA, spans: PartBSpans): Promise<Float32Array> {
  const sep = partA.ids.length;
  const ids = [...partA.ids];
  const [row0, row1] = partAPositions(sep);
  spans.forEach((span, blank) =>
    span.forEach((id, j) => {
      const [position, block] = partBPosition(partA, blank, j);
      ids.push(id);
      row0.push(position);
      row1.push(block);
    }),
  );
  const mask = new Float32Array(ids.length * ids.length);
  for (let r = 0; r < ids.length; r++) mask.set(glmMaskRow(r, sep, ids.length), r * ids.length);
  const { logits } = await engine.forward(
    { ids, positions: [row0, row1], mask, logitPositions: [ids.length - 1] },
    engine.emptyCache(),
  );
  return logits[0] as Float32Array;
}
