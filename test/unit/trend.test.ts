import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trendPercent } from '../../src/fuzz/trend.js';

test('the soak trend: a steady rise is its percent of the start, flat noise is near zero with an error', () => {
  const rising = Array.from({ length: 100 }, (_, i) => 200 + i * (20 / 99)); // 200 → 220 MiB: +10 %
  assert.deepEqual(trendPercent(rising), { percent: 10, standardError: 0 });
  const swinging = Array.from({ length: 100 }, (_, i) => 250 + (i % 2 === 0 ? 10 : -10));
  const flat = trendPercent(swinging);
  assert.ok(Math.abs(flat.percent) < 1, JSON.stringify(flat));
  assert.ok(flat.standardError > 0.5 && flat.standardError < 3, JSON.stringify(flat));
});
