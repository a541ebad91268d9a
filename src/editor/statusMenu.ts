import * as vscode from 'vscode';
import type { InlinePause } from '../fill/inlinePause.js';
import { inlineState, pauseText } from '../fill/inlineSwitches.js';
import { SETTING_SCHEMAS } from '../settings/schema.generated.js';
import { inlineSwitchesFor } from './inlineSwitches.js';
import type { ModelManager } from './modelManager.js';
import { type Settings, updateSetting } from './settings.js';

export interface StatusMenuDeps {
  pause: InlinePause;
  models: ModelManager;
  settings: () => Settings;
}

interface MenuItem extends vscode.QuickPickItem {
  run?: () => Thenable<unknown>;
}

const run =
  (command: string, ...args: unknown[]) =>
  () =>
    vscode.commands.executeCommand(command, ...args);

/** The status item's menu: every entry runs a command or writes a setting, so nothing here holds state. */
export function registerStatusMenu(deps: StatusMenuDeps): vscode.Disposable {
  return vscode.commands.registerCommand('glmInfill.statusMenu', async () => {
    const picked = await vscode.window.showQuickPick(menuItems(deps), {
      title: 'GLM Infill',
      placeHolder: 'Inline suggestions, mode, device, model',
    });
    await picked?.run?.();
  });
}

function menuItems(deps: StatusMenuDeps): MenuItem[] {
  const settings = deps.settings();
  return [
    { label: 'Inline suggestions', kind: vscode.QuickPickItemKind.Separator },
    ...inlineItems(deps, settings),
    { label: 'Model', kind: vscode.QuickPickItemKind.Separator },
    {
      label: '$(symbol-enum) Mode',
      description: settings.mode,
      run: () => pickSetting('mode', SETTING_SCHEMAS.mode.enum, settings.mode),
    },
    {
      label: '$(chip) Device',
      description: deps.models.model?.device.used ?? settings.device,
      run: () => pickSetting('device', SETTING_SCHEMAS.device.enum, settings.device),
    },
    {
      label: '$(folder) Model',
      description: deps.models.model?.manifest.name ?? (settings.modelPath || 'bundled'),
      run: pickModel,
    },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(settings-gear) Open Settings', run: run('glmInfill.openSettings') },
    { label: '$(output) Show Log', run: run('glmInfill.showLog') },
  ];
}

/** Pause or resume, and the switch for the active editor's language. */
function inlineItems(deps: StatusMenuDeps, settings: Settings): MenuItem[] {
  const languageId = vscode.window.activeTextEditor?.document.languageId;
  const state = inlineState(inlineSwitchesFor(settings, languageId ?? '*', deps.pause));
  const items: MenuItem[] = [];
  if (state === 'paused')
    items.push({
      label: '$(play) Resume',
      description: `paused ${pauseText(deps.pause)}`,
      run: run('glmInfill.resumeInline'),
    });
  else if (state === 'off')
    items.push({
      label: '$(play) Turn On',
      description: 'glmInfill.inline.enabled is off',
      run: run('glmInfill.toggleInline'),
    });
  else {
    items.push(
      { label: '$(debug-pause) Pause for 5 Minutes', run: run('glmInfill.pauseInline', 5) },
      { label: '$(debug-pause) Pause for 15 Minutes', run: run('glmInfill.pauseInline', 15) },
      { label: '$(debug-pause) Pause for 1 Hour', run: run('glmInfill.pauseInline', 60) },
      { label: '$(debug-pause) Pause Until Turned On', run: run('glmInfill.pauseInline', 'untilResumed') },
    );
  }
  if (languageId && state !== 'off') {
    const on = state !== 'off for language';
    items.push({
      label: `${on ? '$(circle-slash) Turn Off' : '$(check) Turn On'} for ${languageId}`,
      run: run('glmInfill.toggleInlineForLanguage', languageId),
    });
  }
  const manual = settings.inline.trigger === 'manual';
  items.push({
    label: manual ? '$(sparkle) Suggest While Typing' : '$(keyboard) Suggest Only on Request (Alt+\\)',
    run: () => updateSetting('inline.trigger', manual ? 'automatic' : 'manual'),
  });
  return items;
}

async function pickSetting(key: 'mode' | 'device', values: readonly string[], current: string): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    values.map((v) => ({ label: v, description: v === current ? 'current' : undefined })),
    { title: `GLM Infill: ${key}` },
  );
  if (picked && picked.label !== current) await updateSetting(key, picked.label);
}

async function pickModel(): Promise<void> {
  const bundled = 'The bundled model';
  const picked = await vscode.window.showQuickPick([bundled, 'Choose a model folder…'], { title: 'GLM Infill: model' });
  if (picked === bundled) return updateSetting('modelPath', '');
  if (picked === undefined) return;
  const [folder] =
    (await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Use this model folder',
      title: 'Choose a GLM Infill model folder (it holds glm.json, model.onnx and tokenizer.json)',
    })) ?? [];
  if (folder) await updateSetting('modelPath', folder.fsPath);
}
