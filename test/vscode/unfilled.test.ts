import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../src/editor/filler.js';
import { infill } from '../../src/glm/index.js';
import { BASE_SETTINGS, closeAll, configure, coreModel, decoding, openDocument } from './helpers.js';

// 42 one-character blanks on the fixture's 128 positions: each gets a start token and one generated token, and a
// draw that is only a line break leaves its blank without text (issue 15, item 3).
const TEXT = '\nx'.repeat(42);

describe('A blank that got no text', () => {
  before(() => configure({ ...BASE_SETTINGS, temperature: 1, minTokens: 0 }));
  after(async () => {
    await closeAll();
    await configure({ temperature: BASE_SETTINGS.temperature, minTokens: BASE_SETTINGS.minTokens });
  });

  it('keeps its selected text in the document; the others are filled', async () => {
    const blanks = [...TEXT.matchAll(/x/g)].map((m) => ({ start: m.index, end: m.index + 1, kind: 'span' as const }));
    const core = await infill(
      await coreModel(),
      { text: TEXT, blanks },
      { ...decoding(), temperature: 1, minTokens: 0 },
    );
    const empty = core.spans.filter((s) => s.unfilled).map((s) => s.index);
    assert.ok(empty.length > 0, 'the fixture leaves some of these blanks without text (precondition)');
    const editor = await openDocument(TEXT);
    editor.selections = blanks.map(
      (b) => new vscode.Selection(editor.document.positionAt(b.start), editor.document.positionAt(b.end)),
    );
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    for (const k of empty) assert.equal(outcome.fills[k], undefined, `blank ${k + 1} is not written`);
    // What the core wrote, the selected "x" kept where a blank got no text.
    assert.equal(editor.document.getText(), core.text);
  });
});
