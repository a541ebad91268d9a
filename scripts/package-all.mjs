// `npm run package:all` (after the production bundle): one VSIX for each platform onnxruntime-node ships a native
// binary for, each built and checked by test/e2e/package-vsix.mjs (size, listing files, model, and a native binding
// whose header names that platform), then the five listed together. The targets without a native binary
// (darwin-x64, alpine-*, linux-armhf: WebAssembly only) are built one by one: package-vsix.mjs --target darwin-x64.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_TARGETS, SIZE_LIMIT_MIB, describeVsix, inspectVsix } from './vsix-check.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

for (const target of NATIVE_TARGETS) {
  console.log(`\n== ${target}`);
  try {
    execFileSync(process.execPath, [join(root, 'test', 'e2e', 'package-vsix.mjs'), '--target', target], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch {
    console.error(`package-all: the ${target} VSIX failed (above); the others were not built.`);
    process.exit(1);
  }
}

console.log(
  `\n${NATIVE_TARGETS.length} VSIXs, each checked (at most ${SIZE_LIMIT_MIB} MiB, native binding of its own platform):`,
);
for (const target of NATIVE_TARGETS)
  console.log(`  ${describeVsix(inspectVsix(join(root, `${name}-${version}-${target}.vsix`)))}`);
