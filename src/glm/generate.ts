import type { BlankKind } from './blank.js';
import { type CacheWeights, cacheWeight, mixCache } from './cacheMixture.js';
import { type CachePredictor, MAX_ORDER } from './contextCache.js';
import type { DecodeState } from './decoder.js';
import type { Healing } from './healing.js';
import type { GlmModel } from './model.js';
import {
  type LogitsProcessor, applyProcessors, logNormalizer, loopGuard, repeatedNgramBlock, repetitionPenalty, suppress, suppressFrom, temperature, topIndices, topK, topP,
} from './processors.js';
import { type Sampler, greedy, sampler, seededRandom } from './sampler.js';
import { editSimilarity } from './similarity.js';
import { EchoWatch, type StopReason, sentenceEnd, usesSentenceRule } from './stopping.js';

export interface DecodingOptions {
  /** Tokens per blank at most (the sop and the end token do not count). */
  maxTokens: number;
  /** Tokens per blank at least: the end tokens are blocked until then (seq2seq's MinLengthLogitsProcessor). */
  minTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 1 = off; applies to tokens already generated in Part B, not to the context the blank may rightly repeat. */
  repetitionPenalty: number;
  /** A piece of 1–16 tokens may come this many times in a row within a span, not once more; 0 = no limit. */
  maxRepeats: number;
  /** No n-gram of this many tokens comes twice within a span; 0 = off. */
  blockRepeatedNgrams: number;
  seed: number;
  /**
   * A fill has some non-whitespace text: the end tokens wait for it, and before it only one indentation token may
   * come, when the blank starts a line. An empty or newline-only fill is never what a user asked for, and a small
   * model's likeliest first token is often exactly that.
   */
  requireContent: boolean;
  /**
   * A fill stops where it starts to repeat the text after its blank, and the repeat is dropped (stop reason 'echo'):
   * the model often writes the fill and then what already follows it (`count += 1` before ` += 1`), which would
   * leave the user with the text twice.
   */
  stopAtEcho: boolean;
  /**
   * Token healing for a blank that touches a word on its left (healing.ts): the word's last token goes into the fill,
   * so "ite[MASK]" can become "items" instead of anything that cannot follow a whole word. Off by default: measured,
   * it helps a blank inside a word (a cursor while typing) and is mixed for one after a whole word ("name[MASK]" for "(").
   */
  tokenHealing: boolean;
  /**
   * A span fill (`[MASK]`) that ran on (ended later, or hit maxTokens) is cut back to where ending was likeliest along
   * its own path: the prefix with the highest log p(prefix) + log p(end | prefix). A small model that has written the
   * right word often goes on (`np` → `np.zeros(3))`, `install` → `install install install`) although ending there was
   * likelier. Not for sentence and document blanks: measured, it cuts sentences short.
   */
  endAtLikeliest: boolean;
  /**
   * How the span is chosen among the candidates: 'likeliest' (highest log-probability), 'per-token' (highest mean
   * log-probability per token, end included: a sum favours short fragments, a mean does not) or 'consensus' (minimum
   * Bayes risk: the candidate most like the others by edit similarity — the fill a sampled crowd agrees on).
   */
  select: 'likeliest' | 'per-token' | 'consensus';
  /** Candidates per blank; the best (by log-probability) fills the blank and is what later blanks see. */
  candidates: number;
  signal?: AbortSignal;
  onToken?: (event: TokenEvent) => void;
}

export const DEFAULT_DECODING: DecodingOptions = {
  maxTokens: 32,
  minTokens: 0,
  temperature: 0,
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  maxRepeats: 3,
  blockRepeatedNgrams: 0,
  seed: 0,
  requireContent: true,
  stopAtEcho: true,
  tokenHealing: false,
  endAtLikeliest: true,
  select: 'likeliest',
  candidates: 1,
};

/** Every token as it is generated, with the text it adds ('' while a UTF-8 character is still incomplete). */
export interface TokenEvent {
  blank: number;
  candidate: number;
  token: number;
  text: string;
}

export interface Candidate {
  tokens: number[];
  text: string;
  /** Sum of log p(token) under the model's raw distribution, including the end token when the span ended on it. */
  logProb: number;
  stopReason: StopReason;
  /** Decode state after this candidate (its last token may still be pending). */
  state: DecodeState;
}

