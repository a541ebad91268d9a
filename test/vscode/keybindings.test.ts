import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAll } from './helpers.js';

describe('keybindings', () => {
  after(closeAll);

  it('take no key that VS Code itself binds', async () => {
    // VS Code renders its default keybindings (for this platform) as a read-only JSON document.
    const defaults = await vscode.workspace.openTextDocument(
      vscode.Uri.parse('vscode://defaultsettings/keybindings.json'),
    );
    // It lists extensions' keybindings too: ours are not collisions.
    const entries = [...defaults.getText().matchAll(/"key":\s*"([^"]+)",\s*"command":\s*"([^"]+)"/g)];
    const taken = new Map(entries.filter((m) => !m[2]?.startsWith('glmInfill.')).map((m) => [m[1], m[2]]));
    assert.ok(taken.size > 300, `only ${taken.size} default keybindings read`);
    const ours = (
      vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { keybindings: { key: string }[] } }
    ).contributes.keybindings.map((k) => k.key);
    assert.deepEqual(
      ours.filter((k) => taken.has(k)).map((k) => `${k} → ${taken.get(k)}`),
      [],
    );
  });
});
