import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { modelFolder } from '../fill/modelFolder.js';
import { type Device, type GlmModel, errorText, fuseAdvice, loadModel } from '../glm/index.js';
import { type Settings, effectiveThreads } from './settings.js';

/** What a model load is keyed by: any change among these means a new session. */
export interface ModelRequest {
  folder: string;
  device: Device;
  threads: number;
}

export type ModelState = 'not loaded' | 'loading' | 'ready' | 'failed';

export type ModelEvent =
  | { kind: 'loading'; request: ModelRequest }
  | { kind: 'loaded'; model: GlmModel }
  | { kind: 'failed'; request: ModelRequest | undefined; error: unknown; keptModel: GlmModel | undefined }
  /** The settings changed after a failed load and nothing is loading: the failure no longer applies. */
  | { kind: 'cleared' };

/** A failed load, already shown to the user through onDidChange: callers should not show it again. */
export class ModelLoadError extends Error {
  constructor(readonly original: unknown) {
    super(errorText(original), { cause: original });
    this.name = 'ModelLoadError';
  }
}

const INVALID_SETTING = 'invalid setting';

/** A loaded model and how many operations use it, so a reload never disposes a session under a running fill. */
interface Slot {
  key: string;
  model: GlmModel;
  users: number;
  retired: boolean;
}

/**
 * Owns the onnxruntime session. Nothing loads at activation: the first fill or suggestion loads the model (async),
 * a settings change reloads it if one was loaded, and a failed load keeps the previous model working.
 */
export class ModelManager implements vscode.Disposable {
  private current: Slot | undefined;
  private loading: { key: string; promise: Promise<Slot> } | undefined;
  private failed: { key: string; error: unknown } | undefined;
  private disposed = false;
  private readonly events = new vscode.EventEmitter<ModelEvent>();
  readonly onDidChange = this.events.event;

