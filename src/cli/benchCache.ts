import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { buildContextCache } from '../glm/cacheSources.js';
import { LEARNED_CACHE_WEIGHTS } from '../glm/cacheWeights.js';
import { withCache } from '../glm/generate.js';
import type { GlmModel } from '../glm/index.js';

export interface CacheBench {
  /** Characters indexed: the document plus the context texts. */
  chars: number;
  /** Building the cache the first time (tokenizing included), and again for the same texts: tokens memoised and the context texts' index reused, as for the next inline suggestion. */
  buildMs: number;
  rebuildMs: number;
  /** Again after typing one character into the document (the next inline suggestion's case). */
  editedMs: number;
  /** One decode step's cache work (query + mixture), averaged over many steps. */
  stepMs: number;
  heapMiB: number;
}

/**
 * The context cache's cost on real code: the bundle this bench runs from stands in for a
 * workspace — its first 100 K characters the document, the next 500 K four context files — and each step's query is
 * a window of that code, so matches are as long and as frequent as in a project.
 */
export function cacheTimes(model: GlmModel, file: string): CacheBench {
  const code = readFileSync(file, 'utf8');
  const document = [code.slice(0, 50_000), code.slice(50_000, 100_000)];
  const context = [0, 1, 2, 3].map((i) => code.slice(100_000 + i * 125_000, 100_000 + (i + 1) * 125_000));
  const heapBefore = process.memoryUsage().heapUsed;
  let t = performance.now();
  const cache = buildContextCache(model.tokenizer, document, context);
  const buildMs = performance.now() - t;
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  t = performance.now();
  buildContextCache(model.tokenizer, document, context);
  const rebuildMs = performance.now() - t;
  const typed = [`${document[0]?.slice(0, 25_000)}x${document[0]?.slice(25_000)}`, document[1] as string];
  t = performance.now();
  buildContextCache(model.tokenizer, typed, context);
  const editedMs = performance.now() - t;
  const queries = model.tokenizer.encode(code.slice(40_000, 60_000));
  const gen = { model, cache: { cache, weights: LEARNED_CACHE_WEIGHTS } };
  const logits = new Float32Array(model.manifest.architecture.vocabSize).map((_, i) => Math.sin(i));
  const steps = Math.min(2000, queries.length - 8);
  t = performance.now();
  for (let i = 0; i < steps; i++) withCache(gen, 'span', queries.slice(i, i + 4), queries.slice(i + 4, i + 8), logits);
  const stepMs = (performance.now() - t) / steps;
  return {
    chars: [...document, ...context].reduce((n, s) => n + s.length, 0),
    buildMs,
    rebuildMs,
    editedMs,
    stepMs,
    heapMiB,
  };
}
