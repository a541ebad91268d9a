import * as vscode from 'vscode';
import type { BlankStore } from './blankStore.js';

/** Draws the marked blanks: a tinted range with its number in front, in every editor that shows the document. */
export class BlankDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightStrongBackground'),
    border: '1px dashed',
    borderColor: new vscode.ThemeColor('editorInfo.foreground'),
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly store: BlankStore) {
    this.subscriptions = [
      store.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
    ];
    this.refresh();
  }

  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const blanks = this.store.list(editor.document);
      editor.setDecorations(
        this.type,
        blanks.map((blank, i) => ({
          range: new vscode.Range(editor.document.positionAt(blank.start), editor.document.positionAt(blank.end)),
          hoverMessage: `GLM Infill blank ${i + 1} (${blank.kind}): "Fill blank" fills every marked blank of this document.`,
          renderOptions: {
            before: {
              contentText: `${i + 1}›`,
              color: new vscode.ThemeColor('editorInfo.foreground'),
              fontWeight: 'bold',
            },
          },
        })),
      );
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.type.dispose();
  }
}
