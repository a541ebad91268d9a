import type { BlankKind } from './blank.js';

/**
 * What a selection looks like, which decides its blank kind in the "auto" mode: an empty cursor; a piece inside one
 * line (a word, an identifier, an argument); punctuation only, inside one line (a closing bracket); a whole sentence
 * inside a line of prose; whole lines; or several lines that run to the end of the document.
 */
export type SelectionShape = 'cursor' | 'inline' | 'punctuation' | 'sentence' | 'lines' | 'rest';

/** Whether the document is prose (Markdown, plain text…) or code: the cursor's best kind differs between them. */
export type TextKind = 'code' | 'prose';

/**
 * The kind each shape gets, in code and in prose, chosen on the development split of user-shaped cases (model card,
 * "Blank kind from the selection"): per shape, the kind with the higher edit similarity.
 */
export const AUTO_KIND: Readonly<Record<SelectionShape, Readonly<Record<TextKind, BlankKind>>>> = {
  cursor: { code: 'span', prose: 'sentence' },
  inline: { code: 'span', prose: 'span' },
  // A lone bracket as a span runs on into the next argument; a sentence blank ends at the line's end.
  punctuation: { code: 'sentence', prose: 'sentence' },
  sentence: { code: 'sentence', prose: 'sentence' },
  lines: { code: 'sentence', prose: 'sentence' },
  rest: { code: 'document', prose: 'document' },
};

export function autoKind(text: string, start: number, end: number, textKind: TextKind = 'code'): BlankKind {
  return AUTO_KIND[selectionShape(text, start, end)][textKind];
}

export function selectionShape(text: string, start: number, end: number): SelectionShape {
  if (start >= end) return 'cursor';
  const fromLineStart = /(^|\n)[ \t]*$/.test(text.slice(Math.max(0, text.lastIndexOf('\n', start - 1)), start));
  const toLineEnd = /^[ \t]*(\r?\n|$)/.test(text.slice(end, end + 200));
  const selected = text.slice(start, end);
  if (selected.includes('\n') && text.slice(end).trim() === '') return 'rest';
  if (selected.includes('\n') || (fromLineStart && toLineEnd)) return 'lines';
  if (!/[\p{L}\p{N}_]/u.test(selected)) return 'punctuation';
  return startsSentence(text, start) && /[.!?]["')\]]?\s*$/.test(selected) ? 'sentence' : 'inline';
}

/** The text before `start` ends a sentence (terminator and space) or a line. */
function startsSentence(text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 4), start);
  return /(^|[.!?]["')\]]?\s+|\n[ \t]*)$/.test(before) || start === 0;
}

/** The blank-kind setting: one kind for every blank, or 'auto' (the kind follows each selection's shape). */
export type FillMode = 'auto' | BlankKind;

export const FILL_MODES: readonly FillMode[] = ['auto', 'span', 'sentence', 'document'];

export function isFillMode(value: unknown): value is FillMode {
  return typeof value === 'string' && (FILL_MODES as readonly string[]).includes(value);
}

/** The kind of the blank [start, end) of `text` under `mode`. */
export function blankKindFor(
  mode: FillMode,
  text: string,
  start: number,
  end: number,
  textKind: TextKind = 'code',
): BlankKind {
  return mode === 'auto' ? autoKind(text, start, end, textKind) : mode;
}
