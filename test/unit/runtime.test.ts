import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type GlmModel, infill, loadModel, parseMarkers } from '../../src/glm/index.js';
import { describeNativeFailure } from '../../src/glm/runtime.js';
import { FIXTURES, ROOT, TINY, tinyCopy } from './helpers.js';

// The two onnxruntime builds (src/glm/runtime.ts): onnxruntime-node's native binding, loaded on the first model and
// never at activation, and onnxruntime-web's WebAssembly build, used on request or when the native one cannot load.
const DEFAULT = join(ROOT, 'models', 'default');
const CLI = join(ROOT, 'dist', 'cli.js');
const EXTENSION = join(ROOT, 'dist', 'extension.js');
const VSCODE_STUB = join(FIXTURES, 'vscode-stub.cjs');
const BROKEN_BINDING = join(FIXTURES, 'broken-native-binding.cjs');
const NO_WASM = join(FIXTURES, 'no-wasm-runtime.cjs');
const COUNTER =
  'class Counter:\n    def __init__(self):\n        self.count = 0\n\n    def increment(self):\n        self.[MASK] += 1\n';

function node(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Activates dist/extension.js in plain Node with a stand-in vscode module; reports what it registered and loaded. */
function activate(...requires: string[]): { commands: string[]; loaded: string[] } {
  const script = `const ext = require(${JSON.stringify(EXTENSION)});
    ext.activate({ subscriptions: [], extensionPath: ${JSON.stringify(ROOT)}, extensionUri: {} });
    const loaded = Object.keys(require.cache).filter((f) => /onnxruntime/.test(f));
    console.log(JSON.stringify({ commands: globalThis.registeredCommands, loaded }));`;
  const r = node([...requires.flatMap((f) => ['--require', f]), '--require', VSCODE_STUB, '-e', script]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { commands: string[]; loaded: string[] };
}

test('activation loads no onnxruntime: the runtime loads with the first model', () => {
  const { commands, loaded } = activate();
  assert.deepEqual(loaded, []);
  assert.ok(commands.includes('glmInfill.fillBlank'), commands.join());
});

test('with a native binding that cannot load, the extension still activates and registers every command', () => {
  const { commands, loaded } = activate(BROKEN_BINDING);
  assert.deepEqual(loaded, []);
  const declared = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    }
  ).contributes.commands.map((c) => c.command);
  assert.deepEqual([...commands].sort(), [...declared].sort());
});

test('CLI: with a native binding that cannot load, the fill runs on WebAssembly and says which binary failed', () => {
  const r = node(['--require', BROKEN_BINDING, CLI, '--model', DEFAULT, '--threads', '1', COUNTER]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /self\.count \+= 1/);
  assert.match(
    r.stderr,
    /running on WebAssembly instead of the native runtime because the native onnxruntime binary \S+onnxruntime_binding\.node \(\w+-\w+\) failed to load: .*invalid ELF header/,
  );
});

test('CLI: when neither runtime can load, the error gives both reasons and nothing is filled', () => {
  const r = node([
    '--require',
    BROKEN_BINDING,
    '--require',
    NO_WASM,
    CLI,
    '--model',
    DEFAULT,
    '--threads',
    '1',
    COUNTER,
  ]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /No onnxruntime could start: the native onnxruntime binary \S+onnxruntime_binding\.node \(\w+-\w+\) failed to load: .*invalid ELF header; onnxruntime-web \(the WebAssembly runtime\) could not be loaded: Cannot find module 'onnxruntime-web'/,
  );
});

test('CLI: -d wasm fills on the WebAssembly runtime and reports it', () => {
  const r = node([CLI, '--model', DEFAULT, '--threads', '1', '-d', 'wasm', '--json', COUNTER]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { text: string; model: { device: { used: string } } };
  assert.equal(json.model.device.used, 'wasm');
  assert.match(json.text, /self\.count \+= 1/);
});

test('a platform without a native binary is named with the platforms onnxruntime-node ships', () => {
  const message = describeNativeFailure(
    new Error("Cannot find module '../bin/napi-v6/darwin/x64/onnxruntime_binding.node'"),
    'darwin',
    'x64',
  );
  assert.match(
    message,
    /^onnxruntime-node has no native binary for darwin-x64 \(.+darwin\/x64 does not exist; .*linux-x64/,
  );
});

/** Greedy fills of each text on the native CPU runtime and on WebAssembly: the same tokens. */
async function assertSameFills(folder: string, texts: string[]): Promise<void> {
  const native = await loadModel(folder, { device: 'cpu', threads: 1 });
  const wasm = await loadModel(folder, { device: 'wasm', threads: 1 });
  const fills = async (model: GlmModel, text: string): Promise<number[][]> =>
    (await infill(model, parseMarkers(text), { maxTokens: 24 })).spans.map((s) => s.tokens);
  try {
    assert.equal(wasm.device.used, 'wasm');
    for (const text of texts)
      assert.deepEqual(await fills(wasm, text), await fills(native, text), JSON.stringify(text));
  } finally {
    await native.dispose();
    await wasm.dispose();
  }
}

test("greedy fills on WebAssembly equal the native runtime's: the fixture model", async () => {
  await assertSameFills(TINY, ['Hello [MASK] world', 'A [MASK] B [sMASK] C', 'The end. [gMASK]']);
});

test('a model whose weights are in an external data file loads on WebAssembly and fills as natively', async () => {
  const { folder, cleanup } = await tinyCopy();
  try {
    // The same graph re-saved with its weights beside it (as models/glm/export.py writes large models).
    const script =
      'import sys, onnx\nm = onnx.load(sys.argv[1])\n' +
      "onnx.save_model(m, sys.argv[1], save_as_external_data=True, all_tensors_to_one_file=True, location='model.onnx.data', size_threshold=0)";
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const r = spawnSync(python, ['-c', script, join(folder, 'model.onnx')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(join(folder, 'glm.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'glm.json'), JSON.stringify({ ...manifest, externalData: 'model.onnx.data' }));
    assert.ok(statSync(join(folder, 'model.onnx.data')).size > statSync(join(folder, 'model.onnx')).size);
    await assertSameFills(folder, ['Hello [MASK] world', 'A [MASK] B [sMASK] C']);
  } finally {
    await cleanup();
  }
});

test("greedy fills on WebAssembly equal the native runtime's: the default model (int8 contrib ops)", async () => {
  await assertSameFills(DEFAULT, [
    COUNTER,
    'import numpy as [MASK]\n\nx = np.zeros(3)\n',
    '## Install\n\nRun `npm [MASK]` to install the dependencies.\n',
    'The valley was [MASK] and the hills were green.',
    'Python is a language. [sMASK] It is popular.',
    'def parse_config(path):\n    with open(path) as f:\n[gMASK]',
    'A [MASK] B [sMASK] C and [MASK] then.',
  ]);
});

test("greedy fills with onnxruntime's memory arena off equal those with it on (the default)", async () => {
  const texts = [COUNTER, 'The valley was [MASK] and the hills were green.', 'A [MASK] B [sMASK] C and [MASK] then.'];
  const arena = await loadModel(DEFAULT, { device: 'cpu', threads: 1 });
  const plain = await loadModel(DEFAULT, { device: 'cpu', threads: 1, memoryArena: false });
  const fills = async (model: GlmModel, text: string): Promise<number[][]> =>
    (await infill(model, parseMarkers(text), { maxTokens: 24 })).spans.map((s) => s.tokens);
  try {
    for (const text of texts) assert.deepEqual(await fills(plain, text), await fills(arena, text), text);
  } finally {
    await arena.dispose();
    await plain.dispose();
  }
});