  /**
   * `settings` gives the current snapshot (the model folder, device and threads come from it); `beforeLoad` runs
   * before each load (the extension passes the UI test's load gate, src/editor/loadGate.ts).
   */
  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => Settings,
    private readonly beforeLoad: () => Promise<void> = async () => undefined,
  ) {}

  get model(): GlmModel | undefined {
    return this.current?.model;
  }

  get state(): ModelState {
    if (this.loading) return 'loading';
    if (this.failed && !this.current) return 'failed';
    return this.current ? 'ready' : 'not loaded';
  }

  get lastError(): unknown {
    return this.failed?.error;
  }

  /** The model the settings ask for: folder, device and threads. Throws a SettingError for a bad path. */
  request(): ModelRequest {
    const settings = this.settings();
    return {
      folder: modelFolder(settings.modelPath, this.extensionPath),
      device: settings.device,
      threads: effectiveThreads(settings),
    };
  }

  /** Runs `fn` with the model, loading it first if needed; the session stays alive until `fn` settles. */
  async use<T>(fn: (model: GlmModel) => Promise<T>): Promise<T> {
    const slot = await this.acquire();
    slot.users++;
    try {
      return await fn(slot.model);
    } finally {
      slot.users--;
      this.releaseIfRetired(slot);
    }
  }

  /** Like `use`, but only with a model that is already loaded: inline suggestions never wait for a load. */
  async useIfReady<T>(fn: (model: GlmModel) => Promise<T>): Promise<T | undefined> {
    if (this.ready() === undefined) {
      this.warm();
      return undefined;
    }
    return this.use(fn);
  }

  /** Starts loading in the background; errors are reported through onDidChange. */
  warm(): void {
    this.acquire().catch(() => undefined);
  }

  /** The settings changed: reload now if a model is loaded (errors show at once), else wait for the first use. */
  async settingsChanged(): Promise<void> {
    const hadFailed = this.failed !== undefined;
    this.failed = undefined;
    if (!this.current && !this.loading) {
      // Nothing reloads until the next use; without the event the status bar and panel kept showing the old failure.
      if (hadFailed) this.events.fire({ kind: 'cleared' });
      return;
    }
    await this.acquire();
  }

  private async acquire(): Promise<Slot> {
    if (this.disposed) throw new Error('GLM Infill is shutting down.');
    const ready = this.ready();
    if (ready) return ready;
    let request: ModelRequest;
    try {
      request = this.request();
    } catch (error) {
      this.failed = { key: INVALID_SETTING, error };
      return this.keepOrThrow(undefined, error);
    }
    const key = JSON.stringify(request);
    if (this.loading?.key === key) return this.loading.promise;
    const promise = this.load(key, request);
    this.loading = { key, promise };
    // Fired once `state` says 'loading' (from inside load() the status bar and panel read the old state).
    this.events.fire({ kind: 'loading', request });
    const settle = (): void => {
      if (this.loading?.promise === promise) this.loading = undefined;
    };
    promise.then(settle, settle);
    return promise;
  }

  private async load(key: string, request: ModelRequest): Promise<Slot> {
    this.log.info(`Loading model from ${request.folder} (device ${request.device}, ${request.threads} threads)`);
    const start = performance.now();
    let model: GlmModel;
    try {
      await this.beforeLoad();
      model = await loadModel(request.folder, { device: request.device, threads: request.threads });
    } catch (error) {
      this.loadEnded(key);
      this.log.error(`Model load failed after ${Math.round(performance.now() - start)} ms: ${errorText(error)}`);
      this.failed = { key, error };
      return this.keepOrThrow(request, error);
    }
    this.loadEnded(key);
    if (this.disposed) {
      await model.dispose();
      throw new Error('GLM Infill was shut down while the model loaded.');
    }
    this.logLoaded(model);
    this.failed = undefined;
    const previous = this.current;
    this.current = { key, model, users: 0, retired: false };
    if (previous) this.retire(previous);
    this.events.fire({ kind: 'loaded', model });
    return this.current;
  }

  /** Before the 'loaded' or 'failed' event, so that listeners reading `state` no longer see 'loading'. */
  private loadEnded(key: string): void {
    if (this.loading?.key === key) this.loading = undefined;
  }

  private keepOrThrow(request: ModelRequest | undefined, error: unknown): Slot {
    this.events.fire({ kind: 'failed', request, error, keptModel: this.current?.model });
    if (this.current) this.log.warn(`Still using the previous model, ${this.current.model.manifest.name}.`);
    throw new ModelLoadError(error);
  }

  private logLoaded(model: GlmModel): void {
    const { device } = model;
    this.log.info(
      `Loaded ${model.manifest.name} from ${model.folder} in ${Math.round(model.loadMs)} ms on ${device.used}` +
        (device.requested !== device.used ? ` (asked for ${device.requested})` : ''),
    );
    if (device.runtimeFailure)
      this.log.warn(`Running on WebAssembly instead of the native runtime: ${device.runtimeFailure}`);
    else if (device.fallbackReason) this.log.warn(`Device fallback to ${device.used}: ${device.fallbackReason}`);
    const advice = fuseAdvice(model);
    if (advice) this.log.info(advice);
  }

  /**
   * The loaded model when it is what the settings ask for, or when what they ask for already failed to load: the
   * previous model then keeps serving instead of a retry on every keystroke (the failure was reported once).
   */
  private ready(): Slot | undefined {
    if (!this.current) return undefined;
    let key: string;
    try {
      key = JSON.stringify(this.request());
    } catch {
      key = INVALID_SETTING;
    }
    return key === this.current.key || key === this.failed?.key ? this.current : undefined;
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    this.releaseIfRetired(slot);
  }

  private releaseIfRetired(slot: Slot): void {
    if (!slot.retired || slot.users > 0) return;
    this.log.info(`Released ${slot.model.manifest.name}.`);
    slot.model.dispose().catch((error: unknown) => this.log.warn(`Releasing the model failed: ${errorText(error)}`));
  }

  dispose(): void {
    this.disposed = true;
    if (this.current) this.retire(this.current);
    this.current = undefined;
    this.events.dispose();
  }
}
