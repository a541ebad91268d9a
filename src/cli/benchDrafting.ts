import { readFileSync } from 'node:fs';
import { draftsExactly } from '../glm/drafting.js';
import { type GlmModel, infill, parseMarkers } from '../glm/index.js';
import { cursorCases } from './benchCursors.js';

export interface DraftingSide {
  msPerToken: number;
  /** Tokens decoded per run over all blanks. */
  tokens: number;
}

export interface DraftingBench {
  blanks: number;
  off: DraftingSide;
  on: DraftingSide;
  /** Off over on: higher is faster with drafting. */
  speedup: number;
  drafted: number;
  accepted: number;
  /** Blanks whose fill was the same both ways (all of them, or drafting is broken). */
  sameFills: number;
}

/** Blanks cut into `text` as a user's would be: at each bench cursor, the rest of its line (benchCursors.ts). */
export function blanksOf(text: string): string[] {
  return cursorCases(text).map((c) => `${c.text.slice(0, c.offset)}[MASK]${c.text.slice(c.offset)}`);
}

/**
 * Greedy fills of every blank with drafting off and on, alternating which goes first from run to run so that a load
 * that changes during the bench skews both alike: decode milliseconds per generated token each way.
 */
export async function draftingTimes(model: GlmModel, texts: readonly string[], repeat: number): Promise<DraftingBench> {
  const totals = { off: { ms: 0, tokens: 0 }, on: { ms: 0, tokens: 0 } };
  const counts = { drafted: 0, accepted: 0, sameFills: 0 };
  for (let r = 0; r < repeat; r++) {
    for (const [i, text] of texts.entries()) {
      const fill = async (lookupDrafting: boolean): Promise<string> => {
        const onDraft =
          lookupDrafting && r === 0
            ? (e: { drafted: number; accepted: number }) =>
                void ((counts.drafted += e.drafted), (counts.accepted += e.accepted))
            : undefined;
        const side = lookupDrafting ? totals.on : totals.off;
        // Every token decoded counts, also those a stop rule later cuts off (the fill keeps fewer).
        const onToken = (): void => void side.tokens++;
        const result = await infill(model, parseMarkers(text), { lookupDrafting, onDraft, onToken });
        side.ms += result.timings.decodeMs;
        return result.text;
      };
      const offFirst = (r + i) % 2 === 0;
      const first = await fill(!offFirst);
      const second = await fill(offFirst);
      if (r === 0 && first === second) counts.sameFills++;
    }
  }
  const side = (t: { ms: number; tokens: number }): DraftingSide => ({
    msPerToken: t.ms / t.tokens,
    tokens: t.tokens / repeat,
  });
  const off = side(totals.off);
  const on = side(totals.on);
  return { blanks: texts.length, off, on, speedup: off.msPerToken / on.msPerToken, ...counts };
}

/** The drafting mode's report: code and prose apart, since code repeats itself far more. */
export async function draftingReport(
  model: GlmModel,
  sources: { code: string; prose: string },
  repeat: number,
): Promise<string> {
  if (!draftsExactly(model.engine.graphNodes)) {
    return (
      `lookup drafting: does not apply to ${model.manifest.name} (${model.manifest.weights}: its graph quantizes ` +
      'activations to int8, so a drafted pass would change fills); give an fp32, fp16 or nbits4 model\n'
    );
  }
  const lines: string[] = [];
  const results: Record<string, DraftingBench> = {};
  for (const [name, file] of Object.entries(sources)) {
    const b = await draftingTimes(model, blanksOf(readFileSync(file, 'utf8')), repeat);
    results[name] = b;
    lines.push(
      `lookup drafting, ${name} (${b.blanks} blanks, ${b.on.tokens.toFixed(0)} tokens): ` +
        `${b.off.msPerToken.toFixed(2)} ms/token off, ${b.on.msPerToken.toFixed(2)} on = ${b.speedup.toFixed(2)}x; ` +
        `${b.accepted}/${b.drafted} drafted tokens taken; same fills ${b.sameFills}/${b.blanks}`,
    );
  }
  return `${lines.join('\n')}\n${JSON.stringify({ model: model.manifest.name, weights: model.manifest.weights, repeat, drafting: results })}\n`;
}
