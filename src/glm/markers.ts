import { type BlankKind, MARKER_OF_KIND } from './blank.js';
import { GlmError } from './errors.js';

/** A blank found in text: its kind and the characters it replaces (the marker, plus the space it absorbs). */
export interface MarkedBlank {
  kind: BlankKind;
  start: number;
  end: number;
}

/** Text cut at its blanks: `segments.length === blanks.length + 1`. */
export interface MarkedText {
  segments: string[];
  blanks: MarkedBlank[];
}

const KIND_OF_MARKER = new Map<string, BlankKind>(
  Object.entries(MARKER_OF_KIND).map(([kind, marker]) => [marker, kind as BlankKind]),
);

// Anything that looks like a mask marker; the exact three are blanks, the rest are typos worth reporting.
const MARKER_LIKE = /\[[A-Za-z]*mask\]/gi;

/**
 * Finds `[MASK]`, `[sMASK]`, `[gMASK]` markers. One space right before a marker goes into the blank: byte-level
 * BPE attaches a word's leading space to the word, so training spans start with " word" and Part A never ends a
 * segment with a lone space; the generated span brings its own space back (GLM's tokenizer strips it too, §4.2).
 */
export function parseMarkers(text: string): MarkedText {
  const segments: string[] = [];
  const blanks: MarkedBlank[] = [];
  let cursor = 0;
  for (const match of text.matchAll(MARKER_LIKE)) {
    const at = match.index;
    const kind = KIND_OF_MARKER.get(match[0]);
    if (kind === undefined) throw unknownMarker(match[0], at);
    const start = at > cursor && text[at - 1] === ' ' ? at - 1 : at;
    segments.push(text.slice(cursor, start));
    blanks.push({ kind, start, end: at + match[0].length });
    cursor = at + match[0].length;
  }
  segments.push(text.slice(cursor));
  return { segments, blanks };
}

/**
 * The markers-less convention of GLM's generator (§4.4): text without a blank gets one at its end (a [gMASK] by
 * default: continue the text). The absorbed space rule applies, so "Hello" and "Hello " both continue after "Hello".
 */
export function ensureBlank(marked: MarkedText, text: string, kind: BlankKind = 'document'): MarkedText {
  if (marked.blanks.length > 0) return marked;
  const start = text.endsWith(' ') ? text.length - 1 : text.length;
  return { segments: [text.slice(0, start), ''], blanks: [{ kind, start, end: text.length }] };
}

/** Rebuilds the text with each blank's characters replaced by its fill. */
export function fillText(text: string, blanks: readonly MarkedBlank[], fills: readonly string[]): string {
  let out = '';
  let cursor = 0;
  blanks.forEach((blank, i) => {
    out += text.slice(cursor, blank.start) + (fills[i] ?? '');
    cursor = blank.end;
  });
  return out + text.slice(cursor);
}

function unknownMarker(marker: string, at: number): GlmError {
  return new GlmError('input', `Unknown mask marker ${marker} at character ${at}: use [MASK] (span), ` +
    '[sMASK] (sentence) or [gMASK] (document).');
}
