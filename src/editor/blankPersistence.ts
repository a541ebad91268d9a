import * as vscode from 'vscode';
import type { Blank } from '../glm/index.js';
import {
  type BlankSnapshot,
  type RestoredBlanks,
  newestSnapshots,
  parseSnapshot,
  restoreSnapshot,
  snapshotOf,
} from '../fill/blankSnapshot.js';
import type { BlankStore } from './blankStore.js';
import type { Notifier } from './notifier.js';

/** The workspace-state key: document URI → its marked blanks' snapshot. */
export const BLANKS_KEY = 'glmInfill.markedBlanks';
/** Documents whose blanks are kept at most (the least recently saved go first). */
const MAX_DOCUMENTS = 200;
/** Saves wait this long after the last change: typing in a document with blanks does not write on every key. */
const SAVE_DELAY_MS = 300;

/** The part of a Memento used here (the extension's workspace state; the tests give their own). */
export type SnapshotMemento = Pick<vscode.Memento, 'get' | 'update'>;

/**
 * Keeps the marked blanks of each document in workspace state with the text they were marked on, and puts them back
 * when the document opens again (after a window reload, or closed and reopened). Blanks that cannot be placed in the
 * text as it is now (it changed outside the editor) are dropped, and the user is told once.
 */
export class BlankPersistence implements vscode.Disposable {
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly store: BlankStore,
    private readonly memento: SnapshotMemento,
    private readonly notifier: Notifier,
  ) {
    this.subscriptions = [
      store.onDidChange((uri) => this.schedule(uri.toString())),
      // Closing: the blanks leave memory now, so save them now (a pending save would find them gone). A closed
      // untitled document is gone for good, and its name comes back for the next new one: forget its blanks.
      store.onWillForget(({ document, blanks }) => this.save(document, document.isUntitled ? [] : blanks)),
      vscode.workspace.onDidOpenTextDocument((document) => this.restore(document)),
    ];
    vscode.workspace.textDocuments.forEach((document) => this.restore(document));
  }

  /** Puts back the document's saved blanks, unless it has blanks marked in this window already. */
  restore(document: vscode.TextDocument): RestoredBlanks | undefined {
    const key = document.uri.toString();
    const snapshot = parseSnapshot(this.record()[key]);
    if (!snapshot || this.store.list(document).length > 0) return undefined;
    const restored = restoreSnapshot(snapshot, document.getText());
    // The store's change saves the blanks again, now with this text's hash: a drop is told once.
    if (restored.blanks.length > 0) this.store.restore(document, restored.blanks);
    else this.write(key, undefined);
    if (restored.dropped > 0) this.notifier.warn(droppedMessage(document, restored));
    else if (restored.blanks.length > 0) {
      const n = restored.blanks.length;
      vscode.window.setStatusBarMessage(`GLM Infill: ${n} marked blank${n === 1 ? '' : 's'} restored.`, 5000);
    }
    return restored;
  }

  /** Writes every pending save now. */
  flush(): void {
    for (const key of [...this.pending.keys()]) this.saveOpen(key);
  }

  private schedule(key: string): void {
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => this.saveOpen(key), SAVE_DELAY_MS),
    );
  }

  private saveOpen(key: string): void {
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    // A closed document's blanks were saved as it closed (onWillForget); the store has none for it now.
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (document) this.save(document, this.store.list(document));
  }

  private save(document: vscode.TextDocument, blanks: readonly Blank[]): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.write(key, blanks.length > 0 ? snapshotOf(document.getText(), blanks, Date.now()) : undefined);
  }

  private record(): Record<string, unknown> {
    const value = this.memento.get<unknown>(BLANKS_KEY);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  }

  private write(key: string, snapshot: BlankSnapshot | undefined): void {
    const record = this.record();
    if (snapshot === undefined && !(key in record)) return;
    const snapshots: Record<string, BlankSnapshot> = {};
    for (const [k, v] of Object.entries(record)) {
      const parsed = k === key ? undefined : parseSnapshot(v);
      if (parsed) snapshots[k] = parsed;
    }
    if (snapshot) snapshots[key] = snapshot;
    void this.memento.update(BLANKS_KEY, newestSnapshots(snapshots, MAX_DOCUMENTS));
  }

  dispose(): void {
    this.flush();
    this.subscriptions.forEach((s) => s.dispose());
  }
}

function droppedMessage(document: vscode.TextDocument, restored: RestoredBlanks): string {
  const name = document.uri.path.split('/').pop() || document.uri.toString();
  const n = restored.dropped;
  const kept = restored.blanks.length;
  return (
    `${n} marked blank${n === 1 ? '' : 's'} in ${name} ${n === 1 ? 'was' : 'were'} dropped: the file changed outside ` +
    `the editor, so ${n === 1 ? 'it' : 'they'} could no longer be placed.` +
    (kept > 0 ? ` ${kept} other${kept === 1 ? ' was' : 's were'} kept.` : '')
  );
}
