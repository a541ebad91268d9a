import { readFile } from 'node:fs/promises';
import { GlmError } from '../glm/index.js';

/** Exit codes a shell user expects: 0 done, 1 the model or runtime failed, 2 the command line or text was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export class UsageError extends Error {}

/** The text to fill: the arguments, else --file, else standard input when it is piped. */
export async function readInputText(args: readonly string[], file: string | undefined, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (args.length > 0 && file !== undefined) throw new UsageError('give the text either as arguments or with --file, not both');
  if (args.length > 0) return args.join(' ');
  if (file !== undefined) {
    try {
      return await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  if (stdin.isTTY) throw new UsageError('no text: pass it as an argument, with --file, or on standard input');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof GlmError && error.code === 'cancelled') return EXIT.interrupted;
  if (error instanceof GlmError) return error.code === 'input' || error.code === 'too-many-blanks' ? EXIT.usage : EXIT.failure;
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
