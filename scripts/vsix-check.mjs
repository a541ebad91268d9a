// What a VSIX built by test/e2e/package-vsix.mjs must hold, checked by reading the archive it wrote: the listing's
// files, the bundle, the WebAssembly runtime, the model, and the native onnxruntime binaries of its own target only
// (their headers read, so a wrong platform's copy is caught), nothing from the sources, and a bounded size.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { binaryTarget, linkedRuntime } from './native-binary.mjs';
import { entryHead, readZip } from './zip.mjs';

/** The targets onnxruntime-node ships a native binary for: `npm run package:all` builds one VSIX for each. */
export const NATIVE_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

// The largest VSIX built here is about 46 MiB (win32-arm64). 55 MiB leaves room for growth but not for a second
// platform's binaries (8-20 MiB each compressed) or the fp32 model (57 MB) slipping in.
export const SIZE_LIMIT_MIB = 55;

const NATIVE_FOLDER = 'extension/node_modules/onnxruntime-node/bin/napi-v6/';
const ALWAYS = [
  'extension/package.json',
  'extension/readme.md',
  'extension/LICENSE.txt',
  'extension/changelog.md',
  'extension/node_modules/@huggingface/tokenizers/LICENSE',
  'extension/media/icon.png',
  'extension/dist/extension.js',
  'extension/dist/webview/settings.js',
  'extension/node_modules/@vscode-elements/elements/LICENSE',
  'extension/media/walkthrough/fill.md',
  'extension/node_modules/onnxruntime-node/dist/index.js',
  'extension/node_modules/onnxruntime-web/dist/ort.node.min.js',
  'extension/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs',
  'extension/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm',
];
// Development files that must never ship (the repository README is the developers' page; readme.md is the listing).
const NEVER = [/\.map$/, /\.d\.ts$/, /^extension\/(src|test|scripts|data|runs|docs)\//, /^extension\/README\.md$/];

/** Size, entries, native binaries with the target their header names, and the VSIX manifest's text. */
export function inspectVsix(file) {
  const zip = readZip(file);
  const native = [...zip.entries.values()]
    .filter((e) => e.name.startsWith(NATIVE_FOLDER) && e.size > 0)
    .map((e) => ({
      name: e.name.slice(NATIVE_FOLDER.length),
      target: binaryTarget(entryHead(zip, e, 4096)),
      entry: e,
    }));
  for (const binary of native) {
    if (binary.name.endsWith('/onnxruntime_binding.node'))
      binary.links = linkedRuntime(entryHead(zip, binary.entry, binary.entry.size));
  }
  const manifest = zip.entries.get('extension.vsixmanifest');
  return {
    file,
    mib: statSync(file).size / (1 << 20),
    names: [...zip.entries.keys()],
    native,
    manifest: manifest ? entryHead(zip, manifest, manifest.size).toString('utf8') : '',
  };
}

/** What is wrong with an inspected VSIX for `target` carrying `modelFiles` of `modelFolder` (empty when nothing). */
export function vsixProblems(vsix, { target, modelFolder, modelFiles }) {
  const names = new Set(vsix.names);
  const required = [...ALWAYS, ...modelFiles.map((f) => `extension/${modelFolder}/${f}`)];
  return [
    ...required.filter((name) => !names.has(name)).map((name) => `missing ${name}`),
    ...vsix.names
      .filter((name) => !name.startsWith(`extension/${modelFolder}/`) && NEVER.some((pattern) => pattern.test(name)))
      .map((name) => `should not ship ${name}`),
    ...nativeProblems(vsix.native, target),
    ...manifestProblems(vsix.manifest),
    ...(vsix.mib > SIZE_LIMIT_MIB ? [`${vsix.mib.toFixed(1)} MiB is over the ${SIZE_LIMIT_MIB} MiB limit`] : []),
  ];
}

/** A native target's VSIX holds its binding and only binaries built for it; a WebAssembly-only one holds none. */
function nativeProblems(native, target) {
  if (!NATIVE_TARGETS.includes(target)) {
    return native.map((b) => `a WebAssembly-only VSIX should carry no native binary: ${b.name}`);
  }
  const folder = `${target.replace('-', '/')}/`;
  const binding = native.find((b) => b.name === `${folder}onnxruntime_binding.node`);
  const loadsMissing = binding && !native.some((b) => b.name === `${folder}${binding.links}`);
  return [
    ...(binding ? [] : [`missing ${folder}onnxruntime_binding.node`]),
    ...(loadsMissing
      ? [`the binding loads ${binding.links ?? 'no onnxruntime library'}, which the VSIX does not hold`]
      : []),
    ...native.filter((b) => !b.name.startsWith(folder)).map((b) => `another platform's binary: ${b.name}`),
    ...native
      .filter((b) => b.name.startsWith(folder) && b.target !== target)
      .map((b) => `${b.name} is built for ${b.target}, not ${target}`),
  ];
}

/** The Marketplace reads the icon and the licence from the VSIX manifest, not from package.json. */
function manifestProblems(manifest) {
  return [
    ...(manifest.includes('<Icon>extension/media/icon.png</Icon>') ? [] : ['the VSIX manifest names no icon']),
    ...(manifest.includes('<License>extension/LICENSE.txt</License>') ? [] : ['the VSIX manifest names no licence']),
  ];
}

/** One line per VSIX: size and what its native binding was built for. */
export function describeVsix(vsix) {
  const binding = vsix.native.find((b) => b.name.endsWith('/onnxruntime_binding.node'));
  const runtime = binding
    ? `native binding built for ${binding.target}, loading ${binding.links} (${vsix.native.length} native files)`
    : 'WebAssembly only';
  return `${basename(vsix.file)}: ${vsix.mib.toFixed(1)} MiB, ${runtime}`;
}
