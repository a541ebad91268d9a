/**
 * The words that tell what a fill wrote, for the status bar, a notification a screen reader reads aloud, and the
 * "List Blanks" rows. Pure (no 'vscode'), so plain-Node tests read the exact sentences.
 */

/** Longest quoted text before it is cut with "…". */
export const QUOTE_CHARS = 60;

/** A fill's text on one line: whitespace runs (line breaks too) as one space, cut at QUOTE_CHARS. */
export function quoted(text: string, max = QUOTE_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return text === '' ? '(empty)' : '(whitespace)';
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}

/**
 * One sentence for a finished fill: what each blank (numbered in document order) now holds, and which kept their
 * text. `fills[i]` is what was written into blank i, undefined where nothing was.
 */
export function fillAnnouncement(fills: readonly (string | undefined)[]): string {
  const written = fills.flatMap((f, i) => (f === undefined ? [] : [{ n: i + 1, text: f }]));
  const kept = fills.flatMap((f, i) => (f === undefined ? [i + 1] : []));
  if (written.length === 0) return 'GLM Infill wrote nothing: every blank kept its text.';
  const head =
    fills.length === 1
      ? `GLM Infill filled the blank: ${quoted(written[0]?.text ?? '')}`
      : `GLM Infill filled ${written.length === fills.length ? '' : `${written.length} of `}${fills.length} blanks: ` +
        written.map((w) => `${w.n} ${quoted(w.text)}`).join(', ');
  if (kept.length === 0) return `${head}.`;
  return `${head}. Blank${kept.length === 1 ? '' : 's'} ${kept.join(', ')} kept ${kept.length === 1 ? 'its' : 'their'} text.`;
}

/** Where the navigation went, as the status bar says it: "Blank 2 of 3, line 7: "foo"". */
export function stepAnnouncement(
  what: string,
  index: number,
  count: number,
  line: number,
  text: string,
  wrapped: boolean,
): string {
  return `${what} ${index + 1} of ${count}, line ${line}: ${quoted(text)}${wrapped ? ' (wrapped around)' : ''}`;
}
