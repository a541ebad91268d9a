import { constants } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { GlmError, errorText } from './errors.js';

/**
 * A model folder is untrusted input (downloaded, shared, named by a workspace): its files are opened only here,
 * each one a regular file inside the folder and of a bounded size, before anything reads or allocates for it.
 */

/** Sizes far above any real model's (tiny fixture, shipped model, GLM-large) and small enough to read at once. */
export const MAX_BYTES = {
  manifest: 1 << 20, // glm.json: 1 MiB (a real one is under 2 KB)
  tokenizer: 256 << 20, // tokenizer.json: 256 MiB (the shipped one is 0.2 MB; 50k-token BPE files are ~2 MB)
  model: 2 ** 31, // model.onnx: 2 GiB, protobuf's own limit (bigger weights go to external data)
} as const;

/** Why `name` (from glm.json) is not a plain file name of the folder, or undefined when it is one. */
export function fileNameProblem(name: string): string | undefined {
  if (name === '.' || name === '..' || basename(name) !== name || /[/\\\0]/.test(name)) {
    return 'must be a file name inside the model folder (no folders, no "..")';
  }
  return undefined;
}

/**
 * The real path of `name` in `folder`, checked: it exists (else `model-missing`), resolves inside the folder (no
 * symbolic link out of it), is a regular file (a named pipe would block the read forever, a device never ends) and
 * holds at most `maxBytes`.
 */
export async function modelFile(folder: string, name: string, what: string, maxBytes: number): Promise<string> {
  const file = join(folder, name);
  const real = await realpath(file).catch((error: unknown) => {
    throw new GlmError('model-missing', `${what} ${file} is missing (${errorText(error)}).`, { cause: error });
  });
  requireInside(await realpath(folder), real, file, what);
  const info = await stat(real);
  requireRegular(info.isFile(), file, what);
  requireSize(info.size, maxBytes, file, what);
  return real;
}

/** The text of a model file checked as `modelFile` does; the file is opened without blocking, then checked. */
export async function readModelText(folder: string, name: string, what: string, maxBytes: number): Promise<string> {
  const real = await modelFile(folder, name, what, maxBytes);
  // A named pipe can replace the file after the check: O_NONBLOCK opens one at once, and fstat tells.
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return await readChecked(handle, join(folder, name), what, maxBytes);
  } finally {
    await handle.close();
  }
}

async function readChecked(handle: FileHandle, file: string, what: string, maxBytes: number): Promise<string> {
  const info = await handle.stat();
  requireRegular(info.isFile(), file, what);
  requireSize(info.size, maxBytes, file, what);
  return (await handle.readFile()).toString('utf8');
}

function requireInside(realFolder: string, real: string, file: string, what: string): void {
  const rel = relative(realFolder, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new GlmError(
      'model-invalid',
      `${what} ${file} leads outside the model folder (a symbolic link?): ` +
        'every file named in glm.json must be inside the folder.',
    );
  }
}

function requireRegular(isFile: boolean, file: string, what: string): void {
  if (!isFile) {
    throw new GlmError(
      'model-invalid',
      `${what} ${file} is not a regular file (a folder, named pipe or device?): ` +
        'model files must be ordinary files.',
    );
  }
}

function requireSize(size: number, maxBytes: number, file: string, what: string): void {
  if (size > maxBytes) {
    throw new GlmError(
      'model-invalid',
      `${what} ${file} is ${megabytes(size)}; at most ${megabytes(maxBytes)} is accepted.`,
    );
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * JSON.parse of a model file, with an error that gives only the position: V8's own message quotes the text
 * (`Unexpected token 'r', "root:x:0:0"…`), and a model file's text is not something to echo.
 */
export function parseModelJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = /at position (\d+)/.exec(errorText(error))?.[1];
    const where =
      at !== undefined ? ` (at character ${at})` : /end of JSON/.test(errorText(error)) ? ' (it ends too early)' : '';
    throw new GlmError('model-invalid', `${file} is not valid JSON${where}: fix or replace the ${what}.`);
  }
}
