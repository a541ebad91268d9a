import type { CacheWeights } from './cacheMixture.js';

/** Placeholder until tuned. */
export const LEARNED_CACHE_WEIGHTS: CacheWeights = {
  span: Array.from({ length: 8 }, () => [0, 0, 0]),
  long: Array.from({ length: 8 }, () => [0, 0, 0]),
};
