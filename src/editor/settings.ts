import * as vscode from 'vscode';
import { resolveThreads } from '../glm/index.js';
import { type InlineSettings, SECTION, type SettingKey, type Settings } from '../settings/schema.generated.js';
import { settingsFrom } from '../settings/snapshot.js';

// The Settings type and every key, default and range come from package.json (src/settings, generated at build).
export { SECTION };
export type { ContextSettings, InlineSettings, Settings } from '../settings/schema.generated.js';

/** A snapshot of every setting, checked against its schema (a hand-edited settings.json can hold anything). */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return settingsFrom((key) => (key === 'modelPath' ? trustedModelPath(c) : c.get(key)));
}

/**
 * The model folder comes from disk, so a workspace must not choose it unless the user trusts that workspace
 * (a cloned repository could otherwise point the extension at a file of its choosing). The setting is also
 * declared restricted in package.json; reading only the user's own value here keeps that true whatever the host.
 */
function trustedModelPath(c: vscode.WorkspaceConfiguration): string {
  if (vscode.workspace.isTrusted) return c.get<string>('modelPath') ?? '';
  const info = c.inspect<string>('modelPath');
  return info?.globalValue ?? info?.defaultValue ?? '';
}

/** Threads for the session: 0 means the core's default (half the cores, at most 4), as in the CLI. */
export function effectiveThreads(settings: Settings): number {
  return resolveThreads(settings.threads);
}

/** Writes a setting for the user (the panel edits user settings: the model and device belong to the machine). */
export async function updateSetting(key: SettingKey, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/** Whether inline completions are on for a language: its own entry, else the "*" entry. */
export function inlineEnabledFor(settings: InlineSettings, languageId: string): boolean {
  return settings.languages[languageId] ?? settings.languages['*'] ?? false;
}
