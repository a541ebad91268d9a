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

/** The settings webview: scripts only with the page's nonce, nothing loaded from outside media/. */
export function openWebviewPage(extensionUri: vscode.Uri): SettingsPage {
  const media = vscode.Uri.joinPath(extensionUri, 'media');
  const panel = vscode.window.createWebviewPanel(
    'glmInfill.settings',
    'GLM Infill Settings',
    vscode.ViewColumn.Active,
    {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: false,
    },
  );
  panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
  panel.webview.html = html(panel.webview, media);
  return {
    post: (message) => panel.webview.postMessage(message),
    onMessage: (listener) => panel.webview.onDidReceiveMessage((m: unknown) => void listener(m)),
    onClose: (listener) => panel.onDidDispose(listener),
    reveal: () => panel.reveal(),
    dispose: () => panel.dispose(),
  };
}

function html(webview: vscode.Webview, media: vscode.Uri): string {
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
