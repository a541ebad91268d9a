import * as vscode from 'vscode';
import type { SpanCandidate } from './fillRun.js';
import type { Chooser } from './filler.js';

/** The quick pick of "Fill blank with alternatives": moving through the list previews each candidate in place. */
export const pickCandidate: Chooser = (blank, count, candidates, preview) =>
  new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { index: number }>();
    pick.title = `GLM Infill: blank ${blank + 1} of ${count}`;
    pick.placeholder = 'Choose a fill (it is previewed in the editor); Escape cancels the whole fill';
    pick.items = candidates.map((c, index) => ({ index, label: shown(c.text), description: describe(c) }));
    let settled = false;
    const finish = (value: number | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidChangeActive((items) => {
      const candidate = items[0] && candidates[items[0].index];
      if (candidate) preview(candidate);
    });
    pick.onDidAccept(() => finish(pick.selectedItems[0]?.index ?? pick.activeItems[0]?.index));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });

function shown(text: string): string {
  return text === '' ? '(empty)' : text.replace(/\r?\n/g, '⏎');
}

function describe(c: SpanCandidate): string {
  return `log p ${c.logProb.toFixed(2)} · ${c.tokens.length} tokens · ${c.stopReason}`;
}
