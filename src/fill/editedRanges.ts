import type { OffsetRange } from './offsetRange.js';

/** One replacement in offsets of the text before it, with the text that replaces [start, end). */
export interface Replacement {
  start: number;
  end: number;
  text: string;
}

/**
 * Where each replacement's new text stands once all are made: `edits` in document order, none overlapping another,
 * all in offsets of the text before them (one edit, as a fill writes its blanks).
 */
export function rangesAfterEdits(edits: readonly Replacement[]): OffsetRange[] {
  let shift = 0;
  return edits.map((edit) => {
    const start = edit.start + shift;
    shift += edit.text.length - (edit.end - edit.start);
    return { start, end: start + edit.text.length };
  });
}
