import type { GlmModel } from './model.js';
import {
  type LogitsProcessor,
  loopGuard,
  repeatedNgramBlock,
  repetitionPenalty,
  suppress,
  suppressFrom,
  temperature,
  topK,
  topP,
} from './processors.js';
import type { SpanSoFar } from './span.js';
import type { WhitespaceIds } from './tokenizer.js';
import { BOUNDARY, type Utf8Vocab } from './utf8Guard.js';

/**
 * A logit rule: one transformation, in place, of the row of logits the next token of a span is chosen from, given
 * where the span stands. The processors of processors.ts are the rules that only need a list of tokens.
 */
export type LogitRule = (logits: Float32Array, span: SpanSoFar) => void;

/** The decoding options the logit rules are made from (fields of generate.ts's DecodingOptions, documented there). */
export type LogitRuleOptions = Readonly<
  Record<
    'temperature' | 'topK' | 'topP' | 'repetitionPenalty' | 'maxRepeats' | 'blockRepeatedNgrams' | 'minTokens',
    number
  >
> & { readonly requireContent: boolean };

/**
 * The rules of a request, in the order they apply. Order matters only between the rules that rescale or cut by value
 * (repetition penalty, temperature, top-k, top-p), which see every token but the never-valid ones, and the rest, which
 * block tokens outright and so commute.
 */
export function logitRules(model: GlmModel, options: LogitRuleOptions, utf8: Utf8Vocab): LogitRule[] {
  const special = model.manifest.specialTokens;
  const endIds = [special.eop, special.eos];
  const rules = [
    forPartB(suppressFrom(model.tokenizer.size)),
    forPartB(suppress([special.cls, special.mask, special.smask, special.gmask, special.sop])),
  ];
  if (options.repetitionPenalty !== 1) rules.push(forPartB(repetitionPenalty(options.repetitionPenalty)));
  if (options.temperature > 0) {
    rules.push(forPartB(temperature(options.temperature)));
    if (options.topK > 0) rules.push(forPartB(topK(options.topK)));
    if (options.topP < 1) rules.push(forPartB(topP(options.topP)));
  }
  if (options.maxRepeats > 0) rules.push(forSpan(loopGuard(options.maxRepeats)));
  if (options.blockRepeatedNgrams > 0) rules.push(forSpan(repeatedNgramBlock(options.blockRepeatedNgrams)));
  if (options.minTokens > 0) rules.push(minLength(options.minTokens, endIds));
  if (options.requireContent) rules.push(contentFirst(model.tokenizer.whitespace(), endIds));
  rules.push(wholeCharacters(utf8, endIds), healedFirst());
  return rules;
}

/** A copy of `logits` with the rules applied (the raw row stays intact for log-probabilities). */
export function applyRules(rules: readonly LogitRule[], logits: Float32Array, span: SpanSoFar): Float32Array {
  const copy = Float32Array.from(logits);
  for (const rule of rules) rule(copy, span);
  return copy;
}

/** A processor applied to the tokens of Part B so far (the context a blank may rightly repeat is not among them). */
export function forPartB(processor: LogitsProcessor): LogitRule {
  return (logits, span) => processor(logits, span.partB);
}

/** A processor applied to the span's own tokens (loops and repeats within one fill). */
export function forSpan(processor: LogitsProcessor): LogitRule {
  return (logits, span) => processor(logits, span.tokens);
}

/** The end tokens wait until the span has `minTokens` tokens (seq2seq's MinLengthLogitsProcessor). */
export function minLength(minTokens: number, endIds: readonly number[]): LogitRule {
  const blockEnd = suppress(endIds);
  return (logits, span) => {
    if (span.tokens.length < minTokens) blockEnd(logits, span.tokens);
  };
}

/**
 * Until the span holds non-whitespace text, it may not end, and only a blank that starts a line may open with
 * whitespace (inline only: its indentation). An empty or newline-only fill is never what a user asked for, and a small
 * model's likeliest first token is often exactly that.
 */
export function contentFirst(whitespace: WhitespaceIds, endIds: readonly number[]): LogitRule {
  const blockEnd = suppress(endIds);
  const blockAll = suppress([...whitespace.inline, ...whitespace.lineBreak]);
  const blockLineBreaks = suppress(whitespace.lineBreak);
  return (logits, span) => {
    if (span.hasContent) return;
    blockEnd(logits, span.tokens);
    (span.tokens.length === 0 && span.startsLine ? blockLineBreaks : blockAll)(logits, span.tokens);
  };
}

/**
 * A span takes only tokens that keep its bytes valid UTF-8 and that leave room to finish the character they open,
 * and does not end inside a character (U+FFFD in the user's text otherwise; utf8Guard.ts).
 */
export function wholeCharacters(utf8: Utf8Vocab, endIds: readonly number[]): LogitRule {
  const blockEnd = suppress(endIds);
  return (logits, span) => {
    if (span.utf8 !== BOUNDARY) blockEnd(logits, span.tokens);
    for (const id of utf8.blockedIn(span.utf8, span.room)) logits[id] = -Infinity;
  };
}

/** Token healing (healing.ts): the first token must start with the healed token's text. */
export function healedFirst(): LogitRule {
  return (logits, span) => {
    const allowed = span.tokens.length === 0 ? span.allowedFirst : undefined;
    if (allowed) for (let id = 0; id < logits.length; id++) if (!allowed.has(id)) logits[id] = -Infinity;
  };
}
