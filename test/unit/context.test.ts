import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CacheWeights } from '../../src/glm/cacheMixture.js';
import { infill, parseMarkers, rankOptions } from '../../src/glm/index.js';
import { ROOT, loadTiny } from './helpers.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const DEFAULT_MODEL = join(ROOT, 'models', 'default');
const scratch = mkdtempSync(join(tmpdir(), 'glm-context-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A cache trusted almost entirely: what it predicts is what the random fixture model writes.
const TRUSTED: CacheWeights = {
  span: Array.from({ length: 8 }, () => [0.99, 0.99, 0.99]),
  long: Array.from({ length: 8 }, () => [0.99, 0.99, 0.99]),
};

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--threads', '1', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the core mixes the cache into every step: a trusted cache continues the text as the document did', async () => {
  const model = await loadTiny();
  try {
    const text = 'alpha beta gamma delta epsilon. Then alpha beta[MASK]';
    const cached = await infill(model, parseMarkers(text), { cacheWeights: TRUSTED, maxTokens: 1 });
    assert.equal(cached.spans[0]?.text, model.tokenizer.decode(model.tokenizer.encode(' gamma').slice(0, 1)));
    const plain = await infill(model, parseMarkers(text), { contextCache: false, maxTokens: 1 });
    assert.notEqual(plain.spans[0]?.text, cached.spans[0]?.text, 'the fixture alone writes something else');
    // Context texts count like the document: the same continuation comes from a context text alone.
    const fromContext = await infill(model, parseMarkers('Then alpha beta[MASK]'), {
      cacheWeights: TRUSTED,
      maxTokens: 1,
      contextTexts: ['alpha beta gamma delta'],
    });
    assert.equal(fromContext.spans[0]?.text, cached.spans[0]?.text);
  } finally {
    await model.dispose();
  }
});

test('cloze scoring sees the cache: the option the text predicts gains probability', async () => {
  const model = await loadTiny();
  try {
    const text = 'red green blue. red green blue. red green[MASK]';
    const plain = await rankOptions(model, parseMarkers(text), [' blue', ' black'], undefined, false, {
      contextCache: false,
    });
    const cached = await rankOptions(model, parseMarkers(text), [' blue', ' black'], undefined, false, {
      cacheWeights: TRUSTED,
    });
    const p = (r: typeof plain): number => r.options.find((o) => o.option === ' blue')?.probability ?? 0;
    assert.ok(p(cached) > p(plain), `${p(cached)} > ${p(plain)}`);
    assert.equal(cached.options[0]?.option, ' blue');
  } finally {
    await model.dispose();
  }
});

test('CLI: context files that cannot be used are skipped with a line on stderr, and the fill runs', () => {
  const good = join(scratch, 'good.py');
  const binary = join(scratch, 'blob.bin');
  const huge = join(scratch, 'huge.txt');
  const folder = join(scratch, 'folder');
  writeFileSync(good, 'def area(width, height):\n    return width * height\n');
  writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1]));
  writeFileSync(huge, '');
  truncateSync(huge, 100 * 1024 * 1024); // 100 MB, sparse: never read
  mkdirSync(folder, { recursive: true });
  const gone = join(scratch, 'deleted-before-the-fill.py');
  const r = cli([
    '--model',
    join(ROOT, 'test', 'fixtures', 'tiny'),
    '-n',
    '2',
    ...[good, binary, huge, folder, gone].flatMap((f) => ['--context-file', f]),
    'x = area(2, [MASK])',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^x = area\(2,.+\)\n$/s);
  assert.deepEqual(r.stderr.trim().split('\n'), [
    `glm-infill: context file ${binary} skipped: binary (holds NUL bytes)`,
    `glm-infill: context file ${huge} skipped: 104857600 bytes, over the 1000000-byte limit for context files`,
    `glm-infill: context file ${folder} skipped: not a regular file`,
    `glm-infill: context file ${gone} skipped: cannot be read: ENOENT`,
  ]);
});

test('CLI, shipped model: an identifier only a context file writes fills the blank; without the cache it does not', () => {
  // Another file of the project calls the function the same way.
  const report = join(scratch, 'report.ts');
  writeFileSync(
    report,
    "import { boundingRadius, type Point } from './geometry';\n\n" +
      'const triangle: Point[] = [{ x: 0, y: 2 }, { x: -2, y: -1 }, { x: 2, y: -1 }];\n' +
      'const radius = boundingRadius(triangle);\nconsole.log(`triangle: ${radius}`);\n',
  );
  const text =
    "import type { Point } from './geometry';\n\n" +
    'const square: Point[] = [{ x: 1, y: 1 }, { x: -1, y: 1 }, { x: -1, y: -1 }, { x: 1, y: -1 }];\n' +
    'const radius = [MASK](square);\nconsole.log(`square: ${radius}`);\n';
  const withFile = cli(['--model', DEFAULT_MODEL, '-n', '12', '--context-file', report, text]);
  assert.equal(withFile.code, 0, withFile.stderr);
  assert.match(withFile.stdout, /^const radius = boundingRadius\(square\);$/m);
  const without = cli(['--model', DEFAULT_MODEL, '-n', '12', '--no-context-cache', '--context-file', report, text]);
  assert.equal(without.code, 0, without.stderr);
  assert.doesNotMatch(without.stdout, /boundingRadius/);
});
