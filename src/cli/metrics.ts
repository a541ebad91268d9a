// Text-similarity metrics for the infilling evaluation: edit similarity and corpus BLEU-4.

export { editDistance, editSimilarity } from '../glm/similarity.js';

function ngrams(words: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Corpus-level BLEU-4 (Papineni et al.) on whitespace words, one reference per hypothesis, with the brevity
 * penalty; as a percentage. No smoothing: a corpus of paragraphs always has 4-gram matches unless it is garbage.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly string[]): number {
  const matches = [0, 0, 0, 0];
  const totals = [0, 0, 0, 0];
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const h = hypothesis.split(/\s+/).filter(Boolean);
    const r = (references[i] ?? '').split(/\s+/).filter(Boolean);
    hypothesisLength += h.length;
    referenceLength += r.length;
    for (let n = 1; n <= 4; n++) {
      const hc = ngrams(h, n);
      const rc = ngrams(r, n);
      for (const [gram, count] of hc) matches[n - 1] = (matches[n - 1] as number) + Math.min(count, rc.get(gram) ?? 0);
      totals[n - 1] = (totals[n - 1] as number) + Math.max(0, h.length - n + 1);
    }
  });
  if (matches.some((m) => m === 0)) return 0;
  const logPrecision = matches.reduce((sum, m, i) => sum + Math.log(m / (totals[i] as number)), 0) / 4;
  const brevity =
    hypothesisLength >= referenceLength ? 1 : Math.exp(1 - referenceLength / Math.max(hypothesisLength, 1));
  return 100 * brevity * Math.exp(logPrecision);
}
