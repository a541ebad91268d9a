import * as vscode from 'vscode';
import type { ClozeResult } from '../glm/index.js';
import type { BlankStore } from './blankStore.js';
import { blankTarget } from './blankTargets.js';
import { pickCandidate } from './candidatePicker.js';
import type { FillOutcome, Filler } from './filler.js';
import type { ModelManager } from './modelManager.js';
import type { Notifier } from './notifier.js';
import type { ContextSources } from './contextSources.js';
import { inertText } from '../fill/inertText.js';
import { parseOptions, rankBlank } from './ranker.js';
import type { Settings } from './settings.js';
import type { SettingsPanel } from './settingsPanel.js';
import type { InlineJournal } from '../fill/inlineJournal.js';
import type { InlinePause } from '../fill/inlinePause.js';
import { inlineRefusal } from '../fill/inlineSwitches.js';
import { inlineSwitchesFor } from './inlineSwitches.js';

export interface CommandDeps {
  models: ModelManager;
  store: BlankStore;
  filler: Filler;
  notifier: Notifier;
  panel: SettingsPanel;
  journal: InlineJournal;
  /** The window's pause of inline suggestions (the status menu sets it). */
  pause: InlinePause;
  log: vscode.LogOutputChannel;
  context: ContextSources;
  /** The settings now: each command reads one snapshot and passes it down. */
  settings: () => Settings;
}

/** Registers every command; each returns what it did, so tests (and other extensions) can check the outcome. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const command = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, fn);
  return [
    command('glmInfill.fillBlank', () =>
      withEditor(deps, (editor, settings) =>
        deps.filler.fill(editor, blankTarget(editor, deps.store, settings.mode), settings),
      ),
    ),
    command('glmInfill.fillWithAlternatives', () =>
      withEditor(deps, (editor, settings) =>
        deps.filler.alternatives(editor, blankTarget(editor, deps.store, settings.mode), settings, pickCandidate),
      ),
    ),
    command('glmInfill.markBlank', () =>
      withEditor(deps, async (editor, settings) => markBlank(editor, deps, settings)),
    ),
    command('glmInfill.clearBlanks', () =>
      withEditor(deps, async (editor) => {
        const count = deps.store.list(editor.document).length;
        deps.store.clear(editor.document);
        return count;
      }),
    ),
    command('glmInfill.rankOptions', (input?: unknown) =>
      withEditor(deps, (editor, settings) =>
        rankCommand(editor, deps, settings, typeof input === 'string' ? input : undefined),
      ),
    ),
    command('glmInfill.cancel', () => deps.filler.cancelAll()),
    command('glmInfill.openSettings', () => deps.panel.show()),
    command('glmInfill.whyNoSuggestion', () => whyNoSuggestion(deps)),
    command('glmInfill.showLog', () => deps.log.show()),
  ];
}

/** Runs a command on the active editor with one snapshot of the settings, which the command passes down. */
async function withEditor<T>(
  deps: CommandDeps,
  fn: (editor: vscode.TextEditor, settings: Settings) => Promise<T>,
): Promise<T | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('GLM Infill works in a text editor: open a file and try again.');
    return undefined;
  }
  return fn(editor, deps.settings());
}

function markBlank(editor: vscode.TextEditor, deps: CommandDeps, settings: Settings): number {
  const added = deps.store.mark(editor.document, editor.selections, settings.mode);
  const total = deps.store.list(editor.document).length;
  const kinds = [...new Set(added.map((b) => b.kind))].join(', ');
  vscode.window.setStatusBarMessage(
    `GLM Infill: ${total} blank${total === 1 ? '' : 's'} marked (${kinds}); "Fill blank" fills them all.`,
    4000,
  );
  return added.length;
}

