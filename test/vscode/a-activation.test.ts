import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { BASE_SETTINGS, api, closeAll, configure, loadCounter, metrics, openDocument, select } from './helpers.js';

/** The onnxruntime packages this extension host has loaded (the native binding and the WebAssembly build). */
function loadedRuntimes(): string[] {
  const names = Object.keys(require.cache).map(
    (file) => /[\\/]node_modules[\\/](onnxruntime-(?:node|web))[\\/]/.exec(file)?.[1],
  );
  return [...new Set(names.filter((name) => name !== undefined))].sort();
}

// Runs first (files run in name order): it sees the extension as a user's first fill does, with no model loaded.
describe('activation and the first fill', () => {
  before(() => configure(BASE_SETTINGS));
  after(closeAll);

  it('activates without loading the model', async () => {
    const glm = await api();
    metrics.activationMs = Number(glm.activationMs.toFixed(1));
    console.log(`[metrics] activation: ${glm.activationMs.toFixed(1)} ms`);
    assert.equal(glm.models.model, undefined);
    assert.equal(glm.models.state, 'not loaded');
    assert.match(glm.status.text, /GLM span · cpu\? · – tok\/s/);
    assert.deepEqual(loadedRuntimes(), [], 'activation loaded onnxruntime');
  });

  it('loads the model on the first fill (cold) and fills the selection', async () => {
    const glm = await api();
    const editor = await openDocument('The old bridge crossed the river near the market.');
    select(editor, 'crossed');
    const loads = loadCounter(glm.models);
    const start = performance.now();
    const outcome = await vscode.commands.executeCommand<{ status: string }>('glmInfill.fillBlank');
    const coldMs = performance.now() - start;
    loads.dispose();
    metrics.coldFirstFillMs = Math.round(coldMs);
    console.log(`[metrics] first fill (cold: model load + fill): ${coldMs.toFixed(0)} ms`);
    assert.equal(outcome.status, 'applied');
    assert.equal(loads.count, 1);
    assert.deepEqual(loadedRuntimes(), ['onnxruntime-node'], 'the first model loads the native runtime, and only it');
    assert.notEqual(editor.document.getText(), 'The old bridge crossed the river near the market.');
    assert.match(glm.status.text, /tok\/s/);
    assert.doesNotMatch(glm.status.text, /–/);
  });
});
