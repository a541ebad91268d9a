import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { type Device, type FillMode, MAX_THREADS, isDevice, isFillMode, resolveThreads } from '../glm/index.js';

export const SECTION = 'glmInfill';

/** Every setting the extension reads, typed and checked (a hand-edited settings.json can hold anything). */
export interface Settings {
  /** The kind of blank a selection or the cursor becomes: 'auto' follows the selection's shape. */
  mode: FillMode;
  modelPath: string;
  device: Device;
  threads: number;
  maxTokens: number;
  minTokens: number;
  temperature: number;
  topP: number;
  /** Candidates whose consensus fills a blank (Fill Blank); 1 = one fill. */
  consensus: number;
  alternatives: number;
  inline: InlineSettings;
  context: ContextSettings;
}

/** The context cache: which documents feed it besides the one being filled. */
export interface ContextSettings {
  enabled: boolean;
  /** 'sameLanguage': open documents of the workspace in the document's language; 'allOpen': all of them. */
  files: 'sameLanguage' | 'allOpen' | 'documentOnly';
  maxFileKB: number;
}

export interface InlineSettings {
  enabled: boolean;
  languages: Record<string, boolean>;
  debounceMs: number;
  timeBudgetMs: number;
  maxTokens: number;
}

/** The settings the settings panel edits, with the type each must have. */
export const PANEL_KEYS = {
  mode: 'mode',
  modelPath: 'string',
  device: 'device',
  threads: 'int',
  maxTokens: 'int',
  temperature: 'number',
  topP: 'number',
  'inline.enabled': 'boolean',
  'inline.debounceMs': 'int',
  'context.enabled': 'boolean',
} as const;
export type PanelKey = keyof typeof PANEL_KEYS;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const mode = c.get<unknown>('mode');
  const device = c.get<unknown>('device');
  return {
    mode: isFillMode(mode) ? mode : 'auto',
    modelPath: trustedModelPath(c),
    device: isDevice(device) ? device : 'auto',
    threads: int(c.get('threads'), 0, 0, MAX_THREADS),
    maxTokens: int(c.get('maxTokens'), 32, 1, 512),
    minTokens: int(c.get('minTokens'), 0, 0, 512),
    temperature: num(c.get('temperature'), 0, 0, 2),
    topP: num(c.get('topP'), 1, 0.01, 1),
    consensus: int(c.get('consensus'), 1, 1, 16),
    alternatives: int(c.get('alternatives'), 4, 2, 10),
    inline: {
      enabled: c.get('inline.enabled') !== false,
      languages: languages(c.get('inline.languages')),
      debounceMs: int(c.get('inline.debounceMs'), 350, 0, 5000),
      timeBudgetMs: int(c.get('inline.timeBudgetMs'), 1500, 50, 30000),
      maxTokens: int(c.get('inline.maxTokens'), 16, 1, 128),
    },
    context: {
      enabled: c.get('context.enabled') !== false,
      files: contextFiles(c.get('context.files')),
      maxFileKB: int(c.get('context.maxFileKB'), 1000, 1, 100_000),
    },
  };
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
export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

function int(value: unknown, fallback: number, min: number, max: number): number {
  return Number.isInteger(value) ? Math.min(max, Math.max(min, value as number)) : fallback;
}

function num(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

function contextFiles(value: unknown): ContextSettings['files'] {
  return value === 'allOpen' || value === 'documentOnly' ? value : 'sameLanguage';
}

function languages(value: unknown): Record<string, boolean> {
  if (typeof value !== 'object' || value === null) return { '*': false };
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>;
}

/** Whether inline completions are on for a language: its own entry, else the "*" entry. */
export function inlineEnabledFor(settings: InlineSettings, languageId: string): boolean {
  return settings.languages[languageId] ?? settings.languages['*'] ?? false;
}
