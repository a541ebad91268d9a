import { performance } from 'node:perf_hooks';
import { DecodeState } from '../glm/decoder.js';
import type { GlmModel } from '../glm/index.js';
import type { PartA } from '../glm/layout.js';

/** The middle value (the upper one of two): what the bench modes report over their runs. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** This process's CPU time so far, all threads (steadier than wall time on a shared machine). */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Greedy-style decode steps after an untimed prefill of `partA`, the K/V cache growing as in a fill: milliseconds per
 * token of wall time and of process CPU time.
 */
export async function timeDecode(
  model: GlmModel,
  partA: PartA,
  span: readonly number[],
): Promise<{ wallMs: number; cpuMs: number }> {
  let state = await DecodeState.prefill(model.engine, partA);
  const [wall, cpu] = [performance.now(), cpuMs()];
  for (const [j, id] of span.entries()) state = (await state.push(0, j, id).run(model.engine)).state;
  return { wallMs: (performance.now() - wall) / span.length, cpuMs: (cpuMs() - cpu) / span.length };
}
