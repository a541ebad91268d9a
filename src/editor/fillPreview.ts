import * as vscode from 'vscode';
import type { OffsetRange } from '../fill/offsetRange.js';

/**
 * Shows fills in place while they are generated, without touching the document: ghost text after each blank and
 * the text it will replace struck through. Decorations, not edits, so a cancel leaves the file byte for byte as it
 * was and no undo step is spent (ghost text cannot show different text at several places).
 */
export class FillPreview implements vscode.Disposable {
  private readonly target = vscode.window.createTextEditorDecorationType({
    textDecoration: 'line-through',
    opacity: '0.6',
  });
  private readonly ghost = vscode.window.createTextEditorDecorationType({});
  private readonly texts: string[];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly editor: vscode.TextEditor | undefined,
    private readonly ranges: (i: number) => OffsetRange,
    count: number,
  ) {
    this.texts = new Array<string>(count).fill('');
  }

  append(blank: number, text: string): void {
    this.set(blank, (this.texts[blank] ?? '') + text);
  }

  set(blank: number, text: string): void {
    this.texts[blank] = text;
    // Tokens can come every millisecond on a small model; the renderer needs no more than ~30 updates a second.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, 30);
  }

  text(blank: number): string {
    return this.texts[blank] ?? '';
  }

  private render(): void {
    const editor = this.editor;
    if (!editor) return;
    const document = editor.document;
    const at = (i: number): vscode.Range => {
      const r = this.ranges(i);
      return new vscode.Range(document.positionAt(r.start), document.positionAt(r.end));
    };
    editor.setDecorations(
      this.target,
      this.texts.map((_, i) => at(i)).filter((r) => !r.isEmpty),
    );
    editor.setDecorations(
      this.ghost,
      this.texts.map((text, i) => ({
        range: at(i),
        renderOptions: {
          after: {
            contentText: visible(text || '…'),
            color: new vscode.ThemeColor('editorGhostText.foreground'),
            fontStyle: 'italic',
          },
        },
      })),
    );
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.target.dispose();
    this.ghost.dispose();
  }
}

/** Decorations show one line: line breaks become a visible mark. */
function visible(text: string): string {
  return text.replace(/\r?\n/g, '⏎');
}