/** Needs exactly one blank: the selection, else the marked blank under the cursor (or the only one), else the cursor. */
async function rankCommand(
  editor: vscode.TextEditor,
  deps: CommandDeps,
  settings: Settings,
  given: string | undefined,
): Promise<ClozeResult | undefined> {
  const target = blankTarget(editor, deps.store, 'span');
  const cursor = editor.document.offsetAt(editor.selection.active);
  const blank =
    target.blanks.length === 1 ? target.blanks[0] : target.blanks.find((b) => b.start <= cursor && cursor <= b.end);
  if (!blank) {
    deps.notifier.warn(
      `Rank options needs one blank, and there are ${target.blanks.length} ${target.source}: ` +
        'select one range, or put the cursor inside one marked blank.',
    );
    return undefined;
  }
  const input =
    given ??
    (await vscode.window.showInputBox({
      title: 'GLM Infill: rank options for the blank',
      prompt: 'Options separated by |; the model scores how well each one fills the blank',
      placeHolder: 'good | bad',
      validateInput: (value) =>
        parseOptions(value) ? undefined : 'Give at least two non-empty options separated by |',
    }));
  const options = input === undefined ? undefined : parseOptions(input);
  if (!options) return undefined;
  try {
    const ranking = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'GLM Infill: ranking options', cancellable: true },
      (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const cache = {
          contextCache: settings.context.enabled,
          contextTexts: deps.context.textsFor(editor.document, settings.context),
        };
        return rankBlank(deps.models, editor, blank, options, controller.signal, cache);
      },
    );
    // An explicit argument means a caller wants the ranking, not a pick; the palette shows the pick.
    if (given === undefined) void offerRanking(ranking.result, ranking.insert).finally(() => ranking.dispose());
    else ranking.dispose();
    return ranking.result;
  } catch (error) {
    deps.notifier.error('GLM Infill could not rank the options', error);
    return undefined;
  }
}

async function offerRanking(result: ClozeResult, insert: (option: string) => Promise<boolean>): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    result.options.map((o) => ({
      label: o.option,
      description: `${(o.probability * 100).toFixed(1)} %`,
      detail: `log p ${o.logProb.toFixed(2)}`,
    })),
    { title: 'GLM Infill: options ranked by the model (pick one to write it into the blank)' },
  );
  if (picked && !(await insert(picked.label))) {
    void vscode.window.showWarningMessage('GLM Infill did not write the option: the blank changed meanwhile.');
  }
}

async function whyNoSuggestion(deps: CommandDeps): Promise<string> {
  const last = deps.journal.lastOutcome;
  const state = deps.models.state;
  const editor = vscode.window.activeTextEditor;
  const lines: string[] = [];
  if (!last)
    lines.push('No inline suggestion has been asked for yet in this window (VS Code asks when you pause typing).');
  else
    lines.push(
      `Last request (${last.at.toLocaleTimeString()}): ${last.shown ? 'a suggestion was ' : 'nothing was shown: '}${last.reason}.` +
        (last.remedy ? ` ${last.remedy}` : ''),
    );
  lines.push(`Model: ${state}.`);
  if (editor) lines.push(inlineNow(deps, editor.document));
  const message = lines.join(' ');
  deps.log.info(`Why no suggestion? ${message}`);
  void vscode.window.showInformationMessage(inertText(message), 'Open Settings', 'Show Log').then((choice) => {
    if (choice === 'Open Settings') deps.panel.show();
    if (choice === 'Show Log') deps.log.show();
  });
  return message;
}

/** Whether ghost text may appear in this document now, and if not, why: the switches, then VS Code's own. */
function inlineNow(deps: CommandDeps, document: vscode.TextDocument): string {
  const languageId = document.languageId;
  const refusal = inlineRefusal(inlineSwitchesFor(deps.settings(), languageId, deps.pause), false);
  if (refusal) return `Inline suggestions for ${languageId}: ${refusal.reason}. ${refusal.remedy}`;
  // VS Code's own switch: with it off, no extension is asked at all.
  if (vscode.workspace.getConfiguration('editor', document).get<boolean>('inlineSuggest.enabled') === false) {
    return `Inline suggestions for ${languageId}: off in VS Code (editor.inlineSuggest.enabled is false), so GLM Infill is never asked. Turn that setting on.`;
  }
  return `Inline suggestions for ${languageId}: on.`;
}

export type { FillOutcome };
