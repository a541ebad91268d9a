import { type CachePredictor, ContextCache, mergedPrediction } from './contextCache.js';
import type { GlmTokenizer } from './tokenizer.js';
import { TokenMemo } from './tokenMemo.js';
import { precutText } from './window.js';

/** Characters of the document (around its blanks) and of context texts indexed per request at most. */
export const CACHE_CHARS = { document: 1_000_000, context: 2_000_000 } as const;
// Tokenized texts kept for the next request (see TokenMemo): at most what one request indexes.
const MEMO_CHARS = CACHE_CHARS.document + CACHE_CHARS.context;
// Longest piece of the document tokenized as one (see paragraphs()).
const PARAGRAPH_CHARS = 4000;

const memos = new WeakMap<GlmTokenizer, TokenMemo>();
// The context texts' index of the last request: inline suggestions ask again with the same other files.
const lastContext = new WeakMap<GlmTokenizer, { texts: readonly string[]; cache: ContextCache }>();

/**
 * The context cache of one request: the document's text between its blanks (never a blank's own text) and the
 * context texts. Two indexes answer together: the document's (rebuilt each request, as the user types) and the
 * context texts' (reused while they are the same texts).
 */
export function buildContextCache(
  tokenizer: GlmTokenizer,
  segments: readonly string[],
  contextTexts: readonly string[],
): CachePredictor {
  const memo = memoOf(tokenizer);
  const document = precutText(segments, CACHE_CHARS.document / (2 * Math.max(1, segments.length - 1))).flatMap(
    paragraphs,
  );
  const documentCache = ContextCache.build(
    document.map((text) => memo.encode(text)),
    tokenizer.size,
  );
  const contextCache = contextIndex(tokenizer, memo, withinBudget(contextTexts));
  memo.endRequest();
  if (contextCache === undefined) return documentCache;
  return { predict: (history) => mergedPrediction(documentCache.predict(history), contextCache.predict(history)) };
}

/**
 * A segment cut at its blank lines (and long paragraphs at line breaks): while the user types, only the paragraph
 * being edited is new text to tokenize; the others come from the memo. A match never spans two paragraphs.
 */
export function paragraphs(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/(?<=\n[ \t]*\n)/)) {
    for (let at = 0; at < piece.length;) {
      const cut =
        piece.length - at <= PARAGRAPH_CHARS ? piece.length : piece.lastIndexOf('\n', at + PARAGRAPH_CHARS) + 1;
      const end = cut > at ? cut : Math.min(piece.length, at + PARAGRAPH_CHARS);
      out.push(piece.slice(at, end));
      at = end;
    }
  }
  return out;
}

function withinBudget(texts: readonly string[]): string[] {
  const kept: string[] = [];
  let budget = CACHE_CHARS.context;
  for (const text of texts) {
    if (text.length > budget) continue;
    kept.push(text);
    budget -= text.length;
  }
  return kept;
}

function contextIndex(tokenizer: GlmTokenizer, memo: TokenMemo, texts: readonly string[]): ContextCache | undefined {
  if (texts.length === 0) return undefined;
  // Their ids stay remembered while the index is reused: when one file changes, the others are not tokenized again.
  memo.touch(texts);
  const last = lastContext.get(tokenizer);
  if (last && last.texts.length === texts.length && last.texts.every((t, i) => t === texts[i])) return last.cache;
  const cache = ContextCache.build(
    texts.map((text) => memo.encode(text)),
    tokenizer.size,
  );
  lastContext.set(tokenizer, { texts, cache });
  return cache;
}

/** The memo of `tokenizer`'s model: one per loaded model, gone with it. */
function memoOf(tokenizer: GlmTokenizer): TokenMemo {
  let memo = memos.get(tokenizer);
  if (memo === undefined) memos.set(tokenizer, (memo = new TokenMemo(tokenizer, MEMO_CHARS)));
  return memo;
}
