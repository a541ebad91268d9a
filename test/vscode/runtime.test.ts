import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../src/editor/filler.js';
import { infill } from '../../src/glm/index.js';
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
  select,
} from './helpers.js';

const TEXT = 'Rivers carry water to the sea. The valley was green and the hills were quiet all summer.';

describe('the WebAssembly runtime (glmInfill.device: wasm)', () => {
  before(() => configure(BASE_SETTINGS));
  after(async () => {
    await configure(BASE_SETTINGS);
    await closeAll();
  });

  it('reloads on WebAssembly and fills exactly what the native runtime fills', async () => {
    const glm = await api();
    await glm.models.use(async () => undefined);
    const loaded = nextEvent(glm.models.onDidChange, (e) => e.kind === 'loaded');
    await configure({ device: 'wasm' });
    await loaded;
    assert.equal(glm.models.model?.device.used, 'wasm');
    assert.equal(glm.models.model?.device.runtimeFailure, undefined, 'asked for, so no fallback to report');
    const editor = await openDocument(TEXT);
    select(editor, 'water', 'green');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    // The reference is the core on onnxruntime-node's CPU runtime.
    const native = await infill(
      await coreModel(),
      { text: TEXT, blanks: blanksOf(TEXT, ['water', 'green']) },
      decoding(),
    );
    assert.equal((await coreModel()).device.used, 'cpu');
    assert.equal(editor.document.getText(), native.text);
    assert.match(glm.status.text, /^\$\(sparkle\) GLM span · wasm · \d+ tok\/s$/);
  });
});
