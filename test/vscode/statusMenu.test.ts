import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { BASE_SETTINGS, api, closeAll, configure, openDocument } from './helpers.js';

const TEXT = 'The morning train was late again, so the';

function ask(
  editor: vscode.TextEditor,
  kind: vscode.InlineCompletionTriggerKind,
): Promise<vscode.InlineCompletionItem[] | undefined> {
  return api().then((glm) =>
    glm.inline.provideInlineCompletionItems(
      editor.document,
      editor.document.positionAt(editor.document.getText().length),
      { triggerKind: kind, selectedCompletionInfo: undefined },
      new vscode.CancellationTokenSource().token,
    ),
  );
}

const typing = vscode.InlineCompletionTriggerKind.Automatic;
const altBackslash = vscode.InlineCompletionTriggerKind.Invoke;

function why(): Thenable<string> {
  return vscode.commands.executeCommand<string>('glmInfill.whyNoSuggestion');
}

/** A new document each time, so the type-through cache never answers for the model. */
let serial = 0;
function document(language = 'plaintext'): Promise<vscode.TextEditor> {
  return openDocument(`${TEXT} ${'x'.repeat(++serial)}`, language);
}

describe('status menu: pause, per-language switch, trigger', () => {
  before(async () => {
    await configure(BASE_SETTINGS);
    await (await api()).models.use(async () => undefined);
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('glmInfill.resumeInline');
    await configure({
      'inline.enabled': true,
      'inline.trigger': 'automatic',
      'inline.languages': BASE_SETTINGS['inline.languages'],
    });
    await closeAll();
  });

  it('pausing stops ghost text, says so, and resuming brings it back', async () => {
    const glm = await api();
    const editor = await document();
    assert.equal(await vscode.commands.executeCommand('glmInfill.pauseInline', 5), true);
    assert.equal(await ask(editor, typing), undefined);
    assert.match(await why(), /paused until \d/);
    assert.match(glm.status.text, /· paused$/);
    assert.equal(await vscode.commands.executeCommand('glmInfill.resumeInline'), true);
    assert.ok((await ask(editor, typing))?.length, 'a suggestion once resumed');
    assert.doesNotMatch(glm.status.text, /paused/);
  });

  it('a pause until turned on still answers Alt+\\, and Toggle ends it', async () => {
    const editor = await document();
    await vscode.commands.executeCommand('glmInfill.pauseInline', 'untilResumed');
    assert.equal(await ask(editor, typing), undefined);
    assert.match(await why(), /paused until turned on/);
    assert.ok((await ask(editor, altBackslash))?.length, 'an asked-for suggestion while paused');
    assert.equal(await vscode.commands.executeCommand('glmInfill.toggleInline'), true);
    assert.ok((await ask(editor, typing))?.length);
  });

  it('with trigger manual, only Alt+\\ gets a suggestion', async () => {
    await configure({ 'inline.trigger': 'manual' });
    const editor = await document();
    assert.equal(await ask(editor, typing), undefined);
    assert.match(await why(), /trigger is manual/);
    assert.match((await api()).status.text, /· manual$/);
    const asked = await ask(editor, altBackslash);
    assert.ok(typeof asked?.[0]?.insertText === 'string' && asked[0].insertText.length > 0, 'Alt+\\ gets one');
  });

  it('Toggle Inline Suggestions turns the whole feature off (Alt+\\ too) and back on', async () => {
    const editor = await document();
    assert.equal(await vscode.commands.executeCommand('glmInfill.toggleInline'), false);
    assert.equal(vscode.workspace.getConfiguration('glmInfill').get('inline.enabled'), false);
    assert.equal(await ask(editor, altBackslash), undefined);
    assert.match(await why(), /inline suggestions are off\./);
    assert.match((await api()).status.text, /· off$/);
    assert.equal(await vscode.commands.executeCommand('glmInfill.toggleInline'), true);
    assert.ok((await ask(editor, altBackslash))?.length);
  });

  it("switches ghost text off and on for the active editor's language only", async () => {
    const markdown = await document('markdown');
    assert.equal(await vscode.commands.executeCommand('glmInfill.toggleInlineForLanguage'), false);
    // The user's value only (a read merges in the defaults' entries).
    assert.deepEqual(vscode.workspace.getConfiguration('glmInfill').inspect('inline.languages')?.globalValue, {
      '*': true,
      markdown: false,
    });
    assert.equal(await ask(markdown, altBackslash), undefined);
    assert.match(await why(), /off for markdown files/);
    assert.match((await api()).status.text, /· off for markdown$/);
    const plain = await document('plaintext');
    assert.ok((await ask(plain, typing))?.length, 'other languages keep their suggestions');
    await vscode.window.showTextDocument(markdown.document);
    assert.equal(await vscode.commands.executeCommand('glmInfill.toggleInlineForLanguage'), true);
    assert.ok((await ask(markdown, typing))?.length);
  });

  it('the menu runs the entry picked: its first one pauses for 5 minutes', async () => {
    await document();
    const menu = vscode.commands.executeCommand('glmInfill.statusMenu');
    await new Promise((resolve) => setTimeout(resolve, 500)); // the quick pick opens
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await menu;
    assert.match(await why(), /paused until \d/);
  });

  it('"Why No Suggestion?" names VS Code\'s own switch when it is off', async () => {
    const editor = vscode.workspace.getConfiguration('editor');
    await editor.update('inlineSuggest.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await document();
      assert.match(await why(), /editor\.inlineSuggest\.enabled is false/);
    } finally {
      await editor.update('inlineSuggest.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
