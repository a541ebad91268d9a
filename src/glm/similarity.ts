// Edit similarity of two texts: the evaluation's metric, and what consensus decoding maximises.

/** Levenshtein distance over UTF-16 code units, two rows of memory. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitute, (previous[j] as number) + 1, (current[j - 1] as number) + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] as number;
}

/** 1 − distance / longer length: 1 for identical strings, 0 for nothing in common (both empty counts as 1). */
export function editSimilarity(prediction: string, reference: string): number {
  const longest = Math.max(prediction.length, reference.length);
  return longest === 0 ? 1 : 1 - editDistance(prediction, reference) / longest;
}
