import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { PANEL_KEYS } from '../../src/settings/panelMessages.js';
import { SettingsPanel } from '../../src/editor/settingsPanel.js';
import { SETTINGS_TITLE, SETTINGS_VIEW_TYPE, type SettingsPage, webviewPage } from '../../src/editor/settingsPage.js';
import { WALKTHROUGH_ID } from '../../src/editor/walkthrough.js';
import { SAMPLES, sampleKind } from '../../src/editor/walkthroughSamples.js';
import {
  BASE_SETTINGS,
  EXTENSION_ID,
  api,
  closeAll,
  configure,
  extensionPath,
  metrics,
  readSettings,
} from './helpers.js';

interface PanelState {
  settings: Record<string, unknown>;
  schema: Record<string, { type: string; default: unknown; minimum?: number; maximum?: number; enum?: string[] }>;
  model: { name: string; bytes: number; maskKinds: string[] } | null;
  speed: { tokensPerSecond: number } | null;
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Acts as the webview: sends what the page's controls would, and keeps what the panel posts. */
class ScriptedPage implements SettingsPage {
  readonly posted: unknown[] = [];
  private listener: ((message: unknown) => Promise<void>) | undefined;

  post(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }

  onMessage(listener: (message: unknown) => Promise<void>): vscode.Disposable {
    this.listener = listener;
    return new vscode.Disposable(() => (this.listener = undefined));
  }

  onClose(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  reveal(): void {}

  dispose(): void {}

  /** A message from the page; settles once the panel has handled it. */
  async send(message: unknown): Promise<void> {
    await this.listener?.(message);
  }

  get state(): PanelState | undefined {
    return this.posted.at(-1) as PanelState | undefined;
  }
}

/** A settings panel on the extension's model and status bar; `openPage` gives it the page it opens. */
async function settingsPanel(openPage: () => SettingsPage): Promise<SettingsPanel> {
  const glm = await api();
  return new SettingsPanel(
    vscode.Uri.file(extensionPath()),
    glm.models,
    glm.notifier,
    glm.status,
    readSettings,
    openPage,
  );
}

/** A settings panel open on a scripted page. */
async function openPanel(): Promise<{ page: ScriptedPage; panel: SettingsPanel }> {
  const page = new ScriptedPage();
  const panel = await settingsPanel(() => page);
  panel.show();
  await page.send({ type: 'ready' });
  return { page, panel };
}

describe('settings panel, status bar', () => {
  before(() => configure(BASE_SETTINGS));
  after(closeAll);

  it('opens, and stays in step with the settings both ways', async () => {
    const glm = await api();
    const { page, panel } = await openPanel();
    try {
      assert.ok(panel.isOpen);
      // settings.json → page
      await configure({ mode: 'document' });
      await until(() => page.state?.settings.mode === 'document');
      assert.match(glm.status.text, /GLM document ·/);
      // page → settings.json
      await page.send({ type: 'set', key: 'mode', value: 'sentence' });
      assert.equal(vscode.workspace.getConfiguration('glmInfill').get('mode'), 'sentence');
      await until(() => page.state?.settings.mode === 'sentence');
    } finally {
      panel.dispose();
      await configure({ mode: BASE_SETTINGS.mode });
    }
  });

  it('shows the loaded model and measures its speed', async () => {
    const glm = await api();
    const { page, panel } = await openPanel();
    try {
      await page.send({ type: 'measure' });
      const state = page.state as PanelState;
      assert.equal(state.model?.name, 'glm-infill-tiny-random (test fixture)');
      assert.ok((state.model?.bytes ?? 0) > 100_000);
      assert.deepEqual(state.model?.maskKinds, ['span', 'sentence', 'document']);
      assert.ok((state.speed?.tokensPerSecond ?? 0) > 0);
      metrics.measuredTokensPerSecond = Math.round(state.speed?.tokensPerSecond ?? 0);
      console.log(
        `[metrics] "measure speed" on the fixture model: ${state.speed?.tokensPerSecond.toFixed(0)} tokens/s`,
      );
      assert.match(glm.status.text, new RegExp(`${Math.round(state.speed?.tokensPerSecond ?? 0)} tok/s`));
    } finally {
      panel.dispose();
    }
  });

  it("gives the page package.json's types, ranges and choices, and takes only values they allow", async () => {
    const { page, panel } = await openPanel();
    try {
      const manifest = vscode.extensions.getExtension('glm-infill.glm-infill')?.packageJSON as {
        contributes: { configuration: { properties: Record<string, Record<string, unknown>> } };
      };
      const sent = (page.state as PanelState).schema;
      assert.deepEqual(Object.keys(sent), [...PANEL_KEYS]);
      for (const key of PANEL_KEYS) {
        const declared = manifest.contributes.configuration.properties[`glmInfill.${key}`] ?? {};
        for (const field of ['type', 'default', 'minimum', 'maximum', 'enum'] as const)
          assert.deepEqual(sent[key]?.[field], declared[field], `${key}.${field}`);
      }
      // A value outside the range never reaches settings.json (the old check let top-p 0 through, to be clamped).
      await page.send({ type: 'set', key: 'topP', value: 0 });
      assert.equal(vscode.workspace.getConfiguration('glmInfill').get('topP'), BASE_SETTINGS.topP);
    } finally {
      panel.dispose();
    }
  });

  it('declares the model folder a restricted, machine-overridable setting', () => {
    const extension = vscode.extensions.getExtension('glm-infill.glm-infill');
    const manifest = extension?.packageJSON as {
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    };
    assert.equal(manifest.contributes.configuration.properties['glmInfill.modelPath']?.scope, 'machine-overridable');
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['glmInfill.modelPath']);
  });
});

interface WalkthroughStep {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents: string[];
}

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string }[];
    configuration: { properties: Record<string, unknown> };
    walkthroughs: { id: string; title: string; steps: WalkthroughStep[] }[];
  };
}

