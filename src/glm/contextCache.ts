/**
 * A cache model over the user's own text (Tu, Su & Devanbu, "On the localness of software", FSE 2014; Hellendoorn &
 * Devanbu, FSE 2017): token n-gram statistics of the document around the blanks (all of it, not only what fits the
 * model's window) and of context files. Code repeats its identifiers, call shapes and lines; the cache predicts what
 * the text already says after the same few tokens, and cacheMixture.ts decides how far to trust it.
 *
 * The statistics are positions, not counts: a query scans the occurrences of its last two tokens and extends each
 * match backwards, so every context length up to MAX_ORDER is answered from one index (the longest match wins).
 */

/** Longest context (in tokens) a match is extended to. */
export const MAX_ORDER = 8;
/** Occurrences scanned per query at most (the latest first): bounds a step's cost for very common contexts. */
const MAX_SCANNED = 2048;
const SEPARATOR = -1;

/** What the cache expects after a context: the next tokens after its longest match, and how often each came. */
export interface CachePrediction {
  /** Tokens of context matched, 1 to MAX_ORDER. */
  order: number;
  /** Occurrences of that context (the sum of `counts`). */
  total: number;
  counts: Map<number, number>;
}

/** Anything that answers a cache query: one index, or several merged (cacheSources.ts). */
export interface CachePredictor {
  predict(history: readonly number[]): CachePrediction | undefined;
}

/** Two indexes as one: the longer match wins; equally long matches pool their occurrences. */
export function mergedPrediction(
  a: CachePrediction | undefined,
  b: CachePrediction | undefined,
): CachePrediction | undefined {
  if (a === undefined || (b !== undefined && b.order > a.order)) return b;
  if (b === undefined || b.order < a.order) return a;
  const counts = new Map(a.counts);
  for (const [id, n] of b.counts) counts.set(id, (counts.get(id) ?? 0) + n);
  return { order: a.order, total: a.total + b.total, counts };
}

export class ContextCache implements CachePredictor {
  private constructor(
    private readonly tokens: Int32Array,
    private readonly afterPair: Map<number, number[]>,
    private readonly afterToken: Map<number, number[]>,
    private readonly vocabulary: number,
  ) {}

  /**
   * Indexes token sequences (documents); none of them runs into the next. Later sequences count as more recent:
   * when a context is very common, their occurrences are the ones scanned.
   */
  static build(sequences: readonly ArrayLike<number>[], vocabulary: number): ContextCache {
    const length = sequences.reduce((n, s) => n + s.length + 1, 0);
    const tokens = new Int32Array(length);
    let at = 0;
    for (const sequence of sequences) {
      tokens.set(sequence, at);
      at += sequence.length;
      tokens[at++] = SEPARATOR;
    }
    const afterPair = new Map<number, number[]>();
    const afterToken = new Map<number, number[]>();
    for (let p = 1; p < length; p++) {
      const next = tokens[p] as number;
      const previous = tokens[p - 1] as number;
      if (next < 0 || previous < 0) continue;
      push(afterToken, previous, p);
      const before = p >= 2 ? (tokens[p - 2] as number) : SEPARATOR;
      if (before >= 0) push(afterPair, before * vocabulary + previous, p);
    }
    return new ContextCache(tokens, afterPair, afterToken, vocabulary);
  }

  /** Tokens indexed (separators included). */
  get size(): number {
    return this.tokens.length;
  }

  /** The next-token statistics after the longest match of `history`'s end, or undefined when its last token never occurs. */
  predict(history: readonly number[]): CachePrediction | undefined {
    const k = history.length;
    if (k === 0) return undefined;
    const last = history[k - 1] as number;
    const pair = k >= 2 ? this.afterPair.get((history[k - 2] as number) * this.vocabulary + last) : undefined;
    const positions = pair ?? this.afterToken.get(last);
    if (positions === undefined) return undefined;
    const matched = pair ? 2 : 1;
    let order = matched;
    let counts = new Map<number, number>();
    let total = 0;
    const stop = Math.max(0, positions.length - MAX_SCANNED);
    for (let i = positions.length - 1; i >= stop; i--) {
      const p = positions[i] as number;
      let length = matched;
      while (length < MAX_ORDER && length < k && this.tokens[p - 1 - length] === history[k - 1 - length]) length++;
      if (length < order) continue;
      if (length > order) {
        order = length;
        counts = new Map();
        total = 0;
      }
      const next = this.tokens[p] as number;
      counts.set(next, (counts.get(next) ?? 0) + 1);
      total++;
    }
    return { order, total, counts };
  }
}

function push(index: Map<number, number[]>, key: number, position: number): void {
  const list = index.get(key);
  if (list) list.push(position);
  else index.set(key, [position]);
}
