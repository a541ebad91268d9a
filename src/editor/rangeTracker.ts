import * as vscode from 'vscode';
import { type OffsetChange, type OffsetRange, mapThrough } from '../fill/offsetRange.js';

/**
 * Follows a fixed list of ranges of one document while a fill runs: where each is now, and whether the user
 * touched its text meanwhile (such a blank is never overwritten).
 */
export class RangeTracker implements vscode.Disposable {
  private readonly ranges: (OffsetRange & { touched: boolean })[];
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly document: vscode.TextDocument,
    ranges: readonly OffsetRange[],
  ) {
    this.ranges = ranges.map((r) => ({ start: r.start, end: r.end, touched: false }));
    this.subscription = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document !== this.document || event.contentChanges.length === 0) return;
      const changes = offsetChanges(event);
      this.ranges.forEach((range, i) => {
        const mapped = mapThrough(range, changes);
        this.ranges[i] = {
          start: mapped.start,
          end: mapped.end,
          touched: range.touched || mapped.touched || mapped.removed,
        };
      });
    });
  }

  range(i: number): OffsetRange {
    const r = this.ranges[i];
    if (r === undefined) throw new RangeError(`No tracked range ${i}`);
    return { start: r.start, end: r.end };
  }

  touched(i: number): boolean {
    return this.ranges[i]?.touched ?? true;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

/** A document event's changes as offset replacements (offsets of the text before the event). */
export function offsetChanges(event: vscode.TextDocumentChangeEvent): OffsetChange[] {
  return event.contentChanges.map((c) => ({
    start: c.rangeOffset,
    end: c.rangeOffset + c.rangeLength,
    length: c.text.length,
  }));
}
