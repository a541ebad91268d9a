import * as vscode from 'vscode';
import { type Direction, stepBlank } from '../fill/blankNavigation.js';
import { quoted, stepAnnouncement } from '../fill/fillAnnouncement.js';
import type { OffsetRange } from '../fill/offsetRange.js';
import type { BlankStore } from './blankStore.js';
import type { LastFills } from './lastFills.js';

/** The context key that shows the commands (palette, keys) where the active document has blanks. */
export const HAS_BLANKS = 'glmInfill.hasBlanks';

/** The blanks a user moves through: the marked ones, else (after a fill) the text the last fill wrote. */
interface BlankSet {
  what: 'Blank' | 'Filled blank';
  ranges: OffsetRange[];
}

/** Where "Next Blank" or "Previous Blank" went; undefined when the document has no blanks. */
export interface BlankStep {
  index: number;
  count: number;
  wrapped: boolean;
  message: string;
}

/** One row of "List Blanks". */
export interface BlankItem extends vscode.QuickPickItem {
  range?: OffsetRange;
}

/** "Next Blank", "Previous Blank", "List Blanks", and the context key that shows them. */
export function registerBlankNavigation(store: BlankStore, fills: LastFills): vscode.Disposable[] {
  const blanksOf = (document: vscode.TextDocument): BlankSet => {
    const marked = store.list(document);
    return marked.length > 0
      ? { what: 'Blank', ranges: marked }
      : { what: 'Filled blank', ranges: fills.list(document) };
  };
  let shown: boolean | undefined;
  const updateKey = (): void => {
    const editor = vscode.window.activeTextEditor;
    const has = editor !== undefined && blanksOf(editor.document).ranges.length > 0;
    // The store changes on every edit of a document with blanks: tell VS Code only when the answer changes.
    if (has !== shown) void vscode.commands.executeCommand('setContext', HAS_BLANKS, has);
    shown = has;
  };
  updateKey();
  return [
    vscode.commands.registerCommand('glmInfill.nextBlank', () => goTo('next', blanksOf)),
    vscode.commands.registerCommand('glmInfill.previousBlank', () => goTo('previous', blanksOf)),
    vscode.commands.registerCommand('glmInfill.listBlanks', () => listBlanks(store, fills)),
    vscode.window.onDidChangeActiveTextEditor(updateKey),
    store.onDidChange(updateKey),
    fills.onDidChange(updateKey),
  ];
}

/**
 * Selects the next (previous) blank, wrapping, and says which in the status bar. The selection is what a screen
 * reader reads (VS Code speaks a changed selection's text); the status bar line can be read on demand.
 */
function goTo(direction: Direction, blanksOf: (d: vscode.TextDocument) => BlankSet): BlankStep | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const document = editor.document;
  const { what, ranges } = blanksOf(document);
  const selection = { start: document.offsetAt(editor.selection.start), end: document.offsetAt(editor.selection.end) };
  const step = stepBlank(ranges, selection, direction);
  const range = step && ranges[step.index];
  if (!step || !range) {
    vscode.window.setStatusBarMessage(
      'GLM Infill: no blanks in this document (mark one with "Mark Selection as Blank").',
      4000,
    );
    return undefined;
  }
  select(editor, range);
  const start = document.positionAt(range.start);
  const text = document.getText(new vscode.Range(start, document.positionAt(range.end)));
  const message = stepAnnouncement(what, step.index, ranges.length, start.line + 1, text, step.wrapped);
  vscode.window.setStatusBarMessage(`GLM Infill: ${message}`, 8000);
  return { index: step.index, count: ranges.length, wrapped: step.wrapped, message };
}

function select(editor: vscode.TextEditor, range: OffsetRange): void {
  const document = editor.document;
  const selection = new vscode.Selection(document.positionAt(range.start), document.positionAt(range.end));
  editor.selection = selection;
  editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The rows of "List Blanks": marked blanks, then what the last fill wrote, each with its line and its text now. */
export function blankItems(document: vscode.TextDocument, store: BlankStore, fills: LastFills): BlankItem[] {
  const row = (label: string, range: OffsetRange): BlankItem => {
    const start = document.positionAt(range.start);
    const text = document.getText(new vscode.Range(start, document.positionAt(range.end)));
    return { label: `${label}: ${quoted(text)}`, description: `line ${start.line + 1}`, range };
  };
  const marked = store.list(document).map((b, i) => row(`Blank ${i + 1}`, b));
  const filled = fills.list(document).map((f) => row(`Filled blank ${f.blank}`, f));
  const separator = (label: string): BlankItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  return [
    ...(marked.length > 0 ? [separator('Marked blanks'), ...marked] : []),
    ...(filled.length > 0 ? [separator('Written by the last fill'), ...filled] : []),
  ];
}

/** A quick pick of the blanks (accessible: each row is read with its line and text); choosing one selects it. */
async function listBlanks(store: BlankStore, fills: LastFills): Promise<OffsetRange | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const items = blankItems(editor.document, store, fills);
  if (items.length === 0) {
    void vscode.window.showInformationMessage(
      'GLM Infill: this document has no blanks. Select text and run "Mark Selection as Blank" to mark one.',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `GLM Infill: blanks of ${editor.document.uri.path.split('/').pop()}`,
    placeHolder: 'Choose a blank to select it in the editor',
    matchOnDescription: true,
  });
  if (!picked?.range) return undefined;
  select(await vscode.window.showTextDocument(editor.document, editor.viewColumn), picked.range);
  return picked.range;
}
