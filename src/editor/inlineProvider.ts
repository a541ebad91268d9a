import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { type PlacedBlank, blankKindFor, errorText, fillEdit, infill, placeBlanks } from '../glm/index.js';
import type { ContextSources } from './contextSources.js';
import type { ModelManager } from './modelManager.js';
import type { Settings } from './settings.js';
import type { InlineJournal } from '../fill/inlineJournal.js';
import type { InlinePause } from '../fill/inlinePause.js';
import { inlineRefusal } from '../fill/inlineSwitches.js';
import { inlineSwitchesFor } from './inlineSwitches.js';
import type { StatusBar } from './statusBar.js';
import { textKindOf } from './textKind.js';
import { type CachedItem, TypeThroughCache } from '../fill/typeThroughCache.js';
import { ghostFills, inlineDecoding } from '../fill/ghostCandidates.js';

/** The document's text, the cursor's offset in it, and the text on each side. */
interface CursorText {
  text: string;
  offset: number;
  before: string;
  after: string;
}

/** One suggestion being made: where, with which settings, and how it may end early. */
interface InlineJob {
  document: vscode.TextDocument;
  position: vscode.Position;
  settings: Settings;
  at: CursorText;
  token: vscode.CancellationToken;
  signal: AbortSignal;
  /** When the time budget ends (performance.now()): alternatives that would not finish by then are not started. */
  deadline: number;
  timedOut: () => boolean;
}

/**
 * Ghost text at the cursor: a zero-width blank of the current mode, filled by the same core as "Fill blank".
 * Requests wait out a debounce, a newer request aborts the older one, generation stops at a time budget (showing
 * what it has by then), and a suggestion typed through is served from a cache.
 */
export class InlineProvider implements vscode.InlineCompletionItemProvider {
  private readonly cache = new TypeThroughCache();
  /** The settings the cached suggestions were made with (JSON). */
  private cachedWith = '';
  private latest: AbortController | undefined;

  constructor(
    private readonly models: ModelManager,
    private readonly journal: InlineJournal,
    private readonly status: StatusBar,
    private readonly context: ContextSources,
    private readonly pause: InlinePause,
    /** One snapshot of the settings per request. */
    private readonly settings: () => Settings,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const settings = this.settings();
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const refusal = inlineRefusal(inlineSwitchesFor(settings, document.languageId, this.pause), explicit);
    if (refusal) return this.silent(refusal.reason, refusal.remedy);
    const text = document.getText();
    const offset = document.offsetAt(position);
    const before = text.slice(0, offset);
    const after = text.slice(offset);
    const cached = this.cacheFor(settings).lookup(document.uri.toString(), before, after);
    if (cached !== undefined)
      return this.show('typed through the last suggestion (cache)', itemsAt(document, position, cached));
    if (before.trim() === '')
      return this.silent('there is no text before the cursor to continue', 'Type a few words first.');
    if (
      context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic &&
      !(await debounce(settings.inline.debounceMs, token))
    ) {
      return this.silent('you kept typing: the request was superseded during the debounce');
    }
    return this.generate(document, position, settings, { text, offset, before, after }, token);
  }

  /** The type-through cache, emptied when the settings changed since it was filled (another count, mode, model…). */
  private cacheFor(settings: Settings): TypeThroughCache {
    const now = JSON.stringify(settings);
    if (now !== this.cachedWith) this.cache.clear();
    this.cachedWith = now;
    return this.cache;
  }

