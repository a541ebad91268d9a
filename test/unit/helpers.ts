import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type GlmModel, loadModel } from '../../src/glm/index.js';

// Tests are bundled into out/test/unit; the repository root is three levels up.
export const ROOT = resolve(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const TINY = join(FIXTURES, 'tiny');

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** The tiny fixture model on one thread: the machine is shared, and tests must not fight over cores. */
export function loadTiny(folder = TINY): Promise<GlmModel> {
  return loadModel(folder, { device: 'cpu', threads: 1 });
}

/** A scratch copy of the tiny model folder (or another) to break on purpose; removed by the returned cleanup. */
export async function tinyCopy(source = TINY): Promise<{ folder: string; cleanup: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'glm-tiny-'));
  await cp(source, folder, { recursive: true });
  return { folder, cleanup: () => rm(folder, { recursive: true, force: true }) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
