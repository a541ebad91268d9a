import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../src/editor/filler.js';
import { BASE_SETTINGS, api, closeAll, configure, nextEvent, openDocument, select } from './helpers.js';

// The model the extension ships (models/default), as a user gets it: no glmInfill.modelPath, greedy span fills of at
// most 16 tokens and no minimum. Each fill is one a user would recognise.
describe('fills of the shipped model', () => {
  before(async () => {
    await configure({ ...BASE_SETTINGS, minTokens: 0, maxTokens: 16 });
    const glm = await api();
    const loaded = nextEvent(glm.models.onDidChange, (e) => e.kind === 'loaded', 60_000);
    // Empty = the bundled model (configure() maps '' to the fixture, so this one is written directly).
    await vscode.workspace.getConfiguration('glmInfill').update('modelPath', '', vscode.ConfigurationTarget.Global);
    await glm.models.use(async () => undefined);
    await loaded.catch(() => undefined); // already loaded when an earlier suite used the bundled model
    assert.equal(glm.models.model?.manifest.name, 'glm-infill-default');
  });
  after(async () => {
    await configure(BASE_SETTINGS);
    await closeAll();
  });
  afterEach(closeAll);

  it('Python: Fill Blank at the cursor after "self." names the attribute the class sets', async () => {
    const text =
      'class Counter:\n    def __init__(self):\n        self.count = 0\n\n    def increment(self):\n        self. += 1\n';
    const editor = await openDocument(text, 'python');
    const at = editor.document.positionAt(text.indexOf('self. +=') + 'self.'.length);
    editor.selection = new vscode.Selection(at, at);
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    assert.equal(editor.document.getText(), text.replace('self. +=', 'self.count +='));
  });

  it('Markdown: a selected word becomes the command the sentence describes', async () => {
    const text = '## Install\n\nRun `npm ci` to install the dependencies.\n';
    const editor = await openDocument(text, 'markdown');
    select(editor, 'ci');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    assert.equal(editor.document.getText(), '## Install\n\nRun `npm install` to install the dependencies.\n');
  });
});