/** Everything fixed for one request: the model, processors, sampler and stop tokens. */
export interface Generator {
  model: GlmModel;
  options: DecodingOptions;
  processors: LogitsProcessor[];
  sample: Sampler;
  sampling: boolean;
  /** Blocks the next copy of a piece the span ends with maxRepeats times (applied to the span's own tokens). */
  loops: LogitsProcessor;
  /** Blocks the token that would repeat an n-gram of the span (blockRepeatedNgrams; applied to the span's own tokens). */
  ngrams: LogitsProcessor;
  /** Blocks eop and eos (while a span is shorter than minTokens, or has no content yet). */
  endTokens: LogitsProcessor;
  /** Blocks whitespace-only tokens, all of them or those with a line break (requireContent). */
  blankTokens: { all: LogitsProcessor; lineBreak: LogitsProcessor } | undefined;
  /** The context cache mixed into every step's distribution (contextCache.ts), when the request has one. */
  cache: CacheMix | undefined;
}

/** A context cache and the weights that mix it with the model. */
export interface CacheMix {
  cache: CachePredictor;
  weights: CacheWeights;
}

export function createGenerator(model: GlmModel, options: DecodingOptions, cache?: CacheMix): Generator {
  const special = model.manifest.specialTokens;
  const sampling = options.temperature > 0;
  const processors: LogitsProcessor[] = [
    suppressFrom(model.tokenizer.size),
    suppress([special.cls, special.mask, special.smask, special.gmask, special.sop]),
  ];
  if (options.repetitionPenalty !== 1) processors.push(repetitionPenalty(options.repetitionPenalty));
  if (sampling) {
    processors.push(temperature(options.temperature));
    if (options.topK > 0) processors.push(topK(options.topK));
    if (options.topP < 1) processors.push(topP(options.topP));
  }
  const sample = sampling ? sampler(seededRandom(options.seed)) : greedy;
  const ws = options.requireContent ? model.tokenizer.whitespace() : undefined;
  const blankTokens = ws && { all: suppress([...ws.inline, ...ws.lineBreak]), lineBreak: suppress(ws.lineBreak) };
  return {
    model, options, processors, sample, sampling, loops: loopGuard(options.maxRepeats), ngrams: repeatedNgramBlock(options.blockRepeatedNgrams), endTokens: suppress([special.eop, special.eos]), blankTokens, cache,
  };
}

/** What the generator needs to know of a blank besides its index: its kind, and whether it starts a line. */
export interface BlankContext {
  kind: BlankKind;
  /** The text before the blank ends with a line break (or the blank starts the text): indentation may open the fill. */
  startsLine: boolean;
  /** The text after the blank, up to the next blank: what a fill must not repeat (stopAtEcho). */
  after: string;
  /** Token healing: the first token must start with `heal.prefix`, which is not part of the fill's text. */
  heal?: Healing;
  /** The last tokens before the blank (at most MAX_ORDER): the context cache's query starts with them. */
  left?: readonly number[];
}

/**
 * Generates the candidates of blank `blank`, starting from `state` (Part A and every earlier span). The sop step is
 * shared by all candidates. Greedy candidates differ by their first token (the n best), sampled ones by the draw.
 */
export async function fillBlank(gen: Generator, state: DecodeState, blank: number, context: BlankContext, history: readonly number[]): Promise<Candidate[]> {
  const { model, options } = gen;
  const { kind, startsLine, after, heal } = context;
  const start = state.push(blank, 0, model.manifest.specialTokens.sop);
  if (start.length > model.manifest.architecture.maxSequenceLength) return [emptyCandidate(state, 'context')];
  if (options.signal?.aborted) return [emptyCandidate(state, 'cancelled')];
  const run = await start.run(model.engine);
  const first = { state: run.state, logits: withCache(gen, kind, context.left ?? [], [], run.logits) };
  const opening = { length: 0, hasContent: false, startsLine, allowed: heal?.allowed };
  const firstTokens = !gen.sampling && options.candidates > 1 ? topIndices(processed(gen, first.logits, history, opening), options.candidates) : [];
  const candidates: Candidate[] = [];
  for (let c = 0; c < options.candidates; c++) {
    if (c > 0 && options.signal?.aborted) break;
    candidates.push(await continueSpan(gen, first.state, first.logits, {
      blank, kind, startsLine, after, heal, left: context.left ?? [], candidate: c, history, forcedFirst: firstTokens[c],
    }));
  }
  return ranked(candidates, options.select);
}

