/**
 * Byte offset of the first byte of `bytes` that is not UTF-8, or -1. Node's decoder turns every such byte into
 * U+FFFD, and the fill would write that change back outside the blanks too (a Latin-1 "é" would become "�").
 */
export function invalidUtf8At(bytes: Buffer, text: string = bytes.toString('utf8')): number {
  let offset = 0;
  let scanned = 0;
  for (let at = text.indexOf('\uFFFD'); at >= 0; at = text.indexOf('\uFFFD', at + 1)) {
    // Everything before the first made-up U+FFFD decoded cleanly, so its UTF-8 length is the byte offset.
    offset += Buffer.byteLength(text.slice(scanned, at), 'utf8');
    scanned = at;
    const written = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!written) return offset;
  }
  return -1;
}
