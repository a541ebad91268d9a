import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { BASE_SETTINGS, api, closeAll, configure, metrics, openDocument, select } from './helpers.js';

// Runs first (files run in name order): it sees the extension as a user's first fill does, with no model loaded.
describe('activation and the first fill', () => {
  before(() => configure(BASE_SETTINGS));
  after(closeAll);

  it('activates without loading the model', async () => {
    const glm = await api();
    metrics.activationMs = Number(glm.activationMs.toFixed(1));
    console.log(`[metrics] activation: ${glm.activationMs.toFixed(1)} ms`);
    assert.equal(glm.models.model, undefined);
    assert.equal(glm.models.loadCount, 0);
    assert.match(glm.status.text, /GLM span · cpu\? · – tok\/s/);
  });

  it('loads the model on the first fill (cold) and fills the selection', async () => {
    const glm = await api();
    const editor = await openDocument('The old bridge crossed the river near the market.');
    select(editor, 'crossed');
    const start = performance.now();
    const outcome = await vscode.commands.executeCommand<{ status: string }>('glmInfill.fillBlank');
    const coldMs = performance.now() - start;
    metrics.coldFirstFillMs = Math.round(coldMs);
    console.log(`[metrics] first fill (cold: model load + fill): ${coldMs.toFixed(0)} ms`);
    assert.equal(outcome.status, 'applied');
    assert.equal(glm.models.loadCount, 1);
    assert.notEqual(editor.document.getText(), 'The old bridge crossed the river near the market.');
    assert.match(glm.status.text, /tok\/s/);
    assert.doesNotMatch(glm.status.text, /–/);
  });
});
