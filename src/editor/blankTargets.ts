import type * as vscode from 'vscode';
import { type Blank, type FillMode, blankKindFor } from '../glm/index.js';
import type { BlankStore } from './blankStore.js';
import { textKindOf } from './textKind.js';

/** What "Fill blank" fills, and where those blanks came from (the messages say it). */
export interface BlankTarget {
  source: 'selections' | 'marked blanks' | 'cursor';
  blanks: Blank[];
  /** Ids of marked blanks, index-aligned with `blanks` (they are unmarked once filled). */
  markedIds: number[];
}

/**
 * Non-empty selections first (each becomes a blank of the current mode; in 'auto' mode, of the kind its shape asks
 * for); without any, the document's marked blanks; without those, every cursor (an empty blank: insert there).
 */
export function blankTarget(editor: vscode.TextEditor, store: BlankStore, mode: FillMode): BlankTarget {
  const document = editor.document;
  const selected = editor.selections.filter((s) => !s.isEmpty);
  if (selected.length > 0) {
    return { source: 'selections', blanks: disjoint(selected.map((s) => toBlank(document, s, mode))), markedIds: [] };
  }
  const marked = store.list(document);
  if (marked.length > 0) {
    return {
      source: 'marked blanks',
      blanks: marked.map(({ start, end, kind }) => ({ start, end, kind })),
      markedIds: marked.map((b) => b.id),
    };
  }
  return {
    source: 'cursor',
    blanks: disjoint(editor.selections.map((s) => toBlank(document, s, mode))),
    markedIds: [],
  };
}

function toBlank(document: vscode.TextDocument, range: vscode.Range, mode: FillMode): Blank {
  const start = document.offsetAt(range.start);
  const end = document.offsetAt(range.end);
  return { start, end, kind: blankKindFor(mode, document.getText(), start, end, textKindOf(document)) };
}

/** Sorted, with overlapping or duplicate ranges (VS Code can hold touching multi-cursor selections) merged. */
export function disjoint(blanks: readonly Blank[]): Blank[] {
  const sorted = [...blanks].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Blank[] = [];
  for (const blank of sorted) {
    const last = out[out.length - 1];
    if (last && (blank.start < last.end || (blank.start === last.start && blank.end === last.end)))
      last.end = Math.max(last.end, blank.end);
    else out.push({ ...blank });
  }
  return out;
}
