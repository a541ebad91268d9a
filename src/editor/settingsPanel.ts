import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { settingAt } from '../settings/snapshot.js';
import { settingSchema } from '../settings/values.js';
import { bundledModelFolder } from './bundledModel.js';
import { modelInfo } from './modelInfo.js';
import type { ModelManager } from './modelManager.js';
import type { Notifier } from './notifier.js';
import { SECTION, readSettings, updateSetting } from './settings.js';
import { PANEL_KEYS, type PanelRequest, parsePanelRequest } from './settingsMessages.js';
import { type SpeedReport, measureSpeed } from './speed.js';
import type { StatusBar } from './statusBar.js';
import { errorText } from './errorText.js';

/**
 * The settings webview. It edits the user's `glmInfill.*` settings (so settings.json and the panel never
 * disagree: every change goes through the configuration, and every configuration change is sent back), shows the
 * loaded model and measures its speed. Scripts only with the page's nonce; nothing loads from outside media/.
 */
export class SettingsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private speed: SpeedReport | undefined;
  private busy = false;
  private sent: unknown;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly models: ModelManager,
    private readonly notifier: Notifier,
    private readonly status: StatusBar,
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
    return this.panel !== undefined;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('glmInfill.settings', 'GLM Infill Settings', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: false,
    });
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
    panel.webview.html = this.html(panel.webview, media);
    panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    panel.onDidDispose(() => (this.panel = undefined));
    this.panel = panel;
  }

  /** A message from the page (public so the extension-host tests can act as the page). */
  receive(message: unknown): Promise<void> {
    return this.handle(parsePanelRequest(message));
  }

  /** The last state sent to the page. */
  get lastState(): unknown {
    return this.sent;
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
    if (!this.panel) return;
    const settings = readSettings();
    const model = this.models.model;
    const error = this.models.lastError;
    this.sent = {
      type: 'state',
      settings: Object.fromEntries(PANEL_KEYS.map((key) => [key, settingAt(settings, key)])),
      // The page's ranges and choices: package.json's, so the page checks what the extension will accept.
      schema: Object.fromEntries(PANEL_KEYS.map((key) => [key, settingSchema(key)])),
      bundledFolder: bundledModelFolder(this.extensionUri.fsPath),
      trusted: vscode.workspace.isTrusted,
      modelState: this.models.state,
      model: model ? await modelInfo(model) : null,
      error: error === undefined ? null : errorText(error),
      speed: this.speed ?? null,
      busy: this.busy,
    };
    await this.panel?.webview.postMessage(this.sent);
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'settings.css'));
    const js = webview.asWebviewUri(vscode.Uri.joinPath(media, 'settings.js'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>GLM Infill Settings</title>
</head>
<body>
<main id="app" aria-busy="true">Loading…</main>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}
