import * as vscode from 'vscode';
import {
  type Blank,
  type FilledSpan,
  type InfillResult,
  type PlacedBlank,
  type TextEdit,
  fillEdit,
  infill,
  placeBlanks,
} from '../glm/index.js';
import { FillPreview } from './fillPreview.js';
import type { ModelManager } from './modelManager.js';
import { RangeTracker } from './rangeTracker.js';
import type { OffsetRange } from '../fill/offsetRange.js';
import { rangesAfterEdits } from '../fill/editedRanges.js';
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
  /** Where the text written into blank i stands in the document now (undefined where nothing was written). */
  written: (OffsetRange | undefined)[];
}

/**
 * One fill of a document's blanks: generation with a live preview, then the result applied as one edit. The blanks
 * are tracked from the start, so the edit lands where each blank is now and skips any the user has changed.
 */
export class FillRun implements vscode.Disposable {
  readonly document: vscode.TextDocument;
  readonly blanks: Blank[];
  readonly preview: FillPreview;
  private readonly tracker: RangeTracker;
  /** The blanks as the core placed them in the text it read (each with the space it took over). */
  private placed: PlacedBlank[] = [];

  constructor(
    private readonly editor: vscode.TextEditor,
    blanks: readonly Blank[],
  ) {
    this.document = editor.document;
    this.blanks = [...blanks].sort((a, b) => a.start - b.start);
    this.tracker = new RangeTracker(this.document, this.blanks);
    this.preview = new FillPreview(editor, (i) => this.tracker.range(i), this.blanks.length);
  }

  /** All blanks in one Part A encode; each span sees the spans before it. */
  async generate(models: ModelManager, settings: Settings, options: GenerateOptions): Promise<InfillResult> {
    const request = { text: this.document.getText(), blanks: this.blanks };
    const result = await models.use((model) =>
      infill(model, request, {
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
      }),
    );
    this.placed = placeBlanks(request);
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
      const { edits, skipped, indices } = this.edits(fills);
      if (edits.length === 0) return { applied: 0, skipped, written: [] };
      if (await this.write(edits)) return { applied: edits.length, skipped, written: writtenRanges(edits, indices) };
      await new Promise((resolve) => setTimeout(resolve, 10)); // let the tracker see the change that won the race
    }
    throw new Error('The document kept changing while the fill was being applied; nothing was changed. Try again.');
  }

  private edits(fills: readonly (string | undefined)[]): { edits: TextEdit[]; skipped: number[]; indices: number[] } {
    const text = this.document.getText();
    const edits: TextEdit[] = [];
    const skipped: number[] = [];
    const indices: number[] = []; // the blank each edit writes
    fills.forEach((fill, i) => {
      // No text is never written: it would delete the blank's selected text (the filler tells the user why).
      if (fill === undefined || fill.trim() === '') return;
      if (this.tracker.touched(i)) skipped.push(i);
      else {
        edits.push(fillEdit(text, { ...(this.placed[i] as PlacedBlank), ...this.tracker.range(i) }, fill));
        indices.push(i);
      }
    });
    return { edits, skipped, indices };
  }

  private async write(edits: readonly TextEdit[]): Promise<boolean> {
    const document = this.document;
    const range = (e: TextEdit): vscode.Range =>
      new vscode.Range(document.positionAt(e.start), document.positionAt(e.end));
    if (vscode.window.visibleTextEditors.includes(this.editor)) {
      return this.editor.edit((builder) => edits.forEach((e) => builder.replace(range(e), e.text)), {
        undoStopBefore: true,
        undoStopAfter: true,
      });
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

/** Each blank's written range, by blank index, from the edits (in blank order) that wrote them. */
function writtenRanges(edits: readonly TextEdit[], indices: readonly number[]): (OffsetRange | undefined)[] {
  const written: (OffsetRange | undefined)[] = [];
  rangesAfterEdits(edits).forEach((range, k) => (written[indices[k] as number] = range));
  return written;
}
