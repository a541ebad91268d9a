import { buildContextCache } from './cacheSources.js';
import { LEARNED_CACHE_WEIGHTS } from './cacheWeights.js';
import type { CacheWeights } from './cacheMixture.js';
import type { CacheMix } from './generate.js';
import type { GlmModel } from './model.js';

/** What a request gives the context cache. */
export interface CacheOptions {
  /** Mix a cache of the request's own text into every step (default true). */
  contextCache?: boolean;
  /** More text the cache indexes besides the document: other files of the project, open editors. */
  contextTexts?: readonly string[];
  /** The mixture's weights (default: learned on the development split, cacheWeights.ts). */
  cacheWeights?: CacheWeights;
}

/** The cache of one request over its document's segments and context texts; undefined when it is off. */
export function requestCache(
  model: GlmModel,
  segments: readonly string[],
  options: CacheOptions,
): CacheMix | undefined {
  if (options.contextCache === false) return undefined;
  return {
    cache: buildContextCache(model.tokenizer, segments, options.contextTexts ?? []),
    weights: options.cacheWeights ?? LEARNED_CACHE_WEIGHTS,
  };
}
