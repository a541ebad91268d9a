import type { OffsetRange } from './offsetRange.js';

export type Direction = 'next' | 'previous';

export interface Step {
  /** Index of the blank to go to, in `blanks`' (document) order. */
  index: number;
  /** The step went past the last blank to the first, or before the first to the last. */
  wrapped: boolean;
}

/**
 * The blank after (or before) the selection, wrapping at the document's ends; undefined with no blanks. Ranges
 * compare by start, then end: a selection that is a blank moves to its neighbour, a cursor inside a blank goes back
 * to that blank's start with 'previous', and a cursor at a blank's start selects it with 'next'.
 */
export function stepBlank(
  blanks: readonly OffsetRange[],
  selection: OffsetRange,
  direction: Direction,
): Step | undefined {
  if (blanks.length === 0) return undefined;
  const order = (b: OffsetRange): number => b.start - selection.start || b.end - selection.end;
  if (direction === 'next') {
    const index = blanks.findIndex((b) => order(b) > 0);
    return index >= 0 ? { index, wrapped: false } : { index: 0, wrapped: true };
  }
  let index = blanks.length - 1;
  while (index >= 0 && order(blanks[index] as OffsetRange) >= 0) index--;
  return index >= 0 ? { index, wrapped: false } : { index: blanks.length - 1, wrapped: true };
}
