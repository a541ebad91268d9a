import type { SettingKey } from './schema.generated.js';
import { isValidSetting } from './values.js';

/** The settings the settings page edits; their types, ranges and choices come from package.json. */
export const PANEL_KEYS = [
  'mode',
  'modelPath',
  'device',
  'threads',
  'maxTokens',
  'temperature',
  'topP',
  'inline.enabled',
  'inline.debounceMs',
  'context.enabled',
] as const satisfies readonly SettingKey[];
export type PanelKey = (typeof PANEL_KEYS)[number];

// A path is never this long; the cap keeps an untrusted page from writing megabytes into settings.json.
const MAX_STRING = 4096;

/** Messages the settings webview may send; anything else is dropped (a webview is untrusted input). */
export type PanelRequest =
  | { type: 'ready' }
  | { type: 'set'; key: PanelKey; value: unknown }
  | { type: 'browse' }
  | { type: 'useBundled' }
  | { type: 'measure' }
  | { type: 'load' }
  | { type: 'openJson' };

export function parsePanelRequest(message: unknown): PanelRequest | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'browse':
    case 'useBundled':
    case 'measure':
    case 'load':
    case 'openJson':
      return { type: m.type };
    case 'set':
      return isPanelKey(m.key) && validValue(m.key, m.value) ? { type: 'set', key: m.key, value: m.value } : undefined;
    default:
      return undefined;
  }
}

function isPanelKey(key: unknown): key is PanelKey {
  return (PANEL_KEYS as readonly unknown[]).includes(key);
}

/** Exactly what the setting's schema allows: the page's own checks are a convenience, this one is the guard. */
function validValue(key: PanelKey, value: unknown): boolean {
  return isValidSetting(key, value) && (typeof value !== 'string' || value.length < MAX_STRING);
}
