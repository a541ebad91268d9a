import { performance } from 'node:perf_hooks';
import type { BlankKind, BlankedText } from './blank.js';
import { type CacheOptions, requestCache } from './cacheOptions.js';
import { DecodeState } from './decoder.js';
import { GlmError } from './errors.js';
import {
  type Candidate,
  DEFAULT_DECODING,
  type DecodingOptions,
  type Generator,
  createGenerator,
  fillBlank,
} from './generate.js';
import { MAX_ORDER } from './contextCache.js';
import type { GlmModel } from './model.js';
import { applyEdits, filledRange } from './placement.js';
import { type Prepared, prepare } from './prepare.js';
import type { StopReason } from './stopping.js';
import { unfilledSpan } from './unfilled.js';
import type { WindowReport } from './window.js';

export type InfillOptions = Partial<DecodingOptions> & CacheOptions;

export interface SpanCandidate {
  text: string;
  tokens: number[];
  logProb: number;
  stopReason: StopReason;
  /** Generation order: 0 is the greedy fill (or the first draw), the one a single-candidate request gives. */
  draw: number;
}

export interface FilledSpan extends SpanCandidate {
  index: number;
  kind: BlankKind;
  /** Characters of the caller's text the span replaces: its blank and the space the blank took over (placement.ts). */
  start: number;
  end: number;
  /** All candidates, best first; the first is the span itself. */
  candidates: SpanCandidate[];
  /**
   * The blank got no text (the positions or the tokens ran out first, see unfilledSpan): its characters stay in
   * `text`, and a front end must not write the span into a document, where it would delete the blank's text.
   */
  unfilled: boolean;
}

export interface InfillTimings {
  prepareMs: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
  partATokens: number;
  /** Tokens generated for every candidate of every blank. */
  generatedTokens: number;
  tokensPerSecond: number;
}

export interface InfillResult {
  /** The caller's text with every filled blank replaced; blanks left unfilled (by a cancel, or `unfilled`) keep their characters. */
  text: string;
  spans: FilledSpan[];
  cancelled: boolean;
  window: WindowReport;
  timings: InfillTimings;
}

/**
 * Fills every blank of `request`: one Part A prefill for all blanks, then the spans in document order, each seeing
 * Part A and the spans chosen before it (docs/glm.md §7). Text with markers comes through markers.ts.
 */
export async function infill(
  model: GlmModel,
  request: BlankedText,
  options: InfillOptions = {},
): Promise<InfillResult> {
  const t0 = performance.now();
  const decoding = decodingOptions(options);
  // Per blank: sop, the tokens, and the healed token that does not count against maxTokens.
  const perBlank = decoding.maxTokens + 1 + (decoding.tokenHealing ? 1 : 0);
  const prepared = prepare(model, request, perBlank, decoding.tokenHealing);
  const t1 = performance.now();
  const state = await DecodeState.prefill(model.engine, prepared.partA);
  const t2 = performance.now();
  const gen = createGenerator(model, decoding, requestCache(model, prepared.segments, options));
  const { spans, generatedTokens } = await fillInOrder(gen, prepared, state);
  const t3 = performance.now();
  return {
    text: applyEdits(
      request.text,
      spans.filter((s) => !s.unfilled),
    ),
    spans,
    cancelled: decoding.signal?.aborted === true,
    window: prepared.window,
    timings: {
      prepareMs: t1 - t0,
      prefillMs: t2 - t1,
      decodeMs: t3 - t2,
      totalMs: t3 - t0,
      partATokens: prepared.partA.ids.length,
      generatedTokens,
      tokensPerSecond: t3 > t2 ? (generatedTokens * 1000) / (t3 - t2) : 0,
    },
  };
}

