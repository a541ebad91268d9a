import { DEVICES, isDevice, isFillMode } from '../glm/index.js';
import { PANEL_KEYS, type PanelKey } from './settings.js';

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
      return typeof m.key === 'string' && m.key in PANEL_KEYS && validValue(m.key as PanelKey, m.value)
        ? { type: 'set', key: m.key as PanelKey, value: m.value }
        : undefined;
    default:
      return undefined;
  }
}

function validValue(key: PanelKey, value: unknown): boolean {
  switch (PANEL_KEYS[key]) {
    case 'mode':
      return isFillMode(value);
    case 'device':
      return isDevice(value) && DEVICES.includes(value);
    case 'int':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100000;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 2;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && value.length < 4096;
  }
}
