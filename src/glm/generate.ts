import { performance } from 'node:perf_hooks';
import type { BlankKind } from './blank.js';
import { type CacheWeights, cacheWeight, mixCache } from './cacheMixture.js';
import { type CachePredictor, MAX_ORDER } from './contextCache.js';
import type { DecodeState } from './decoder.js';
import { type Drafter, MAX_DRAFT, draftsExactly, lookupDrafter } from './drafting.js';
import type { Healing } from './healing.js';
import { type LogitRule, applyRules, logitRules } from './logitRules.js';
import type { GlmModel } from './model.js';
import { topIndices } from './processors.js';
import { type Sampler, greedy, sampler, seededRandom } from './sampler.js';
import { editSimilarity } from './similarity.js';
import { Span, type SpanSetup, type SpanView } from './span.js';
import { type Stop, type StopRuleOptions, type StopRules, Step, stopRules } from './stopRules.js';
import type { StopReason } from './stopping.js';
import { type Utf8Vocab, utf8Vocab } from './utf8Guard.js';
import { VerifiedRun } from './verifiedRun.js';

export interface DecodingOptions {
  /** Tokens per blank at most (the sop and the end token do not count). */
  maxTokens: number;
  /** Tokens per blank at least: the end tokens are blocked until then (logitRules.ts minLength). */
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
  /** A fill has some non-whitespace text, opening with whitespace only as a line's indentation (logitRules.ts contentFirst). */
  requireContent: boolean;
  /** A fill stops where it starts to repeat the text after its blank, and the repeat is dropped (stopRules.ts echo). */
  stopAtEcho: boolean;
  /**
   * Token healing for a blank that touches a word on its left (healing.ts): the word's last token goes into the fill,
   * so "ite[MASK]" can become "items". Off by default; on for inline suggestions (docs/decoding.md says why).
   */
  tokenHealing: boolean;
  /** A span fill (`[MASK]`) that ran on is cut back to where ending was likeliest (stopRules.ts likeliestEnd). */
  endAtLikeliest: boolean;
  /**
   * How the span is chosen among the candidates: 'likeliest' (highest log-probability), 'per-token' (highest mean
   * log-probability per token, end included: a sum favours short fragments, a mean does not) or 'consensus' (minimum
   * Bayes risk: the candidate most like the others by edit similarity — the fill a sampled crowd agrees on).
   */
  select: 'likeliest' | 'per-token' | 'consensus';
  /** Candidates per blank; the best (by log-probability) fills the blank and is what later blanks see. */
  candidates: number;
  /**
   * Greedy spans draft their next tokens from the document and the context cache and check the draft in one pass
   * (drafting.ts); the fills are the same as without it. No effect when sampling, nor on graphs with int8 activations (draftsExactly).
   */
  lookupDrafting: boolean;
  signal?: AbortSignal;
  /**
   * A time budget's end (a performance.now() time): a candidate after the first starts only while the time left
   * covers what the first took, since one cut short by the budget is dropped (inline suggestions).
   */
  deadline?: number;
  onToken?: (event: TokenEvent) => void;
  /** Every drafted pass: how many tokens were drafted and how many of them the span took. */
  onDraft?: (event: DraftEvent) => void;
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
  lookupDrafting: true,
};

/** Every token as it is generated, with the text it adds ('' while a UTF-8 character is still incomplete). */
export interface TokenEvent {
  blank: number;
  candidate: number;
  token: number;
  text: string;
}

/** One pass of lookup drafting. */
export interface DraftEvent {
  drafted: number;
  accepted: number;
}

export interface Candidate {
  tokens: number[];
  text: string;
  /** Sum of log p(token) under the model's raw distribution, including the end token when the span ended on it. */
  logProb: number;
  stopReason: StopReason;
  /** Decode state after this candidate (its last token may still be pending). */
  state: DecodeState;
  /** Its place in generation order: 0 is the greedy fill (or the first draw), what a single-candidate request gives. */
  draw: number;
}

/** Everything fixed for one request: the model, the logit rules and the sampler. */
export interface Generator {
  model: GlmModel;
  options: DecodingOptions;
  /** What the next token is chosen from: the step's logits with these applied, in order (logitRules.ts). */
  rules: LogitRule[];
  sample: Sampler;
  sampling: boolean;
  /** The context cache mixed into every step's distribution (contextCache.ts), when the request has one. */
  cache: CacheMix | undefined;
  /** The tokens' bytes: a span takes only tokens that keep it valid UTF-8 (utf8Guard.ts). */
  utf8: Utf8Vocab;
}

/** A context cache and the weights that mix it with the model. */
export interface CacheMix {
  cache: CachePredictor;
  weights: CacheWeights;
}

