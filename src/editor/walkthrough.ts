import * as vscode from 'vscode';
import { SAMPLES, SAMPLE_KINDS, type Sample, sampleKind } from './walkthroughSamples.js';

/** The walkthrough contributed in package.json (`contributes.walkthroughs`), as VS Code names it. */
export const WALKTHROUGH_ID = 'glm-infill.glm-infill#gettingStarted';

/**
 * "Open Walkthrough" and the command behind the walkthrough's sample buttons. Nothing here opens by itself: the
 * walkthrough is in VS Code's Welcome page and the palette, and a sample opens only from its button.
 */
export function registerWalkthrough(): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('glmInfill.openWalkthrough', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
    ),
    vscode.commands.registerCommand('glmInfill.openSample', async (argument?: unknown) => {
      const kind = sampleKind(argument);
      if (kind) return openSample(SAMPLES[kind]);
      void vscode.window.showErrorMessage(
        `GLM Infill has no sample called ${JSON.stringify(argument)}; its samples are ${SAMPLE_KINDS.join(', ')}.`,
      );
      return undefined;
    }),
  ];
}

/**
 * Opens the sample as a new untitled document in the active group (the walkthrough's links focus the group beside
 * it first), selects its words and runs its command. Resolves to the sample's editor.
 */
async function openSample(sample: Sample): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: sample.language, content: sample.text });
  const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Active });
  editor.selections = sample.selections.map(
    ([start, end]) => new vscode.Selection(document.positionAt(start), document.positionAt(end)),
  );
  editor.revealRange(editor.selection);
  if (sample.then) await vscode.commands.executeCommand(sample.then);
  return editor;
}
