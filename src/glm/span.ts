import type { DecodeState } from './decoder.js';
import type { GlmTokenizer, WhitespaceIds } from './tokenizer.js';
import { BOUNDARY, type Utf8State, type Utf8Vocab } from './utf8Guard.js';

// Tokens a span may take past maxTokens to finish a character it is in the middle of (a character has 4 bytes at most).
export const UTF8_GRACE_TOKENS = 3;

/** A point a span passed: its first `tokens` tokens, their log-probability, and the decode state after them. */
export interface SpanPoint {
  tokens: number;
  logProb: number;
  state: DecodeState;
  /** The span's bytes end on a character boundary there. */
  whole: boolean;
}

/** What the logit rules read of a span whose next token is being chosen. */
export interface SpanSoFar {
  /** Part B so far: the earlier blanks' chosen fills, then this span's tokens. */
  readonly partB: readonly number[];
  /** This span's tokens. */
  readonly tokens: readonly number[];
  /** Some token holds non-whitespace text. */
  readonly hasContent: boolean;
  /** The text before the blank ends with a line break (or the blank starts the text). */
  readonly startsLine: boolean;
  /** Token healing: the ids the first token may be. */
  readonly allowedFirst: ReadonlySet<number> | undefined;
  /** Where the span's bytes stand in UTF-8 (utf8Guard.ts). */
  readonly utf8: Utf8State;
  /** Tokens that may follow the next one (UTF8_GRACE_TOKENS and more: no limit). */
  readonly room: number;
}

/** What the stop rules read of a span: where it stands, its text, and the points it passed. */
export interface SpanView extends SpanSoFar {
  readonly logProb: number;
  readonly state: DecodeState;
  /** The last point at which the span's bytes ended on a character boundary. */
  readonly lastWhole: SpanPoint;
  text(): string;
  textWith(next: number): string;
  point(endLogProb?: number): SpanPoint;
}

/** What a span is generated for: fixed from its first token to its last. */
export interface SpanSetup {
  tokenizer: GlmTokenizer;
  utf8: Utf8Vocab;
  whitespace: WhitespaceIds;
  /** Part B before this span. */
  history: readonly number[];
  blank: number;
  startsLine: boolean;
  /** Token healing: the healed token's text, which every fill starts with and which is not shown. */
  healedPrefix: string | undefined;
  allowedFirst: ReadonlySet<number> | undefined;
  /** The sequence length the span may reach. */
  maxLength: number;
  /** Tokens the span may take before its grace for an unfinished character (maxTokens, plus the healed token). */
  maxTokens: number;
}

/**
 * A span being generated: its tokens, their log-probability, the decode state, and what the rules ask of it (its
 * text, whether it has content, where its bytes stand in UTF-8). The loop in generate.ts is its only writer.
 */
export class Span implements SpanView {
  readonly tokens: number[] = [];
  logProb = 0;
  utf8: Utf8State = BOUNDARY;
  hasContent = false;
  lastWhole: SpanPoint;
  // The fill's text, decoded at most once per token and only when a rule or a listener asks for it: `known` holds the
  // text of the first `count` tokens, `ahead` the text with one token more (textWith), kept for when it joins.
  private known = { count: 0, text: '' };
  private ahead = { count: -1, next: -1, text: '' };
  private partBKnown = { count: -1, ids: [] as readonly number[] };

  constructor(
    private readonly setup: SpanSetup,
    private current: DecodeState,
  ) {
    this.lastWhole = this.point();
  }

  /** The decode state after the span's tokens (the last one may be pending: not yet run through the model). */
  get state(): DecodeState {
    return this.current;
  }

  /** The state after the model ran the span's pending token (the points passed keep theirs, token pending). */
  ran(state: DecodeState): void {
    this.current = state;
  }

  get startsLine(): boolean {
    return this.setup.startsLine;
  }

  get allowedFirst(): ReadonlySet<number> | undefined {
    return this.setup.allowedFirst;
  }

  get partB(): readonly number[] {
    if (this.partBKnown.count !== this.tokens.length)
      this.partBKnown = { count: this.tokens.length, ids: [...this.setup.history, ...this.tokens] };
    return this.partBKnown.ids;
  }

  /**
   * Tokens that may follow the next one, by the positions left and the token budget: a character the next token opens
   * must be finished within them, so a span ends whole. The budget is maxTokens plus the grace for a character cut at
   * the limit (the healed token re-generates text already there and so does not count against maxTokens).
   */
  get room(): number {
    const { maxLength, maxTokens } = this.setup;
    return Math.min(maxLength - this.state.length, maxTokens + UTF8_GRACE_TOKENS - this.tokens.length) - 1;
  }

  /** What the fill adds to the text: the healed prefix (see healing.ts) is already there. */
  text(): string {
    if (this.known.count !== this.tokens.length)
      this.known = { count: this.tokens.length, text: this.shown(this.tokens) };
    return this.known.text;
  }

  /** The fill's text with `next` added (remembered: text() need not decode it again once `next` joins). */
  textWith(next: number): string {
    const count = this.tokens.length + 1;
    if (this.ahead.count !== count || this.ahead.next !== next)
      this.ahead = { count, next, text: this.shown([...this.tokens, next]) };
    return this.ahead.text;
  }

  /** The span as it stands, with `endLogProb` (an end token's) added to its log-probability. */
  point(endLogProb?: number): SpanPoint {
    const logProb = endLogProb === undefined ? this.logProb : this.logProb + endLogProb;
    return { tokens: this.tokens.length, logProb, state: this.state, whole: this.utf8 === BOUNDARY };
  }

  /** Adds token `next` (log-probability `logProb`) to the span and its decode state, without running the model. */
  push(next: number, logProb: number): void {
    const utf8 = this.setup.utf8.after(this.utf8, next);
    if (utf8 === undefined) throw new Error(`token ${next} breaks UTF-8: a stop rule should have ended the span`);
    this.utf8 = utf8;
    this.tokens.push(next);
    if (this.ahead.count === this.tokens.length && this.ahead.next === next)
      this.known = { count: this.ahead.count, text: this.ahead.text };
    const { whitespace } = this.setup;
    this.hasContent ||=
      this.setup.healedPrefix !== undefined
        ? /\S/u.test(this.text())
        : !whitespace.inline.has(next) && !whitespace.lineBreak.has(next);
    this.logProb += logProb;
    this.current = this.current.push(this.setup.blank, this.tokens.length, next);
    if (utf8 === BOUNDARY) this.lastWhole = this.point();
  }

  /** The tokens and text of the span up to `at`. */
  until(at: SpanPoint): { tokens: number[]; text: string } {
    if (at.tokens === this.tokens.length) return { tokens: this.tokens, text: this.text() };
    const head = this.tokens.slice(0, at.tokens);
    return { tokens: head, text: this.shown(head) };
  }

  private shown(ids: readonly number[]): string {
    return this.setup.tokenizer.decode(ids).slice(this.setup.healedPrefix?.length ?? 0);
  }
}
