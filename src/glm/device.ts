import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Device = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'wasm';
export const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu', 'wasm'];

export function isDevice(value: unknown): value is Device {
  return typeof value === 'string' && (DEVICES as readonly string[]).includes(value);
}

/** Which device a session really runs on, and why not the one asked for. */
export interface DeviceReport {
  requested: Device;
  /** `wasm`: onnxruntime-web's WebAssembly build on the CPU; every other value runs in onnxruntime-node. */
  used: Exclude<Device, 'auto'>;
  fallbackReason?: string;
  /** Set when onnxruntime-node itself could not load (which binary, and why): the session runs on `wasm` instead. */
  runtimeFailure?: string;
}

/**
 * What `auto` tries before the CPU: the accelerator each onnxruntime-node build actually ships. WebGPU is left to an
 * explicit choice because on a machine without a working Vulkan driver it fails late and slowly.
 */
export function autoCandidates(platform = process.platform, arch = process.arch): Exclude<Device, 'auto' | 'cpu'>[] {
  if (platform === 'win32') return ['dml'];
  if (platform === 'darwin' && arch === 'arm64') return ['coreml'];
  if (platform === 'linux' && arch === 'x64' && cudaProviderInstalled()) return ['cuda'];
  return [];
}

/**
 * onnxruntime-node's installer only downloads the CUDA provider when asked (ONNXRUNTIME_NODE_INSTALL=cuda12); without
 * the library a CUDA session throws, so `auto` does not even try.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(__filename);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}
