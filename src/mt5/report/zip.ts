/**
 * A guarded zip reader for xlsx uploads (PKWARE APPNOTE 6.3.x, §4.3): only the named entries are
 * inflated, and a small file cannot make the server inflate gigabytes.
 *
 * - sizes are read from the central directory (the local headers of streamed archives carry zeros);
 *   an entry declaring more than the per-entry limit, or entries together declaring more than the
 *   total limit, are refused before anything is inflated;
 * - entries whose data overlap (the "overlapping files" bomb, where many directory entries point
 *   into one compressed stream) are refused;
 * - inflation runs with a running output limit (zlib's `maxOutputLength`) of the declared size, so
 *   a size that lies is caught one byte past it, while inflating; a shorter output is refused too.
 */
import { inflateRawSync } from 'node:zlib';
import { ReportError } from './errors.ts';

export interface ZipLimits {
  /** Largest inflated size of one entry, in bytes. */
  maxEntryBytes: number;
  /** Largest inflated size of all the entries read from one archive, in bytes. */
  maxTotalBytes: number;
}

/** Generous for the terminal's exports: a sheet takes about 3 KB (UTF-16) per deal, so 40 MiB holds some 13,000 deals. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 40 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

/** The archive is not a readable zip (truncated, encrypted, overlapping entries, unknown compression…). */
export class ZipError extends Error {
  override readonly name = 'ZipError';
}

/**
 * An archive entry would inflate past a limit. A `ReportError` (so code that treats every unreadable
 * report alike still does), with what an HTTP layer needs for a 413: which limit, its size in bytes,
 * and the entry.
 */
export class ReportTooLargeError extends ReportError {
  override readonly name = 'ReportTooLargeError';
  constructor(
    /** `entry`: one entry over `maxEntryBytes`; `total`: the entries together over `maxTotalBytes`. */
    readonly limit: 'entry' | 'total',
    readonly limitBytes: number,
    readonly entry: string,
  ) {
    super(
      limit === 'entry'
        ? `the xlsx entry ${entry} inflates to more than ${limitBytes} bytes (the limit for one entry)`
        : `the xlsx entries inflate to more than ${limitBytes} bytes together (the limit for one file), at ${entry}`,
    );
  }
}

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Start and end of the entry's bytes in the archive: local header through compressed data. */
  spanStart: number;
  spanEnd: number;
  dataStart: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u16(b: Uint8Array, at: number): number {
  if (at + 2 > b.length) throw new ZipError('truncated zip structure');
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) throw new ZipError('truncated zip structure');
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function u64(b: Uint8Array, at: number): number {
  const lo = u32(b, at);
  const hi = u32(b, at + 4);
  if (hi > 0x1fffff) throw new ZipError('zip64 size beyond 2^53');
  return hi * 0x1_0000_0000 + lo;
}

/** The central directory's offset, size and entry count, from the end-of-central-directory record (ZIP64 when it says so). */
function directory(b: Uint8Array): { offset: number; size: number; count: number } {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the end of the file.
  const lowest = Math.max(0, b.length - 22 - 0xffff);
  let at = -1;
  for (let i = b.length - 22; i >= lowest; i--)
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 0x05 && b[i + 3] === 0x06 && u32(b, i) === EOCD) {
      at = i;
      break;
    }
  if (at < 0) throw new ZipError('no end of central directory record');
  let count = u16(b, at + 10);
  let size = u32(b, at + 12);
  let offset = u32(b, at + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = at - 20;
    if (locator < 0 || u32(b, locator) !== ZIP64_LOCATOR) throw new ZipError('ZIP64 values without a ZIP64 locator');
    const record = u64(b, locator + 8);
    if (record + 56 > b.length || u32(b, record) !== ZIP64_EOCD)
      throw new ZipError('bad ZIP64 end of central directory');
    count = u64(b, record + 32);
    size = u64(b, record + 40);
    offset = u64(b, record + 48);
  }
  if (offset + size > b.length) throw new ZipError('the central directory lies outside the file');
  return { offset, size, count };
}

