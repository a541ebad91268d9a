import { unfilledNote } from '../glm/index.js';
import type { InfillResult } from '../glm/index.js';

/**
 * The fills to write, with every blank that got no text (undefined, or only whitespace) left out, and what to tell
 * the user about those. Writing an empty fill would delete the blank's selected text without a word, so such a
 * blank keeps its text instead.
 */
export function withoutEmptyFills(
  result: Pick<InfillResult, 'spans'>,
  fills: readonly (string | undefined)[],
): { fills: (string | undefined)[]; note?: string } {
  const kept = fills.map((f) => (f === undefined || f.trim() === '' ? undefined : f));
  const spans = result.spans.map((s, i) => ({
    index: s.index,
    stopReason: s.stopReason,
    unfilled: kept[i] === undefined,
  }));
  const note = unfilledNote(spans);
  return note === undefined ? { fills: kept } : { fills: kept, note: `GLM Infill: ${note}` };
}
