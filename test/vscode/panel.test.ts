import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PANEL_KEYS } from '../../src/settings/panelMessages.js';
import { SettingsPanel } from '../../src/editor/settingsPanel.js';
import type { SettingsPage } from '../../src/editor/settingsPage.js';
import { BASE_SETTINGS, api, closeAll, configure, extensionPath, metrics, readSettings } from './helpers.js';

interface PanelState {
  settings: Record<string, unknown>;
  schema: Record<string, { type: string; default: unknown; minimum?: number; maximum?: number; enum?: string[] }>;
  model: { name: string; bytes: number; maskKinds: string[] } | null;
  speed: { tokensPerSecond: number } | null;
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Acts as the webview: sends what the page's controls would, and keeps what the panel posts. */
class ScriptedPage implements SettingsPage {
  readonly posted: unknown[] = [];
  private listener: ((message: unknown) => Promise<void>) | undefined;

  post(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }

  onMessage(listener: (message: unknown) => Promise<void>): vscode.Disposable {
    this.listener = listener;
    return new vscode.Disposable(() => (this.listener = undefined));
  }

  onClose(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  reveal(): void {}

  dispose(): void {}

  /** A message from the page; settles once the panel has handled it. */
  async send(message: unknown): Promise<void> {
    await this.listener?.(message);
  }

  get state(): PanelState | undefined {
    return this.posted.at(-1) as PanelState | undefined;
  }
}

/** A settings panel on the extension's model and status bar, open on a scripted page. */
async function openPanel(): Promise<{ page: ScriptedPage; panel: SettingsPanel }> {
  const glm = await api();
  const page = new ScriptedPage();
  const panel = new SettingsPanel(
    vscode.Uri.file(extensionPath()),
    glm.models,
    glm.notifier,
    glm.status,
    readSettings,
    () => page,
  );
  panel.show();
  await page.send({ type: 'ready' });
  return { page, panel };
}

describe('settings panel, status bar', () => {
  before(() => configure(BASE_SETTINGS));
  after(closeAll);

  it('opens, and stays in step with the settings both ways', async () => {
    const glm = await api();
    const { page, panel } = await openPanel();
    try {
      assert.ok(panel.isOpen);
      // settings.json → page
      await configure({ mode: 'document' });
      await until(() => page.state?.settings.mode === 'document');
      assert.match(glm.status.text, /GLM document ·/);
      // page → settings.json
      await page.send({ type: 'set', key: 'mode', value: 'sentence' });
      assert.equal(vscode.workspace.getConfiguration('glmInfill').get('mode'), 'sentence');
      await until(() => page.state?.settings.mode === 'sentence');
    } finally {
      panel.dispose();
      await configure({ mode: BASE_SETTINGS.mode });
    }
  });

  it('shows the loaded model and measures its speed', async () => {
    const glm = await api();
    const { page, panel } = await openPanel();
    try {
      await page.send({ type: 'measure' });
      const state = page.state as PanelState;
      assert.equal(state.model?.name, 'glm-infill-tiny-random (test fixture)');
      assert.ok((state.model?.bytes ?? 0) > 100_000);
      assert.deepEqual(state.model?.maskKinds, ['span', 'sentence', 'document']);
      assert.ok((state.speed?.tokensPerSecond ?? 0) > 0);
      metrics.measuredTokensPerSecond = Math.round(state.speed?.tokensPerSecond ?? 0);
      console.log(
        `[metrics] "measure speed" on the fixture model: ${state.speed?.tokensPerSecond.toFixed(0)} tokens/s`,
      );
      assert.match(glm.status.text, new RegExp(`${Math.round(state.speed?.tokensPerSecond ?? 0)} tok/s`));
    } finally {
      panel.dispose();
    }
  });

  it("gives the page package.json's types, ranges and choices, and takes only values they allow", async () => {
    const { page, panel } = await openPanel();
    try {
      const manifest = vscode.extensions.getExtension('glm-infill.glm-infill')?.packageJSON as {
        contributes: { configuration: { properties: Record<string, Record<string, unknown>> } };
      };
      const sent = (page.state as PanelState).schema;
      assert.deepEqual(Object.keys(sent), [...PANEL_KEYS]);
      for (const key of PANEL_KEYS) {
        const declared = manifest.contributes.configuration.properties[`glmInfill.${key}`] ?? {};
        for (const field of ['type', 'default', 'minimum', 'maximum', 'enum'] as const)
          assert.deepEqual(sent[key]?.[field], declared[field], `${key}.${field}`);
      }
      // A value outside the range never reaches settings.json (the old check let top-p 0 through, to be clamped).
      await page.send({ type: 'set', key: 'topP', value: 0 });
      assert.equal(vscode.workspace.getConfiguration('glmInfill').get('topP'), BASE_SETTINGS.topP);
    } finally {
      panel.dispose();
    }
  });

  it('declares the model folder a restricted, machine-overridable setting', () => {
    const extension = vscode.extensions.getExtension('glm-infill.glm-infill');
    const manifest = extension?.packageJSON as {
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    };
    assert.equal(manifest.contributes.configuration.properties['glmInfill.modelPath']?.scope, 'machine-overridable');
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['glmInfill.modelPath']);
  });
});