export function createGenerator(model: GlmModel, options: DecodingOptions, cache?: CacheMix): Generator {
  const sampling = options.temperature > 0;
  const utf8 = utf8Vocab(model.tokenizer);
  return {
    model,
    options,
    rules: logitRules(model, options, utf8),
    sample: sampling ? sampler(seededRandom(options.seed)) : greedy,
    sampling,
    cache,
    utf8,
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
  /** The sequence length this blank may reach: its share of the positions left, so later blanks get theirs (default S). */
  maxLength?: number;
}

/**
 * Generates the candidates of blank `blank`, starting from `state` (Part A and every earlier span). The sop step is
 * shared by all candidates. Greedy candidates differ by their first token (the n best), sampled ones by the draw.
 */
export async function fillBlank(
  gen: Generator,
  state: DecodeState,
  blank: number,
  context: BlankContext,
  history: readonly number[],
): Promise<Candidate[]> {
  const { model, options } = gen;
  const req = {
    ...context,
    left: context.left ?? [],
    maxLength: context.maxLength ?? model.manifest.architecture.maxSequenceLength,
    blank,
    history,
  };
  const start = state.push(blank, 0, model.manifest.specialTokens.sop);
  if (start.length > req.maxLength) return [emptyCandidate(state, 'context')];
  if (options.signal?.aborted) return [emptyCandidate(state, 'cancelled')];
  const run = await start.run(model.engine);
  const first = { state: run.state, logits: withCache(gen, req.kind, req.left, [], run.logits) };
  const opening = new Span(spanSetup(gen, req), first.state);
  const firstTokens =
    !gen.sampling && options.candidates > 1
      ? topIndices(applyRules(gen.rules, first.logits, opening), options.candidates)
      : [];
  const candidates: Candidate[] = [];
  const started = performance.now();
  let firstMs = 0;
  for (let c = 0; c < options.candidates; c++) {
    if (c > 0 && (options.signal?.aborted || performance.now() + firstMs > (options.deadline ?? Infinity))) break;
    candidates.push(
      await continueSpan(gen, first.state, first.logits, { ...req, candidate: c, forcedFirst: firstTokens[c] }),
    );
    if (c === 0) firstMs = performance.now() - started;
  }
  // A later candidate cut short by a cancel is a fragment, not an alternative; the first is kept, whatever it has.
  return ranked(
    candidates.filter((c) => c.draw === 0 || c.stopReason !== 'cancelled'),
    options.select,
  );
}

/** Candidates best first. Stable: among equal scores the first generated (greedy / first draw) stays first. */
export function ranked<C extends { text: string; logProb: number; tokens: readonly number[] }>(
  candidates: C[],
  select: DecodingOptions['select'],
): C[] {
  if (select === 'per-token') {
    const mean = (c: C): number => c.logProb / (c.tokens.length + 1);
    return candidates.sort((a, b) => mean(b) - mean(a));
  }
  if (select === 'likeliest' || candidates.length < 3) return candidates.sort((a, b) => b.logProb - a.logProb);
  const agreement = candidates.map((c, i) =>
    candidates.reduce((sum, other, j) => (i === j ? sum : sum + editSimilarity(c.text, other.text)), 0),
  );
  const order = candidates
    .map((_, i) => i)
    .sort(
      (a, b) =>
        (agreement[b] as number) - (agreement[a] as number) ||
        (candidates[b] as C).logProb - (candidates[a] as C).logProb,
    );
  return order.map((i) => candidates[i] as C);
}

interface SpanRequest extends BlankContext {
  left: readonly number[];
  maxLength: number;
  blank: number;
  history: readonly number[];
}

interface CandidateRequest extends SpanRequest {
  candidate: number;
  /** The first token, when greedy candidates each start with another of the likeliest first tokens. */
  forcedFirst: number | undefined;
}

/**
 * One candidate of a blank: a token at a time, until a stop rule (stopRules.ts) ends it. With drafting, one run of
 * the model serves the steps of every drafted token the span goes on to choose; each step is still taken here, with
 * every rule, exactly as without it.
 */
async function continueSpan(
  gen: Generator,
  afterSop: DecodeState,
  firstLogits: Float32Array,
  req: CandidateRequest,
): Promise<Candidate> {
  const span = new Span(spanSetup(gen, req), afterSop);
  const rules = stopRules(stopRuleOptions(gen, req));
  const stream = tokenStream(gen.options.onToken, req);
  const draft = drafterOf(gen, afterSop);
  let step = new Step(firstLogits);
  let run: VerifiedRun | undefined;
  for (;;) {
    const stop = nextToken(gen, req, span, step, rules, stream);
    if (stop) {
      reportDraft(gen, run);
      return candidateAt(span, rules.settle(span, stop), req.candidate);
    }
    let ran = run?.follow(span.tokens[span.tokens.length - 1] as number);
    if (ran === undefined) {
      reportDraft(gen, run);
      run = await VerifiedRun.start(
        gen.model.engine,
        span,
        req.blank,
        draft([...req.left, ...span.tokens], Math.min(MAX_DRAFT, span.room)),
      );
      ran = run.first();
    }
    span.ran(ran.state);
    step = new Step(withCache(gen, req.kind, req.left, span.tokens, ran.logits));
  }
}

/**
 * What a greedy span drafts from: the model's window and the context cache. Nothing where a draft could change the
 * fill: when sampling, or on a graph whose tokens of one pass affect each other's logits (int8 activations; drafting.ts).
 */
function drafterOf(gen: Generator, afterSop: DecodeState): Drafter {
  if (!gen.options.lookupDrafting || gen.sampling || !draftsExactly(gen.model.engine.graphNodes)) return () => [];
  const special = gen.model.manifest.specialTokens;
  const never = new Set([
    special.mask,
    special.smask,
    special.gmask,
    special.sop,
    special.eop,
    special.eos,
    special.cls,
    special.pad,
  ]);
  return lookupDrafter(afterSop.partA.ids, gen.cache?.cache, never);
}

function reportDraft(gen: Generator, run: VerifiedRun | undefined): void {
  if (run !== undefined && run.drafted > 0) gen.options.onDraft?.({ drafted: run.drafted, accepted: run.accepted });
}

/** Chooses the span's next token and adds it, unless a stop rule ends the span first (or with it). */
function nextToken(
  gen: Generator,
  req: CandidateRequest,
  span: Span,
  step: Step,
  rules: StopRules,
  stream: TokenStream,
): Stop | undefined {
  const early = rules.beforeChoice(span, step);
  if (early) return early;
  const next =
    span.tokens.length === 0 && req.forcedFirst !== undefined
      ? req.forcedFirst
      : gen.sample(applyRules(gen.rules, step.logits, span));
  const refused = rules.beforeToken(span, next, step);
  if (refused) return refused;
  span.push(next, step.logProb(next));
  stream(span, next);
  return rules.afterToken(span);
}

function spanSetup(gen: Generator, req: SpanRequest): SpanSetup {
  const { tokenizer } = gen.model;
  return {
    tokenizer,
    utf8: gen.utf8,
    whitespace: tokenizer.whitespace(),
    history: req.history,
    blank: req.blank,
    startsLine: req.startsLine,
    healedPrefix: req.heal?.prefix,
    allowedFirst: req.heal?.allowed,
    maxLength: req.maxLength,
    maxTokens: maxTokensOf(gen, req),
  };
}

function stopRuleOptions(gen: Generator, req: SpanRequest): StopRuleOptions {
  const { options } = gen;
  const special = gen.model.manifest.specialTokens;
  return {
    signal: options.signal,
    kind: req.kind,
    endIds: [special.eop, special.eos],
    echoOf: options.stopAtEcho && req.after.trim() !== '' ? req.after : undefined,
    // Span blanks only: a sentence or document blank asks for the whole sentence or text.
    likeliestEndOf: options.endAtLikeliest && req.kind === 'span' ? special.eop : undefined,
    minTokens: options.minTokens,
    maxTokens: maxTokensOf(gen, req),
    maxLength: req.maxLength,
    utf8: gen.utf8,
  };
}

/** The healed token re-generates text already there, so it does not count against maxTokens. */
function maxTokensOf(gen: Generator, req: SpanRequest): number {
  return gen.options.maxTokens + (req.heal ? 1 : 0);
}

function candidateAt(span: Span, stop: Stop, draw: number): Candidate {
  return { ...span.until(stop.at), logProb: stop.at.logProb, stopReason: stop.reason, state: stop.at.state, draw };
}

/**
 * The step's distribution with the context cache mixed in, as log-probabilities (the rules downstream read them as
 * logits); the model's own logits where there is no cache, no match, or a weight of 0.
 */
export function withCache(
  gen: Pick<Generator, 'cache' | 'model'>,
  kind: BlankKind,
  left: readonly number[],
  span: readonly number[],
  logits: Float32Array,
): Float32Array {
  if (gen.cache === undefined) return logits;
  const fromLeft = Math.max(0, MAX_ORDER - span.length);
  const history = [
    ...left.slice(Math.max(0, left.length - fromLeft)),
    ...span.slice(Math.max(0, span.length - MAX_ORDER)),
  ];
  const prediction = gen.cache.cache.predict(history);
  if (prediction === undefined) return logits;
  const weight = cacheWeight(gen.cache.weights, kind, prediction);
  const special = gen.model.manifest.specialTokens;
  return weight > 0 ? mixCache(logits, prediction, weight, [special.eop, special.eos]) : logits;
}

type TokenStream = (span: SpanView, token: number) => void;

/** Reports every token to `onToken` with the text it adds. */
function tokenStream(onToken: DecodingOptions['onToken'], req: CandidateRequest): TokenStream {
  if (onToken === undefined) return () => undefined;
  let emitted = '';
  return (span, token) => {
    const text = span.text();
    // A byte-level token can end inside a UTF-8 character: its text waits for the rest rather than stream U+FFFD.
    const complete = !text.endsWith('\uFFFD');
    onToken({ blank: req.blank, candidate: req.candidate, token, text: complete ? text.slice(emitted.length) : '' });
    if (complete) emitted = text;
  };
}

function emptyCandidate(state: DecodeState, stopReason: StopReason): Candidate {
  return { tokens: [], text: '', logProb: 0, stopReason, state, draw: 0 };
}
