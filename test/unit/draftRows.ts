import { DecodeState } from '../../src/glm/decoder.js';
import type { buildPartA } from '../../src/glm/layout.js';
import type { GlmModel } from '../../src/glm/model.js';

/**
 * The logits of `tokens` (one blank's first Part B tokens) decoded one at a time, and the same tokens run as one
 * drafted pass from a fresh prefill: what drafting must reproduce, and what it gave.
 */
export async function oneByOneAndDrafted(model: GlmModel, partA: ReturnType<typeof buildPartA>, tokens: number[]) {
  let sequential = await DecodeState.prefill(model.engine, partA);
  const oneByOne: Float32Array[] = [];
  for (const [j, id] of tokens.entries()) {
    const run = await sequential.push(0, j, id).run(model.engine);
    oneByOne.push(Float32Array.from(run.logits));
    sequential = run.state;
  }
  const start = await DecodeState.prefill(model.engine, partA);
  const drafted = await tokens
    .reduce((s, id, j) => s.push(0, j, id), start)
    .runDrafted(model.engine, tokens.length - 1);
  return { oneByOne, start, drafted };
}
