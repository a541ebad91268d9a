import * as vscode from 'vscode';
import { defaultModelFolder } from '../fill/modelFolder.js';
import { errorText } from '../glm/index.js';
import { settingAt } from '../settings/snapshot.js';
import { settingSchema } from '../settings/values.js';
import { modelInfo } from '../fill/modelInfo.js';
import type { ModelManager } from './modelManager.js';
import type { Notifier } from './notifier.js';
import { SECTION, type Settings, updateSetting } from './settings.js';
import type { SettingsPage } from './settingsPage.js';
import { PANEL_KEYS, type PanelRequest, parsePanelRequest } from '../settings/panelMessages.js';
import { type SpeedReport, measureSpeed } from '../fill/speed.js';
import type { StatusBar } from './statusBar.js';

/**
 * The settings panel. It edits the user's `glmInfill.*` settings (so settings.json and the panel never
 * disagree: every change goes through the configuration, and every configuration change is sent back), shows the
 * loaded model and measures its speed. The page it talks to comes from `openPage` (the webview, settingsPage.ts).
 */
export class SettingsPanel implements vscode.Disposable {
  private page: SettingsPage | undefined;
  private speed: SpeedReport | undefined;
  private busy = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly models: ModelManager,
    private readonly notifier: Notifier,
    private readonly status: StatusBar,
    private readonly settings: () => Settings,
    private readonly openPage: () => SettingsPage,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) void this.post();
      }),
      models.onDidChange(() => void this.post()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.post()),
    );
  }

  get isOpen(): boolean {
    return this.page !== undefined;
  }

  show(): void {
    if (this.page) {
      this.page.reveal();
      return;
    }
    this.attach(this.openPage());
  }

  /** A page VS Code restored after a window reload: the panel takes it over as if it had opened it. */
  restore(page: SettingsPage): void {
    if (this.page) {
      page.dispose(); // one settings page per window
      this.page.reveal();
      return;
    }
    this.attach(page);
  }

  private attach(page: SettingsPage): void {
    page.onMessage((m) => this.handle(parsePanelRequest(m)));
    page.onClose(() => {
      if (this.page === page) this.page = undefined;
    });
    this.page = page;
  }

  private async handle(request: PanelRequest | undefined): Promise<void> {
    if (!request) return;
    try {
      switch (request.type) {
        case 'ready':
          return this.post();
        case 'set':
          return updateSetting(request.key, request.value);
        case 'browse':
          return this.browse();
        case 'useBundled':
          return updateSetting('modelPath', '');
        case 'openJson':
          await vscode.commands.executeCommand('workbench.action.openSettings', `@ext:glm-infill.glm-infill`);
          return;
        case 'load':
          return this.run(() => this.models.use(async () => undefined));
        case 'measure':
          return this.run(async () => {
            this.speed = await this.models.use(measureSpeed);
            this.status.setSpeed(this.speed.tokensPerSecond);
          });
      }
    } catch (error) {
      this.notifier.error('GLM Infill settings', error);
    }
  }

  /** Runs a model action with the panel's buttons disabled meanwhile. */
  private async run(action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    await this.post();
    try {
      await action();
    } catch (error) {
      this.notifier.error('GLM Infill could not load the model', error);
    } finally {
      this.busy = false;
      await this.post();
    }
  }

  private async browse(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use this model folder',
      title: 'Choose a GLM Infill model folder (it holds glm.json, model.onnx and tokenizer.json)',
    });
    const folder = picked?.[0];
    if (folder) await updateSetting('modelPath', folder.fsPath);
  }

  /** Sends the whole state: small, and it keeps the page free of its own bookkeeping (and of its own schema). */
  private async post(): Promise<void> {
    if (!this.page) return;
    const settings = this.settings();
    const model = this.models.model;
    const error = this.models.lastError;
    const state = {
      type: 'state',
      settings: Object.fromEntries(PANEL_KEYS.map((key) => [key, settingAt(settings, key)])),
      // The page's ranges and choices: package.json's, so the page checks what the extension will accept.
      schema: Object.fromEntries(PANEL_KEYS.map((key) => [key, settingSchema(key)])),
      bundledFolder: defaultModelFolder(this.extensionUri.fsPath),
      trusted: vscode.workspace.isTrusted,
      modelState: this.models.state,
      model: model ? await modelInfo(model) : null,
      error: error === undefined ? null : errorText(error),
      speed: this.speed ?? null,
      busy: this.busy,
    };
    await this.page?.post(state); // the page may have closed while the model info was read
  }

  dispose(): void {
    this.page?.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}
