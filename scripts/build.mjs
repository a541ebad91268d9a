// Bundles the extension and the CLI (CommonJS, as the VS Code extension host and a plain `node` both load it),
// and, with --tests, each unit test file. Type checking is tsc's job (`npm run build` runs it first).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

// onnxruntime-node loads a native binding, and onnxruntime-web its .wasm and .mjs files, relative to their own
// files: both must stay real packages on disk (src/glm/runtime.ts loads them on the first model, not at startup).
// 'vscode' only exists inside the extension host.
const external = ['onnxruntime-node', 'onnxruntime-web', 'vscode'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'warning',
};

async function buildApp() {
  await build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' });
  await build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  });
  await build({ ...common, entryPoints: ['src/cli/bench.ts'], outfile: 'dist/bench.js' });
  await build({ ...common, entryPoints: ['src/cli/eval.ts'], outfile: 'dist/eval.js' });
  await build({ ...common, entryPoints: ['src/cli/tuneCache.ts'], outfile: 'dist/tune-cache.js' });
  await build({ ...common, entryPoints: ['src/fuzz/main.ts'], outfile: 'dist/fuzz.js' });
  await build({ ...common, entryPoints: ['src/fuzz/soak.ts'], outfile: 'dist/soak.js' });
  await buildWebview();
}

/**
 * The settings page's script (src/webview/settings.js) with the @vscode-elements components it imports, and only
 * those, for the webview: a browser script, the one its Content-Security-Policy lets run (src/editor/settingsPage.ts).
 */
async function buildWebview() {
  await build({
    entryPoints: ['src/webview/settings.js'],
    outfile: 'dist/webview/settings.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: production,
    sourcemap: !production,
    legalComments: 'eof', // the licences of lit and @vscode-elements travel with the code they cover
    logLevel: 'warning',
  });
}

async function buildTests() {
  const dir = 'test/unit';
  const entryPoints = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
  // Tests keep every package external: they exercise the sources, not the bundle.
  await build({ ...common, entryPoints, outdir: 'out/test/unit', packages: 'external', sourcemap: true });
}

/**
 * The suite that runs inside a VS Code extension host (test/vscode): its index is what the host's
 * extensionTestsPath loads. mocha and vscode come from the host's require at run time.
 */
async function buildVscodeTests() {
  const dir = 'test/vscode';
  const entryPoints = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') || f === 'index.ts')
    .map((f) => join(dir, f));
  await build({ ...common, entryPoints, outdir: 'out/test/vscode', external: [...external, 'mocha'], sourcemap: true });
}

if (args.has('--tests')) await buildTests();
else if (args.has('--vscode-tests')) await buildVscodeTests();
else await buildApp();
