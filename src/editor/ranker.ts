import * as vscode from 'vscode';
import {
  type Blank,
  type CacheOptions,
  type ClozeResult,
  type PlacedBlank,
  fillEdit,
  optionFill,
  placeBlanks,
  rankOptions,
} from '../glm/index.js';
import type { ModelManager } from './modelManager.js';
import { RangeTracker } from './rangeTracker.js';

/** "good | bad" → ["good", "bad"]; undefined unless there are at least two non-empty options. */
export function parseOptions(input: string): string[] | undefined {
  const options = input.split('|').map((o) => o.trim());
  return options.length >= 2 && options.every((o) => o !== '') ? options : undefined;
}

export interface Ranking {
  result: ClozeResult;
  /** Writes an option into the blank as one undo step, unless the user changed the blank meanwhile. */
  insert(option: string): Promise<boolean>;
  dispose(): void;
}

/**
 * GLM's cloze classification: the blank's text is scored as each option (p(option, end | Part A)), which ranks
 * given answers instead of generating one.
 */
export async function rankBlank(
  models: ModelManager,
  editor: vscode.TextEditor,
  blank: Blank,
  options: readonly string[],
  signal?: AbortSignal,
  cache: CacheOptions = {},
): Promise<Ranking> {
  const document = editor.document;
  const tracker = new RangeTracker(document, [blank]);
  try {
    const request = { text: document.getText(), blanks: [{ ...blank, kind: 'span' as const }] };
    const result = await models.use((model) => rankOptions(model, request, options, signal, false, cache));
    const [placed] = placeBlanks(request) as [PlacedBlank];
    return {
      result,
      insert: async (option) => {
        if (tracker.touched(0)) return false;
        const edit = fillEdit(document.getText(), { ...placed, ...tracker.range(0) }, optionFill(placed, option));
        const range = new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end));
        return editor.edit((b) => b.replace(range, edit.text), { undoStopBefore: true, undoStopAfter: true });
      },
      dispose: () => tracker.dispose(),
    };
  } catch (error) {
    tracker.dispose();
    throw error;
  }
}
