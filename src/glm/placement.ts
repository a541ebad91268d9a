import type { Blank, BlankedText } from './blank.js';
import { GlmError } from './errors.js';

/** A blank as the core places it in its text: its range and the space before it that it took over ('' or ' '). */
export interface PlacedBlank extends Blank {
  space: string;
}

/** A replacement in the caller's text: [start, end) becomes `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Checks the blanks of a request and places each in its text. The one home of the space rule: one space right before a
 * blank belongs to the blank. Byte-level BPE attaches a word's leading space to the word, so training spans start
 * with " word" and Part A never ends a segment with a lone space; the fill brings its own space back (GLM's tokenizer
 * strips it too, docs/glm.md §4.2). A space inside the blank before it stays that blank's.
 */
export function placeBlanks(request: BlankedText): PlacedBlank[] {
  const { text, blanks } = request;
  if (blanks.length === 0)
    throw new GlmError('input', 'The request has no blank: give at least one range of the text to fill.');
  let floor = 0;
  return blanks.map((blank, k) => {
    checkBlank(blank, k, floor, text.length);
    const space = blank.start > floor && text[blank.start - 1] === ' ' ? ' ' : '';
    floor = blank.end;
    return { ...blank, space };
  });
}

function checkBlank(blank: Blank, k: number, floor: number, length: number): void {
  const { start, end } = blank;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < floor || end < start || end > length) {
    throw new GlmError(
      'input',
      `Blank ${k + 1} (characters ${start} to ${end}) is not a range of the ${length}-character text ` +
        `after the blank before it: give blanks in document order, none overlapping another.`,
    );
  }
}

/** The text around the blanks, what the model reads: one segment before each blank, one after the last. */
export function segmentsAround(text: string, blanks: readonly PlacedBlank[]): string[] {
  let cursor = 0;
  const segments = blanks.map((blank) => {
    const segment = text.slice(cursor, blank.start - blank.space.length);
    cursor = blank.end;
    return segment;
  });
  return [...segments, text.slice(cursor)];
}

/** The characters a fill of `blank` replaces: the blank's own and the space it took over. */
export function filledRange(blank: PlacedBlank): { start: number; end: number } {
  return { start: blank.start - blank.space.length, end: blank.end };
}

/**
 * The edit that writes `fill` into `blank` of `text`, changing as little as it can: only the blank's characters when
 * the fill brings back the space the blank took over, that space too when it does not. `text` may have been edited
 * since the fill began (the blank moved along): a space that is no longer there is left alone.
 */
export function fillEdit(text: string, blank: PlacedBlank, fill: string): TextEdit {
  const { start, end, space } = blank;
  if (space === '' || text.slice(start - space.length, start) !== space) return { start, end, text: fill };
  if (fill.startsWith(space)) return { start, end, text: fill.slice(space.length) };
  return { start: start - space.length, end, text: fill };
}

/** A given option as the blank's fill: it gets the blank's space back unless it starts with whitespace (GLM's " Yes" / " No"). */
export function optionFill(blank: PlacedBlank, option: string): string {
  return /^\s/.test(option) ? option : blank.space + option;
}

/** `text` with each edit made (edits in document order, none overlapping another). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let cursor = 0;
  for (const edit of edits) {
    out += text.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + text.slice(cursor);
}
