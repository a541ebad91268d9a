import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Bytes of one context file at most; larger files are skipped (the cache indexes 2 M characters per request). */
export const CONTEXT_FILE_LIMIT = 1_000_000;
// A NUL byte in the first block marks a binary file, as git and ripgrep decide it.
const SNIFF_BYTES = 8192;

/** A context file that was left out, and why (the caller logs it; the fill runs without it). */
export interface SkippedFile {
  path: string;
  reason: string;
}

/**
 * Reads context files for the cache. A file that is not a regular file, is larger than `limit`, is binary or not
 * UTF-8, or cannot be read (unreadable, vanished) is skipped and reported: context is a help, never a reason to fail.
 */
export async function readContextFiles(
  paths: readonly string[],
  limit = CONTEXT_FILE_LIMIT,
): Promise<{ texts: string[]; skipped: SkippedFile[] }> {
  const texts: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const path of paths) {
    const result = await readContextFile(path, limit);
    if (typeof result === 'string') texts.push(result);
    else skipped.push({ path, reason: result.reason });
  }
  return { texts, skipped };
}

async function readContextFile(path: string, limit: number): Promise<string | { reason: string }> {
  let handle;
  try {
    // O_NONBLOCK: opening a named pipe must not wait for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return { reason: 'not a regular file' };
    if (info.size > limit) return { reason: `${info.size} bytes, over the ${limit}-byte limit for context files` };
    const bytes = await handle.readFile();
    if (bytes.subarray(0, SNIFF_BYTES).includes(0)) return { reason: 'binary (holds NUL bytes)' };
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { reason: 'not UTF-8 text' };
    }
  } catch (error) {
    return { reason: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  } finally {
    await handle?.close();
  }
}
