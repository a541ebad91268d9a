import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The package root: the bundles live in dist/, one level below it. */
export function packageRoot(): string {
  return resolve(__dirname, '..');
}

/**
 * The shipped model when it exists, else the random-weight fixture model (useful only to check the plumbing:
 * its fills are noise). Both live inside the package, so the default does not depend on the working directory.
 */
export function defaultModelFolder(root = packageRoot()): string {
  const shipped = join(root, 'models', 'default');
  return existsSync(join(shipped, 'glm.json')) ? shipped : join(root, 'test', 'fixtures', 'tiny');
}
