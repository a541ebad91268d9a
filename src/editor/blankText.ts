import { type BlankKind, MARKER_OF_KIND } from '../glm/index.js';
import type { OffsetRange } from './offsetRange.js';

/** A blank in document offsets, in the kind its marker will have. */
export interface DocumentBlank extends OffsetRange {
  kind: BlankKind;
}

/** The document as the core reads it: the text with one marker per blank, and where each marker landed. */
export interface MarkedDocument {
  text: string;
  markerOffsets: number[];
}

// Same pattern as the core's marker parser: text that merely looks like a marker must not become a blank.
const MARKER_LIKE = /\[([A-Za-z]*mask)\]/gi;

/**
 * Replaces each blank's characters with its marker. Marker-like text already in the document ("[MASK]" in a
 * README about GLM) gets a zero-width space after its bracket, so it is context, not a blank.
 */
export function markDocument(text: string, blanks: readonly DocumentBlank[]): MarkedDocument {
  const sorted = [...blanks].sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = 0;
  const markerOffsets: number[] = [];
  for (const blank of sorted) {
    out += neutralise(text.slice(cursor, blank.start));
    out += trailingBackslashes(out); // the core reads "\\[MASK]" as one backslash and a blank, "\[MASK]" as text
    markerOffsets.push(out.length);
    out += MARKER_OF_KIND[blank.kind];
    cursor = blank.end;
  }
  return { text: out + neutralise(text.slice(cursor)), markerOffsets };
}

function trailingBackslashes(text: string): string {
  let start = text.length;
  while (text[start - 1] === '\\') start--;
  return text.slice(start);
}

function neutralise(segment: string): string {
  return segment.replace(MARKER_LIKE, '[\u200B$1]');
}

/** A replacement in document offsets. */
export interface OffsetEdit extends OffsetRange {
  text: string;
}

/**
 * The document edit for a fill. The core folds one space before a marker into the blank (byte-level BPE puts a
 * word's space on the word) and the span usually brings it back: then only the blank's own characters change.
 * When the span does not start with a space the absorbed space goes, exactly as the core's own text would read.
 */
export function fillEdit(documentText: string, blank: OffsetRange, absorbedSpace: boolean, fill: string): OffsetEdit {
  if (!absorbedSpace || documentText[blank.start - 1] !== ' ') return { ...blank, text: fill };
  if (fill.startsWith(' ')) return { ...blank, text: fill.slice(1) };
  return { start: blank.start - 1, end: blank.end, text: fill };
}

/** Whether the core folded the space before marker `k` into the blank (its span starts one character early). */
export function absorbedSpace(spanStart: number, markerOffset: number): boolean {
  return spanStart === markerOffset - 1;
}
