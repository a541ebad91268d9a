import * as vscode from 'vscode';
import { type OffsetRange, mapThrough } from '../fill/offsetRange.js';
import type { FillDone } from './filler.js';
import { offsetChanges } from './rangeTracker.js';

/** Text the last fill of a document wrote into one blank; `blank` is its number in that fill (1-based). */
export interface FilledRange extends OffsetRange {
  blank: number;
}

/**
 * Where the last fill of each open document wrote its text, kept in step with edits, so "List Blanks" and "Next
 * Blank" can take a user (a screen-reader user above all) through what was written. Not saved across reloads.
 */
export class LastFills implements vscode.Disposable {
  private readonly byDocument = new Map<string, FilledRange[]>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(onDidFill: vscode.Event<FillDone>) {
    this.subscriptions = [
      onDidFill((done) => this.record(done)),
      vscode.workspace.onDidChangeTextDocument((event) => this.follow(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document)),
      this.changed,
    ];
  }

  /** In document order. */
  list(document: vscode.TextDocument): FilledRange[] {
    return [...(this.byDocument.get(document.uri.toString()) ?? [])];
  }

  clear(document: vscode.TextDocument): void {
    if (this.byDocument.delete(document.uri.toString())) this.changed.fire(document.uri);
  }

  private record(done: FillDone): void {
    const ranges = done.ranges.flatMap((r, i) => (r === undefined ? [] : [{ ...r, blank: i + 1 }]));
    this.set(done.document, ranges);
  }

  private follow(event: vscode.TextDocumentChangeEvent): void {
    const ranges = this.byDocument.get(event.document.uri.toString());
    if (!ranges || event.contentChanges.length === 0) return;
    const changes = offsetChanges(event);
    this.set(
      event.document,
      ranges.flatMap((range) => {
        const mapped = mapThrough(range, changes);
        return mapped.removed ? [] : [{ blank: range.blank, start: mapped.start, end: mapped.end }];
      }),
    );
  }

  private set(document: vscode.TextDocument, ranges: FilledRange[]): void {
    if (ranges.length === 0) this.byDocument.delete(document.uri.toString());
    else this.byDocument.set(document.uri.toString(), ranges);
    this.changed.fire(document.uri);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
