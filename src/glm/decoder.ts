import type { GlmEngine } from './engine.js';
import type { KvCache } from './kvcache.js';
import { type PartA, partAPositions, partBPosition, partBStepMask } from './layout.js';

/** Part B tokens decided but not yet run through the model, with their positions. */
interface Pending {
  ids: number[];
  positions: [number[], number[]];
}

/**
 * The state of Part B decoding: the K/V cache of Part A and every Part B token fed so far, plus tokens kept but not
 * yet fed. The last token of a span is only needed by the *next* blank, so it rides along with that blank's sop
 * (one run instead of two) and is never run at all after the last blank. States are immutable values: branching
 * (candidates, cloze options) costs nothing.
 */
export class DecodeState {
  private constructor(
    readonly partA: PartA,
    readonly cache: KvCache,
    private readonly pending: Pending,
  ) {}

  /** Runs Part A once (bidirectional). No Part A logit is needed: K = 0 skips the output layer entirely. */
  static async prefill(engine: GlmEngine, partA: PartA): Promise<DecodeState> {
    const n = partA.ids.length;
    const { cache } = await engine.forward(
      { ids: partA.ids, positions: partAPositions(n), mask: new Float32Array(n * n).fill(1), logitPositions: [] },
      engine.emptyCache(),
    );
    return new DecodeState(partA, cache, { ids: [], positions: [[], []] });
  }

  /** Tokens in the cache plus those pending: the sequence length the next run will reach. */
  get length(): number {
    return this.cache.length + this.pending.ids.length;
  }

  /** Adds token j of blank `blank`'s Part B (j = 0 is sop) without running the model. */
  push(blank: number, j: number, id: number): DecodeState {
    const [position, block] = partBPosition(this.partA, blank, j);
    const pending = {
      ids: [...this.pending.ids, id],
      positions: [
        [...this.pending.positions[0], position],
        [...this.pending.positions[1], block],
      ] as [number[], number[]],
    };
    return new DecodeState(this.partA, this.cache, pending);
  }

  /** Runs the pending tokens; returns the logits after the last one (what predicts the next token). */
  async run(engine: GlmEngine): Promise<{ state: DecodeState; logits: Float32Array }> {
    const t = this.pending.ids.length;
    if (t === 0) throw new Error('nothing to run: push a token first');
    const { logits, cache } = await engine.forward(
      {
        ids: this.pending.ids,
        positions: this.pending.positions,
        mask: partBStepMask(this.cache.length, t),
        logitPositions: [t - 1],
      },
      this.cache,
    );
    return {
      state: new DecodeState(this.partA, cache, { ids: [], positions: [[], []] }),
      logits: logits[0] as Float32Array,
    };
  }

  /**
   * Runs the pending tokens in one pass, the last `drafted` of them a guess (drafting.ts). Row i of the logits follows
   * the i-th token from the last one before the guess; `after(i)` is the state after that same token, the tokens past
   * it undone as if never run.
   */
  async runDrafted(
    engine: GlmEngine,
    drafted: number,
  ): Promise<{ logits: Float32Array[]; after: (row: number) => DecodeState }> {
    const t = this.pending.ids.length;
    if (drafted < 0 || drafted >= t)
      throw new Error(`a draft of ${drafted} needs a pending token before it (${t} pending)`);
    const first = t - 1 - drafted;
    const rows = Array.from({ length: drafted + 1 }, (_, i) => first + i);
    const { logits, cache } = await engine.forward(
      {
        ids: this.pending.ids,
        positions: this.pending.positions,
        mask: partBStepMask(this.cache.length, t),
        logitPositions: rows,
      },
      this.cache,
    );
    const empty: Pending = { ids: [], positions: [[], []] };
    const after = (row: number): DecodeState =>
      new DecodeState(this.partA, cache.prefix(this.cache.length + first + row + 1), empty);
    return { logits, after };
  }

  /** Runs the pending tokens and returns the logits after each of them (cloze scoring). */
  async runAll(engine: GlmEngine): Promise<Float32Array[]> {
    const t = this.pending.ids.length;
    const all = Array.from({ length: t }, (_, i) => i);
    const { logits } = await engine.forward(
      {
        ids: this.pending.ids,
        positions: this.pending.positions,
        mask: partBStepMask(this.cache.length, t),
        logitPositions: all,
      },
      this.cache,
    );
    return logits;
  }
}
