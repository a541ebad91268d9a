import * as vscode from 'vscode';
import type { InlinePause } from '../fill/inlinePause.js';
import { type InlineState, inlineState, pauseText } from '../fill/inlineSwitches.js';
import type { ModelManager } from './modelManager.js';
import type { Settings } from './settings.js';
import { inlineSwitchesFor } from './inlineSwitches.js';

/**
 * "GLM auto · cpu · 85 tok/s · paused": the mode, where the model runs, the last measured speed, and the state of
 * ghost text in the active editor when it is not plainly on; a click opens the status menu.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('glmInfill.status', vscode.StatusBarAlignment.Right, 100);
  private readonly editorWatch = vscode.window.onDidChangeActiveTextEditor(() => this.render());
  private speed: number | undefined;
  private models: ModelManager | undefined;
  private generations = 0;
  /** Whether this window has shown a text editor or used the model (the item shows from then on). */
  private used = false;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly settings: () => Settings,
    private readonly pause: InlinePause,
  ) {
    this.item.name = 'GLM Infill';
    this.item.command = 'glmInfill.statusMenu';
    this.render();
  }

  attach(models: ModelManager): vscode.Disposable {
    this.models = models;
    this.render();
    return models.onDidChange(() => this.render());
  }

  setSpeed(tokensPerSecond: number): void {
    this.speed = tokensPerSecond;
    this.render();
  }

  /** Shows "generating" until the returned disposable is disposed. */
  generating(): vscode.Disposable {
    this.generations++;
    this.render();
    return new vscode.Disposable(() => {
      this.generations--;
      this.render();
    });
  }

  get text(): string {
    return this.item.text;
  }

  get lastSpeed(): number | undefined {
    return this.speed;
  }

  render(): void {
    const settings = this.settings();
    const model = this.models?.model;
    const state = this.models?.state ?? 'not loaded';
    const device = model ? model.device.used : `${settings.device}?`;
    const speed = this.speed === undefined ? '– tok/s' : `${Math.round(this.speed)} tok/s`;
    // Running on WebAssembly because the native binding failed works, in a degraded way: a warning until the user chooses wasm.
    const warn = state === 'failed' || model?.device.runtimeFailure !== undefined;
    const inline = this.inlineWord(settings);
    const icon = state === 'loading' || this.generations > 0 ? '$(loading~spin)' : warn ? '$(warning)' : inline.icon;
    this.item.text = `${icon} GLM ${settings.mode} · ${device} · ${speed}${inline.word ? ` · ${inline.word}` : ''}`;
    const tooltip = this.tooltip(state, device, inline.detail);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `${tooltip.replaceAll('\n', '. ')}`, role: 'button' };
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.showWhereItActs(state);
    this.watchPauseEnd();
  }

  /**
   * Hidden in a fresh window until a text editor is active or the model is asked for; then shown (over the settings
   * panel too, which the item's menu serves), except in the Output panel, whose text the extension never touches.
   */
  private showWhereItActs(state: string): void {
    const editor = vscode.window.activeTextEditor;
    this.used ||= editor !== undefined || state !== 'not loaded';
    if (this.used && editor?.document.uri.scheme !== 'output') this.item.show();
    else this.item.hide();
  }

  /** The ghost-text state in the active editor: an icon, a word for the item (none when plainly on), a sentence. */
  private inlineWord(settings: Settings): { icon: string; word: string; detail: string } {
    const document = vscode.window.activeTextEditor?.document;
    if (this.generations > 0)
      return { icon: '$(loading~spin)', word: 'generating', detail: 'Inline suggestions: generating one now.' };
    if (!document) return { icon: '$(sparkle)', word: '', detail: '' };
    const switches = inlineSwitchesFor(settings, document.languageId, this.pause);
    const words: Record<InlineState, [string, string, string]> = {
      on: ['$(sparkle)', '', `on for ${document.languageId}`],
      manual: ['$(sparkle)', 'manual', 'only on request (Alt+\\)'],
      paused: ['$(debug-pause)', 'paused', `paused ${pauseText(this.pause)}`],
      off: ['$(circle-slash)', 'off', 'off'],
      'off for language': ['$(circle-slash)', `off for ${document.languageId}`, `off for ${document.languageId}`],
    };
    const [icon, word, detail] = words[inlineState(switches)];
    return { icon, word, detail: `Inline suggestions: ${detail}.` };
  }

  /** A timed pause ends by itself: render again then, so the item does not keep saying "paused". */
  private watchPauseEnd(): void {
    clearTimeout(this.pauseTimer);
    const left = this.pause.remainingMs;
    if (left > 0 && Number.isFinite(left)) this.pauseTimer = setTimeout(() => this.render(), left + 100);
  }

  private tooltip(state: string, device: string, inline: string): string {
    const model = this.models?.model;
    const lines = [`GLM Infill: model ${state}${model ? ` (${model.manifest.name})` : ''}`, `Device: ${device}`];
    if (model?.device.runtimeFailure)
      lines.push(`On WebAssembly, not the native runtime, because ${model.device.runtimeFailure}`);
    else if (model?.device.fallbackReason) lines.push(`On ${model.device.used} because ${model.device.fallbackReason}`);
    if (inline) lines.push(inline);
    lines.push('Click for the GLM Infill menu: pause, languages, mode, device, model, settings, log.');
    return lines.join('\n');
  }

  dispose(): void {
    clearTimeout(this.pauseTimer);
    this.editorWatch.dispose();
    this.item.dispose();
  }
}
