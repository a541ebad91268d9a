import { ContextCache } from './contextCache.js';
import type { GlmTokenizer } from './tokenizer.js';
import { precutText } from './window.js';

/** Characters of the document (around its blanks) and of context texts indexed per request at most. */
export const CACHE_CHARS = { document: 1_000_000, context: 2_000_000 } as const;
// Tokenized texts kept for the next request (inline suggestions ask again and again about the same files).
const MEMO_CHARS = 8_000_000;

const memos = new WeakMap<GlmTokenizer, Map<string, number[]>>();

/**
 * The context cache of one request: the document's text between its blanks (never a blank's own text) and the
 * context texts, in that priority; the document comes last so its occurrences count as the most recent.
 */
export function buildContextCache(tokenizer: GlmTokenizer, segments: readonly string[], contextTexts: readonly string[]): ContextCache {
  const document = precutText(segments, CACHE_CHARS.document / (2 * Math.max(1, segments.length - 1)));
  const context: string[] = [];
  let budget = CACHE_CHARS.context;
  for (const text of contextTexts) {
    if (text.length > budget) continue;
    context.push(text);
    budget -= text.length;
  }
  return ContextCache.build([...context, ...document].map((text) => encodeMemo(tokenizer, text)), tokenizer.size);
}

/** The tokenizer's ids of `text`, from the memo when the same text was indexed lately (LRU by characters). */
function encodeMemo(tokenizer: GlmTokenizer, text: string): number[] {
  let memo = memos.get(tokenizer);
  if (memo === undefined) memos.set(tokenizer, (memo = new Map()));
  const known = memo.get(text);
  if (known !== undefined) {
    memo.delete(text);
    memo.set(text, known);
    return known;
  }
  const ids = tokenizer.encode(text);
  memo.set(text, ids);
  let chars = 0;
  for (const key of memo.keys()) chars += key.length;
  for (const key of memo.keys()) {
    if (chars <= MEMO_CHARS || key === text) break;
    memo.delete(key);
    chars -= key.length;
  }
  return ids;
}
