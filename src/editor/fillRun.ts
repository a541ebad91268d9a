import * as vscode from 'vscode';
import { type FilledSpan, type InfillResult, infill } from '../glm/index.js';
import { type DocumentBlank, type OffsetEdit, absorbedSpace, fillEdit, markDocument } from './blankText.js';
import { FillPreview } from './fillPreview.js';
import type { ModelManager } from './modelManager.js';
import { RangeTracker } from './rangeTracker.js';
import type { Settings } from './settings.js';

/** One generated fill of a blank (the core keeps the type to itself). */
export type SpanCandidate = FilledSpan['candidates'][number];

export interface GenerateOptions {
  candidates: number;
  /** Which candidate fills the blank: the likeliest, or the one most like the others (see glmInfill.consensus). */
  select: 'likeliest' | 'per-token' | 'consensus';
  signal: AbortSignal;
  onToken?: (blank: number, text: string) => void;
  /** Other documents' texts for the context cache (contextSources.ts). */
  contextTexts: readonly string[];
}

export interface ApplyReport {
  applied: number;
  /** Indices of blanks left alone because the user changed their text during the fill. */
  skipped: number[];
}

/**
 * One fill of a document's blanks: generation with a live preview, then the result applied as one edit. The blanks
 * are tracked from the start, so the edit lands where each blank is now and skips any the user has changed.
 */
export class FillRun implements vscode.Disposable {
  readonly document: vscode.TextDocument;
  readonly blanks: DocumentBlank[];
  readonly preview: FillPreview;
  private readonly tracker: RangeTracker;
  private absorbed: boolean[] = [];

  constructor(
    private readonly editor: vscode.TextEditor,
    blanks: readonly DocumentBlank[],
  ) {
    this.document = editor.document;
    this.blanks = [...blanks].sort((a, b) => a.start - b.start);
    this.tracker = new RangeTracker(this.document, this.blanks);
    this.preview = new FillPreview(editor, (i) => this.tracker.range(i), this.blanks.length);
  }

  /** All blanks in one Part A encode; each span sees the spans before it. */
  async generate(models: ModelManager, settings: Settings, options: GenerateOptions): Promise<InfillResult> {
    const marked = markDocument(this.document.getText(), this.blanks);
    const result = await models.use((model) => infill(model, marked.text, {
      maxTokens: settings.maxTokens,
      minTokens: Math.min(settings.minTokens, settings.maxTokens),
      temperature: settings.temperature,
      topP: settings.topP,
      candidates: options.candidates,
      select: options.select,
      contextCache: settings.context.enabled,
      contextTexts: options.contextTexts,
      signal: options.signal,
      onToken: (event) => {
        if (event.candidate !== 0) return;
        this.preview.append(event.blank, event.text);
        options.onToken?.(event.blank, event.text);
      },
    }));
    this.absorbed = result.spans.map((span, i) => absorbedSpace(span.start, marked.markerOffsets[i] ?? -1));
    result.spans.forEach((span, i) => this.preview.set(i, span.text));
    return result;
  }

  showChoice(blank: number, candidate: SpanCandidate): void {
    this.preview.set(blank, candidate.text);
  }

  /**
   * Writes `fills[i]` into blank i as one undo step. If the document changes between reading it and the edit
   * (VS Code then refuses the edit), the edits are recomputed from the tracked ranges and tried again.
   */
  async apply(fills: readonly (string | undefined)[]): Promise<ApplyReport> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { edits, skipped } = this.edits(fills);
      if (edits.length === 0) return { applied: 0, skipped };
      if (await this.write(edits)) return { applied: edits.length, skipped };
      await new Promise((resolve) => setTimeout(resolve, 10)); // let the tracker see the change that won the race
    }
    throw new Error('The document kept changing while the fill was being applied; nothing was changed. Try again.');
  }

  private edits(fills: readonly (string | undefined)[]): { edits: OffsetEdit[]; skipped: number[] } {
    const text = this.document.getText();
    const edits: OffsetEdit[] = [];
    const skipped: number[] = [];
    fills.forEach((fill, i) => {
      if (fill === undefined) return;
      if (this.tracker.touched(i)) skipped.push(i);
      else edits.push(fillEdit(text, this.tracker.range(i), this.absorbed[i] ?? false, fill));
    });
    return { edits, skipped };
  }

  private async write(edits: readonly OffsetEdit[]): Promise<boolean> {
    const document = this.document;
    const range = (e: OffsetEdit): vscode.Range => new vscode.Range(document.positionAt(e.start), document.positionAt(e.end));
    if (vscode.window.visibleTextEditors.includes(this.editor)) {
      return this.editor.edit((builder) => edits.forEach((e) => builder.replace(range(e), e.text)), { undoStopBefore: true, undoStopAfter: true });
    }
    // The editor was closed meanwhile: a workspace edit still applies as one undo step of the document.
    const edit = new vscode.WorkspaceEdit();
    edits.forEach((e) => edit.replace(document.uri, range(e), e.text));
    return vscode.workspace.applyEdit(edit);
  }

  dispose(): void {
    this.tracker.dispose();
    this.preview.dispose();
  }
}
