import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/**
 * Called by the extension host (extensionTestsPath), the same way under @vscode/test-electron and under
 * code-server: runs every *.test.js beside this file, in name order, and fails if any test fails.
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  const grep = process.env.GLM_INFILL_TEST_GREP;
  if (grep) mocha.grep(grep);
  readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .forEach((f) => mocha.addFile(join(__dirname, f)));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed.`);
}
