import { argmax, softmax } from './processors.js';

/** A seeded 32-bit PRNG (mulberry32): small, fast and the same on every platform, so a seed reproduces a fill. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks a token from processed logits: argmax when `random` is absent, else a draw from the softmax. */
export type Sampler = (logits: Float32Array) => number;

export const greedy: Sampler = argmax;

export function sampler(random: () => number): Sampler {
  return (logits) => {
    const probs = softmax(logits);
    let r = random();
    for (let i = 0; i < probs.length; i++) {
      r -= probs[i] as number;
      if (r < 0) return i;
    }
    return argmax(logits); // rounding left r ≥ 0: fall back to the mode rather than an impossible id
  };
}
