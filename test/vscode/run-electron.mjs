/* global process, console */
// Runs the extension-host suite under @vscode/test-electron: a downloaded VS Code (needs internet; on this
// project's CI machine use run-in-code-server.mjs instead). Same suite, same entry point (out/test/vscode/index.js).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'glm-infill-electron-'));
const workspace = join(temp, 'workspace');
mkdirSync(workspace);
writeFileSync(join(workspace, 'notes.md'), '# Notes\n');
let code = 1;
try {
  code = await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'vscode', 'index.js'),
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--user-data-dir',
      join(temp, 'ud'),
      '--extensions-dir',
      join(temp, 'exts'),
    ],
  });
} catch (error) {
  console.error(`run-electron: ${error instanceof Error ? error.message : error}`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
process.exit(code);
