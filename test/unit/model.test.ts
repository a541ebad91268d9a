import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GlmError } from '../../src/glm/errors.js';
import { MAX_THREADS, defaultThreads, resolveThreads } from '../../src/glm/engine.js';
import { loadModel } from '../../src/glm/model.js';
import { FIXTURES, TINY, loadTiny, tinyCopy } from './helpers.js';

function expectError(code: string, ...patterns: RegExp[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof GlmError, `not a GlmError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

/** Loads a broken copy of the tiny model made by `breakIt`, and checks the error. */
async function withBrokenCopy(
  breakIt: (folder: string) => Promise<void>,
  code: string,
  ...patterns: RegExp[]
): Promise<void> {
  const { folder, cleanup } = await tinyCopy();
  try {
    await breakIt(folder);
    await assert.rejects(loadTiny(folder), expectError(code, ...patterns));
  } finally {
    await cleanup();
  }
}

async function editManifest(
  folder: string,
  edit: (json: Record<string, unknown> & { architecture: Record<string, unknown> }) => void,
): Promise<void> {
  const file = join(folder, 'glm.json');
  const json = JSON.parse(await readFile(file, 'utf8'));
  edit(json);
  await writeFile(file, JSON.stringify(json));
}

test('the tiny model loads, on the CPU when the CPU is asked', async () => {
  const model = await loadTiny();
  assert.deepEqual(model.device, { requested: 'cpu', used: 'cpu' });
  assert.equal(model.tokenizer.size, 384);
  await model.dispose();
  await assert.rejects(
    model.engine.forward(
      { ids: [1], positions: [[0], [0]], mask: new Float32Array(1), logitPositions: [0] },
      undefined as never,
    ),
    /disposed/,
  );
});

test('missing model folder', async () => {
  await assert.rejects(
    loadModel('/nonexistent/glm-model'),
    expectError('model-missing', /Model folder \/nonexistent\/glm-model does not exist/),
  );
});

test('missing model file named by the manifest', async () => {
  await withBrokenCopy((f) => rm(join(f, 'model.onnx')), 'model-missing', /Model file .*model\.onnx is missing/);
});

test('corrupt ONNX file', async () => {
  await withBrokenCopy(
    (f) =>
      writeFile(join(f, 'model.onnx'), Buffer.from('this is not a protobuf model, just garbage bytes \x00\x01\x02')),
    'model-invalid',
    /model\.onnx could not be loaded by onnxruntime/,
  );
});

test('manifest that does not match the graph: layer count', async () => {
  await withBrokenCopy(
    (f) => editManifest(f, (j) => (j.architecture.numLayers = 3)),
    'model-invalid',
    /model\.onnx does not match its manifest \(glm\.json\)/,
    /missing inputs cache_key_2, cache_value_2/,
    /missing outputs new_key_2/,
  );
});

test('manifest that does not match a graph from before fusion: layer count, heads', async () => {
  const nbits4 = join(FIXTURES, 'tiny-nbits4');
  for (const [edit, patterns] of [
    [
      (j: Record<string, unknown>) => (j.numLayers = 3),
      [/missing inputs past_key_2, past_value_2/, /missing outputs present_key_2/],
    ],
    [
      (j: Record<string, unknown>) => Object.assign(j, { numHeads: 8, hiddenSize: 128 }),
      [/past_key_0 axis 1 is 4, the manifest implies 8/],
    ],
  ] as const) {
    const { folder, cleanup } = await tinyCopy(nbits4);
    try {
      await editManifest(folder, (j) => edit(j.architecture));
      await assert.rejects(loadTiny(folder), expectError('model-invalid', ...patterns));
    } finally {
      await cleanup();
    }
  }
});

test('manifest that does not match the graph: heads', async () => {
  await withBrokenCopy(
    (f) => editManifest(f, (j) => Object.assign(j.architecture, { numHeads: 8, hiddenSize: 128 })),
    'model-invalid',
    /cache_key_0 axis 2 is 64, the manifest implies 128/,
    /new_value_1 axis 2 is 64/,
    /attention has 4 heads, the manifest says 8/,
  );
});

test('manifest that does not match the graph: vocabulary size', async () => {
  await withBrokenCopy(
    (f) => editManifest(f, (j) => (j.architecture.vocabSize = 512)),
    'model-invalid',
    /logits axis 2 is 384, the manifest implies 512/,
  );
});

test('manifest structure errors name the file and each problem', async () => {
  await withBrokenCopy(
    (f) =>
      editManifest(f, (j) => {
        j.format = 'something-else';
        delete (j.specialTokens as Record<string, unknown>).eop;
        j.maskKinds = ['span', 'paragraph'];
      }),
    'model-invalid',
    /glm\.json is not a valid GLM Infill manifest/,
    /"format" must be "glm-infill-model"/,
    /"specialTokens\.eop" must be an id/,
    /"maskKinds"/,
  );
  await withBrokenCopy(
    (f) => writeFile(join(f, 'glm.json'), '{ not json'),
    'model-invalid',
    /glm\.json is not valid JSON/,
  );
});

test('tokenizer without the special tokens', async () => {
  await withBrokenCopy(
    async (f) => {
      const file = join(f, 'tokenizer.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      json.added_tokens = [];
      await writeFile(file, JSON.stringify(json));
    },
    'model-invalid',
    /tokenizer\.json lacks GLM's special tokens/,
    /<\|startofpiece\|> is missing/,
  );
});

test('CUDA asked on a machine without it: CPU fallback with the reason', async () => {
  const model = await loadModel(TINY, { device: 'cuda', threads: 1 });
  try {
    assert.equal(model.device.requested, 'cuda');
    assert.equal(model.device.used, 'cpu');
    assert.match(model.device.fallbackReason ?? '', /^cuda could not start: .+/);
  } finally {
    await model.dispose();
  }
});

test('auto picks an available device and says why when it is the CPU', async () => {
  const model = await loadModel(TINY, { device: 'auto', threads: 1, warmUp: false });
  try {
    if (model.device.used === 'cpu') assert.ok((model.device.fallbackReason ?? '').length > 0);
  } finally {
    await model.dispose();
  }
});

test('threads: 0 is automatic, as in the extension; outside 0–64 is a bad request, not a corrupt model', async () => {
  assert.equal(resolveThreads(0), defaultThreads());
  assert.equal(resolveThreads(undefined), defaultThreads());
  assert.equal(resolveThreads(MAX_THREADS), 64);
  for (const threads of [-1, 65, 9999, 1.5]) {
    await assert.rejects(loadModel(TINY, { threads }), expectError('input', /Threads must be an integer from 0 to 64/));
  }
});
