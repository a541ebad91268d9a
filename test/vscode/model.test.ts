import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ContextSources } from '../../src/editor/contextSources.js';
import { Filler } from '../../src/editor/filler.js';
import { ModelManager } from '../../src/editor/modelManager.js';
import type { FillOutcome } from '../../src/editor/filler.js';
import {
  BASE_SETTINGS,
  api,
  closeAll,
  configure,
  extensionPath,
  fixtureModel,
  loadCounter,
  nextEvent,
  openDocument,
  readSettings,
  select,
  tempModelCopy,
} from './helpers.js';

describe('model lifecycle', () => {
  before(async () => {
    await configure(BASE_SETTINGS);
    await (await api()).models.use(async () => undefined);
  });
  after(async () => {
    await configure(BASE_SETTINGS);
    await closeAll();
  });

  it('reloads when the device changes', async () => {
    const glm = await api();
    const loads = loadCounter(glm.models);
    const loaded = nextEvent(glm.models.onDidChange, (e) => e.kind === 'loaded');
    await configure({ device: 'auto' });
    await loaded;
    loads.dispose();
    assert.equal(loads.count, 1);
    assert.equal(glm.models.model?.device.requested, 'auto');
  });

  it('reloads when the model path changes', async () => {
    const glm = await api();
    const copy = tempModelCopy();
    const loaded = nextEvent(glm.models.onDidChange, (e) => e.kind === 'loaded');
    await configure({ modelPath: copy });
    await loaded;
    assert.equal(glm.models.model?.folder, copy);
  });

  it('reloads when the thread count changes', async () => {
    const glm = await api();
    const loads = loadCounter(glm.models);
    const loaded = nextEvent(glm.models.onDidChange, (e) => e.kind === 'loaded');
    await configure({ threads: 2 });
    await loaded;
    loads.dispose();
    assert.equal(loads.count, 1);
  });

  it('reports a bad model path and changes nothing', async () => {
    const glm = await api();
    const before = glm.models.model;
    const loads = loadCounter(glm.models);
    const error = nextEvent(glm.notifier.onDidNotify, (n) => n.severity === 'error');
    await configure({ modelPath: '/nonexistent/glm-model' });
    const notice = await error;
    assert.match(notice.message, /could not load the model/);
    assert.match(notice.message, /\/nonexistent\/glm-model/);
    assert.equal(glm.models.model, before, 'the previous model keeps serving');
    assert.equal(loads.count, 0);
    // A fill still works with the model that is loaded, and the bad setting is not retried on every use.
    const text = 'Small boats rest in the harbour.';
    const editor = await openDocument(text);
    select(editor, 'rest');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    assert.equal(loads.count, 0);
    loads.dispose();
  });

  it('without a loaded model, a bad path fails the fill and leaves the document alone', async () => {
    const glm = await api();
    // A second manager and filler, as a fresh window has them: nothing loaded yet, the bad path still set.
    const log = vscode.window.createOutputChannel('GLM Infill test', { log: true });
    const fresh = new ModelManager(extensionPath(), log, readSettings);
    const sources = new ContextSources(() => undefined);
    const failed = nextEvent(fresh.onDidChange, (e) => e.kind === 'failed');
    try {
      const text = 'Small boats rest in the harbour.';
      const editor = await openDocument(text);
      const filler = new Filler(fresh, glm.blanks, glm.notifier, glm.status, sources);
      const outcome = await filler.fill(
        editor,
        { source: 'selections', blanks: [{ start: 6, end: 11, kind: 'span' }], markedIds: [] },
        readSettings(),
      );
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.error ?? '', /does not exist/);
      assert.equal((await failed).kind, 'failed');
      assert.equal(fresh.state, 'failed');
      assert.equal(editor.document.getText(), text);
      assert.equal(editor.document.version, 1);
    } finally {
      fresh.dispose();
      sources.dispose();
      log.dispose();
    }
  });

  it('refuses a relative model path with a clear message', async () => {
    const log = vscode.window.createOutputChannel('GLM Infill test 2', { log: true });
    const fresh = new ModelManager(extensionPath(), log, readSettings);
    await configure({ modelPath: 'models/mine' });
    try {
      await assert.rejects(
        fresh.use(async () => undefined),
        /not an absolute folder path/,
      );
    } finally {
      fresh.dispose();
      log.dispose();
      await configure({ modelPath: fixtureModel() });
    }
  });
});
