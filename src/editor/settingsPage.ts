import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The page the settings panel talks to: VS Code's webview for users; the extension-host tests give the panel a
 * scripted page instead, which sends what a user's clicks would and keeps what the panel posts.
 */
export interface SettingsPage extends vscode.Disposable {
  post(message: unknown): Thenable<unknown>;
  /** `listener` settles once the panel has handled the message. */
  onMessage(listener: (message: unknown) => Promise<void>): vscode.Disposable;
  onClose(listener: () => void): vscode.Disposable;
  reveal(): void;
}

/** The webview's type: VS Code restores a page of this type after a reload through registerSettingsRestore. */
export const SETTINGS_VIEW_TYPE = 'glmInfill.settings';
export const SETTINGS_TITLE = 'GLM Infill Settings';

/** The settings webview, opened in the active column. */
export function openWebviewPage(extensionUri: vscode.Uri): SettingsPage {
  const panel = vscode.window.createWebviewPanel(SETTINGS_VIEW_TYPE, SETTINGS_TITLE, vscode.ViewColumn.Active);
  return webviewPage(panel, extensionUri);
}

/**
 * Hands a settings webview that VS Code restored after a reload to `restore` (the settings panel, which sends it
 * the state again). Registering it also keeps VS Code from dropping an open settings page when the window reloads.
 */
export function registerSettingsRestore(
  extensionUri: vscode.Uri,
  restore: (page: SettingsPage) => void,
): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(SETTINGS_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel) => restore(webviewPage(panel, extensionUri)),
  });
}

/**
 * A settings page in `panel`, new or restored: scripts only with the page's nonce, nothing loaded from outside the
 * extension's media/ (styles, icon) and dist/webview/ (the page's script, bundled with its web components).
 */
export function webviewPage(panel: vscode.WebviewPanel, extensionUri: vscode.Uri): SettingsPage {
  const media = vscode.Uri.joinPath(extensionUri, 'media');
  const script = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  panel.webview.options = { enableScripts: true, localResourceRoots: [media, script] };
  panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
  panel.webview.html = html(panel.webview, media, script);
  return {
    post: (message) => panel.webview.postMessage(message),
    onMessage: (listener) => panel.webview.onDidReceiveMessage((m: unknown) => void listener(m)),
    onClose: (listener) => panel.onDidDispose(listener),
    reveal: () => panel.reveal(),
    dispose: () => panel.dispose(),
  };
}

function html(webview: vscode.Webview, media: vscode.Uri, script: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'settings.css'));
  const js = webview.asWebviewUri(vscode.Uri.joinPath(script, 'settings.js'));
  // The web components style their shadow roots with constructed style sheets, which need no 'unsafe-inline'.
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>${SETTINGS_TITLE}</title>
</head>
<body>
<main id="app" aria-busy="true">Loading…</main>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`;
}
