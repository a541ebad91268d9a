import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
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

/**
 * The model folder to load: the setting (absolute, or starting with ~) or, when it is empty, the model bundled
 * with the extension (models/default; until that ships, the random-weight fixture test/fixtures/tiny).
 */
export function modelFolder(settings: Settings, extensionPath: string, bundled: (root: string) => string): string {
  const path = settings.modelPath.trim();
  if (path === '') return bundled(extensionPath);
  const expanded = path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
  if (!isAbsolute(expanded)) {
    throw new SettingError(`glmInfill.modelPath "${path}" is not an absolute folder path. Give the full path of a model ` +
      'folder (with glm.json), or leave it empty for the bundled model.');
  }
  return expanded;
}

export class SettingError extends Error {
  override readonly name = 'SettingError';
}

/** Writes a setting for the user (the panel edits user settings: the model and device belong to the machine). */
export async function updateSetting(key: SettingKey, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/** Whether inline completions are on for a language: its own entry, else the "*" entry. */
export function inlineEnabledFor(settings: InlineSettings, languageId: string): boolean {
  return settings.languages[languageId] ?? settings.languages['*'] ?? false;
}
