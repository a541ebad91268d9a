import { type Blank, type BlankKind, MARKER_OF_KIND } from './blank.js';
import { GlmError } from './errors.js';
import type { InfillResult } from './infill.js';
import { type TextEdit, applyEdits } from './placement.js';

/**
 * Text with blanks written as markers, read as the core takes it: `text` is what the model reads (the markers taken
 * out, the escapes resolved) and each blank is empty, where its marker stood.
 */
export interface MarkedText {
  text: string;
  blanks: Blank[];
  /** The text as written, markers and escapes in it. */
  source: string;
  /** Where each blank's marker stands in `source` (a blank added at the end has an empty one). */
  markers: { start: number; end: number }[];
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
 * The front end of the CLI and of tests: finds the `[MASK]`, `[sMASK]`, `[gMASK]` markers of `source`. A text without
 * any gets a blank of `kindAtEnd` at its end, as GLM's generator does (docs/glm.md §4.4: [gMASK], continue the text).
 *
 * Escapes, as in Markdown: a backslash right before a marker-like word makes it text (`\[MASK]` is not a blank), and
 * two stand for one (`\\[MASK]` is a backslash and a blank). The model reads the text unescaped; `inMarkedText` puts
 * the fills back into the source, every character outside the blanks as written, backslashes included.
 */
export function parseMarkers(source: string, kindAtEnd: BlankKind = 'document'): MarkedText {
  if (source.trim() === '')
    throw new GlmError('input', 'The text is empty: give some text, with [MASK], [sMASK] or [gMASK] where blanks go.');
  const marked: MarkedText = { text: '', blanks: [], source, markers: [] };
  let cursor = 0;
  for (const match of source.matchAll(MARKER_LIKE)) {
    const slashes = (match[1] as string).length;
    const word = match[2] as string;
    const at = match.index + slashes;
    marked.text += source.slice(cursor, match.index) + '\\'.repeat(Math.floor(slashes / 2));
    cursor = at;
    const kind = slashes % 2 === 1 ? undefined : KIND_OF_MARKER.get(word);
    if (kind === undefined) {
      if (slashes === 0 && !INDEXES.test(source.slice(Math.max(0, at - 2), at))) throw unknownMarker(word, at);
      continue; // text: it goes into the text with the next piece
    }
    cursor = at + word.length;
    addBlank(marked, kind, { start: at, end: cursor });
  }
  marked.text += source.slice(cursor);
  if (marked.blanks.length === 0) addBlank(marked, kindAtEnd, { start: source.length, end: source.length });
  return marked;
}

function addBlank(marked: MarkedText, kind: BlankKind, marker: { start: number; end: number }): void {
  marked.blanks.push({ start: marked.text.length, end: marked.text.length, kind });
  marked.markers.push(marker);
}

/**
 * A result for `marked.text` moved onto the source: each span onto its marker and the space before it, and the
 * source filled, every character outside the blanks as written. A blank left unfilled keeps its marker.
 */
export function inMarkedText(marked: MarkedText, result: InfillResult): InfillResult {
  const spans = result.spans.map((span) => ({ ...span, ...ontoMarker(marked, span.index, span) }));
  return {
    ...result,
    spans,
    text: applyEdits(
      marked.source,
      spans.filter((s) => !s.unfilled),
    ),
  };
}

/** A range of `marked.text` that holds blank k (and may reach before it), moved onto the blank's marker in the source. */
function ontoMarker(marked: MarkedText, k: number, range: Omit<TextEdit, 'text'>): { start: number; end: number } {
  const blank = marked.blanks[k] as Blank;
  const marker = marked.markers[k] as { start: number; end: number };
  return { start: marker.start - (blank.start - range.start), end: marker.end + (range.end - blank.end) };
}

function unknownMarker(marker: string, at: number): GlmError {
  return new GlmError(
    'input',
    `Unknown mask marker ${marker} at character ${at}: use [MASK] (span), ` +
      `[sMASK] (sentence) or [gMASK] (document); write \\${marker} if it is text, not a blank.`,
  );
}
