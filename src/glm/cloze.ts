import { performance } from 'node:perf_hooks';
import type { BlankedText } from './blank.js';
import { type CacheOptions, requestCache } from './cacheOptions.js';
import { DecodeState } from './decoder.js';
import { withCache } from './generate.js';
import { GlmError } from './errors.js';
import type { GlmModel } from './model.js';
import { optionFill } from './placement.js';
import { prepare } from './prepare.js';
import { logProbability } from './processors.js';
import type { WindowReport } from './window.js';

export interface RankedOption {
  option: string;
  tokens: number[];
  /** log p(option tokens, eop | Part A): GLM's multi-token cloze score (docs/glm.md §6.1). */
  logProb: number;
  /** The scores normalised over the given options: p(y|x) = p(v(y)|c(x)) / Σ p(v(y')|c(x)). */
  probability: number;
}

export interface ClozeResult {
  /** Best first. */
  options: RankedOption[];
  window: WindowReport;
  timings: { prefillMs: number; scoreMs: number; totalMs: number; partATokens: number };
}

/**
 * Ranks given fills of the one blank of `request`. Part A runs once; each option is one cached pass over
 * `sop option…` whose logits at every position give the option's tokens and the closing eop.
 * An option replaces the blank's characters, with the blank's space given back as placement.ts's optionFill says.
 * With token healing (a blank touching a word), the word's last token is scored with each option, as generation
 * would produce it.
 */
export async function rankOptions(
  model: GlmModel,
  request: BlankedText,
  options: readonly string[],
  signal?: AbortSignal,
  tokenHealing = false,
  cache: CacheOptions = {},
): Promise<ClozeResult> {
  const t0 = performance.now();
  checkRankRequest(request, options);
  const longest = Math.max(...options.map((o) => model.tokenizer.encode(o).length));
  const prepared = prepare(model, request, longest + 2, tokenHealing);
  const blank = prepared.blanks[0] as (typeof prepared.blanks)[number];
  // With token healing the word's last token left Part A, so each option is scored together with it.
  const healed = prepared.healing[0]?.prefix ?? '';
  const ids = options.map((o) => model.tokenizer.encode(healed + optionFill(blank, o)));
  const state = await DecodeState.prefill(model.engine, prepared.partA);
  const scorer: OptionScorer = {
    model,
    state,
    gen: { model, cache: requestCache(model, prepared.segments, cache) },
    left: prepared.left[0] as number[],
  };
  const t1 = performance.now();
  const scores: number[] = [];
  for (const optionIds of ids) {
    if (signal?.aborted) throw new GlmError('cancelled', 'Ranking was cancelled.');
    scores.push(await scoreOption(scorer, optionIds));
  }
  const t2 = performance.now();
  return {
    options: rankedOptions(options, ids, scores),
    window: prepared.window,
    timings: { prefillMs: t1 - t0, scoreMs: t2 - t1, totalMs: t2 - t0, partATokens: prepared.partA.ids.length },
  };
}

function checkRankRequest(request: BlankedText, options: readonly string[]): void {
  if (options.length < 2) throw new GlmError('input', 'Give at least two options to rank.');
  if (request.blanks.length !== 1) {
    throw new GlmError(
      'input',
      `Ranking options needs exactly one blank in the text; it has ${request.blanks.length}.`,
    );
  }
}

/** What scoring an option needs: the prefilled Part A, the context cache and the cache's query before the blank. */
interface OptionScorer {
  model: GlmModel;
  state: DecodeState;
  gen: Parameters<typeof withCache>[0];
  left: number[];
}

/** The log-probability of an option's tokens and the end of the span after them. */
async function scoreOption({ model, state, gen, left }: OptionScorer, optionIds: readonly number[]): Promise<number> {
  const special = model.manifest.specialTokens;
  const limit = model.manifest.architecture.maxSequenceLength;
  if (state.length + optionIds.length + 1 > limit) {
    throw new GlmError(
      'input',
      `An option of ${optionIds.length} tokens does not fit the model's ${limit} positions after the text.`,
    );
  }
  const rows = await optionRows(model, state, optionIds, special.sop);
  // Each row with the cache mixed in as generation would see it (the option's tokens so far extend the query).
  return [...optionIds, special.eop].reduce(
    (sum, id, j) =>
      sum + logProbability(withCache(gen, 'span', left, optionIds.slice(0, j), rows[j] as Float32Array), id),
    0,
  );
}

function rankedOptions(
  options: readonly string[],
  ids: readonly number[][],
  scores: readonly number[],
): RankedOption[] {
  const probabilities = normalise(scores);
  return options
    .map((option, i) => ({
      option,
      tokens: ids[i] as number[],
      logProb: scores[i] as number,
      probability: probabilities[i] as number,
    }))
    .sort((a, b) => b.logProb - a.logProb);
}

/** Logits after sop and each option token: row j predicts option token j, and after the last one the span's end. */
export async function optionRows(
  model: GlmModel,
  state: DecodeState,
  ids: readonly number[],
  sop: number,
): Promise<Float32Array[]> {
  let branch = state.push(0, 0, sop);
  ids.forEach((id, j) => (branch = branch.push(0, j + 1, id)));
  return branch.runAll(model.engine);
}

function normalise(logProbs: readonly number[]): number[] {
  const max = Math.max(...logProbs);
  const exp = logProbs.map((l) => Math.exp(l - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / total);
}
