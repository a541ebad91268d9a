// Reads a ZIP file's central directory (a VSIX is one), so the packaging checks need no unzip tool or package.
// Only what a VSIX written by vsce uses: no ZIP64, no encryption; methods "stored" and "deflate".
import { readFileSync } from 'node:fs';
import { constants, inflateRawSync } from 'node:zlib';

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** The archive's entries by name: { name, method, compressedSize, size, offset }, and the bytes to read them from. */
export function readZip(file) {
  const bytes = readFileSync(file);
  const end = findEndOfDirectory(bytes, file);
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== DIRECTORY_ENTRY) throw new Error(`${file}: bad central directory entry ${i}`);
    const nameLength = bytes.readUInt16LE(at + 28);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, {
      name,
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      offset: bytes.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return { bytes, entries };
}

/** The first `length` bytes of an entry's content (decompressing only as much as that takes). */
export function entryHead(zip, entry, length) {
  const at = entry.offset;
  if (zip.bytes.readUInt32LE(at) !== LOCAL_HEADER) throw new Error(`${entry.name}: bad local header`);
  const start = at + 30 + zip.bytes.readUInt16LE(at + 26) + zip.bytes.readUInt16LE(at + 28);
  const data = zip.bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data.subarray(0, length);
  if (entry.method !== 8) throw new Error(`${entry.name}: compression method ${entry.method} is not read here`);
  // A prefix of the deflate stream, flushed rather than finished, gives a prefix of the content.
  const prefix = data.subarray(0, Math.min(data.length, Math.max(65536, length * 4)));
  return inflateRawSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, length);
}

function findEndOfDirectory(bytes, file) {
  // The end record is 22 bytes plus a comment of at most 65,535 bytes, at the end of the file.
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (bytes.readUInt32LE(at) === END_OF_DIRECTORY) return at;
  }
  throw new Error(`${file} is not a ZIP archive (no end of central directory)`);
}
