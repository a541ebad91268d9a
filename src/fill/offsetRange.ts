/**
 * Character-offset ranges that follow edits made around them. Pure (no 'vscode'): the blank store and a running
 * fill both keep offsets and map them through each content change, so the rules live in one testable place.
 */
export interface OffsetRange {
  start: number;
  end: number;
}

/** One replacement, in offsets of the text before it: [start, end) becomes `length` characters. */
export interface OffsetChange {
  start: number;
  end: number;
  length: number;
}

export interface MappedRange extends OffsetRange {
  /** The change touched the range's own characters (or, for an empty range, happened right at it). */
  touched: boolean;
  /** The range's characters were all replaced by text around it: there is nothing left to track. */
  removed: boolean;
}

/**
 * Maps `range` through `change`. Text typed at either boundary stays outside a non-empty range (typing next to a
 * blank does not grow it); an empty range (a cursor blank) moves after text typed at it.
 */
export function mapRange(range: OffsetRange, change: OffsetChange): MappedRange {
  const delta = change.length - (change.end - change.start);
  const empty = range.start === range.end;
  const touched = empty
    ? change.start <= range.start && change.end >= range.start
    : change.start < range.end && change.end > range.start;
  const start = mapStart(range.start, change, delta);
  const end = empty ? start : mapEnd(range.end, change, delta);
  const removed = !empty && end <= start && touched;
  return { start, end: Math.max(start, end), touched, removed };
}

function mapStart(p: number, c: OffsetChange, delta: number): number {
  if (p < c.start) return p;
  if (p >= c.end) return p + delta;
  return c.start + c.length; // inside the replaced text: the range now starts after what replaced it
}

function mapEnd(p: number, c: OffsetChange, delta: number): number {
  if (p <= c.start) return p;
  if (p >= c.end) return p + delta;
  return c.start; // inside the replaced text: the range now ends before what replaced it
}

/**
 * Applies the changes of one document event. VS Code gives them in offsets of the text before the event and in
 * no promised order; applied from the last to the first, each one's offsets are still right when it is applied.
 */
export function mapThrough(range: OffsetRange, changes: readonly OffsetChange[]): MappedRange {
  let current: MappedRange = { ...range, touched: false, removed: false };
  for (const change of [...changes].sort((a, b) => b.start - a.start)) {
    const next = mapRange(current, change);
    current = { ...next, touched: current.touched || next.touched, removed: current.removed || next.removed };
  }
  return current;
}