/** Candidates best first. Stable: among equal scores the first generated (greedy / first draw) stays first. */
export function ranked<C extends { text: string; logProb: number; tokens: readonly number[] }>(candidates: C[], select: DecodingOptions['select']): C[] {
  if (select === 'per-token') {
    const mean = (c: C): number => c.logProb / (c.tokens.length + 1);
    return candidates.sort((a, b) => mean(b) - mean(a));
  }
  if (select === 'likeliest' || candidates.length < 3) return candidates.sort((a, b) => b.logProb - a.logProb);
  const agreement = candidates.map((c, i) =>
    candidates.reduce((sum, other, j) => (i === j ? sum : sum + editSimilarity(c.text, other.text)), 0));
  const order = candidates.map((_, i) => i).sort((a, b) =>
    (agreement[b] as number) - (agreement[a] as number) || (candidates[b] as C).logProb - (candidates[a] as C).logProb);
  return order.map((i) => candidates[i] as C);
}

interface SpanRequest extends BlankContext {
  left: readonly number[];
  blank: number;
  candidate: number;
  history: readonly number[];
  forcedFirst: number | undefined;
}

async function continueSpan(gen: Generator, afterSop: DecodeState, firstLogits: Float32Array, req: SpanRequest): Promise<Candidate> {
  const { model, options } = gen;
  const special = model.manifest.specialTokens;
  const tokens: number[] = [];
  let state = afterSop;
  let logits = firstLogits;
  let logProb = 0;
  let emitted = '';
  let hasContent = false;
  const blankIds = model.tokenizer.whitespace();
  // What the fill adds to the text: the healed prefix (see healing.ts) is already there.
  const healed = req.heal?.prefix.length ?? 0;
  const shown = (ids: readonly number[]): string => model.tokenizer.decode(ids).slice(healed);
  // The fill's text, decoded at most once per token and only when a rule or a listener asks for it.
  let known = { count: 0, text: '' };
  const textOf = (): string => {
    if (known.count !== tokens.length) known = { count: tokens.length, text: shown(tokens) };
    return known.text;
  };
  const echo = options.stopAtEcho && req.after.trim() !== '' ? new EchoWatch<Kept>(req.after) : undefined;
  let textLength = 0;
  // endAtLikeliest (span blanks: a sentence or document blank asks for the whole sentence or text): the prefix where
  // ending scores highest so far (its logProb includes the end token).
  const endsAtLikeliest = options.endAtLikeliest && req.kind === 'span';
  let likeliestEnd: Kept | undefined;
  for (;;) {
    if (options.signal?.aborted) return finish('cancelled');
    const normalizer = logNormalizer(logits); // shared by the token's and the end's log-probabilities
    if (endsAtLikeliest && hasContent && tokens.length >= options.minTokens) {
      const ending = logProb + (logits[special.eop] as number) - normalizer;
      if (likeliestEnd === undefined || ending > likeliestEnd.logProb) likeliestEnd = { tokens: tokens.length, logProb: ending, state };
    }
    const soFar: SpanSoFar = { length: tokens.length, hasContent, startsLine: req.startsLine, allowed: req.heal?.allowed };
    const next = tokens.length === 0 && req.forcedFirst !== undefined
      ? req.forcedFirst
      : gen.sample(processed(gen, logits, [...req.history, ...tokens], soFar));
    const tokenLogProb = (logits[next] as number) - normalizer;
    if (next === special.eop || next === special.eos) {
      logProb += tokenLogProb;
      return finish('end');
    }
    const withNext = usesSentenceRule(req.kind) ? shown([...tokens, next]) : undefined;
    const sentence = withNext === undefined ? 'continue' : sentenceStop(textOf(), withNext);
    if (sentence === 'before') return finish('sentence');
    const boundary: Kept = { tokens: tokens.length, logProb, state };
    tokens.push(next);
    if (withNext !== undefined) known = { count: tokens.length, text: withNext };
    hasContent ||= req.heal ? /\S/u.test(textOf()) : !blankIds.inline.has(next) && !blankIds.lineBreak.has(next);
    logProb += tokenLogProb;
    state = state.push(req.blank, tokens.length, next);
    emitted = emit(gen, req, textOf, next, emitted);
    if (echo) {
      const cut = echo.next(textOf(), textLength, boundary);
      if (cut) return finishAt(cut, 'echo');
      textLength = textOf().length;
    }
    if (sentence === 'after') return finish('sentence');
    if (tokens.length >= options.maxTokens) return finish('limit');
    if (state.length >= model.manifest.architecture.maxSequenceLength) return finish('context');
    const step = await state.run(model.engine);
    state = step.state;
    logits = withCache(gen, req.kind, req.left, tokens, step.logits);
  }

  function finish(stopReason: StopReason): Candidate {
    const ranOn = (stopReason === 'end' || stopReason === 'limit') && likeliestEnd !== undefined && likeliestEnd.tokens < tokens.length;
    if (ranOn) return finishAt(likeliestEnd as Kept, 'end');
    return { tokens, text: textOf(), logProb, stopReason, state };
  }

  /** The candidate cut back to where it stood at `at`. */
  function finishAt(at: Kept, stopReason: StopReason): Candidate {
    const head = tokens.slice(0, at.tokens);
    return { tokens: head, text: shown(head), logProb: at.logProb, stopReason, state: at.state };
  }
}