function entries(b: Uint8Array): Entry[] {
  const dir = directory(b);
  const out: Entry[] = [];
  let at = dir.offset;
  const end = dir.offset + dir.size;
  // Each directory record is at least 46 bytes, which bounds the count a lying header can make us read.
  for (let i = 0; i < dir.count && at + 46 <= end; i++) {
    if (u32(b, at) !== CENTRAL) throw new ZipError('bad central directory entry');
    const flags = u16(b, at + 8);
    const method = u16(b, at + 10);
    let compressedSize = u32(b, at + 20);
    let size = u32(b, at + 24);
    const nameLength = u16(b, at + 28);
    const extraLength = u16(b, at + 30);
    const commentLength = u16(b, at + 32);
    let localOffset = u32(b, at + 42);
    const nameStart = at + 46;
    if (nameStart + nameLength + extraLength > b.length) throw new ZipError('truncated central directory entry');
    const name = Buffer.from(b.buffer, b.byteOffset + nameStart, nameLength).toString(
      flags & 0x800 ? 'utf8' : 'latin1',
    );
    // ZIP64 extended information (header 0x0001): the 64-bit values, in order, of those set to all ones.
    for (let x = nameStart + nameLength; x + 4 <= nameStart + nameLength + extraLength; ) {
      const id = u16(b, x);
      const length = u16(b, x + 2);
      if (id === 0x0001) {
        let f = x + 4;
        if (size === 0xffffffff) {
          size = u64(b, f);
          f += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(b, f);
          f += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(b, f);
      }
      x += 4 + length;
    }
    if (u32(b, localOffset) !== LOCAL) throw new ZipError(`bad local header for ${name}`);
    const dataStart = localOffset + 30 + u16(b, localOffset + 26) + u16(b, localOffset + 28);
    const spanEnd = dataStart + compressedSize;
    if (spanEnd > dir.offset) throw new ZipError(`the data of ${name} runs into the central directory`);
    out.push({ name, method, flags, compressedSize, size, localOffset, spanStart: localOffset, spanEnd, dataStart });
    at = nameStart + nameLength + extraLength + commentLength;
  }
  // Entries may not share bytes: one compressed stream referenced by many entries is a known bomb.
  const bySpan = [...out].sort((x, y) => x.spanStart - y.spanStart);
  for (let i = 1; i < bySpan.length; i++)
    if (bySpan[i]!.spanStart < bySpan[i - 1]!.spanEnd)
      throw new ZipError(`overlapping zip entries ${bySpan[i - 1]!.name} and ${bySpan[i]!.name}`);
  return out;
}

/** The names of every entry (nothing inflated). */
export function zipEntryNames(bytes: Uint8Array): string[] {
  return entries(bytes).map((e) => e.name);
}

/**
 * Inflates the entries whose names `want` accepts, within `limits`. Throws `ReportTooLargeError`
 * past a limit and `ZipError` for an archive that cannot be read.
 */
export function readZip(
  bytes: Uint8Array,
  want: (name: string) => boolean,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Record<string, Uint8Array> {
  const chosen = entries(bytes).filter((e) => want(e.name) && !e.name.endsWith('/'));
  let declared = 0;
  for (const e of chosen) {
    if (e.size > limits.maxEntryBytes) throw new ReportTooLargeError('entry', limits.maxEntryBytes, e.name);
    declared += e.size;
    if (declared > limits.maxTotalBytes) throw new ReportTooLargeError('total', limits.maxTotalBytes, e.name);
  }
  const out: Record<string, Uint8Array> = {};
  for (const e of chosen) {
    if (e.flags & 0x1) throw new ZipError(`${e.name} is encrypted`);
    const data = bytes.subarray(e.dataStart, e.spanEnd);
    let inflated: Uint8Array;
    if (e.method === 0) inflated = data;
    else if (e.method === 8) {
      // The running limit is the declared size, which the checks above keep within the limits:
      // one byte more shows the directory lied, and inflating stops there.
      try {
        inflated = inflateRawSync(data, { maxOutputLength: e.size + 1 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
          throw new ZipError(`${e.name} inflates past the ${e.size} bytes its directory entry declares`);
        throw new ZipError(`${e.name} does not inflate (${(err as Error).message})`);
      }
    } else throw new ZipError(`${e.name} uses compression method ${e.method}`);
    if (inflated.length !== e.size)
      throw new ZipError(
        `${e.name} inflates to ${inflated.length} bytes, not the ${e.size} its directory entry declares`,
      );
    out[e.name] = inflated;
  }
  return out;
}
