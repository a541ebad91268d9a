import type { Candidate, DecodingOptions } from './generate.js';

/**
 * Whether a span gave its blank no text: empty, or whitespace only when a fill must hold text (requireContent), which
 * happens only when the positions or maxTokens ran out first. Written into a document, such a span would delete the
 * blank's text (a selection) or its marker without a word. An empty fill the model ended on purpose is a fill when
 * requireContent is off.
 */
export function unfilledSpan(
  best: Pick<Candidate, 'text' | 'stopReason'>,
  decoding: Pick<DecodingOptions, 'requireContent'>,
): boolean {
  if (decoding.requireContent) return best.text.trim() === '';
  return best.text === '' && best.stopReason !== 'end';
}

/** What to tell the user about the blanks (0-based, document order) that got no text, or undefined when all did. */
export function unfilledNote(
  spans: readonly { index: number; unfilled: boolean; stopReason: string }[],
): string | undefined {
  const left = spans.filter((s) => s.unfilled);
  if (left.length === 0) return undefined;
  const which = `${left.length === 1 ? 'Blank' : 'Blanks'} ${left.map((s) => s.index + 1).join(', ')}`;
  const why = left.some((s) => s.stopReason === 'context')
    ? "the model's positions ran out (too many blanks or too much text at once): fill fewer blanks at a time"
    : left.some((s) => s.stopReason === 'limit')
      ? 'the token limit ran out before any text: allow more tokens per blank'
      : 'the model gave only whitespace there: try again with sampling, or fill the blank by hand';
  return `${which} got no text and ${left.length === 1 ? 'keeps its' : 'keep their'} marker or text: ${why}.`;
}
