/** Cursor positions per text, and the characters of the document around each (an editor window). */
const CURSORS = 12;
const BEFORE = 3000;
const AFTER = 1000;

/** A document window and the cursor in it, as a user typing a line sees it. */
export interface CursorCase {
  text: string;
  offset: number;
}

/**
 * Cursors as a user's typing would leave them: a third into a line, the rest of the line not written yet, the
 * document's next lines after it. Lines are taken evenly from the whole text; short ones are skipped. The drafting and
 * inline-candidate benches both measure at these.
 */
export function cursorCases(text: string): CursorCase[] {
  const lines = [...text.matchAll(/^.*\S.*$/gmu)].filter((m) => m[0].trim().length >= 24);
  const step = Math.max(1, Math.floor(lines.length / CURSORS));
  return lines
    .filter((_, i) => i % step === 0)
    .slice(0, CURSORS)
    .map((m) => {
      const at = (m.index as number) + Math.floor(m[0].length / 3);
      const lineEnd = (m.index as number) + m[0].length;
      const before = text.slice(Math.max(0, at - BEFORE), at);
      return { text: before + text.slice(lineEnd, lineEnd + AFTER), offset: before.length };
    });
}
