import * as vscode from 'vscode';
import { type Blank, type FillMode, blankKindFor } from '../glm/index.js';
import { textKindOf } from './textKind.js';
import { mapThrough } from '../fill/offsetRange.js';
import { offsetChanges } from './rangeTracker.js';

/** A blank the user marked: it keeps its place (and its number, by document order) while the text around changes. */
export interface MarkedBlank extends Blank {
  id: number;
}

/** The marked blanks of every open document, kept in step with each edit. */
export class BlankStore implements vscode.Disposable {
  private readonly byDocument = new Map<string, MarkedBlank[]>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly forgetting = new vscode.EventEmitter<{ document: vscode.TextDocument; blanks: MarkedBlank[] }>();
  /** A document with blanks is closing: its blanks leave memory right after (blankPersistence.ts saves them). */
  readonly onWillForget = this.forgetting.event;
  private readonly subscriptions: vscode.Disposable[];
  private nextId = 1;

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((event) => this.follow(event)),
      // Offsets mean nothing once the text is gone from memory (it may change on disk before it is reopened).
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      this.changed,
      this.forgetting,
    ];
  }

  /** Blanks of `document` in document order. */
  list(document: vscode.TextDocument): MarkedBlank[] {
    return [...(this.byDocument.get(key(document)) ?? [])].sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** Marks each range as a blank; its kind is `kind`, or in 'auto' mode the one its shape asks for. */
  mark(document: vscode.TextDocument, ranges: readonly vscode.Range[], kind: FillMode): MarkedBlank[] {
    const text = document.getText();
    const added = ranges.map((r) => {
      const start = document.offsetAt(r.start);
      const end = document.offsetAt(r.end);
      return { id: this.nextId++, kind: blankKindFor(kind, text, start, end, textKindOf(document)), start, end };
    });
    const kept = this.list(document).filter((b) => !added.some((a) => overlaps(a, b)));
    this.set(document, [...kept, ...added]);
    return added;
  }

  /** Puts back blanks saved earlier (a window reload), replacing any the document has; they get new ids. */
  restore(document: vscode.TextDocument, blanks: readonly Blank[]): MarkedBlank[] {
    const restored = blanks.map(({ start, end, kind }) => ({ id: this.nextId++, kind, start, end }));
    this.set(document, restored);
    return restored;
  }

  remove(document: vscode.TextDocument, ids: readonly number[]): void {
    this.set(
      document,
      this.list(document).filter((b) => !ids.includes(b.id)),
    );
  }

  clear(document: vscode.TextDocument): void {
    if (this.byDocument.delete(key(document))) this.changed.fire(document.uri);
  }

  private forget(document: vscode.TextDocument): void {
    const blanks = this.byDocument.get(key(document));
    if (!blanks) return;
    this.forgetting.fire({ document, blanks: [...blanks] });
    this.clear(document);
  }

  private set(document: vscode.TextDocument, blanks: MarkedBlank[]): void {
    if (blanks.length === 0) this.byDocument.delete(key(document));
    else this.byDocument.set(key(document), blanks);
    this.changed.fire(document.uri);
  }

  private follow(event: vscode.TextDocumentChangeEvent): void {
    const blanks = this.byDocument.get(key(event.document));
    if (!blanks || event.contentChanges.length === 0) return;
    const changes = offsetChanges(event);
    const moved = blanks.flatMap((blank) => {
      const mapped = mapThrough(blank, changes);
      // A blank whose whole text was replaced (a fill, or the user retyping it) has done its job.
      return mapped.removed ? [] : [{ ...blank, start: mapped.start, end: mapped.end }];
    });
    this.set(event.document, moved);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

function key(document: vscode.TextDocument): string {
  return document.uri.toString();
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  // An empty blank (an insertion point) clashes with a blank it touches, not only one it is strictly inside.
  if (a.start === a.end || b.start === b.end) return a.start <= b.end && b.start <= a.end;
  return a.start < b.end && b.start < a.end;
}
