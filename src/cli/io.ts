import { createReadStream } from 'node:fs';
import { GlmError } from '../glm/index.js';
import { invalidUtf8At } from './utf8Input.js';

/**
 * Exit codes a shell user expects: 0 done, 1 the model or runtime failed or a blank got no text (its marker is kept),
 * 2 the command line or text was wrong.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export class UsageError extends Error {}

/** The text to fill: the arguments, else --file, else standard input when it is piped. */
export async function readInputText(
  args: readonly string[],
  file: string | undefined,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  if (args.length > 0 && file !== undefined)
    throw new UsageError('give the text either as arguments or with --file, not both');
  if (args.length > 0) return args.join(' ');
  if (file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readAll(createReadStream(file === '-' ? '/dev/stdin' : file));
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    return utf8Text(bytes, file === '-' ? 'standard input' : file);
  }
  if (stdin.isTTY) throw new UsageError('no text: pass it as an argument, with --file, or on standard input');
  return utf8Text(await readAll(stdin), 'standard input');
}

// Far beyond any text worth filling, and far below what would exhaust memory (--file /dev/zero never ends).
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES)
      throw new Error(`longer than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; fill a shorter part of it`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The text of `bytes`, refused when not UTF-8 rather than silently rewritten. */
function utf8Text(bytes: Buffer, source: string): string {
  const text = bytes.toString('utf8');
  const bad = invalidUtf8At(bytes, text);
  if (bad >= 0) {
    const byte = (bytes[bad] as number).toString(16).toUpperCase().padStart(2, '0');
    throw new UsageError(
      `${source} is not UTF-8: byte ${bad} (0x${byte}) is not part of any UTF-8 character; convert the text ` +
        'to UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again.',
    );
  }
  return text;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof GlmError && error.code === 'cancelled') return EXIT.interrupted;
  if (error instanceof GlmError)
    return error.code === 'input' || error.code === 'too-many-blanks' ? EXIT.usage : EXIT.failure;
  return EXIT.failure;
}

/**
 * A reader that stops early (`glm-infill … | head -c 10`) closes the pipe; the next write fails with EPIPE, which
 * Node reports as an unhandled 'error' event with a stack trace. The reader chose to stop: end quietly, like `cat`.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
}
