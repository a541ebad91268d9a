import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { BlankDecorations } from './editor/blankDecorations.js';
import { BlankStore } from './editor/blankStore.js';
import { BlankPersistence } from './editor/blankPersistence.js';
import { registerBlankNavigation } from './editor/blankNavigator.js';
import { FillAnnouncer } from './editor/fillAnnouncer.js';
import { LastFills } from './editor/lastFills.js';
import { registerCommands } from './editor/commands.js';
import { ContextSources } from './editor/contextSources.js';
import { Filler } from './editor/filler.js';
import { InlineProvider } from './editor/inlineProvider.js';
import { ModelManager } from './editor/modelManager.js';
import { Notifier } from './editor/notifier.js';
import { passLoadGate } from './editor/loadGate.js';
import { SECTION, readSettings, updateSetting } from './editor/settings.js';
import { openWebviewPage, registerSettingsRestore } from './editor/settingsPage.js';
import { SettingsPanel } from './editor/settingsPanel.js';
import { InlineJournal } from './fill/inlineJournal.js';
import { InlinePause } from './fill/inlinePause.js';
import { registerInlineSwitches } from './editor/inlineSwitches.js';
import { registerStatusMenu } from './editor/statusMenu.js';
import { StatusBar } from './editor/statusBar.js';
import { registerWalkthrough } from './editor/walkthrough.js';
import { errorText } from './glm/index.js';

/**
 * The extension's running parts, which activate hands to the extension-host tests and to nobody else: it is the
 * one test seam, not an API (other extensions get undefined). The tests drive commands and these instances, and
 * build their own Filler or SettingsPanel around them where they need to observe a step.
 */
export interface ExtensionParts {
  activationMs: number;
  models: ModelManager;
  blanks: BlankStore;
  /** Saves and restores `blanks` in the workspace state. */
  persistence: BlankPersistence;
  /** The workspace state it uses, for a test that builds a second store over it (a simulated reload). */
  workspaceState: vscode.Memento;
  lastFills: LastFills;
  announcer: FillAnnouncer;
  filler: Filler;
  inline: InlineProvider;
  journal: InlineJournal;
  notifier: Notifier;
  status: StatusBar;
}

/** Load failures and the runtime fallback reported; the status and the model follow the settings and the trust. */
function watchModelAndSettings(
  models: ModelManager,
  notifier: Notifier,
  status: StatusBar,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  let toldRuntimeFallback = false;
  return [
    models.onDidChange((event) => {
      if (event.kind === 'failed') reportLoadFailure(notifier, event.error, event.keptModel?.manifest.name);
      // Once per window: a reload (another thread count, say) fails the same way and would only repeat it.
      if (event.kind === 'loaded' && event.model.device.runtimeFailure && !toldRuntimeFallback) {
        toldRuntimeFallback = true;
        reportRuntimeFallback(notifier, event.model.device.runtimeFailure);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION)) status.render();
      if (MODEL_KEYS.some((k) => event.affectsConfiguration(k))) {
        log.info('Model settings changed.');
        models.settingsChanged().catch(() => undefined); // the failure is reported through onDidChange
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => models.settingsChanged().catch(() => undefined)),
  ];
}

// Settings whose change means a new onnxruntime session.
const MODEL_KEYS = ['modelPath', 'device', 'threads'].map((k) => `${SECTION}.${k}`);

/**
 * Registers commands, the inline provider, decorations and the status bar, and returns. Nothing heavy happens
 * here: onnxruntime (src/glm/runtime.ts) and the model load on the first fill or suggestion, so a platform whose
 * native binary is missing or broken still gets every command, and the model runs on WebAssembly there.
 */
export function activate(context: vscode.ExtensionContext): ExtensionParts | undefined {
  const start = performance.now();
  const log = vscode.window.createOutputChannel('GLM Infill', { log: true });
  const notifier = new Notifier(log);
  const models = new ModelManager(context.extensionPath, log, readSettings, () => passLoadGate());
  const pause = new InlinePause();
  const status = new StatusBar(readSettings, pause);
  const store = new BlankStore();
  const sources = new ContextSources((line) => log.info(line));
  const filler = new Filler(models, store, notifier, status, sources);
  const blankParts = blankNavigationParts(context, store, filler, notifier);
  const journal = new InlineJournal();
  const inline = new InlineProvider(models, journal, status, sources, pause, readSettings);
  const panel = new SettingsPanel(context.extensionUri, models, notifier, status, readSettings, () =>
    openWebviewPage(context.extensionUri),
  );
  context.subscriptions.push(
    log,
    notifier,
    models,
    status,
    store,
    sources,
    status.attach(models),
    new BlankDecorations(store),
    ...blankParts.disposables,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, inline),
    ...registerCommands({
      models,
      store,
      filler,
      notifier,
      panel,
      journal,
      pause,
      log,
      context: sources,
      settings: readSettings,
    }),
    ...registerInlineSwitches({ pause, status, settings: readSettings }),
    registerStatusMenu({ pause, models, settings: readSettings }),
    ...pageRegistrations(context, panel),
    ...watchModelAndSettings(models, notifier, status, log),
  );
  const activationMs = performance.now() - start;
  log.info(`Activated in ${activationMs.toFixed(1)} ms (the model loads on first use).`);
  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return { activationMs, models, blanks: store, filler, inline, journal, notifier, status, ...blankParts.parts };
}

/** The settings page (also when a reload restores it) and the walkthrough. */
function pageRegistrations(context: vscode.ExtensionContext, panel: SettingsPanel): vscode.Disposable[] {
  return [
    panel,
    registerSettingsRestore(context.extensionUri, (page) => panel.restore(page)),
    ...registerWalkthrough(),
  ];
}

/** What marked blanks have besides the store: saved across reloads, the fills announced, the navigation commands. */
function blankNavigationParts(context: vscode.ExtensionContext, store: BlankStore, filler: Filler, notifier: Notifier) {
  const persistence = new BlankPersistence(store, context.workspaceState, notifier);
  const lastFills = new LastFills(filler.onDidFill);
  const announcer = new FillAnnouncer(filler.onDidFill, readSettings);
  const disposables = [persistence, lastFills, announcer, ...registerBlankNavigation(store, lastFills)];
  return { parts: { persistence, lastFills, announcer, workspaceState: context.workspaceState }, disposables };
}

function reportLoadFailure(notifier: Notifier, error: unknown, kept: string | undefined): void {
  const what = 'GLM Infill could not load the model';
  // The cause keeps the original error's code, which decides whether the message offers "Open Settings".
  notifier.error(kept ? `${what} (still using ${kept})` : what, new Error(errorText(error), { cause: error }));
}

/**
 * The native binding did not load, so the model runs on WebAssembly: it works, but starts slower and has no
 * accelerators. The buttons are the ways out:
 * the log (the loader's full error), the settings (another device or model), or choosing WebAssembly for good,
 * which also ends the warning.
 */
function reportRuntimeFallback(notifier: Notifier, failure: string): void {
  notifier.warn(`GLM Infill runs on WebAssembly instead of the native runtime: ${failure}.`, {
    'Use WebAssembly': () => updateSetting('device', 'wasm'),
    'Show Log': () => notifier.showLog(),
    'Open Settings': () => notifier.openSettings(),
  });
}

export function deactivate(): void {
  // Everything, the model session included, is released through context.subscriptions.
}
