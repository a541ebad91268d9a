import type { BlankKind } from './blank.js';

export type StopReason =
  | 'end' // the model produced <|endofpiece|> or end of text
  | 'sentence' // sentence blank reached the end of its sentence
  | 'echo' // the fill began to repeat the text after its blank; that part was dropped
  | 'limit' // max tokens for the blank
  | 'context' // the model's positions are used up
  | 'cancelled';

// A Latin sentence ends at a terminator (plus closing quotes/brackets) followed by whitespace: "3.14" or "e.g."
// mid-sentence do not end it, which is why the rule looks at the token after the terminator. CJK full stops
// take no space after them, so they end the sentence at once. A line break ends it too: the sentence objective
// splits at newlines (so a line of code is a sentence), and the text after the blank keeps its own line break.
const LATIN_END = /[.!?…][)"'\]”’»]*\s/u;
const CJK_END = /[。！？][)"'\]”’」』»]*/u;

/** Index of the first line break after some non-space content (before a \r of a CRLF), or -1. */
function lineEnd(text: string): number {
  const content = text.search(/\S/u);
  const newline = content === -1 ? -1 : text.indexOf('\n', content);
  if (newline === -1) return -1;
  return text[newline - 1] === '\r' ? newline - 1 : newline;
}

/**
 * Where a sentence blank ends within `text`, or -1: the index just past the terminator (and its closers), or of
 * the line break, so the whitespace after it is not part of the fill. Only text with some content before the
 * end counts (a fill may start on a new line).
 */
export function sentenceEnd(text: string): number {
  const latin = LATIN_END.exec(text);
  const cjk = CJK_END.exec(text);
  const ends = [latin && latin.index + latin[0].trimEnd().length, cjk && cjk.index + cjk[0].length].filter(
    (end): end is number => end !== null && text.slice(0, end).trim().length > 1,
  );
  const line = lineEnd(text);
  if (line !== -1) ends.push(line);
  return ends.length > 0 ? Math.min(...ends) : -1;
}

/** Whether a kind of blank uses the sentence rule on top of eop / eos / limits. */
export function usesSentenceRule(kind: BlankKind): boolean {
  return kind === 'sentence';
}

/** Non-whitespace characters a fill must repeat of the text after its blank before the repeat counts as an echo. */
export const MIN_ECHO_CHARS = 3;

/**
 * Watches a fill grow, token by token, for an echo of the text right after its blank: a token boundary from which the
 * fill's text is a prefix of `after` holding at least MIN_ECHO_CHARS non-whitespace characters, with some
 * non-whitespace text before the boundary. Only boundaries whose text since still matches `after` are kept, with the
 * caller's payload (a decode state, say), so watching costs nothing while the fill does not echo.
 */
export class EchoWatch<T> {
  private live: { textLength: number; payload: T }[] = [];

  constructor(private readonly after: string) {}

  /**
   * The fill's `text` after one more token, and the text length and payload of the boundary before that token.
   * Returns the payload of the earliest boundary where an echo now starts, or undefined.
   */
  next(text: string, boundaryTextLength: number, payload: T): T | undefined {
    if (boundaryTextLength > 0) this.live.push({ textLength: boundaryTextLength, payload });
    this.live = this.live.filter(
      (b) => text.length - b.textLength <= this.after.length && this.after.startsWith(text.slice(b.textLength)),
    );
    const echo = this.live.find(
      (b) => nonSpaceCount(text, b.textLength) >= MIN_ECHO_CHARS && text.slice(0, b.textLength).trim() !== '',
    );
    return echo?.payload;
  }
}

function nonSpaceCount(text: string, from: number): number {
  let n = 0;
  for (let i = from; i < text.length; i++) if (!/\s/u.test(text[i] as string)) n++;
  return n;
}
