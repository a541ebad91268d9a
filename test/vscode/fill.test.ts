import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { infill } from '../../src/glm/index.js';
import { ContextSources } from '../../src/editor/contextSources.js';
import { type FillObserver, type FillOutcome, Filler } from '../../src/editor/filler.js';
import {
  BASE_SETTINGS,
  api,
  blanksOf,
  closeAll,
  configure,
  coreModel,
  decoding,
  nextEvent,
  openDocument,
  readSettings,
  select,
} from './helpers.js';

const TEXT = 'Rivers carry water to the sea. The valley was green and the hills were quiet all summer.';

async function expected(text: string, words: string[]): Promise<string> {
  return (await infill(await coreModel(), { text, blanks: blanksOf(text, words) }, decoding())).text;
}

/** A filler beside the extension's, on its model, blanks and notifier, that tells the test about each step. */
async function observedFiller(observer: FillObserver): Promise<{ filler: Filler; dispose: () => void }> {
  const glm = await api();
  const sources = new ContextSources(() => undefined);
  return {
    filler: new Filler(glm.models, glm.blanks, glm.notifier, glm.status, sources, observer),
    dispose: () => sources.dispose(),
  };
}

describe('Fill blank', () => {
  before(() => configure(BASE_SETTINGS));
  afterEach(closeAll);

  it('fills one selection with what the core returns', async () => {
    const editor = await openDocument(TEXT);
    select(editor, 'green');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    assert.equal(editor.document.getText(), await expected(TEXT, ['green']));
  });

  it('with glmInfill.consensus, inserts the candidate most like the others', async () => {
    // A blank where the fixture's six greedy candidates agree on something other than the likeliest one.
    const editor = await openDocument(TEXT);
    select(editor, 'quiet');
    await configure({ consensus: 6 });
    try {
      const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
      assert.equal(outcome.status, 'applied');
      assert.equal(outcome.result?.spans[0]?.candidates.length, 6);
      const core = await infill(
        await coreModel(),
        { text: TEXT, blanks: blanksOf(TEXT, ['quiet']) },
        { ...decoding(), candidates: 6, select: 'consensus' },
      );
      assert.equal(editor.document.getText(), core.text);
      const likeliest = await infill(
        await coreModel(),
        { text: TEXT, blanks: blanksOf(TEXT, ['quiet']) },
        { ...decoding(), candidates: 6 },
      );
      assert.notEqual(core.text, likeliest.text, 'the fixture should make consensus and likeliest differ here');
    } finally {
      await configure({ consensus: BASE_SETTINGS.consensus });
    }
  });

  it('fills several selections in one Part A, each seeing the earlier fills', async () => {
    const editor = await openDocument(TEXT);
    select(editor, 'water', 'green', 'quiet');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    assert.equal(outcome.result?.spans.length, 3);
    assert.equal(editor.document.getText(), await expected(TEXT, ['water', 'green', 'quiet']));
  });

  it('fills at the cursor when nothing is selected or marked', async () => {
    const editor = await openDocument(TEXT);
    const at = TEXT.indexOf(' The valley');
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at));
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    const core = await infill(
      await coreModel(),
      { text: TEXT, blanks: [{ start: at, end: at, kind: 'span' }] },
      decoding(),
    );
    assert.equal(editor.document.getText(), core.text);
  });

  it('is undone in one step', async () => {
    const editor = await openDocument(TEXT);
    select(editor, 'water', 'quiet');
    await vscode.commands.executeCommand('glmInfill.fillBlank');
    assert.notEqual(editor.document.getText(), TEXT);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), TEXT);
  });

  it('leaves the document byte-identical when cancelled', async () => {
    const editor = await openDocument(TEXT);
    select(editor, 'water', 'green');
    await configure({ maxTokens: 40, minTokens: 40 });
    let cancelled = 0;
    // The first streamed token proves generation is under way; cancelAll is what the cancel command runs.
    const observed = await observedFiller({ onToken: () => void (cancelled++ === 0 && observed.filler.cancelAll()) });
    try {
      const outcome = await observed.filler.fill(
        editor,
        { source: 'selections', blanks: blanksOf(TEXT, ['water', 'green']), markedIds: [] },
        readSettings(),
      );
      assert.equal(outcome.status, 'cancelled');
      assert.equal(editor.document.getText(), TEXT);
      assert.equal(editor.document.version, 1);
    } finally {
      observed.dispose();
      await configure({ maxTokens: BASE_SETTINGS.maxTokens, minTokens: BASE_SETTINGS.minTokens });
    }
  });

  it('never overwrites a blank the user edited during the fill, and says so', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    const blanks = blanksOf(TEXT, ['water', 'green']);
    const warned = nextEvent(glm.notifier.onDidNotify, (n) => n.severity === 'warning');
    const observed = await observedFiller({
      beforeApply: async () => {
        const start = editor.document.positionAt(TEXT.indexOf('water'));
        await editor.edit((b) => b.insert(start.translate(0, 2), 'XYZ')); // "waXYZter": inside blank 1
      },
    });
    const outcome = await observed.filler
      .fill(editor, { source: 'selections', blanks, markedIds: [] }, readSettings())
      .finally(observed.dispose);
    assert.equal(outcome.status, 'applied');
    assert.deepEqual(outcome.skipped, [0]);
    const text = editor.document.getText();
    assert.ok(text.includes('waXYZter'), text);
    assert.ok(!text.includes('green'), text);
    assert.match((await warned).message, /left blank 1 as it was/);
  });

  it('fills around an edit made elsewhere during the fill', async () => {
    const editor = await openDocument(TEXT);
    const observed = await observedFiller({
      beforeApply: async () => {
        await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Note. '));
      },
    });
    const outcome = await observed.filler
      .fill(editor, { source: 'selections', blanks: blanksOf(TEXT, ['green']), markedIds: [] }, readSettings())
      .finally(observed.dispose);
    assert.equal(outcome.status, 'applied');
    assert.deepEqual(outcome.skipped, []);
    assert.equal(editor.document.getText(), `Note. ${await expected(TEXT, ['green'])}`);
  });
});
