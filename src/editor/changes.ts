import type * as vscode from 'vscode';
import type { OffsetChange } from './offsetRange.js';

/** A document event's changes as offset replacements (offsets of the text before the event). */
export function offsetChanges(event: vscode.TextDocumentChangeEvent): OffsetChange[] {
  return event.contentChanges.map((c) => ({ start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, length: c.text.length }));
}
