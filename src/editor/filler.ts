import * as vscode from 'vscode';
import { type InfillResult, errorText } from '../glm/index.js';
import type { BlankStore } from './blankStore.js';
import type { BlankTarget } from './blankTargets.js';
import type { ContextSources } from './contextSources.js';
import { FillRun, type GenerateOptions, type SpanCandidate } from './fillRun.js';
import type { ModelManager } from './modelManager.js';
import type { Notifier } from './notifier.js';
import type { Settings } from './settings.js';
import type { StatusBar } from './statusBar.js';
import { withoutEmptyFills } from '../fill/emptyFills.js';
import type { OffsetRange } from '../fill/offsetRange.js';

export interface FillOutcome {
  status: 'applied' | 'cancelled' | 'failed' | 'unchanged';
  /** The text written into each blank (undefined where nothing was written). */
  fills: (string | undefined)[];
  /** Blank indices (document order) left alone because the user edited them during the fill. */
  skipped: number[];
  result?: InfillResult;
  error?: string;
}

/** Chooses one candidate for blank `blank`: an index into `candidates`, or undefined to cancel the whole fill. */
export type Chooser = (
  blank: number,
  count: number,
  candidates: readonly SpanCandidate[],
  preview: (c: SpanCandidate) => void,
) => Promise<number | undefined>;

/**
 * What a filler's owner is told between a fill's steps: each streamed token, and the moment before the edit lands.
 * The extension passes none; the extension-host tests build a filler that cancels or edits the document there.
 */
export interface FillObserver {
  onToken?: (blank: number, text: string) => void;
  beforeApply?: () => Promise<void>;
}

/** A fill that wrote text: what each blank (document order) now holds and where, for the announcement and "List Blanks". */
export interface FillDone {
  document: vscode.TextDocument;
  /** The text written into blank i, undefined where nothing was written. */
  fills: (string | undefined)[];
  /** Where that text stands now, undefined where nothing was written. */
  ranges: (OffsetRange | undefined)[];
}

/** Each blank's chosen text (undefined: the blank keeps its text), or undefined to cancel the whole fill. */
type Decide = (result: InfillResult, run: FillRun) => Promise<(string | undefined)[] | undefined>;

/** One fill in progress: what it fills, how, and where it reports. */
interface FillJob {
  editor: vscode.TextEditor;
  target: BlankTarget;
  settings: Settings;
  choice: Pick<GenerateOptions, 'candidates' | 'select'>;
  decide: Decide;
  run: FillRun;
  progress: vscode.Progress<{ message?: string }>;
  signal: AbortSignal;
}

/** Runs fills with progress, cancellation, preview and one-step apply; remembers the running ones for "Cancel". */
export class Filler {
  private readonly running = new Set<AbortController>();
  private readonly done = new vscode.EventEmitter<FillDone>();
  /** Fires after each fill that wrote text (fillAnnouncer.ts tells the user what; lastFills.ts keeps where). */
  readonly onDidFill = this.done.event;

  constructor(
    private readonly models: ModelManager,
    private readonly store: BlankStore,
    private readonly notifier: Notifier,
    private readonly status: StatusBar,
    private readonly context: ContextSources,
    private readonly observer: FillObserver = {},
  ) {}

  /** Cancels every running fill; returns how many there were. */
  cancelAll(): number {
    const n = this.running.size;
    this.running.forEach((c) => c.abort());
    return n;
  }

  fill(editor: vscode.TextEditor, target: BlankTarget, settings: Settings): Promise<FillOutcome> {
    return this.run(editor, target, settings, { candidates: settings.consensus, select: 'consensus' }, async (result) =>
      result.spans.map((s) => (s.unfilled ? undefined : s.text)),
    );
  }

