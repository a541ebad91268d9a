import * as vscode from 'vscode';
import { GlmError, errorText } from '../glm/index.js';
import { ModelLoadError } from './modelManager.js';
import { inertText } from '../fill/inertText.js';
import { SettingError } from '../fill/modelFolder.js';

export interface Notice {
  severity: 'error' | 'warning' | 'info';
  message: string;
}

const OPEN_SETTINGS = 'Open Settings';
const SHOW_LOG = 'Show Log';

/**
 * Every message the user sees goes through here: it is logged, shown with the way out (the settings panel for a
 * model or setting problem, the log for details), and fired as an event (the extension-host tests listen).
 * What is shown is made inert first (`inertText`): messages quote model folders, whose text must not become links.
 */
export class Notifier implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Notice>();
  readonly onDidNotify = this.emitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  error(what: string, error: unknown): void {
    if (error instanceof ModelLoadError) return; // the model manager's event already showed it
    const message = `${what}: ${errorText(error)}`;
    if (isCancellation(error)) {
      this.log.info(message); // the user asked for it: nothing to report
      return;
    }
    this.log.error(message);
    const shown = inertText(message);
    this.emitter.fire({ severity: 'error', message: shown });
    const buttons = isSettingsProblem(error) ? [OPEN_SETTINGS, SHOW_LOG] : [SHOW_LOG];
    void vscode.window.showErrorMessage(shown, ...buttons).then((choice) => this.follow(choice));
  }

  /** A warning; each action is a button that runs its function. */
  warn(message: string, actions: Record<string, () => unknown> = {}): void {
    this.log.warn(message);
    const shown = inertText(message);
    this.emitter.fire({ severity: 'warning', message: shown });
    void vscode.window.showWarningMessage(shown, ...Object.keys(actions)).then((choice) => {
      if (choice !== undefined) void actions[choice]?.();
    });
  }

  info(message: string): void {
    this.log.info(message);
    const shown = inertText(message);
    this.emitter.fire({ severity: 'info', message: shown });
    void vscode.window.showInformationMessage(shown);
  }

  private follow(choice: string | undefined): void {
    if (choice === OPEN_SETTINGS) this.openSettings();
    if (choice === SHOW_LOG) this.showLog();
  }

  showLog(): void {
    this.log.show(true);
  }

  openSettings(): void {
    void vscode.commands.executeCommand('glmInfill.openSettings');
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

function isCancellation(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof GlmError) return e.code === 'cancelled';
  return false;
}

/** Errors the settings can fix: a missing, broken or unsuitable model, or a bad setting value. */
function isSettingsProblem(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof SettingError) return true;
    if (e instanceof GlmError)
      return e.code === 'model-missing' || e.code === 'model-invalid' || e.code === 'runtime-missing';
  }
  return false;
}