function manifest(): Manifest {
  return vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as Manifest;
}

/** The `command:` links of a Markdown text: the command (without VS Code's `toSide:`) and its JSON arguments. */
function commandLinks(markdown: string): { command: string; args: unknown[] }[] {
  return [...markdown.matchAll(/\]\(command:(?:toSide:)?([\w.-]+)(?:\?([^)\s]*))?\)/g)].map((m) => ({
    command: m[1] ?? '',
    args: m[2] ? (JSON.parse(decodeURIComponent(m[2])) as unknown[]) : [],
  }));
}

describe('settings page restore, walkthrough', () => {
  before(() => configure(BASE_SETTINGS));
  after(closeAll);

  it('restores a settings page after a reload: the serializer is registered and the page talks to the panel', async () => {
    assert.ok(manifest().activationEvents.includes(`onWebviewPanel:${SETTINGS_VIEW_TYPE}`));
    // The extension host allows one serializer per view type: the extension's is there.
    assert.throws(
      () =>
        vscode.window.registerWebviewPanelSerializer(SETTINGS_VIEW_TYPE, { deserializeWebviewPanel: async () => {} }),
      /already registered/,
    );
    // What the serializer gets after a reload: a webview panel of the type, which the page and the panel take over.
    const restored = vscode.window.createWebviewPanel(SETTINGS_VIEW_TYPE, SETTINGS_TITLE, vscode.ViewColumn.Active);
    const page = webviewPage(restored, vscode.Uri.file(extensionPath()));
    const received: unknown[] = [];
    const delivered: unknown[] = [];
    const observed: SettingsPage = {
      onClose: (listener) => page.onClose(listener),
      reveal: () => page.reveal(),
      dispose: () => page.dispose(),
      post: async (message) => {
        const result = await page.post(message);
        delivered.push(result);
        return result;
      },
      onMessage: (listener) => page.onMessage((m) => (received.push(m), listener(m))),
    };
    const panel = await settingsPanel(() => {
      throw new Error('the panel opened a new page instead of taking the restored one');
    });
    try {
      panel.restore(observed);
      assert.ok(panel.isOpen);
      // The bundled page script ran under the page's CSP and asked for the state; the panel's answer reached it.
      await until(() => received.some((m) => (m as { type?: string }).type === 'ready'), 60_000);
      await until(() => delivered.includes(true));
      const html = restored.webview.html;
      assert.match(html, /script-src 'nonce-[^']+'/);
      // Only the page's nonce runs scripts, and nothing loads from outside the extension's files.
      const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
      const allowed = new Set(["'none'", ...restored.webview.cspSource.split(' ')]);
      for (const directive of csp.split('; ')) {
        const [name, ...sources] = directive.split(' ');
        for (const source of sources)
          assert.ok(allowed.has(source) || (name === 'script-src' && /^'nonce-/.test(source)), `${name} ${source}`);
      }
      assert.match(html, /dist\/webview\/settings\.js/);
      panel.show(); // reveals the restored page, opens no other
      restored.dispose();
      assert.equal(panel.isOpen, false);
    } finally {
      panel.dispose();
    }
  });

  it('contributes a walkthrough whose steps, media and command links all exist', async () => {
    const walkthroughs = manifest().contributes.walkthroughs;
    const [walkthrough] = walkthroughs;
    assert.ok(walkthrough && walkthroughs.length === 1);
    assert.equal(`${EXTENSION_ID}#${walkthrough.id}`, WALKTHROUGH_ID);
    assert.ok(walkthrough.steps.length >= 4 && walkthrough.steps.length <= 5, `${walkthrough.steps.length} steps`);
    assert.equal(new Set(walkthrough.steps.map((s) => s.id)).size, walkthrough.steps.length, 'step ids are unique');
    const commands = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest().contributes.commands.map((c) => c.command);
    assert.ok(contributed.includes('glmInfill.openWalkthrough'));
    const settings = manifest().contributes.configuration.properties;
    for (const step of walkthrough.steps) {
      const media = join(extensionPath(), step.media.markdown ?? '');
      assert.ok(step.media.markdown && existsSync(media), `${step.id}: media ${step.media.markdown}`);
      const links = [...commandLinks(step.description), ...commandLinks(readFileSync(media, 'utf8'))];
      assert.ok(commandLinks(step.description).length > 0, `${step.id}: its description has a command button`);
      for (const link of links) {
        assert.ok(commands.has(link.command), `${step.id}: command:${link.command} is not registered`);
        if (link.command === 'glmInfill.openSample')
          assert.ok(sampleKind(link.args[0]), `${step.id}: sample ${link.args[0]}`);
      }
      assert.ok(step.completionEvents.length > 0, `${step.id}: no completion event`);
      for (const event of step.completionEvents) {
        const [kind, name] = event.split(/:(.*)/);
        if (kind === 'onCommand') assert.ok(commands.has(name ?? ''), `${step.id}: ${event}`);
        else assert.ok(kind === 'onSettingChanged' && name && name in settings, `${step.id}: ${event}`);
      }
    }
  });

  it('opens the samples the walkthrough fills: a selected word, and two marked blanks', async () => {
    const glm = await api();
    const fill = await vscode.commands.executeCommand<vscode.TextEditor>('glmInfill.openSample', 'fill');
    assert.equal(vscode.window.activeTextEditor, fill);
    assert.ok(fill.document.isUntitled);
    assert.equal(fill.document.languageId, 'markdown');
    assert.equal(fill.document.getText(), SAMPLES.fill.text);
    assert.deepEqual(
      fill.selections.map((s) => fill.document.getText(s)),
      ['ci'],
    );
    // The step's second button: Fill Blank on the sample replaces the selected word and nothing else.
    await vscode.commands.executeCommand('glmInfill.fillBlank');
    const filled = fill.document.getText();
    assert.notEqual(filled, SAMPLES.fill.text);
    assert.ok(
      // (the space before a blank belongs to it)
      filled.startsWith('## Install\n\nRun `npm') && filled.endsWith('` to install the dependencies.\n'),
      JSON.stringify(filled),
    );

    const mark = await vscode.commands.executeCommand<vscode.TextEditor>('glmInfill.openSample', 'mark');
    assert.equal(mark.document.languageId, 'python');
    const blanks = glm.blanks.list(mark.document);
    const text = mark.document.getText();
    assert.deepEqual(
      blanks.map((b) => [text.slice(b.start, b.end), mark.document.positionAt(b.start).line]),
      [
        ['count', 5],
        ['count', 8],
      ],
    );

    const before = vscode.window.activeTextEditor;
    assert.equal(await vscode.commands.executeCommand('glmInfill.openSample', 'nonsense'), undefined);
    assert.equal(vscode.window.activeTextEditor, before);
  });
});
