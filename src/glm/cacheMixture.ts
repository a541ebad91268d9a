import type { BlankKind } from './blank.js';
import { type CachePrediction, MAX_ORDER } from './contextCache.js';
import { logNormalizer } from './processors.js';

/**
 * How far to trust the cache, by what kind of blank asks and how confident the cache is: the length of the matched
 * context and how often it occurred (the nested-cache papers weight by the same two). Learned by EM on the
 * development split (src/cli/tuneCache.ts); a weight is the share of the cache in the next-token mixture.
 */
export interface CacheWeights {
  /** Span blanks (`[MASK]`): words, identifiers, arguments. Indexed [order − 1][count bin]. */
  span: number[][];
  /** Sentence and document blanks: lines, sentences, paragraphs. */
  long: number[][];
}

export const COUNT_BINS = ['1', '2–3', '≥4'] as const;

export function countBin(total: number): number {
  return total <= 1 ? 0 : total <= 3 ? 1 : 2;
}

export function weightGroup(kind: BlankKind): keyof CacheWeights {
  return kind === 'span' ? 'span' : 'long';
}

export function cacheWeight(weights: CacheWeights, kind: BlankKind, prediction: CachePrediction): number {
  const row = weights[weightGroup(kind)][Math.min(prediction.order, MAX_ORDER) - 1];
  return row?.[countBin(prediction.total)] ?? 0;
}

/**
 * The mixture as a row of log-probabilities: p(t) = (1 − λ)·p_glm(t) + λ·(1 − p_glm(end))·p_cache(t) for every
 * token t that is not an end token, and p_glm(end) for the end tokens. The cache says what comes next, the model
 * alone says when the span ends: a cache never sees the end of a blank. The row sums to 1 (log-sum-exp 0).
 */
export function mixCache(
  logits: Float32Array,
  prediction: CachePrediction,
  weight: number,
  endIds: readonly number[],
): Float32Array {
  const normalizer = logNormalizer(logits);
  const keep = Math.log(1 - weight);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = (logits[i] as number) - normalizer + keep;
  let end = 0;
  for (const id of endIds) {
    out[id] = (logits[id] as number) - normalizer;
    end += Math.exp(out[id] as number);
  }
  const share = weight * (1 - end);
  for (const [id, count] of prediction.counts) {
    if (endIds.includes(id) || id >= logits.length) continue;
    const model = Math.exp((logits[id] as number) - normalizer);
    out[id] = Math.log((1 - weight) * model + (share * count) / prediction.total);
  }
  return out;
}
