/** The three kinds of GLM blank and their mask tokens (docs/glm.md §4.3). */
export type BlankKind = 'span' | 'sentence' | 'document';

export const BLANK_KINDS: readonly BlankKind[] = ['span', 'sentence', 'document'];

/** The marker a user types in text for each kind; the tokenizer has the same strings as special tokens. */
export const MARKER_OF_KIND: Readonly<Record<BlankKind, string>> = {
  span: '[MASK]',
  sentence: '[sMASK]',
  document: '[gMASK]',
};

export function isBlankKind(value: unknown): value is BlankKind {
  return typeof value === 'string' && (BLANK_KINDS as readonly string[]).includes(value);
}

/** A blank in the caller's text: the characters [start, end) its fill replaces (none: the fill is inserted at start). */
export interface Blank {
  start: number;
  end: number;
  kind: BlankKind;
}

/** What the core fills: a text, left as it is, and its blanks in document order, none overlapping another. */
export interface BlankedText {
  text: string;
  blanks: readonly Blank[];
}
