// A model folder is untrusted input (issue 15, items 4, 7, 11, 12): each test breaks a copy of the tiny model the
// way a hostile or damaged folder would, and checks that the load fails at once, clearly, without echoing files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GlmError } from '../../src/glm/errors.js';
import { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { FIXTURES, TINY, loadTiny, tinyCopy } from './helpers.js';

const THUDM_TINY = join(FIXTURES, 'thudm-tiny');

type Json = Record<string, unknown> & { architecture: Record<string, unknown> };

/** Loads a copy of the tiny model broken by `breakIt`; returns the error's message after checking its code and time. */
async function loadError(breakIt: (folder: string) => Promise<void>, code: string, withinMs = 10_000): Promise<string> {
  const { folder, cleanup } = await tinyCopy();
  try {
    await breakIt(folder);
    const start = Date.now();
    const error = await loadTiny(folder).then(
      async (model) => {
        await model.dispose();
        return undefined;
      },
      (e: unknown) => e,
    );
    assert.ok(error instanceof GlmError, `expected a GlmError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(Date.now() - start < withinMs, `took ${Date.now() - start} ms`);
    return error.message;
  } finally {
    await cleanup();
  }
}

async function editJson(file: string, edit: (json: Json) => void): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Json;
  edit(json);
  await writeFile(file, JSON.stringify(json));
}

const manifest =
  (edit: (json: Json) => void) =>
  (folder: string): Promise<void> =>
    editJson(join(folder, 'glm.json'), edit);

test('manifest numbers are bounded before anything is sized by them (numLayers 1e9 ran out of memory after 93 s)', async () => {
  const message = await loadError(
    manifest((j) => (j.architecture.numLayers = 1e9)),
    'model-invalid',
    3000,
  );
  assert.match(message, /"architecture\.numLayers" must be an integer from 1 to 1024, not 1000000000/);
  for (const key of ['vocabSize', 'hiddenSize', 'numHeads', 'headDim', 'maxSequenceLength']) {
    assert.match(
      await loadError(
        manifest((j) => (j.architecture[key] = 2 ** 40)),
        'model-invalid',
        3000,
      ),
      new RegExp(`"architecture\\.${key}" must be an integer from 1 to \\d+`),
    );
  }
});

test("maxSequenceLength beyond the graph's position tables fails at load, not on the first long text", async () => {
  const message = await loadError(
    manifest((j) => (j.architecture.maxSequenceLength = 1000)),
    'model-invalid',
  );
  assert.match(message, /model\.onnx cannot run at position 1000, which glm\.json allows \(maxSequenceLength 1000\)/);
});

test('hiddenSize must agree with numHeads × headDim (the settings page shows it)', async () => {
  const message = await loadError(
    manifest((j) => (j.architecture.hiddenSize = 999)),
    'model-invalid',
  );
  assert.match(message, /"architecture\.hiddenSize" 999 must equal numHeads × headDim = 64/);
});

test('file names in glm.json stay inside the folder, and no error quotes what a file holds', async () => {
  for (const key of ['tokenizer', 'model', 'externalData']) {
    for (const name of ['../../../../../../etc/passwd', '/etc/passwd', '..', '.', 'sub/model.onnx']) {
      const message = await loadError(
        manifest((j) => (j[key] = name)),
        'model-invalid',
      );
      assert.match(message, new RegExp(`"${key}" must be a file name inside the model folder`), `${key} = ${name}`);
      assert.doesNotMatch(message, /root:/);
    }
  }
});

test('a symbolic link out of the folder is refused; one inside it is followed', async () => {
  const escape = await loadError(async (f) => {
    await rm(join(f, 'tokenizer.json'));
    await symlink('/etc/passwd', join(f, 'tokenizer.json'));
  }, 'model-invalid');
  assert.match(escape, /tokenizer\.json leads outside the model folder/);
  assert.doesNotMatch(escape, /root:/);
  const { folder, cleanup } = await tinyCopy();
  try {
    await mkdir(join(folder, 'files'));
    await rename(join(folder, 'model.onnx'), join(folder, 'files', 'model.onnx'));
    await symlink(join('files', 'model.onnx'), join(folder, 'model.onnx'));
    await (await loadTiny(folder)).dispose();
  } finally {
    await cleanup();
  }
});

test('a JSON error gives the position, not the text (V8 quotes it: "root:x:0:0")', async () => {
  const message = await loadError(
    (f) => writeFile(join(f, 'tokenizer.json'), 'root:x:0:0:root:/root:/bin/bash\n'),
    'model-invalid',
  );
  assert.match(message, /tokenizer\.json is not valid JSON/);
  assert.doesNotMatch(message, /root:x/);
});

test('a named pipe for glm.json or tokenizer.json is refused at once (the load waited forever)', async () => {
  for (const file of ['glm.json', 'tokenizer.json']) {
    const message = await loadError(
      async (f) => {
        await rm(join(f, file));
        execFileSync('mkfifo', [join(f, file)]);
      },
      'model-invalid',
      3000,
    );
    assert.match(message, new RegExp(`${file.replace('.', '\\.')} is not a regular file`));
  }
});

test('an oversized tokenizer.json is refused without being read', async () => {
  // A sparse 300 MiB file: nothing is written to disk, and the size check comes before any read.
  const message = await loadError((f) => truncate(join(f, 'tokenizer.json'), 300 * 2 ** 20), 'model-invalid', 3000);
  assert.match(message, /tokenizer\.json is 300\.0 MiB; at most 256\.0 MiB is accepted/);
});

test('a tokenizer bringing its own regular expression is refused (a catastrophic one took 55 s for 30 characters)', async () => {
  const catastrophic = { type: 'Split', pattern: { Regex: '(a+)+b' }, behavior: 'Isolated', invert: false };
  const message = await loadError(
    (f) => editJson(join(f, 'tokenizer.json'), (j) => (j.pre_tokenizer = catastrophic)),
    'model-invalid',
    3000,
  );
  assert.match(message, /not a tokenizer GLM Infill can run safely: its pre_tokenizer is not GPT-2's byte level/);
  assert.doesNotMatch(message, /a\+/);
  const replace = { type: 'Replace', pattern: { Regex: '(a+)+b' }, content: '' };
  assert.match(
    await loadError((f) => editJson(join(f, 'tokenizer.json'), (j) => (j.normalizer = replace)), 'model-invalid'),
    /its normalizer is neither none nor BERT's/,
  );
  assert.match(
    await loadError((f) => editJson(join(f, 'tokenizer.json'), (j) => (j.decoder = replace)), 'model-invalid'),
    /its decoder is neither byte level nor/,
  );
});

test('the pre-tokenizers the project writes all load: byte level, isolated brackets, BERT WordPiece', async () => {
  const special = JSON.parse(await readFile(join(TINY, 'glm.json'), 'utf8')).specialTokens;
  await GlmTokenizer.load(join(TINY, 'tokenizer.json'), special);
  await GlmTokenizer.load(join(FIXTURES, 'tokenizer-brackets.json'), special);
  const bert = { eos: 0, pad: 0, cls: 2, mask: 4, smask: 26, gmask: 25, sop: 23, eop: 24 };
  await GlmTokenizer.load(join(THUDM_TINY, 'bert', 'tokenizer.json'), bert);
});
