import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { boundRow, bytesPerToken, decodeBound, memoryBound, readBandwidth } from '../../src/cli/benchBound.js';
import type { Architecture } from '../../src/glm/manifest.js';
import { buildPartA } from '../../src/glm/layout.js';
import { ROOT, loadTiny } from './helpers.js';

const DEFAULT = join(ROOT, 'models', 'default');
const defaultArch = (JSON.parse(readFileSync(join(DEFAULT, 'glm.json'), 'utf8')) as { architecture: Architecture })
  .architecture;
const GLM_LARGE: Architecture = { ...defaultArch, vocabSize: 30592, hiddenSize: 1024, numLayers: 24, numHeads: 16 };

test('bytes per token of the default shape: int8 matrices, their scales, fp32 vectors, and the K/V at T', () => {
  const b = bytesPerToken(defaultArch, 'int8', 256);
  assert.ok(b);
  // 6 × 12 × 384² + 8192 × 384 int8 codes; (6 × 9 × 384 + 8192) scales and (6 × 13 × 384 + 2 × 384) fp32 vectors.
  assert.equal(b.weights, 13_762_560 + 4 * 28_928 + 4 * 30_720);
  assert.equal(b.kvCache, 6 * 2 * 256 * 384 * 4); // the 4.7 MB at T = 256
  assert.equal(b.total, b.weights + b.kvCache);
  const fp32 = bytesPerToken(defaultArch, 'fp32', 256);
  assert.equal(fp32?.weights, 4 * (13_762_560 + 30_720));
  assert.ok(
    (bytesPerToken(defaultArch, 'nbits4', 0)?.weights ?? 0) < (bytesPerToken(defaultArch, 'nbits8', 0)?.weights ?? 0),
  );
  assert.equal(bytesPerToken(defaultArch, 'bf16', 256), undefined);
});

test('the int8 weights a step reads are the shipped model file less its position tables (within 2 %)', () => {
  const { weights } = bytesPerToken(defaultArch, 'int8', 0) ?? { weights: 0 };
  const positionTables = 2 * (defaultArch.maxSequenceLength + 1) * defaultArch.hiddenSize * 4;
  const file = statSync(join(DEFAULT, 'model.onnx')).size;
  assert.ok(Math.abs(weights + positionTables - file) / file < 0.02, `${weights + positionTables} vs ${file}`);
});

test('glm-large: 334.7 M parameters less its position tables, one byte each at int8', () => {
  const b = bytesPerToken(GLM_LARGE, 'int8', 0);
  const matrices = 24 * 12 * 1024 ** 2 + 30592 * 1024;
  assert.equal(matrices + 24 * 13 * 1024 + 2 * 1024 + 2 * 513 * 1024, 334_688_256); // docs/glm.md's count
  assert.ok(b && b.weights > matrices && b.weights < matrices * 1.01);
});

test('the bound is bytes over bandwidth, and the ratios bound over measured, in wall and in CPU time', () => {
  const bytes = { weights: 15e6, kvCache: 5e6, total: 20e6 };
  const speed = { wallMsPerToken: 4, cpuMsPerToken: 2.5, runs: 3 };
  const readings = [
    { wall: 8e9, cpu: 9e9 },
    { wall: 12e9, cpu: 11e9 },
  ];
  const b = memoryBound(bytes, 256, readings, speed); // the mean of the readings before and after the decode
  assert.deepEqual(b.bandwidth, { wall: 10e9, cpu: 10e9 });
  assert.deepEqual(b.boundMsPerToken, { wall: 2, cpu: 2 });
  assert.equal(b.ratio, 0.5);
  assert.equal(b.cpuRatio, 0.8);
  assert.equal(
    boundRow(b),
    '20.0 MB/token (weights 15.0 MB + K/V 5.0 MB at T = 256) / 10.0 GB/s read (CPU time 10.0; before, after: ' +
      '8.0, 12.0) = 2.000 ms/token (CPU 2.000); decode 4.000 ms/token (CPU 2.500, median of 3): ' +
      'bound / measured = 0.50 (CPU 0.80)',
  );
});

test('decodeBound on the tiny model: the mean K/V length over the steps, measured decode, a reason for unknown weights', async () => {
  const model = await loadTiny();
  try {
    const special = model.manifest.specialTokens;
    const partA = buildPartA([model.tokenizer.encode('one two three four five six'), []], ['document'], special);
    const b = await decodeBound(model, partA, 8, 2);
    assert.ok(typeof b !== 'string', String(b));
    assert.equal(b.cacheLength, partA.ids.length + 4.5); // steps read |Part A| + 1 … |Part A| + 8 positions
    assert.equal(b.bytesPerToken.kvCache, 2 * 2 * b.cacheLength * 64 * 4);
    assert.equal(b.bytesPerToken.weights, 4 * (2 * 12 * 64 * 64 + 384 * 64 + 2 * 13 * 64 + 2 * 64)); // fp32
    assert.equal(b.readings.length, 2);
    assert.equal(b.measured.runs, 2);
    assert.ok(b.measured.wallMsPerToken > 0 && b.measured.cpuMsPerToken > 0);
    assert.equal(b.ratio, b.boundMsPerToken.wall / b.measured.wallMsPerToken);
    const relabelled = { ...model, manifest: { ...model.manifest, weights: 'bf16' } };
    assert.equal(await decodeBound(relabelled, partA, 8, 2), 'skipped: weights "bf16" of unknown size');
  } finally {
    await model.dispose();
  }
});

test('readBandwidth times a copy in a process of its own: bytes over a positive time, no growth here', () => {
  const rss = process.memoryUsage().rss;
  const bandwidth = readBandwidth(64 * 2 ** 20, 3);
  for (const bytesPerSecond of [bandwidth.wall, bandwidth.cpu]) {
    assert.ok(Number.isFinite(bytesPerSecond) && bytesPerSecond > 1e8, JSON.stringify(bandwidth));
  }
  assert.ok(process.memoryUsage().rss - rss < 32 * 2 ** 20); // the 128 MiB of buffers lived in the child
});
