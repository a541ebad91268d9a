import { type CachePredictor, ContextCache, mergedPrediction } from './contextCache.js';
import type { GlmTokenizer } from './tokenizer.js';
import { precutText } from './window.js';

/** Characters of the document (around its blanks) and of context texts indexed per request at most. */
export const CACHE_CHARS = { document: 1_000_000, context: 2_000_000 } as const;
// Tokenized texts kept for the next request: the document's paragraphs, which inline suggestions ask about again and
// again (the other files' whole index is reused instead, see contextIndex). About 2 MiB of token ids at most.
const MEMO_CHARS = 1_500_000;
// Longest piece of the document tokenized as one (see paragraphs()).
const PARAGRAPH_CHARS = 4000;

const memos = new WeakMap<GlmTokenizer, { ids: Map<string, Int32Array>; chars: number }>();
// The context texts' index of the last request: inline suggestions ask again with the same other files.
const lastContext = new WeakMap<GlmTokenizer, { texts: readonly string[]; cache: ContextCache }>();

/**
 * The context cache of one request: the document's text between its blanks (never a blank's own text) and the
 * context texts. Two indexes answer together: the document's (rebuilt each request, as the user types) and the
 * context texts' (reused while they are the same texts).
 */
export function buildContextCache(tokenizer: GlmTokenizer, segments: readonly string[], contextTexts: readonly string[]): CachePredictor {
  const document = precutText(segments, CACHE_CHARS.document / (2 * Math.max(1, segments.length - 1))).flatMap(paragraphs);
  const documentCache = ContextCache.build(document.map((text) => encodeMemo(tokenizer, text)), tokenizer.size);
  const contextCache = contextIndex(tokenizer, withinBudget(contextTexts));
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
    for (let at = 0; at < piece.length; ) {
      const cut = piece.length - at <= PARAGRAPH_CHARS ? piece.length : piece.lastIndexOf('\n', at + PARAGRAPH_CHARS) + 1;
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

function contextIndex(tokenizer: GlmTokenizer, texts: readonly string[]): ContextCache | undefined {
  if (texts.length === 0) return undefined;
  const last = lastContext.get(tokenizer);
  if (last && last.texts.length === texts.length && last.texts.every((t, i) => t === texts[i])) return last.cache;
  const cache = ContextCache.build(texts.map((text) => encodeMemo(tokenizer, text)), tokenizer.size);
  lastContext.set(tokenizer, { texts, cache });
  return cache;
}

/**
 * `text` as a string of its own. A paragraph is a slice of the whole document, and V8 keeps a slice's parent alive:
 * a memo key would hold on to the document version it was cut from, every keystroke's version of a large file.
 * Concatenating flattens into a new string, whose slice holds just that copy.
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

/** The tokenizer's ids of `text`, from the memo when the same text was indexed lately (LRU by characters). */
function encodeMemo(tokenizer: GlmTokenizer, text: string): Int32Array {
  let memo = memos.get(tokenizer);
  if (memo === undefined) memos.set(tokenizer, (memo = { ids: new Map(), chars: 0 }));
  const known = memo.ids.get(text);
  if (known !== undefined) {
    memo.ids.delete(text);
    memo.ids.set(text, known);
    return known;
  }
  // 4 bytes a token, not a JavaScript array's 8: the memo is bounded by characters and stays small.
  const ids = Int32Array.from(tokenizer.encode(text));
  memo.ids.set(ownCopy(text), ids);
  memo.chars += text.length;
  for (const key of memo.ids.keys()) {
    if (memo.chars <= MEMO_CHARS || key === text) break;
    memo.ids.delete(key);
    memo.chars -= key.length;
  }
  return ids;
}
