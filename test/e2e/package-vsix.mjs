/* global process, console */
// `npm run package` (after the production bundle): builds a platform-specific VSIX with @vscode/vsce (installed
// here, in the tools folder, so it never lands in the extension). The VSIX carries:
//  - the onnxruntime-node binaries of one target only (default: this machine's; --target win32-x64 etc. for others;
//    none for darwin-x64, alpine-* and linux-armhf, which onnxruntime-node has no binary for: WebAssembly only),
//    each library once (nativeFiles),
//  - onnxruntime-web's WebAssembly build (.vscodeignore), the same for every target,
//  - the shipped model folder models/default (its own files, named by its glm.json, with its card),
// It writes a temporary ignore file = .vscodeignore + these target- and model-specific lines, packages with no flag
// that silences a vsce warning (the listing's LICENSE, repository field, icon and CHANGELOG are all there), and then
// checks what the VSIX holds (scripts/vsix-check.mjs): it fails on a missing or misplaced file, a native binary built
// for another platform, or a size over the limit.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkedRuntime } from '../../scripts/native-binary.mjs';
import { describeVsix, inspectVsix, vsixProblems } from '../../scripts/vsix-check.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const vsce = join(here, 'node_modules', '.bin', 'vsce');
// The Marketplace page and VS Code's extension view show this file; README.md stays the developers' page.
const LISTING = 'README.marketplace.md';

const target = argument('--target') ?? `${process.platform}-${process.arch}`;
const [platform, arch] = target.split('-');
const binaries = `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`;
// Targets VS Code knows for which onnxruntime-node ships no binary: their VSIX runs the model on onnxruntime-web's
// WebAssembly build (src/glm/runtime.ts falls back to it and tells the user why).
const WASM_ONLY = ['darwin-x64', 'alpine-x64', 'alpine-arm64', 'linux-armhf'];
const native = existsSync(join(root, binaries));
if (!native && !WASM_ONLY.includes(target)) {
  fail(
    `onnxruntime-node has no native binding for ${target} (looked in ${binaries}). Targets it ships: ` +
      `linux-x64, linux-arm64, darwin-arm64, win32-x64, win32-arm64; WebAssembly only: ${WASM_ONLY.join(', ')}.`,
  );
}
if (!native)
  console.warn(
    `package-vsix: onnxruntime-node ships no binary for ${target}: this VSIX runs the model on WebAssembly.`,
  );
if (!existsSync(vsce)) fail('vsce is not installed: run bash test/e2e/install.sh first.');
if (!existsSync(join(root, 'dist', 'extension.js'))) fail('dist/extension.js is missing: run npm run build first.');

const model = modelFolder();
const ignore = [
  readFileSync(join(root, '.vscodeignore'), 'utf8'),
  ...(native ? nativeFiles(join(root, binaries)).map((f) => `!${binaries}/${f}`) : []),
  ...model.files.map((f) => `!${model.folder}/${f}`),
  '',
].join('\n');

const { version, name, repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${name}-${version}-${target}.vsix`);
const temp = mkdtempSync(join(tmpdir(), 'glm-infill-vsix-'));
try {
  const ignoreFile = join(temp, 'vscodeignore');
  writeFileSync(ignoreFile, ignore);
  execFileSync(
    vsce,
    [
      'package',
      '--target',
      target,
      '--ignoreFile',
      ignoreFile,
      '--out',
      out,
      '--readme-path',
      LISTING,
      '--no-update-package-json',
      ...relativeLinkOptions(repository),
    ],
    { cwd: root, stdio: 'inherit' },
  );
} finally {
  rmSync(temp, { recursive: true, force: true });
}
const vsix = inspectVsix(out);
const problems = vsixProblems(vsix, { target, modelFolder: model.folder, modelFiles: model.files });
if (problems.length > 0) fail(`${out} is not right:\n  ${problems.join('\n  ')}`);
console.log(`${describeVsix(vsix)}, model ${model.folder}`);

/**
 * vsce rewrites the listing's relative links and images to absolute URLs under the repository, which it can only
 * derive from a GitHub or GitLab URL in package.json. The project has no public URL yet (package.json's repository
 * names none), so the links stay relative: the screenshot shows on the repository's own page, not on the Marketplace
 * nor in VS Code's extension view (it loads only https: and data: images). Set repository.url and this goes away.
 */
function relativeLinkOptions(repository) {
  const url = typeof repository === 'string' ? repository : repository?.url;
  if (/^(https:\/\/|git@)(github|gitlab)\.com[/:]/.test(url ?? '')) return [];
  console.log(
    `package-vsix: no GitHub or GitLab URL in package.json's repository: ${LISTING}'s relative links and ` +
      'screenshot stay relative (vsce --no-rewrite-relative-links).',
  );
  return ['--no-rewrite-relative-links'];
}

/**
 * The target's native files, less byte-identical copies of the onnxruntime library the binding loads: npm unpacks
 * the release's symbolic links as copies, so darwin-arm64 holds libonnxruntime.1.30.0.dylib next to
 * libonnxruntime.1.dylib (44.6 MB each), and its binding loads only the latter (@rpath/libonnxruntime.1.dylib).
 */
function nativeFiles(folder) {
  const names = readdirSync(folder);
  const loaded = linkedRuntime(readFileSync(join(folder, 'onnxruntime_binding.node')));
  if (!loaded || !names.includes(loaded)) return names;
  const library = readFileSync(join(folder, loaded));
  const isCopy = (name) =>
    name !== loaded &&
    statSync(join(folder, name)).size === library.length &&
    readFileSync(join(folder, name)).equals(library);
  return names.filter((name) => !isCopy(name));
}

/** The shipped model's own files (named by its glm.json), with its card and data-sources / licence notice. */
function modelFolder() {
  const shipped = 'models/default';
  const manifest = join(root, shipped, 'glm.json');
  if (!existsSync(manifest)) fail(`${manifest} is missing: the extension ships models/default.`);
  const m = JSON.parse(readFileSync(manifest, 'utf8'));
  const files = ['glm.json', m.model, m.tokenizer, ...(m.externalData ? [m.externalData] : [])];
  for (const doc of ['MODEL_CARD.md', 'DATA_SOURCES.md']) if (existsSync(join(root, shipped, doc))) files.push(doc);
  return { folder: shipped, files };
}

function argument(flag) {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function fail(message) {
  console.error(`package-vsix: ${message}`);
  process.exit(1);
}