/**
 * A span as it stood before one of its tokens: where an echo could start (logProb of the tokens so far), or the
 * likeliest end so far (logProb including the end token).
 */
interface Kept {
  tokens: number;
  logProb: number;
  state: DecodeState;
}

/**
 * Where a span stands: tokens so far, whether any holds non-whitespace text, whether the blank starts a line, and
 * the ids its first token may be (token healing).
 */
interface SpanSoFar {
  length: number;
  hasContent: boolean;
  startsLine: boolean;
  allowed?: ReadonlySet<number> | undefined;
}

/**
 * The step's distribution with the context cache mixed in, as log-probabilities (the rules downstream read them as
 * logits); the model's own logits where there is no cache, no match, or a weight of 0.
 */
export function withCache(gen: Pick<Generator, 'cache' | 'model'>, kind: BlankKind, left: readonly number[], span: readonly number[], logits: Float32Array): Float32Array {
  if (gen.cache === undefined) return logits;
  const fromLeft = Math.max(0, MAX_ORDER - span.length);
  const history = [...left.slice(Math.max(0, left.length - fromLeft)), ...span.slice(Math.max(0, span.length - MAX_ORDER))];
  const prediction = gen.cache.cache.predict(history);
  if (prediction === undefined) return logits;
  const weight = cacheWeight(gen.cache.weights, kind, prediction);
  const special = gen.model.manifest.specialTokens;
  return weight > 0 ? mixCache(logits, prediction, weight, [special.eop, special.eos]) : logits;
}

/** A copy of raw logits with the processors applied (raw logits stay intact for log-probabilities). */
function processed(gen: Generator, logits: Float32Array, generated: readonly number[], span: SpanSoFar): Float32Array {
  const copy = Float32Array.from(logits);
  applyProcessors(gen.processors, copy, generated);
  const own = generated.slice(generated.length - span.length);
  gen.loops(copy, own);
  gen.ngrams(copy, own);
  const blankTokens = span.hasContent ? undefined : gen.blankTokens;
  if (span.length < gen.options.minTokens || blankTokens) gen.endTokens(copy, generated);
  if (blankTokens) (span.length === 0 && span.startsLine ? blankTokens.lineBreak : blankTokens.all)(copy, generated);
  const allowed = span.length === 0 ? span.allowed : undefined;
  if (allowed) for (let id = 0; id < copy.length; id++) if (!allowed.has(id)) copy[id] = -Infinity;
  return copy;
}

/** Whether the next token ends a sentence blank (`withNext`: the fill with it): before it (it starts the next sentence) or after it (it holds the stop). */
function sentenceStop(before: string, withNext: string): 'before' | 'after' | 'continue' {
  const end = sentenceEnd(withNext);
  if (end < 0) return 'continue';
  return end <= before.length ? 'before' : 'after';
}

function emit(gen: Generator, req: SpanRequest, shownText: () => string, token: number, emitted: string): string {
  if (gen.options.onToken === undefined) return emitted;
  const text = shownText();
  // A byte-level token can end inside a UTF-8 character: its text waits for the rest rather than stream U+FFFD.
  const complete = !text.endsWith('\uFFFD');
  gen.options.onToken({ blank: req.blank, candidate: req.candidate, token, text: complete ? text.slice(emitted.length) : '' });
  return complete ? text : emitted;
}

function emptyCandidate(state: DecodeState, stopReason: StopReason): Candidate {
  return { tokens: [], text: '', logProb: 0, stopReason, state };
}
