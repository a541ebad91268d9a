import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The model shipped inside the package (the extension's folder, or the CLI's package root): models/default. Both
 * front ends start from it when no model is named, so they fill alike.
 */
export function defaultModelFolder(root: string): string {
  return join(root, 'models', 'default');
}

/**
 * The model folder the `modelPath` setting names: absolute, or starting with ~; empty means the shipped model
 * under `root`.
 */
export function modelFolder(modelPath: string, root: string): string {
  const path = modelPath.trim();
  if (path === '') return defaultModelFolder(root);
  const expanded = path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
  if (!isAbsolute(expanded)) {
    throw new SettingError(
      `glmInfill.modelPath "${path}" is not an absolute folder path. Give the full path of a model ` +
        'folder (with glm.json), or leave it empty for the bundled model.',
    );
  }
  return expanded;
}

/** A setting the user must fix (the notification offers "Open Settings"). */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}
