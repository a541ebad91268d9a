/**
 * Fitting a document into the model's positions. Text nearest the blanks matters most for infilling, so tokens
 * are kept by distance to the nearest blank: the end of the text before the first blank, the start of the text
 * after the last one, both ends of the text between two blanks. Blanks themselves are never dropped.
 */
export interface WindowReport {
  /** Text tokens before windowing. */
  textTokens: number;
  /** Text tokens kept in Part A. */
  keptTokens: number;
}

/** How many tokens of each segment survive at distance threshold `d` (a segment between two blanks keeps 2d). */
function keptAt(lengths: readonly number[], d: number): number[] {
  const last = lengths.length - 1;
  return lengths.map((len, k) => Math.min(len, k === 0 || k === last ? d : 2 * d));
}

/** Cuts segments down to at most `budget` text tokens in total, keeping the tokens nearest to a blank. */
export function windowSegments(
  segments: readonly number[][],
  budget: number,
): { segments: number[][]; report: WindowReport } {
  const lengths = segments.map((s) => s.length);
  const textTokens = lengths.reduce((a, b) => a + b, 0);
  if (textTokens <= budget)
    return { segments: segments.map((s) => [...s]), report: { textTokens, keptTokens: textTokens } };
  const keep = allocate(lengths, Math.max(0, budget));
  const cut = segments.map((segment, k) => trimSegment(segment, keep[k] ?? 0, k, segments.length));
  return { segments: cut, report: { textTokens, keptTokens: keep.reduce((a, b) => a + b, 0) } };
}

function allocate(lengths: readonly number[], budget: number): number[] {
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  // Largest distance threshold that fits, by binary search (total kept grows with d).
  let lo = 0;
  let hi = Math.max(...lengths);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sum(keptAt(lengths, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const keep = keptAt(lengths, lo);
  // Tokens at distance lo + 1 do not all fit: hand out what is left in document order.
  let left = budget - sum(keep);
  const next = keptAt(lengths, lo + 1);
  for (let k = 0; k < keep.length && left > 0; k++) {
    const extra = Math.min(left, (next[k] ?? 0) - (keep[k] ?? 0));
    keep[k] = (keep[k] ?? 0) + extra;
    left -= extra;
  }
  return keep;
}

function trimSegment(segment: readonly number[], keep: number, k: number, count: number): number[] {
  if (keep >= segment.length) return [...segment];
  if (k === 0) return segment.slice(segment.length - keep); // before the first blank: keep its end
  if (k === count - 1) return segment.slice(0, keep); // after the last blank: keep its start
  const head = Math.ceil(keep / 2);
  return [...segment.slice(0, head), ...segment.slice(segment.length - (keep - head))];
}

/**
 * A cheap character-level cut before tokenizing, so a huge document is never tokenized whole: each side of a blank
 * keeps `chars` characters, far more than the token window can use (byte-level BPE averages a few characters a token).
 */
export function precutText(segments: readonly string[], chars: number): string[] {
  const last = segments.length - 1;
  return segments.map((s, k) => {
    if (s.length <= (k === 0 || k === last ? chars : 2 * chars)) return s;
    if (k === 0) return s.slice(s.length - chars);
    if (k === last) return s.slice(0, chars);
    return s.slice(0, chars) + s.slice(s.length - chars);
  });
}
