import type { CachePredictor } from './contextCache.js';
import type { GraphNode } from './graphNodes.js';

/**
 * Lookup drafting (prompt-lookup decoding; Saxena 2023): the tokens a span is about to write are often already in the
 * document (an identifier, a call shape, a repeated line). The draft is what followed the latest place where the text
 * ends as the span does; the model then checks the whole draft in one pass (verifiedRun.ts). A draft only saves time,
 * never decides a token: a wrong one costs a wider pass.
 */

/** Tokens drafted at most per pass: a wider pass costs more when the draft is wrong early. */
export const MAX_DRAFT = 8;
/** The longest and shortest tail of the history matched in the document. */
const LONGEST_MATCH = 4;
const SHORTEST_MATCH = 2;
/** A cache continuation is drafted only after a context of at least this many tokens (a shorter one guesses). */
const CACHE_MIN_ORDER = 2;

/**
 * Operators that quantize activations to int8 (contrib and standard), with a scale of the whole pass
 * (DynamicQuantizeMatMul: a token's logits move with the other tokens of its pass, by 0.1–0.4 on the default model)
 * or of each row: there the rounding of one value still flips where a row computed in a wider pass differs from a
 * one-token run in its last bit (attention sums in another order), and one flip moves the logits by up to ~0.1.
 */
const INT8_ACTIVATIONS = new Set([
  'DynamicQuantizeMatMul',
  'DynamicQuantizeLinear',
  'QuantizeLinear',
  'MatMulInteger',
  'MatMulIntegerToFloat',
  'QGemm',
  'QLinearMatMul',
  'QAttention',
  'DynamicQuantizeLSTM',
]);
/** MatMulNBits' accuracy_level 4: int8 products, the activations quantized per row and block. */
const INT8_COMPUTE_LEVEL = 4;

/**
 * Whether a drafted pass gives each token the logits a one-token run would, decided from the graph's operators: an
 * fp32 or fp16 graph computes each row on its own, equal up to rounding, and so does MatMulNBits with fp32 products
 * (int4 weights, models/glm/quantize.py `--scheme nbits4`); a graph that quantizes activations does not (above), so
 * drafting would change fills. A graph whose operators are unknown (undefined) does not draft.
 */
export function draftsExactly(nodes: readonly GraphNode[] | undefined): boolean {
  return (
    nodes !== undefined &&
    !nodes.some(
      (node) =>
        INT8_ACTIVATIONS.has(node.opType) ||
        (node.opType === 'MatMulNBits' && (node.ints.accuracy_level ?? 0) >= INT8_COMPUTE_LEVEL),
    )
  );
}

/** Proposes the next tokens after `history` (the tokens before the blank, then the span's), at most `max`. */
export type Drafter = (history: readonly number[], max: number) => number[];

/**
 * Drafts from `document` (the model's window: Part A), else from the history itself (a span that repeats its own
 * lines), else from the context cache's likeliest continuation. Tokens in `never` (masks, sop, ends) end a draft: the
 * window's blanks are not text to copy.
 */
export function lookupDrafter(
  document: readonly number[],
  cache: CachePredictor | undefined,
  never: ReadonlySet<number>,
): Drafter {
  return (history, max) => {
    if (max <= 0) return [];
    const found = documentDraft(document, history, max, never);
    if (found.length > 0) return found;
    const own = documentDraft(history, history, max, never);
    return own.length > 0 || cache === undefined ? own : cacheDraft(cache, history, max, never);
  };
}

/** What followed the latest occurrence of the history's longest tail (LONGEST_MATCH down to SHORTEST_MATCH tokens). */
export function documentDraft(
  document: readonly number[],
  history: readonly number[],
  max: number,
  never: ReadonlySet<number>,
): number[] {
  for (let n = Math.min(LONGEST_MATCH, history.length); n >= SHORTEST_MATCH; n--) {
    const tail = history.slice(history.length - n);
    // `end` < length: a token must follow the match (the history, searched in itself, always ends with its tail).
    for (let end = document.length - 1; end >= n; end--) {
      if (!endsWith(document, end, tail)) continue;
      const draft = until(document.slice(end, end + max), never);
      if (draft.length > 0) return draft;
    }
  }
  return [];
}

/** The cache's likeliest next token, again and again, while its context stays long enough to trust. */
export function cacheDraft(
  cache: CachePredictor,
  history: readonly number[],
  max: number,
  never: ReadonlySet<number>,
): number[] {
  const extended = [...history];
  const draft: number[] = [];
  while (draft.length < max) {
    const prediction = cache.predict(extended);
    if (prediction === undefined || prediction.order < CACHE_MIN_ORDER) break;
    const next = likeliest(prediction.counts);
    if (next === undefined || never.has(next)) break;
    draft.push(next);
    extended.push(next);
  }
  return draft;
}

/** document[end - tail.length, end) equals tail. */
function endsWith(document: readonly number[], end: number, tail: readonly number[]): boolean {
  for (let i = 1; i <= tail.length; i++) if (document[end - i] !== tail[tail.length - i]) return false;
  return true;
}

function until(tokens: number[], never: ReadonlySet<number>): number[] {
  const stop = tokens.findIndex((id) => never.has(id));
  return stop < 0 ? tokens : tokens.slice(0, stop);
}

/** The most frequent token; among equals the first counted (the latest occurrence). */
function likeliest(counts: ReadonlyMap<number, number>): number | undefined {
  let best: number | undefined;
  let most = 0;
  for (const [id, n] of counts) if (n > most) [best, most] = [id, n];
  return best;
}