/** The spans of the blanks in document order, each generated after the ones before it, until a cancel. */
async function fillInOrder(
  gen: Generator,
  prepared: Prepared,
  afterPartA: DecodeState,
): Promise<{ spans: FilledSpan[]; generatedTokens: number }> {
  const { blanks, segments } = prepared;
  const s = gen.model.manifest.architecture.maxSequenceLength;
  const spans: FilledSpan[] = [];
  const history: number[] = [];
  let state = afterPartA;
  let generatedTokens = 0;
  for (let k = 0; k < blanks.length && !gen.options.signal?.aborted; k++) {
    const blank = blanks[k] as (typeof blanks)[number];
    const context = {
      kind: blank.kind,
      startsLine: startsLine(segments, k),
      after: segments[k + 1] ?? '',
      heal: prepared.healing[k],
      left: [...history, ...(prepared.left[k] as number[])].slice(-MAX_ORDER),
      maxLength: fairShare(state.length, s, blanks.length - k),
    };
    const candidates = await fillBlank(gen, state, k, context, history);
    const best = candidates[0] as Candidate;
    if (best.stopReason === 'cancelled') break;
    generatedTokens += candidates.reduce((n, c) => n + c.tokens.length, 0);
    const unfilled = unfilledSpan(best, gen.options);
    // A blank that got no text leaves no span in Part B: its positions go to the blanks after it.
    if (!unfilled) {
      state = best.state;
      history.push(...best.tokens);
    }
    spans.push({
      index: k,
      kind: blank.kind,
      ...filledRange(blank),
      ...publicCandidate(best),
      candidates: candidates.map(publicCandidate),
      unfilled,
    });
  }
  return { spans, generatedTokens };
}

/**
 * The sequence length blank k may reach: an equal share of the positions left for it and the `blanks` - 1 after it.
 * First come first served, the first blanks of a long request took every position and the last got nothing; a
 * share a blank leaves unused goes to the blanks after it. prepare() reserves at least 2 positions per blank (sop
 * and one token), so every share holds a token.
 */
function fairShare(length: number, s: number, blanks: number): number {
  return length + Math.floor((s - length) / blanks);
}

/** Whether blank k opens a line: the text before it ends with a line break, or it is the text's very start. */
function startsLine(segments: readonly string[], k: number): boolean {
  const before = segments[k] ?? '';
  return before === '' ? k === 0 : /[\n\r]$/.test(before);
}

export function decodingOptions(options: Partial<DecodingOptions>): DecodingOptions {
  const merged = { ...DEFAULT_DECODING, ...withoutUndefined(options) };
  const problems: string[] = [];
  if (!Number.isInteger(merged.maxTokens) || merged.maxTokens < 1) problems.push('max tokens must be an integer ≥ 1');
  if (!Number.isInteger(merged.minTokens) || merged.minTokens < 0 || merged.minTokens > merged.maxTokens) {
    problems.push('min tokens must be an integer from 0 to max tokens');
  }
  if (!(merged.temperature >= 0)) problems.push('temperature must be ≥ 0');
  if (!Number.isInteger(merged.topK) || merged.topK < 0) problems.push('top-k must be an integer ≥ 0');
  if (!(merged.topP > 0 && merged.topP <= 1)) problems.push('top-p must be in (0, 1]');
  if (!(merged.repetitionPenalty > 0)) problems.push('repetition penalty must be > 0');
  if (!Number.isInteger(merged.maxRepeats) || merged.maxRepeats < 0)
    problems.push('max repeats must be an integer ≥ 0');
  if (
    !Number.isInteger(merged.blockRepeatedNgrams) ||
    merged.blockRepeatedNgrams < 0 ||
    merged.blockRepeatedNgrams === 1
  ) {
    problems.push('blocked repeated n-grams must be 0 (off) or an integer ≥ 2');
  }
  if (!Number.isInteger(merged.candidates) || merged.candidates < 1) problems.push('candidates must be an integer ≥ 1');
  if (!Number.isInteger(merged.seed)) problems.push('seed must be an integer');
  if (!['likeliest', 'per-token', 'consensus'].includes(merged.select))
    problems.push('select must be likeliest, per-token or consensus');
  if (problems.length > 0) throw new GlmError('input', `Invalid decoding options: ${problems.join('; ')}.`);
  return merged;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function publicCandidate(c: Candidate): SpanCandidate {
  return { text: c.text, tokens: c.tokens, logProb: c.logProb, stopReason: c.stopReason, draw: c.draw };
}
