import * as vscode from 'vscode';
import type { ContextSettings } from './settings.js';

// Documents whose text feeds one request's cache at most: the cache indexes about 2 M characters per request.
const MAX_DOCUMENTS = 8;
const RECENT = 32;

/**
 * Which other documents feed the context cache of a fill: open documents of the workspace, the most recently edited
 * first, then the other open ones. Text comes from the editor's own buffers (unsaved edits included), never from
 * disk, and never from outside the workspace folders; documents over the size limit are skipped (logged once).
 */
export class ContextSources implements vscode.Disposable {
  private readonly recent: string[] = [];
  private readonly loggedTooLarge = new Set<string>();
  private readonly listener: vscode.Disposable;

  constructor(private readonly log: (line: string) => void) {
    this.listener = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) this.touch(e.document.uri.toString());
    });
  }

  /** The texts of the documents that feed `document`'s cache, best first. */
  textsFor(document: vscode.TextDocument, settings: ContextSettings): string[] {
    if (!settings.enabled || settings.files === 'documentOnly') return [];
    const limit = settings.maxFileKB * 1000;
    const rank = (d: vscode.TextDocument): number => {
      const i = this.recent.indexOf(d.uri.toString());
      return i < 0 ? RECENT : i;
    };
    const candidates = vscode.workspace.textDocuments
      .filter((d) => d !== document && !d.isClosed && vscode.workspace.getWorkspaceFolder(d.uri) !== undefined)
      .filter((d) => settings.files === 'allOpen' || d.languageId === document.languageId)
      .sort((a, b) => rank(a) - rank(b));
    const texts: string[] = [];
    for (const d of candidates) {
      if (texts.length >= MAX_DOCUMENTS) break;
      const text = d.getText();
      if (text.length > limit) {
        this.noteTooLarge(d, text.length, limit);
        continue;
      }
      texts.push(text);
    }
    return texts;
  }

  dispose(): void {
    this.listener.dispose();
  }

  private touch(uri: string): void {
    const at = this.recent.indexOf(uri);
    if (at >= 0) this.recent.splice(at, 1);
    this.recent.unshift(uri);
    this.recent.length = Math.min(this.recent.length, RECENT);
  }

  private noteTooLarge(document: vscode.TextDocument, length: number, limit: number): void {
    const key = `${document.uri.toString()}@${document.version}`;
    if (this.loggedTooLarge.has(key)) return;
    this.loggedTooLarge.add(key);
    this.log(
      `Context cache: skipped ${vscode.workspace.asRelativePath(document.uri)} (${length} characters, over ` +
        `glmInfill.context.maxFileKB = ${limit / 1000})`,
    );
  }
}
