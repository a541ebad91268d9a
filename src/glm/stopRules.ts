import type { BlankKind } from './blank.js';
import { logNormalizer } from './processors.js';
import { UTF8_GRACE_TOKENS, type SpanPoint, type SpanView } from './span.js';
import { EchoWatch, type StopReason, sentenceEnd, usesSentenceRule } from './stopping.js';
import { BOUNDARY, type Utf8Vocab } from './utf8Guard.js';

/** One decoding step: the row of logits the next token is chosen from (the context cache mixed in). */
export class Step {
  /** Shared by every log-probability read from the row (one pass of exp over it). */
  readonly normalizer: number;

  constructor(readonly logits: Float32Array) {
    this.normalizer = logNormalizer(logits);
  }

  /** log p(id) under the step's distribution. */
  logProb(id: number): number {
    return (this.logits[id] as number) - this.normalizer;
  }
}

/** Why a span stops, and the point it ends at: where it stands, or one it passed (the fill is cut back to it). */
export interface Stop {
  reason: StopReason;
  at: SpanPoint;
}

/**
 * A stop rule (in the spirit of transformers.js's stopping criteria), asked at each phase of a step; a rule answers
 * only where it has something to say. The span is read, never written.
 */
export interface StopRule {
  /** A step begins: its logits are known, no token is chosen yet. */
  beforeChoice?(span: SpanView, step: Step): Stop | undefined;
  /** Token `next` is chosen and has not joined the span (an end token never joins it). */
  beforeToken?(span: SpanView, next: number, step: Step): Stop | undefined;
  /** The token joined the span. */
  afterToken?(span: SpanView): Stop | undefined;
  /** The span stopped, by this rule or another: where it ends after all. */
  settle?(span: SpanView, stop: Stop): Stop;
}

/** The rules of one span, asked in order; the first stop wins. */
export class StopRules {
  constructor(private readonly rules: readonly StopRule[]) {}

  beforeChoice(span: SpanView, step: Step): Stop | undefined {
    return this.first((rule) => rule.beforeChoice?.(span, step));
  }

  beforeToken(span: SpanView, next: number, step: Step): Stop | undefined {
    return this.first((rule) => rule.beforeToken?.(span, next, step));
  }

  afterToken(span: SpanView): Stop | undefined {
    return this.first((rule) => rule.afterToken?.(span));
  }

  settle(span: SpanView, stop: Stop): Stop {
    return this.rules.reduce((settled, rule) => rule.settle?.(span, settled) ?? settled, stop);
  }

  private first(ask: (rule: StopRule) => Stop | undefined): Stop | undefined {
    for (const rule of this.rules) {
      const stop = ask(rule);
      if (stop) return stop;
    }
    return undefined;
  }
}

/** What a span's stop rules are made from. */
export interface StopRuleOptions {
  signal: AbortSignal | undefined;
  kind: BlankKind;
  endIds: readonly number[];
  /** The text after the blank, when the span stops at an echo of it. */
  echoOf: string | undefined;
  /** The end token whose probability marks the likeliest end, when a span that ran on is cut back to it. */
  likeliestEndOf: number | undefined;
  minTokens: number;
  maxTokens: number;
  maxLength: number;
  utf8: Utf8Vocab;
}

/** The stop rules of one span (they keep state: a span's own). Order matters where two would stop at one phase. */
export function stopRules(options: StopRuleOptions): StopRules {
  const rules: StopRule[] = [cancellation(options.signal)];
  if (options.likeliestEndOf !== undefined) rules.push(likeliestEnd(options.likeliestEndOf, options.minTokens));
  rules.push(endToken(options.endIds));
  if (options.echoOf !== undefined) rules.push(echo(options.echoOf));
  if (usesSentenceRule(options.kind)) rules.push(sentence());
  rules.push(wholeCharacterEnd(options.utf8), tokenLimit(options.maxTokens), contextLimit(options.maxLength));
  return new StopRules(rules);
}

