import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The model the extension ships: models/default once the project has trained one, else the random-weight fixture
 * (its fills are noise; it only shows that everything is wired). The VSIX carries whichever exists.
 */
export function bundledModelFolder(extensionPath: string): string {
  const shipped = join(extensionPath, 'models', 'default');
  return existsSync(join(shipped, 'glm.json')) ? shipped : join(extensionPath, 'test', 'fixtures', 'tiny');
}

export function isFixtureModel(folder: string): boolean {
  return folder.replace(/\\/g, '/').endsWith('test/fixtures/tiny');
}
