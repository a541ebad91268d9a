import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PANEL_KEYS, parsePanelRequest } from '../../src/editor/settingsMessages.js';
import { BASE_SETTINGS, api, closeAll, configure, fixtureModel, metrics } from './helpers.js';

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

describe('settings panel, status bar', () => {
  before(() => configure(BASE_SETTINGS));
  after(closeAll);

  it('opens, and stays in step with the settings both ways', async () => {
    const glm = await api();
    await vscode.commands.executeCommand('glmInfill.openSettings');
    assert.ok(glm.panel.isOpen);
    const state = (): PanelState | undefined => glm.panel.lastState as PanelState | undefined;
    // settings.json → page
    await configure({ mode: 'document' });
    await until(() => state()?.settings.mode === 'document');
    assert.match(glm.status.text, /GLM document ·/);
    // page → settings.json
    await glm.panel.receive({ type: 'set', key: 'mode', value: 'sentence' });
    assert.equal(vscode.workspace.getConfiguration('glmInfill').get('mode'), 'sentence');
    await until(() => state()?.settings.mode === 'sentence');
    await configure({ mode: BASE_SETTINGS.mode });
  });

  it('shows the loaded model and measures its speed', async () => {
    const glm = await api();
    await vscode.commands.executeCommand('glmInfill.openSettings');
    await glm.panel.receive({ type: 'measure' });
    const state = glm.panel.lastState as PanelState;
    assert.equal(state.model?.name, 'glm-infill-tiny-random (test fixture)');
    assert.ok((state.model?.bytes ?? 0) > 100_000);
    assert.deepEqual(state.model?.maskKinds, ['span', 'sentence', 'document']);
    assert.ok((state.speed?.tokensPerSecond ?? 0) > 0);
    metrics.measuredTokensPerSecond = Math.round(state.speed?.tokensPerSecond ?? 0);
    console.log(`[metrics] "measure speed" on the fixture model: ${state.speed?.tokensPerSecond.toFixed(0)} tokens/s`);
    assert.match(glm.status.text, new RegExp(`${Math.round(state.speed?.tokensPerSecond ?? 0)} tok/s`));
  });

  it('gives the page package.json\'s types, ranges and choices, and takes only values they allow', async () => {
    const glm = await api();
    await vscode.commands.executeCommand('glmInfill.openSettings');
    await until(() => glm.panel.lastState !== undefined);
    const manifest = vscode.extensions.getExtension('glm-infill.glm-infill')?.packageJSON as {
      contributes: { configuration: { properties: Record<string, Record<string, unknown>> } };
    };
    const sent = (glm.panel.lastState as PanelState).schema;
    assert.deepEqual(Object.keys(sent), [...PANEL_KEYS]);
    for (const key of PANEL_KEYS) {
      const declared = manifest.contributes.configuration.properties[`glmInfill.${key}`] ?? {};
      for (const field of ['type', 'default', 'minimum', 'maximum', 'enum'] as const) assert.deepEqual(sent[key]?.[field], declared[field], `${key}.${field}`);
    }
    // A value outside the range never reaches settings.json (the old check let top-p 0 through, to be clamped).
    await glm.panel.receive({ type: 'set', key: 'topP', value: 0 });
    assert.equal(vscode.workspace.getConfiguration('glmInfill').get('topP'), BASE_SETTINGS.topP);
  });

  it('drops malformed messages from the page', () => {
    assert.equal(parsePanelRequest({ type: 'set', key: 'modelPath', value: 42 }), undefined);
    assert.equal(parsePanelRequest({ type: 'set', key: 'evil', value: 'x' }), undefined);
    assert.equal(parsePanelRequest({ type: 'set', key: 'device', value: 'tpu' }), undefined);
    assert.equal(parsePanelRequest('measure'), undefined);
    assert.deepEqual(parsePanelRequest({ type: 'set', key: 'device', value: 'cpu' }), { type: 'set', key: 'device', value: 'cpu' });
    assert.ok(fixtureModel().endsWith('tiny'));
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
