/** The message of anything thrown (onnxruntime and the file system throw plain Errors, some code throws strings). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
