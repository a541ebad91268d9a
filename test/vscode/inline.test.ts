import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { infill } from '../../src/glm/index.js';
import { BASE_SETTINGS, api, closeAll, configure, coreModel, metrics, openDocument } from './helpers.js';

const TEXT = 'The morning train was late again, so the';

function context(kind = vscode.InlineCompletionTriggerKind.Invoke): vscode.InlineCompletionContext {
  return { triggerKind: kind, selectedCompletionInfo: undefined };
}

function insertText(items: vscode.InlineCompletionItem[] | undefined): string {
  const text = items?.[0]?.insertText;
  return typeof text === 'string' ? text : '';
}

describe('inline suggestions', () => {
  before(async () => {
    await configure(BASE_SETTINGS);
    await (await api()).models.use(async () => undefined); // latency below is of a warm model
  });
  afterEach(closeAll);

  it('suggests what the core fills at the cursor', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    const end = editor.document.positionAt(TEXT.length);
    const latencies: number[] = [];
    let items: vscode.InlineCompletionItem[] | undefined;
    for (let i = 0; i < 5; i++) {
      const source = new vscode.CancellationTokenSource();
      // Different documents each time, so the type-through cache cannot answer.
      const doc = i === 0 ? editor.document : (await openDocument(`${TEXT} ${'x'.repeat(i)}`)).document;
      const at = i === 0 ? end : doc.positionAt(doc.getText().length);
      const start = performance.now();
      const result = await glm.inline.provideInlineCompletionItems(doc, at, context(), source.token);
      latencies.push(performance.now() - start); // each request runs the model: nothing is cached or debounced
      if (i === 0) items = result;
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
    metrics.inlineLatencyMedianMs = Number(median.toFixed(1));
    console.log(
      `[metrics] inline latency (warm, ${latencies.length} runs, ${BASE_SETTINGS['inline.maxTokens']} tokens max): median ${median.toFixed(1)} ms, ` +
        `min ${sorted[0]?.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`,
    );
    const core = await infill(
      await coreModel(),
      { text: TEXT, blanks: [{ start: TEXT.length, end: TEXT.length, kind: 'span' }] },
      {
        maxTokens: BASE_SETTINGS['inline.maxTokens'] as number,
        minTokens: BASE_SETTINGS.minTokens as number,
        temperature: 0,
        tokenHealing: true,
      },
    );
    const fill = core.spans[0]?.text ?? '';
    assert.ok(fill.trim() !== '', 'the fixture should produce a non-empty fill here');
    assert.equal(insertText(items), fill); // no space before the cursor for the blank to take: the fill goes in whole
    assert.equal(glm.journal.lastOutcome?.shown, true);
  });

  it('serves typing through a suggestion from the cache', async () => {
    const glm = await api();
    const editor = await openDocument(TEXT);
    const first = insertText(
      await glm.inline.provideInlineCompletionItems(
        editor.document,
        editor.document.positionAt(TEXT.length),
        context(),
        new vscode.CancellationTokenSource().token,
      ),
    );
    assert.ok(first.length >= 2, first);
    await editor.edit((b) => b.insert(editor.document.positionAt(TEXT.length), first.slice(0, 1)));
    const rest = insertText(
      await glm.inline.provideInlineCompletionItems(
        editor.document,
        editor.document.positionAt(TEXT.length + 1),
        context(),
        new vscode.CancellationTokenSource().token,
      ),
    );
    assert.equal(rest, first.slice(1));
    assert.match(glm.journal.lastOutcome?.reason ?? '', /cache/);
  });

  it('offers several candidates, the first being the single suggestion, as many as the setting asks', async () => {
    const glm = await api();
    // A new untitled document per request: the type-through cache, keyed by document, cannot answer.
    const ask = async (candidates: number): Promise<string[]> => {
      await configure({ 'inline.candidates': candidates });
      const editor = await openDocument(TEXT);
      const items = await glm.inline.provideInlineCompletionItems(
        editor.document,
        editor.document.positionAt(TEXT.length),
        context(),
        new vscode.CancellationTokenSource().token,
      );
      return (items ?? []).map((item) => (typeof item.insertText === 'string' ? item.insertText : ''));
    };
    try {
      const single = await ask(1);
      const three = await ask(3);
      const two = await ask(2);
      assert.equal(single.length, 1);
      assert.ok(three.length > 1 && three.length <= 3, JSON.stringify(three));
      assert.ok(two.length > 1 && two.length <= 2, JSON.stringify(two));
      assert.equal(three[0], single[0], 'the first candidate is the greedy fill, byte for byte');
      assert.equal(two[0], single[0]);
      assert.equal(new Set(three).size, three.length, 'no candidate twice');
      assert.ok(three.every((text) => text.trim() !== ''));
      assert.match(glm.journal.lastOutcome?.reason ?? '', /2 candidates/);
    } finally {
      await configure({ 'inline.candidates': BASE_SETTINGS['inline.candidates'] });
    }
  });

  it('gives every candidate back when asked again in place (VS Code does so when Alt+] cycles)', async () => {
    const glm = await api();
    const editor = await openDocument(`${TEXT} bus`);
    const at = editor.document.positionAt(TEXT.length + 4);
    const ask = async (): Promise<unknown[]> =>
      (
        (await glm.inline.provideInlineCompletionItems(
          editor.document,
          at,
          context(),
          new vscode.CancellationTokenSource().token,
        )) ?? []
      ).map((item) => [item.insertText, item.range?.start.character, item.range?.end.character]);
    await configure({ 'inline.candidates': 3 });
    try {
      const first = await ask();
      assert.ok(first.length > 1, JSON.stringify(first));
      assert.deepEqual(await ask(), first);
      assert.match(glm.journal.lastOutcome?.reason ?? '', /cache/);
    } finally {
      await configure({ 'inline.candidates': BASE_SETTINGS['inline.candidates'] });
    }
  });

  it('gives nothing for a request cancelled during the debounce, and explains why', async () => {
    const glm = await api();
    await configure({ 'inline.debounceMs': 300 });
    try {
      const editor = await openDocument(`${TEXT} and`);
      const source = new vscode.CancellationTokenSource();
      const pending = glm.inline.provideInlineCompletionItems(
        editor.document,
        editor.document.positionAt(TEXT.length + 4),
        context(vscode.InlineCompletionTriggerKind.Automatic),
        source.token,
      );
      setTimeout(() => source.cancel(), 20);
      assert.equal(await pending, undefined);
      const why = await vscode.commands.executeCommand<string>('glmInfill.whyNoSuggestion');
      assert.match(why, /superseded/);
    } finally {
      await configure({ 'inline.debounceMs': 0 });
    }
  });

  it('aborts a running request when a newer one arrives', async () => {
    const glm = await api();
    await configure({ 'inline.maxTokens': 100 });
    try {
      const editor = await openDocument(`${TEXT} then`);
      const at = editor.document.positionAt(TEXT.length + 5);
      const older = glm.inline.provideInlineCompletionItems(
        editor.document,
        at,
        context(),
        new vscode.CancellationTokenSource().token,
      );
      // No await in between: the older request is past its start when the newer one arrives.
      const newer = glm.inline.provideInlineCompletionItems(
        editor.document,
        at,
        context(),
        new vscode.CancellationTokenSource().token,
      );
      assert.equal(await older, undefined);
      assert.ok(insertText(await newer).length > 0);
    } finally {
      await configure({ 'inline.maxTokens': BASE_SETTINGS['inline.maxTokens'] });
    }
  });

  it('stays silent for a language switched off, and says so', async () => {
    const glm = await api();
    await configure({ 'inline.languages': { '*': true, markdown: false } });
    try {
      const editor = await openDocument('# Title\n\nSome text', 'markdown');
      const items = await glm.inline.provideInlineCompletionItems(
        editor.document,
        editor.document.positionAt(18),
        context(),
        new vscode.CancellationTokenSource().token,
      );
      assert.equal(items, undefined);
      const why = await vscode.commands.executeCommand<string>('glmInfill.whyNoSuggestion');
      assert.match(why, /off for markdown/);
    } finally {
      await configure({ 'inline.languages': BASE_SETTINGS['inline.languages'] });
    }
  });
});
