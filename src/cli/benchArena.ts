import { readFileSync } from 'node:fs';
import { type GlmModel, infill, loadModel, parseMarkers } from '../glm/index.js';
import { blanksOf } from './benchDrafting.js';

export interface ArenaSide {
  /** Mean milliseconds of one whole fill (prefill and decode). */
  msPerFill: number;
}

export interface ArenaBench {
  fills: number;
  on: ArenaSide;
  off: ArenaSide;
  /** Off over on: above 1, fills are slower without the arena. */
  ratio: number;
  /** Fills that were the same both ways (all of them: the arena changes where tensors live, not what they hold). */
  sameFills: number;
}

/**
 * The same greedy fills on two sessions of one model, onnxruntime's CPU memory arena on and off, alternating which
 * goes first so that a load that changes during the bench skews both alike.
 */
export async function arenaTimes(on: GlmModel, off: GlmModel, texts: readonly string[], repeat: number) {
  const totals = { on: 0, off: 0 };
  let sameFills = 0;
  for (let r = 0; r < repeat; r++) {
    for (const [i, text] of texts.entries()) {
      const fill = async (arena: boolean): Promise<string> => {
        const result = await infill(arena ? on : off, parseMarkers(text), {});
        totals[arena ? 'on' : 'off'] += result.timings.prefillMs + result.timings.decodeMs;
        return result.text;
      };
      const onFirst = (r + i) % 2 === 0;
      const first = await fill(onFirst);
      const second = await fill(!onFirst);
      if (r === 0 && first === second) sameFills++;
    }
  }
  const fills = texts.length * repeat;
  const bench: ArenaBench = {
    fills: texts.length,
    on: { msPerFill: totals.on / fills },
    off: { msPerFill: totals.off / fills },
    ratio: totals.off / totals.on,
    sameFills,
  };
  return bench;
}

/** The memory-arena mode's report: the cost in fill time of running with the arena off. */
export async function arenaReport(
  folder: string,
  load: { threads: number },
  sources: readonly string[],
  repeat: number,
): Promise<string> {
  const texts = sources.flatMap((file) => blanksOf(readFileSync(file, 'utf8')));
  const on = await loadModel(folder, { device: 'cpu', threads: load.threads, memoryArena: true });
  const off = await loadModel(folder, { device: 'cpu', threads: load.threads, memoryArena: false });
  try {
    const b = await arenaTimes(on, off, texts, repeat);
    return (
      `memory arena (${b.fills} fills × ${repeat}, alternating): ${b.on.msPerFill.toFixed(1)} ms/fill on, ` +
      `${b.off.msPerFill.toFixed(1)} off = ${b.ratio.toFixed(3)}x (above 1: slower off); ` +
      `same fills ${b.sameFills}/${b.fills}\n${JSON.stringify({ model: on.manifest.name, repeat, arena: b })}\n`
    );
  } finally {
    await on.dispose();
    await off.dispose();
  }
}