  private async generate(
    document: vscode.TextDocument,
    position: vscode.Position,
    settings: Settings,
    at: CursorText,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    this.latest?.abort();
    const controller = new AbortController();
    this.latest = controller;
    const onCancel = token.onCancellationRequested(() => controller.abort());
    let timedOut = false;
    const deadline = performance.now() + settings.inline.timeBudgetMs;
    const budget = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.inline.timeBudgetMs);
    const busy = this.models.state === 'ready' ? this.status.generating() : undefined;
    try {
      return await this.suggest({
        document,
        position,
        settings,
        at,
        token,
        signal: controller.signal,
        deadline,
        timedOut: () => timedOut,
      });
    } catch (error) {
      return this.silent(`the model failed: ${errorText(error)}`, 'See the GLM Infill log.');
    } finally {
      clearTimeout(budget);
      busy?.dispose();
      onCancel.dispose();
      if (this.latest === controller) this.latest = undefined;
    }
  }

  /** One model run for the suggestions at the cursor, and what it shows (or why it shows nothing). */
  private async suggest(job: InlineJob): Promise<vscode.InlineCompletionItem[] | undefined> {
    const { document, settings, at } = job;
    let partial = '';
    const blank = {
      start: at.offset,
      end: at.offset,
      kind: blankKindFor(settings.mode, at.text, at.offset, at.offset, textKindOf(document)),
    };
    const request = { text: at.text, blanks: [blank] };
    const result = await this.models.useIfReady((model) =>
      infill(model, request, {
        ...inlineDecoding(settings),
        contextTexts: this.context.textsFor(document, settings.context),
        signal: job.signal,
        deadline: job.deadline,
        // What the first candidate has so far: shown when the budget runs out before it ends.
        onToken: (event) => void (event.candidate === 0 && (partial += event.text)),
      }),
    );
    if (result === undefined) return this.notReady();
    if (job.token.isCancellationRequested)
      return this.silent('the document or cursor changed before the suggestion was ready');
    if (job.signal.aborted && !job.timedOut()) return this.silent('a newer request replaced this one');
    if (result.timings.tokensPerSecond > 0) this.status.setSpeed(result.timings.tokensPerSecond);
    const span = result.spans[0];
    const fills = span ? ghostFills(span.candidates, settings.inline.candidates) : job.timedOut() ? [partial] : [];
    const budget = job.timedOut() ? settings.inline.timeBudgetMs : undefined;
    return this.items(document, job.position, at, placeBlanks(request)[0] as PlacedBlank, fills, budget);
  }

  private notReady(): undefined {
    return this.silent(
      `the model is ${this.models.state === 'failed' ? 'not loadable' : 'still loading'}`,
      this.models.state === 'failed'
        ? 'Run "GLM Infill: Open Settings" to fix the model folder.'
        : 'It loads on first use; the next keystroke after that gets a suggestion.',
    );
  }

  /** The fills as ghost-text items, first the one shown at once, the others for Alt+] / Alt+[. */
  private items(
    document: vscode.TextDocument,
    position: vscode.Position,
    at: { text: string; before: string; after: string; offset: number },
    blank: PlacedBlank,
    fills: readonly string[],
    timedOutAfterMs: number | undefined,
  ): vscode.InlineCompletionItem[] | undefined {
    const timedOut = timedOutAfterMs !== undefined;
    const shown = fills.filter((fill) => fill.trim() !== '');
    if (shown.length === 0) {
      return this.silent(
        timedOut
          ? `nothing was generated within the ${timedOutAfterMs} ms budget`
          : 'the model ended the blank at once (an empty fill)',
        timedOut ? 'Raise glmInfill.inline.timeBudgetMs, or pick a faster device.' : undefined,
      );
    }
    const cached = shown.map((fill) => {
      const edit = fillEdit(at.text, blank, fill);
      return { text: edit.text, replaces: at.offset - edit.start };
    });
    this.cache.remember(document.uri.toString(), at.before, at.after, cached);
    const count = shown.length > 1 ? ` (${shown.length} candidates)` : '';
    return this.show(
      timedOut ? `shown what was ready at the time budget${count}` : `shown${count}`,
      itemsAt(document, position, cached),
    );
  }

  private show(reason: string, items: vscode.InlineCompletionItem[]): vscode.InlineCompletionItem[] {
    this.journal.record(true, reason);
    return items;
  }

  private silent(reason: string, remedy?: string): undefined {
    this.journal.record(false, reason, remedy);
    return undefined;
  }
}

/** Ghost-text items at the cursor, each replacing the characters before it that its fill takes over. */
function itemsAt(
  document: vscode.TextDocument,
  position: vscode.Position,
  items: readonly CachedItem[],
): vscode.InlineCompletionItem[] {
  const offset = document.offsetAt(position);
  return items.map(
    ({ text, replaces }) =>
      new vscode.InlineCompletionItem(text, new vscode.Range(document.positionAt(offset - replaces), position)),
  );
}

/** Waits `ms`; false when the request was cancelled meanwhile (the user typed on). */
function debounce(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!token.isCancellationRequested);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(!token.isCancellationRequested);
    }, ms);
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve(false);
    });
  });
}
