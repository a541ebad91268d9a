/**
 * Every failure that a user can act on carries a code, so front ends (CLI exit codes, editor messages) can
 * tell a bad request from a broken model without parsing text.
 */
export type GlmErrorCode =
  | 'model-missing' // the model folder or one of its files is not there
  | 'model-invalid' // a file is there but unreadable, corrupt or inconsistent with the manifest
  | 'input' // the request itself is wrong (empty text, unknown marker, bad option)
  | 'too-many-blanks' // the blanks alone do not fit the model's positions
  | 'runtime' // onnxruntime failed while running a valid model
  | 'runtime-missing' // neither onnxruntime-node's native binding nor the WebAssembly runtime could load
  | 'cancelled'; // the caller's signal stopped the work (not a failure: CLI exit 130, no notification)

export class GlmError extends Error {
  readonly code: GlmErrorCode;

  constructor(code: GlmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GlmError';
    this.code = code;
  }
}

/** The message of anything thrown, for wrapping third-party errors. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
