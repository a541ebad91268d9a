import type { CacheWeights } from './cacheMixture.js';

/**
 * The context cache's mixing weights, learned by EM on the development split of user-shaped cases (teacher-forced
 * original spans; rows: matched context length 1–8; columns: occurrences 1, 2–3, ≥4). Regenerate with
 *   node dist/tune-cache.js --cases data/user/dev/cases.jsonl -m models/default --write src/glm/cacheWeights.ts
 * 930 cases, 5339 tokens (5046 with a cache match); mean log-likelihood per token -2.933 (model alone) → -2.480 (mixture).
 */
export const LEARNED_CACHE_WEIGHTS: CacheWeights = {
  span: [
    [0.081, 0.147, 0.118], // order 1
    [0.133, 0.241, 0.193], // order 2
    [0.218, 0.263, 0.328], // order 3
    [0.318, 0.319, 0.267], // order 4
    [0.403, 0.512, 0.404], // order 5
    [0.392, 0.417, 0.371], // order 6
    [0.251, 0.581, 0.47], // order 7
    [0.639, 0.791, 0.557], // order 8
  ],
  long: [
    [0.037, 0.121, 0.107], // order 1
    [0.155, 0.191, 0.152], // order 2
    [0.218, 0.318, 0.318], // order 3
    [0.318, 0.561, 0.327], // order 4
    [0.392, 0.41, 0.517], // order 5
    [0.391, 0.408, 0.306], // order 6
    [0.29, 0.425, 0.356], // order 7
    [0.612, 0.835, 0.508], // order 8
  ],
};
