import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as OrtCommon from 'onnxruntime-common';
import { errorText } from './errors.js';

/**
 * The two builds of onnxruntime that run the same ONNX graph through the same API (onnxruntime-common):
 * - `native`: onnxruntime-node, a native binding per platform (fast; CPU and accelerators);
 * - `wasm`: onnxruntime-web's WebAssembly build, which runs wherever Node runs (CPU only; slower to start, about as
 *   fast per token on one thread: README, "Runtimes").
 * Neither is loaded until the first model needs it, so a platform without a native binary still activates.
 */
export type RuntimeKind = 'native' | 'wasm';
export type Ort = typeof OrtCommon;

/** A runtime could not be loaded: for the native one, which binary and why (the loader's own first line). */
export class RuntimeUnavailable extends Error {
  override readonly name = 'RuntimeUnavailable';
}

const loaded = new Map<RuntimeKind, Promise<Ort>>();

/** The runtime's module, loaded once per process (a native binding that failed to load stays failed until a restart). */
export function loadRuntime(kind: RuntimeKind): Promise<Ort> {
  let promise = loaded.get(kind);
  if (!promise) {
    promise = kind === 'native' ? loadNative() : loadWasm();
    loaded.set(kind, promise);
  }
  return promise;
}

// A plain require, not import(): esbuild keeps it as written (the packages are external), the extension host's
// CommonJS loader resolves it from dist/, and nothing runs before the first model asks for it.
const load = (name: string): Ort => createRequire(__filename)(name) as Ort;

async function loadNative(): Promise<Ort> {
  try {
    return load('onnxruntime-node');
  } catch (error) {
    throw new RuntimeUnavailable(describeNativeFailure(error), { cause: error });
  }
}

async function loadWasm(): Promise<Ort> {
  try {
    return load('onnxruntime-web');
  } catch (error) {
    throw new RuntimeUnavailable(`onnxruntime-web (the WebAssembly runtime) could not be loaded: ${firstLine(error)}`, {
      cause: error,
    });
  }
}

/**
 * "The native onnxruntime binary <path> (linux-x64) failed to load: <reason>": names the file a user can look for
 * (a missing folder means a VSIX built for another platform, or no binary for this one at all).
 */
export function describeNativeFailure(error: unknown, platform = process.platform, arch = process.arch): string {
  const target = `${platform}-${arch}`;
  const root = packageRoot('onnxruntime-node');
  if (root === undefined) return `onnxruntime-node is not installed (${firstLine(error)})`;
  const folder = join(root, 'bin', 'napi-v6', platform, arch);
  const binding = join(folder, 'onnxruntime_binding.node');
  if (!existsSync(folder)) {
    return (
      `onnxruntime-node has no native binary for ${target} (${folder} does not exist; onnxruntime-node ships ` +
      'linux-x64, linux-arm64, darwin-arm64, win32-x64 and win32-arm64)'
    );
  }
  return `the native onnxruntime binary ${binding} (${target}) failed to load: ${firstLine(error)}`;
}

function packageRoot(name: string): string | undefined {
  try {
    return dirname(createRequire(__filename).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  return errorText(error).split('\n')[0] ?? '';
}