  /** Several candidates per blank; `choose` picks one for each in turn (the quick pick, or a test's choice). */
  alternatives(
    editor: vscode.TextEditor,
    target: BlankTarget,
    settings: Settings,
    choose: Chooser,
  ): Promise<FillOutcome> {
    return this.run(
      editor,
      target,
      settings,
      { candidates: settings.alternatives, select: 'likeliest' },
      async (result, run) => {
        const picks: (string | undefined)[] = [];
        for (const span of result.spans) {
          if (span.unfilled) {
            picks.push(undefined); // nothing to choose from: the blank keeps its text
            continue;
          }
          const index = await choose(span.index, result.spans.length, span.candidates, (c) =>
            run.showChoice(span.index, c),
          );
          const chosen = index === undefined ? undefined : span.candidates[index];
          if (chosen === undefined) return undefined;
          run.showChoice(span.index, chosen);
          picks.push(chosen.text);
        }
        return picks;
      },
    );
  }

  private async run(
    editor: vscode.TextEditor,
    target: BlankTarget,
    settings: Settings,
    choice: Pick<GenerateOptions, 'candidates' | 'select'>,
    decide: Decide,
  ): Promise<FillOutcome> {
    const n = target.blanks.length;
    const title = `GLM Infill: filling ${n === 1 ? 'the blank' : `${n} blanks`} (${target.source})`;
    const where = { location: vscode.ProgressLocation.Notification, title, cancellable: true };
    return vscode.window.withProgress(where, async (progress, token) => {
      const controller = new AbortController();
      const run = new FillRun(editor, target.blanks);
      this.running.add(controller);
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        return await this.generateAndApply({
          editor,
          target,
          settings,
          choice,
          decide,
          run,
          progress,
          signal: controller.signal,
        });
      } catch (error) {
        this.notifier.error('GLM Infill could not fill the blank', error);
        return { status: 'failed', fills: [], skipped: [], error: errorText(error) };
      } finally {
        cancel.dispose();
        this.running.delete(controller);
        run.dispose();
      }
    });
  }

  /** A fill's steps inside its progress notification: generate, decide each blank's text, write them as one edit. */
  private async generateAndApply(job: FillJob): Promise<FillOutcome> {
    const { editor, target, settings, run, progress, signal } = job;
    progress.report({ message: this.models.model ? 'reading the document…' : 'loading the model…' });
    const result = await run.generate(this.models, settings, {
      ...job.choice,
      contextTexts: this.context.textsFor(editor.document, settings.context),
      signal,
      onToken: (blank, text) => {
        progress.report({ message: `blank ${blank + 1} of ${target.blanks.length}` });
        this.observer.onToken?.(blank, text);
      },
    });
    this.status.setSpeed(result.timings.tokensPerSecond);
    if (result.cancelled || signal.aborted) return { status: 'cancelled', fills: [], skipped: [], result };
    const decided = await job.decide(result, run);
    if (decided === undefined || signal.aborted) return { status: 'cancelled', fills: [], skipped: [], result };
    const { fills, note } = withoutEmptyFills(result, decided);
    if (note !== undefined) this.notifier.warn(note);
    await this.observer.beforeApply?.();
    const report = await run.apply(fills);
    this.afterApply(run, target, report.skipped);
    const written = fills.map((f, i) => (report.skipped.includes(i) ? undefined : f));
    if (report.applied > 0) this.done.fire({ document: run.document, fills: written, ranges: report.written });
    return { status: report.applied > 0 ? 'applied' : 'unchanged', fills: written, skipped: report.skipped, result };
  }

  private afterApply(run: FillRun, target: BlankTarget, skipped: readonly number[]): void {
    const filledIds = target.markedIds.filter((_, i) => !skipped.includes(i));
    if (filledIds.length > 0) this.store.remove(run.document, filledIds);
    if (skipped.length === 0) return;
    const which = skipped.map((i) => i + 1).join(', ');
    this.notifier.warn(
      `GLM Infill left blank ${which} as it was: you changed ${skipped.length === 1 ? 'its' : 'their'} text ` +
        'while the fill ran. The other blanks were filled.',
    );
  }
}
