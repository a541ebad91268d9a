import type { DecodeState } from './decoder.js';
import type { GlmEngine } from './engine.js';
import type { Span } from './span.js';

/** What the next step of a span reads: the state after its last token, and the logits that token gave. */
export interface RanStep {
  state: DecodeState;
  logits: Float32Array;
}

/**
 * One pass over a span's pending token and a draft after it (drafting.ts). The span's steps read its rows in order for
 * as long as the span chooses the drafted tokens: each row is what a one-token run would have given there, since a
 * token attends only to those before it. The first token that differs ends the run; the states it hands out keep
 * only the tokens before that point (decoder.ts runDrafted).
 */
export class VerifiedRun {
  /** Rows the span has reached: row `reached` follows its last token. */
  private reached = 0;

  private constructor(
    private readonly draft: readonly number[],
    private readonly logits: readonly Float32Array[],
    private readonly after: (row: number) => DecodeState,
  ) {}

  /** Runs the span's pending token and `draft` after it (the span's next tokens, as guessed). */
  static async start(engine: GlmEngine, span: Span, blank: number, draft: readonly number[]): Promise<VerifiedRun> {
    const n = span.tokens.length;
    const state = draft.reduce((s, id, i) => s.push(blank, n + 1 + i, id), span.state);
    const { logits, after } = await state.runDrafted(engine, draft.length);
    return new VerifiedRun(draft, logits, after);
  }

  /** Tokens drafted. */
  get drafted(): number {
    return this.draft.length;
  }

  /** Drafted tokens the span took. */
  get accepted(): number {
    return this.reached;
  }

  /** The step after the span's pending token. */
  first(): RanStep {
    return this.row(0);
  }

  /** The span took `token` next: the step after it, when the draft had guessed it (else a new run is needed). */
  follow(token: number): RanStep | undefined {
    if (this.reached >= this.draft.length || this.draft[this.reached] !== token) return undefined;
    this.reached++;
    return this.row(this.reached);
  }

  private row(i: number): RanStep {
    return { state: this.after(i), logits: this.logits[i] as Float32Array };
  }
}
