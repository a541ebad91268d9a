import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readGraphNodes } from '../../src/glm/graphNodes.js';
import { FIXTURES, TINY } from './helpers.js';

const count = (ops: string[], op: string): number => ops.filter((o) => o === op).length;

test('the nodes of the tiny graphs: fp32 MatMuls, fused attention, DynamicQuantizeMatMul, MatMulNBits', async () => {
  const fp32 = (await readGraphNodes(join(TINY, 'model.onnx'))).map((n) => n.opType);
  assert.equal(count(fp32, 'MatMul'), 8, 'two layers: 4 weight MatMuls each');
  assert.equal(count(fp32, 'MultiHeadAttention'), 2, 'attention fused, one node per layer (models.glm.fuse)');
  assert.equal(count(fp32, 'LayerNormalization'), 5);
  const int8 = await readGraphNodes(join(FIXTURES, 'tiny-int8', 'model.onnx'));
  const dynamic = int8.filter((n) => n.opType === 'DynamicQuantizeMatMul');
  assert.equal(dynamic.length, 9, '8 weights and the output layer');
  assert.ok(dynamic.every((n) => n.domain === 'com.microsoft'));
  // tiny-nbits4 is an export from before fusion: the attention products are plain MatMuls.
  const nbitsGraph = await readGraphNodes(join(FIXTURES, 'tiny-nbits4', 'model.onnx'));
  assert.equal(
    count(
      nbitsGraph.map((n) => n.opType),
      'MultiHeadAttention',
    ),
    0,
  );
  const nbits = nbitsGraph.filter((n) => n.opType === 'MatMulNBits');
  assert.equal(nbits.length, 9);
  assert.deepEqual(nbits[0]?.ints, { K: 64, N: 192, accuracy_level: 0, bits: 4, block_size: 32 });
});

test('a file that is not a protobuf, or is cut short, is an error that names the problem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glm-graph-'));
  try {
    const cut = join(dir, 'cut.onnx');
    // ModelProto.graph (field 7) announcing 100 bytes, of which 3 follow.
    await writeFile(cut, Uint8Array.from([0x3a, 100, 0x0a, 0x01, 0x00]));
    await assert.rejects(readGraphNodes(cut), /The ONNX graph could not be read: .*(ends inside|runs past)/);
    const wire = join(dir, 'wire.onnx');
    await writeFile(wire, Uint8Array.from([0x0b]));
    await assert.rejects(readGraphNodes(wire), /wire type 3/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
