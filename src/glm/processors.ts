/**
 * Logits processors in the style of transformers.js: each is one small transformation of a row of logits, in place,
 * so they compose and are testable on plain arrays. `generated` is the list of tokens they are applied to: Part B so
 * far, or the span's own tokens (logitRules.ts says which).
 */
export type LogitsProcessor = (logits: Float32Array, generated: readonly number[]) => void;

/** Ids the model must never produce: padding rows, [CLS], the masks, sop (contract "Tokenizer"). */
export function suppress(ids: Iterable<number>): LogitsProcessor {
  const list = [...ids];
  return (logits) => {
    for (const id of list) if (id < logits.length) logits[id] = -Infinity;
  };
}

/** Suppresses the ids from `from` to the end of the row (rows past the tokenizer's size). */
export function suppressFrom(from: number): LogitsProcessor {
  return (logits) => {
    if (from < logits.length) logits.fill(-Infinity, from);
  };
}

/** CTRL's repetition penalty: makes every already generated token less likely, whatever the sign of its logit. */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  return (logits, generated) => {
    for (const id of new Set(generated)) {
      const value = logits[id];
      if (value !== undefined) logits[id] = value > 0 ? value / penalty : value * penalty;
    }
  };
}

/**
 * Blocks the token that would start copy `maxRepeats + 1` of a piece (1–16 tokens) that the span already ends with
 * `maxRepeats` times in a row. `span` must be the current span's tokens only. Small models fall into loops
 * ("}\n}\n}\n…", "_id_id_id…") that fill the whole token budget; blocking the next copy lets them end or move on.
 */
export function loopGuard(maxRepeats: number, longestPiece = 16): LogitsProcessor {
  return (logits, span) => {
    if (maxRepeats < 1) return;
    for (let p = 1; p <= longestPiece && p * maxRepeats <= span.length; p++) {
      if (endsWithRepeats(span, p, maxRepeats)) logits[span[span.length - p] as number] = -Infinity;
    }
  };
}

/**
 * Blocks every token that would complete an n-gram the span already holds (fairseq's and transformers'
 * no_repeat_ngram_size). Catches the loops loopGuard cannot: "of the whale of the sea of the whale", where the
 * repeats are not back to back. `span` must be the current span's tokens only.
 */
export function repeatedNgramBlock(n: number): LogitsProcessor {
  return (logits, span) => {
    if (n < 1 || span.length < n - 1) return;
    const prefix = span.length - (n - 1); // start of the n-1 tokens the next one would extend
    for (let i = 0; i + n - 1 < span.length; i++) {
      let same = true;
      for (let j = 0; j < n - 1 && same; j++) same = span[i + j] === span[prefix + j];
      if (same) logits[span[i + n - 1] as number] = -Infinity;
    }
  };
}

/** Whether the last p·k items are one piece of p items k times over. */
function endsWithRepeats(items: readonly number[], p: number, k: number): boolean {
  for (let i = items.length - p * k; i < items.length - p; i++) if (items[i] !== items[i + p]) return false;
  return true;
}

export function temperature(t: number): LogitsProcessor {
  return (logits) => {
    for (let i = 0; i < logits.length; i++) logits[i] = (logits[i] as number) / t;
  };
}

/** Keeps the k largest logits (ties at the boundary survive). */
export function topK(k: number): LogitsProcessor {
  return (logits) => {
    if (k <= 0 || k >= logits.length) return;
    const threshold = kthLargest(logits, k);
    for (let i = 0; i < logits.length; i++) if ((logits[i] as number) < threshold) logits[i] = -Infinity;
  };
}

/** Nucleus filtering: keeps the smallest set of most likely tokens whose probability reaches p. */
export function topP(p: number): LogitsProcessor {
  return (logits) => {
    if (p >= 1) return;
    const order = finiteIndices(logits).sort((a, b) => (logits[b] as number) - (logits[a] as number));
    const probs = softmax(logits);
    let cumulative = 0;
    let keep = 0;
    while (keep < order.length && (keep === 0 || cumulative < p))
      cumulative += probs[order[keep++] as number] as number;
    for (const id of order.slice(keep)) logits[id] = -Infinity;
  };
}

export function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp((logits[i] as number) - max);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** log p(id) under the row's distribution, computed stably. */
export function logProbability(logits: Float32Array, id: number): number {
  return (logits[id] as number) - logNormalizer(logits);
}

/** log Σ exp(logits): log p(id) = logits[id] − this. One pass of exp over the row, so compute it once per step. */
export function logNormalizer(logits: Float32Array): number {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** Indices of the n largest logits, best first (ties: lower id first). */
export function topIndices(logits: Float32Array, n: number): number[] {
  return finiteIndices(logits)
    .sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b)
    .slice(0, n);
}

function finiteIndices(logits: Float32Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > -Infinity) ids.push(i);
  return ids;
}

function kthLargest(logits: Float32Array, k: number): number {
  const sorted = Float32Array.from(logits).sort();
  return sorted[sorted.length - k] as number;
}
