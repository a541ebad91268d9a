import type * as vscode from 'vscode';

/**
 * The editor side is not built yet (commands, blank tracking and the settings panel come with the editor issue).
 * Activation stays empty on purpose: the model is loaded lazily on first use, never at start-up, and nothing is
 * registered that would not work.
 */
export function activate(context: vscode.ExtensionContext): void {
  void context;
}

export function deactivate(): void {
  // Nothing to release: no model is held yet.
}
