import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ModelManager } from '../../src/editor/modelManager.js';
import type { ExtensionParts } from '../../src/extension.js';
import { type Blank, type GlmModel, loadModel } from '../../src/glm/index.js';
import type { SettingKey } from '../../src/settings/schema.generated.js';

// A fill takes the settings snapshot its command read; the tests read one the same way.
export { readSettings } from '../../src/editor/settings.js';

export const EXTENSION_ID = 'glm-infill.glm-infill';

/** The running extension's parts: activate hands them over only to an extension host started for tests. */
export async function api(): Promise<ExtensionParts> {
  const extension = vscode.extensions.getExtension<ExtensionParts | undefined>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded in this extension host.`);
  const parts = await extension.activate();
  if (!parts) throw new Error(`${EXTENSION_ID} gave no parts: is this host not in ExtensionMode.Test?`);
  return parts;
}

/** Counts the model loads that succeed from now on (a reload shows as one more). */
export function loadCounter(models: ModelManager): { readonly count: number; dispose(): void } {
  let count = 0;
  const subscription = models.onDidChange((event) => {
    if (event.kind === 'loaded') count++;
  });
  return {
    get count() {
      return count;
    },
    dispose: () => subscription.dispose(),
  };
}

export function extensionPath(): string {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded.`);
  return extension.extensionPath;
}

/**
 * The random-weight fixture (deterministic gibberish, fast), from the repository the suite was built in
 * (out/test/vscode → ../../..), so the suite also runs against an installed VSIX that ships another model.
 */
export function fixtureModel(): string {
  return join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny');
}

/** Settings every test starts from: the fixture model, short non-empty greedy fills. */
export const BASE_SETTINGS: Partial<Record<SettingKey, unknown>> = {
  modelPath: '',
  device: 'cpu',
  threads: 1,
  mode: 'span',
  maxTokens: 6,
  minTokens: 3,
  temperature: 0,
  topP: 1,
  consensus: 1,
  alternatives: 3,
  'inline.enabled': true,
  'inline.languages': { '*': true },
  'inline.debounceMs': 0,
  'inline.timeBudgetMs': 20_000,
  'inline.maxTokens': 5,
  // One candidate per background suggestion: with three, the other suites' untitled documents raced (inline.test.ts
  // asks for more where it tests them).
  'inline.candidates': 1,
  // Only the document itself feeds the context cache, as in the core calls the tests compare with.
  'context.files': 'documentOnly',
};

export async function configure(values: Partial<Record<SettingKey, unknown>>): Promise<void> {
  const config = vscode.workspace.getConfiguration('glmInfill');
  for (const [key, value] of Object.entries(values)) {
    await config.update(
      key,
      key === 'modelPath' && value === '' ? fixtureModel() : value,
      vscode.ConfigurationTarget.Global,
    );
  }
}

let reference: GlmModel | undefined;

/** An independent load of the same model, to compare what the extension did with what the core returns. */
export async function coreModel(): Promise<GlmModel> {
  reference ??= await loadModel(fixtureModel(), { device: 'cpu', threads: 1 });
  return reference;
}

export async function openDocument(content: string, language = 'plaintext'): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content, language });
  return vscode.window.showTextDocument(document);
}

export function select(editor: vscode.TextEditor, ...words: string[]): void {
  const text = editor.document.getText();
  editor.selections = words.map((word) => {
    const at = text.indexOf(word);
    if (at < 0) throw new Error(`"${word}" is not in the test document`);
    return new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + word.length));
  });
}

export function blanksOf(text: string, words: readonly string[], kind: Blank['kind'] = 'span'): Blank[] {
  return words.map((w) => ({ start: text.indexOf(w), end: text.indexOf(w) + w.length, kind }));
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function tempModelCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glm-infill-model-'));
  for (const f of ['glm.json', 'model.onnx', 'tokenizer.json']) {
    copyFileSync(join(fixtureModel(), f), join(dir, f));
  }
  return dir;
}

/** Resolves with the first event that `accept` takes, or rejects after `ms`. */
export function nextEvent<T>(event: vscode.Event<T>, accept: (e: T) => boolean, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`No matching event within ${ms} ms`));
    }, ms);
    const sub = event((e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/** Timings gathered across the suite and printed at its end. */
export const metrics: Record<string, number | string> = {};

export function decoding() {
  return {
    maxTokens: BASE_SETTINGS.maxTokens as number,
    minTokens: BASE_SETTINGS.minTokens as number,
    temperature: 0,
    topP: 1,
  };
}
