import * as vscode from 'vscode';
import type { ModelManager } from './modelManager.js';
import type { Settings } from './settings.js';

/** "GLM auto · cpu · 85 tok/s": the mode, where the model runs, the last measured speed; a click opens the panel. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('glmInfill.status', vscode.StatusBarAlignment.Right, 100);
  private speed: number | undefined;
  private models: ModelManager | undefined;

  constructor(private readonly settings: () => Settings) {
    this.item.name = 'GLM Infill';
    this.item.command = 'glmInfill.openSettings';
    this.item.show();
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
    const icon = state === 'loading' ? '$(loading~spin)' : warn ? '$(warning)' : '$(sparkle)';
    this.item.text = `${icon} GLM ${settings.mode} · ${device} · ${speed}`;
    this.item.tooltip = this.tooltip(state, device);
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  private tooltip(state: string, device: string): string {
    const model = this.models?.model;
    const lines = [`GLM Infill: model ${state}${model ? ` (${model.manifest.name})` : ''}`, `Device: ${device}`];
    if (model?.device.runtimeFailure) lines.push(`On WebAssembly, not the native runtime, because ${model.device.runtimeFailure}`);
    else if (model?.device.fallbackReason) lines.push(`On ${model.device.used} because ${model.device.fallbackReason}`);
    lines.push('Click to open the GLM Infill settings.');
    return lines.join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}
