import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { infill } from '../../src/glm/index.js';
import type { FillOutcome } from '../../src/editor/filler.js';
import { BASE_SETTINGS, api, closeAll, configure, coreModel, decoding, openDocument, select } from './helpers.js';

const TEXT = 'Alpha beta gamma. Delta epsilon zeta. Eta theta iota.';

describe('marked blanks', () => {
  before(() => configure(BASE_SETTINGS));
  afterEach(closeAll);

  it('follow edits before, between and after them', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    select(editor, 'beta', 'epsilon');
    assert.equal(await vscode.commands.executeCommand('glmInfill.markBlank'), 2);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Intro line.\n'));
    const doc = editor.document;
    await editor.edit((b) => b.insert(doc.positionAt(doc.getText().indexOf('. Delta')), ' and more'));
    await editor.edit((b) => b.insert(doc.positionAt(doc.getText().length), ' The end.'));
    // Typing right next to a blank does not grow it.
    await editor.edit((b) => b.insert(doc.positionAt(doc.getText().indexOf('beta')), '(')); // "(beta"
    const texts = glm.blanks.list(doc).map((b) => doc.getText().slice(b.start, b.end));
    assert.deepEqual(texts, ['beta', 'epsilon']);
  });

  it('are all filled by "Fill blank" and then unmarked', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    select(editor, 'gamma', 'theta');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    const blanks = glm.blanks.list(editor.document).map(({ start, end, kind }) => ({ start, end, kind }));
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    const core = await infill(await coreModel(), { text: TEXT, blanks }, decoding());
    assert.equal(editor.document.getText(), core.text);
    assert.equal(glm.blanks.list(editor.document).length, 0);
  });

  it('disappear with "Clear blanks" and when their text is deleted', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    select(editor, 'Alpha', 'zeta');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    const doc = editor.document;
    const zeta = doc.getText().indexOf('zeta');
    await editor.edit((b) => b.delete(new vscode.Range(doc.positionAt(zeta - 1), doc.positionAt(zeta + 5))));
    assert.equal(glm.blanks.list(doc).length, 1);
    assert.equal(await vscode.commands.executeCommand('glmInfill.clearBlanks'), 1);
    assert.equal(glm.blanks.list(doc).length, 0);
  });
});
