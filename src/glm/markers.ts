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

// Anything that looks like a mask marker, with the backslashes right before it (the escape): the exact three are
// blanks, the rest are typos worth reporting, unless escaped or indexing something.
const MARKER_LIKE = /(\\*)(\[[A-Za-z]*mask\])/gi;

// `x[mask]`, `arr[bitmask]`, `f(x)[mask]`, `m[0][mask]`: a marker-like word right after a name or a closing bracket
// indexes something (NumPy's boolean masks), so it is code, not a typo of a marker. The exact markers stay blanks
// there: "re[MASK]ing" is a blank inside a word.
const INDEXES = /[\p{L}\p{N}_)\]]$/u;

/**
 * Finds `[MASK]`, `[sMASK]`, `[gMASK]` markers. One space right before a marker goes into the blank: byte-level
 * BPE attaches a word's leading space to the word, so training spans start with " word" and Part A never ends a
 * segment with a lone space; the generated span brings its own space back (GLM's tokenizer strips it too, docs/glm.md §4.2).
 *
 * Escapes, as in Markdown: a backslash right before a marker-like word makes it text (`\[MASK]` is not a blank), and
 * two stand for one (`\\[MASK]` is a backslash and a blank). The segments (what the model reads) hold the unescaped
 * text; the characters outside the blanks, backslashes included, stay in the filled text as written.
 */
export function parseMarkers(text: string): MarkedText {
  const segments: string[] = [];
  const blanks: MarkedBlank[] = [];
  let cursor = 0;
  let segment = '';
  for (const match of text.matchAll(MARKER_LIKE)) {
    const slashes = (match[1] as string).length;
    const word = match[2] as string;
    const at = match.index + slashes;
    segment += text.slice(cursor, match.index) + '\\'.repeat(Math.floor(slashes / 2));
    cursor = at;
    const kind = slashes % 2 === 1 ? undefined : KIND_OF_MARKER.get(word);
    if (kind === undefined) {
      if (slashes === 0 && !INDEXES.test(text.slice(Math.max(0, at - 2), at))) throw unknownMarker(word, at);
      continue; // text: it goes into the segment with the next piece
    }
    const absorbs = slashes === 0 && at > 0 && text[at - 1] === ' ' && segment.endsWith(' ');
    segments.push(absorbs ? segment.slice(0, -1) : segment);
    blanks.push({ kind, start: absorbs ? at - 1 : at, end: at + word.length });
    segment = '';
    cursor = at + word.length;
  }
  segments.push(segment + text.slice(cursor));
  return { segments, blanks };
}

/**
 * The markers-less convention of GLM's generator (docs/glm.md §4.4): text without a blank gets one at its end (a [gMASK] by
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
    `[sMASK] (sentence) or [gMASK] (document); write \\${marker} if it is text, not a blank.`);
}
