import type { GlmTokenizer } from './tokenizer.js';

/**
 * Token healing for a blank that touches a word on its left ("ite|" → "items"). Byte-level BPE would have merged the
 * word and the text after it into one token, so in training a word token right before a blank means the blank does
 * not continue the word: the model fills "ite[MASK]" with anything but "ms". Healing moves the word's last token into
 * the fill: Part A ends before it, the fill's first token must start with its text, and that text is not part of the
 * fill shown to the user.
 */
export interface Healing {
  /** Text of the token taken out of Part A: every fill starts with it, and it is cut off the fill's text. */
  prefix: string;
  /** Ids the fill's first token may be. */
  allowed: ReadonlySet<number>;
}

const ENDS_IN_WORD = /[\p{L}\p{N}_]$/u;

/**
 * The healing of a blank whose text before it is `before` (tokens `ids`), or undefined when the blank does not touch
 * a word (it absorbed a space, or follows whitespace, punctuation or nothing) or no longer token extends the last one.
 */
export function healingFor(
  tokenizer: GlmTokenizer,
  before: string,
  ids: readonly number[],
  absorbsSpace: boolean,
): Healing | undefined {
  const last = ids[ids.length - 1];
  if (last === undefined || absorbsSpace || !ENDS_IN_WORD.test(before)) return undefined;
  const prefix = tokenizer.decode([last]);
  if (prefix.includes('\uFFFD')) return undefined; // part of a UTF-8 character: its text cannot be matched
  const allowed = tokenizer.idsStartingWith(prefix);
  return allowed.size > 1 ? { prefix, allowed } : undefined;
}
