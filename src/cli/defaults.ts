import { resolve } from 'node:path';
import { DEFAULT_DECODING } from '../glm/index.js';
import { DEFAULT_SETTINGS } from '../settings/snapshot.js';

/**
 * The defaults of the flags: the extension's own where it has the same setting (package.json is their one source,
 * so the CLI and the extension start alike), the core's decoding defaults for the rest.
 */
export const FLAG_DEFAULTS = {
  ...DEFAULT_DECODING,
  maxTokens: DEFAULT_SETTINGS.maxTokens,
  minTokens: DEFAULT_SETTINGS.minTokens,
  temperature: DEFAULT_SETTINGS.temperature,
  topP: DEFAULT_SETTINGS.topP,
  device: DEFAULT_SETTINGS.device,
  threads: DEFAULT_SETTINGS.threads,
};

/** The package root: the bundles live in dist/, one level below it. */
export function packageRoot(): string {
  return resolve(__dirname, '..');
}
