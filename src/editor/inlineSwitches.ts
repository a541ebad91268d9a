import * as vscode from 'vscode';
import type { InlinePause } from '../fill/inlinePause.js';
import { type InlineSwitches, withLanguage } from '../fill/inlineSwitches.js';
import { SECTION, type Settings, inlineEnabledFor, updateSetting } from './settings.js';
import type { StatusBar } from './statusBar.js';

export interface SwitchDeps {
  pause: InlinePause;
  status: StatusBar;
  settings: () => Settings;
}

/** The switches as they apply to a document of `languageId` now. */
export function inlineSwitchesFor(settings: Settings, languageId: string, pause: InlinePause): InlineSwitches {
  const { enabled, trigger } = settings.inline;
  return { enabled, trigger, languageOn: inlineEnabledFor(settings.inline, languageId), languageId, pause };
}

/**
 * The commands behind the status menu's switches; each returns what ghost text is now, so the menu, a keybinding
 * and the tests drive the same code. A pause lives in the window; the others are user settings.
 */
export function registerInlineSwitches(deps: SwitchDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('glmInfill.toggleInline', () => toggleInline(deps)),
    vscode.commands.registerCommand('glmInfill.pauseInline', (minutes?: unknown) => pauseInline(deps, minutes)),
    vscode.commands.registerCommand('glmInfill.resumeInline', () => {
      deps.pause.resume();
      deps.status.render();
      return !deps.pause.paused;
    }),
    vscode.commands.registerCommand('glmInfill.toggleInlineForLanguage', (languageId?: unknown) =>
      toggleLanguage(
        deps,
        typeof languageId === 'string' ? languageId : vscode.window.activeTextEditor?.document.languageId,
      ),
    ),
  ];
}

/** Off or paused → on (both undone); on → off. Returns whether ghost text is switched on now. */
async function toggleInline(deps: SwitchDeps): Promise<boolean> {
  const settings = deps.settings();
  const turnOn = !settings.inline.enabled || deps.pause.paused;
  deps.pause.resume();
  if (settings.inline.enabled !== turnOn) await updateSetting('inline.enabled', turnOn);
  deps.status.render();
  vscode.window.setStatusBarMessage(`GLM Infill: inline suggestions ${turnOn ? 'on' : 'off'}.`, 3000);
  return turnOn;
}

const PAUSES: { label: string; minutes: number | 'untilResumed' }[] = [
  { label: 'For 5 minutes', minutes: 5 },
  { label: 'For 15 minutes', minutes: 15 },
  { label: 'For 1 hour', minutes: 60 },
  { label: 'Until turned on again', minutes: 'untilResumed' },
];

/** `minutes`: a number, or 'untilResumed'; without one (the palette) the user picks. Returns whether it paused. */
async function pauseInline(deps: SwitchDeps, minutes: unknown): Promise<boolean> {
  const chosen =
    (typeof minutes === 'number' && minutes > 0) || minutes === 'untilResumed'
      ? minutes
      : (await vscode.window.showQuickPick(PAUSES, { title: 'GLM Infill: pause inline suggestions' }))?.minutes;
  if (chosen === undefined) return false;
  if (chosen === 'untilResumed') deps.pause.pauseUntilResumed();
  else deps.pause.pauseFor(chosen);
  deps.status.render();
  return true;
}

/**
 * Flips the language's entry in the user's glmInfill.inline.languages. Returns whether ghost text is on for it now.
 * It adds to the user's own map: the read value has the defaults merged in, which would then be frozen there.
 */
async function toggleLanguage(deps: SwitchDeps, languageId: string | undefined): Promise<boolean | undefined> {
  if (!languageId) return undefined;
  const on = !inlineEnabledFor(deps.settings().inline, languageId);
  const own =
    vscode.workspace.getConfiguration(SECTION).inspect<Record<string, boolean>>('inline.languages')?.globalValue ?? {};
  await updateSetting('inline.languages', withLanguage(own, languageId, on));
  deps.status.render();
  return on;
}
