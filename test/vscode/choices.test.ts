import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type ClozeResult, type PlacedBlank, fillEdit, infill, placeBlanks, rankOptions } from '../../src/glm/index.js';
import type { SpanCandidate } from '../../src/editor/fillRun.js';
import {
  BASE_SETTINGS,
  api,
  blanksOf,
  closeAll,
  configure,
  coreModel,
  decoding,
  openDocument,
  readSettings,
  select,
} from './helpers.js';

const TEXT = 'She opened the window and the room filled with cold air. Then she made some tea.';

describe('alternatives and option ranking', () => {
  before(() => configure(BASE_SETTINGS));
  afterEach(closeAll);

  it('offers the candidates the core returns and writes the chosen one', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    const blanks = blanksOf(TEXT, ['cold']);
    const offered: string[][] = [];
    const previewed: string[] = [];
    const outcome = await glm.filler.alternatives(
      editor,
      { source: 'selections', blanks, markedIds: [] },
      readSettings(),
      async (_blank, _n, candidates, preview) => {
        offered.push(candidates.map((c: SpanCandidate) => c.text));
        candidates.forEach((c) => preview(c));
        previewed.push(...candidates.map((c) => c.text));
        return 1;
      },
    );
    const core = await infill(
      await coreModel(),
      { text: TEXT, blanks },
      { ...decoding(), candidates: BASE_SETTINGS.alternatives as number },
    );
    const coreCandidates = core.spans[0]?.candidates.map((c) => c.text) ?? [];
    assert.equal(coreCandidates.length, 3);
    assert.deepEqual(offered, [coreCandidates]);
    assert.equal(outcome.status, 'applied');
    const chosen = coreCandidates[1] as string;
    const edit = fillEdit(TEXT, placeBlanks({ text: TEXT, blanks })[0] as PlacedBlank, chosen);
    assert.equal(editor.document.getText(), TEXT.slice(0, edit.start) + edit.text + TEXT.slice(edit.end));
  });

  it('cancelling the pick leaves the document unchanged', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    const outcome = await glm.filler.alternatives(
      editor,
      { source: 'selections', blanks: blanksOf(TEXT, ['window']), markedIds: [] },
      readSettings(),
      async () => undefined,
    );
    assert.equal(outcome.status, 'cancelled');
    assert.equal(editor.document.getText(), TEXT);
  });

  it('ranks options exactly as the core does', async () => {
    const editor = await openDocument(TEXT);
    select(editor, 'cold');
    const ranked = await vscode.commands.executeCommand<ClozeResult>('glmInfill.rankOptions', 'warm | cold | fresh');
    const core = await rankOptions(await coreModel(), { text: TEXT, blanks: blanksOf(TEXT, ['cold']) }, [
      'warm',
      'cold',
      'fresh',
    ]);
    assert.deepEqual(
      ranked.options.map((o) => o.option),
      core.options.map((o) => o.option),
    );
    ranked.options.forEach((o, i) => assert.ok(Math.abs(o.logProb - (core.options[i]?.logProb ?? NaN)) < 1e-6));
    assert.equal(editor.document.getText(), TEXT);
  });

  it('refuses to rank without exactly one blank', async () => {
    const editor = await openDocument(TEXT);
    select(editor, 'window', 'cold');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    editor.selection = new vscode.Selection(0, 0, 0, 0); // in neither blank
    const ranked = await vscode.commands.executeCommand<ClozeResult | undefined>('glmInfill.rankOptions', 'a | b');
    assert.equal(ranked, undefined);
  });
});