export function cancellation(signal: AbortSignal | undefined): StopRule {
  return { beforeChoice: (span) => (signal?.aborted ? { reason: 'cancelled', at: span.point() } : undefined) };
}

/** The model ends the span: eop or eos, whose log-probability counts in the span's. */
export function endToken(endIds: readonly number[]): StopRule {
  return {
    beforeToken: (span, next, step) =>
      endIds.includes(next) ? { reason: 'end', at: span.point(step.logProb(next)) } : undefined,
  };
}

/**
 * A span that ran on (it ended later, or hit its limit) is cut back to where ending was likeliest along its own path:
 * the prefix with the highest log p(prefix) + log p(end | prefix). A small model that has written the right word often
 * goes on (`install` → `install install install`) although ending there was likelier.
 */
export function likeliestEnd(end: number, minTokens: number): StopRule {
  let best: SpanPoint | undefined;
  return {
    beforeChoice(span, step) {
      if (!span.hasContent || span.tokens.length < minTokens || span.utf8 !== BOUNDARY) return undefined;
      const ending = span.logProb + (step.logits[end] as number) - step.normalizer;
      if (best === undefined || ending > best.logProb) best = { ...span.point(), logProb: ending };
      return undefined;
    },
    settle: (_span, stop) => {
      const ranOn =
        (stop.reason === 'end' || stop.reason === 'limit') && best !== undefined && best.tokens < stop.at.tokens;
      return ranOn ? { reason: 'end', at: best as SpanPoint } : stop;
    },
  };
}

/**
 * The span starts to repeat `after`, the text after its blank: it stops, and the repeat is dropped. An echo starts
 * where a character ends (stopping.ts's EchoWatch says where).
 */
export function echo(after: string): StopRule {
  const watch = new EchoWatch<SpanPoint>(after);
  let boundary = { textLength: 0, at: undefined as SpanPoint | undefined };
  return {
    beforeToken(span) {
      const at = span.point();
      boundary = { textLength: at.whole ? span.text().length : 0, at };
      return undefined;
    },
    afterToken(span) {
      const cut = watch.next(span.text(), boundary.textLength, boundary.at as SpanPoint);
      return cut && { reason: 'echo', at: cut };
    },
  };
}

/** A sentence blank ends with its sentence: before a token that starts the next one, or after the token that ends it. */
export function sentence(): StopRule {
  let endsAfterToken = false;
  return {
    beforeToken(span, next) {
      const before = span.text();
      const end = sentenceEnd(span.textWith(next));
      endsAfterToken = end > before.length;
      return end >= 0 && !endsAfterToken ? { reason: 'sentence', at: span.point() } : undefined;
    },
    afterToken: (span) => (endsAfterToken ? { reason: 'sentence', at: span.point() } : undefined),
  };
}

/**
 * A span never ends inside a UTF-8 character (U+FFFD in the text): a token that breaks the character ends it (every
 * token that could finish it was blocked), and a span that stopped inside one is cut back to its last whole character.
 */
export function wholeCharacterEnd(utf8: Utf8Vocab): StopRule {
  return {
    beforeToken: (span, next) =>
      utf8.after(span.utf8, next) === undefined ? { reason: 'end', at: span.point() } : undefined,
    settle: (span, stop) => (stop.at.whole ? stop : { reason: stop.reason, at: span.lastWhole }),
  };
}

/** At most `maxTokens`, and up to UTF8_GRACE_TOKENS more to finish a character the span is in the middle of. */
export function tokenLimit(maxTokens: number): StopRule {
  return {
    afterToken(span) {
      const n = span.tokens.length;
      const reached = n >= maxTokens && (span.utf8 === BOUNDARY || n >= maxTokens + UTF8_GRACE_TOKENS);
      return reached ? { reason: 'limit', at: span.point() } : undefined;
    },
  };
}

/** The span's share of the model's positions is used up. */
export function contextLimit(maxLength: number): StopRule {
  return {
    afterToken: (span) => (span.state.length >= maxLength ? { reason: 'context', at: span.point() } : undefined),
  };
}
