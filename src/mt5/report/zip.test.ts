import { deflateRawSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ENGLISH, MODEL, reportXlsx } from '../../../test/factories/mt5-report.ts';
import { ReportError } from './errors.ts';
import { parseReport } from './parse.ts';
import { DEFAULT_ZIP_LIMITS, ReportTooLargeError, readZip, ZipError } from './zip.ts';

const MiB = 1024 * 1024;
const SHEET = 'xl/worksheets/sheet1.xml';

/**
 * A zip written byte by byte (PKWARE APPNOTE §4.3.7 local header, §4.3.12 central directory
 * header, §4.3.16 end of central directory), so a test can make the directory say what the data
 * is not. `declared` overrides the uncompressed size in both headers; `at` makes a directory
 * entry point at another entry's local header (its data is not written again).
 */
function handZip(files: Array<{ name: string; data: Uint8Array; declared?: number; at?: number }>): Uint8Array {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const compressed = deflateRawSync(f.data);
    const size = f.declared ?? f.data.length;
    let localAt = offset;
    if (f.at === undefined) {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(8, 8); // deflate
      local.writeUInt32LE(compressed.length, 18);
      local.writeUInt32LE(size, 22);
      local.writeUInt16LE(name.length, 26);
      chunks.push(local, name, compressed);
      offset += 30 + name.length + compressed.length;
    } else localAt = offsets[f.at]!;
    offsets.push(localAt);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(compressed.length, 20);
    dir.writeUInt32LE(size, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(localAt, 42);
    central.push(dir, name);
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...chunks, cd, end]));
}

describe('the xlsx zip reader', () => {
  it('refuses an entry declaring more than the per-entry limit before inflating it, naming the limit and the entry', () => {
    const bytes = zipSync({ [SHEET]: new Uint8Array(2 * MiB) });
    let err: unknown;
    try {
      readZip(bytes, () => true, { maxEntryBytes: MiB, maxTotalBytes: 4 * MiB });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportTooLargeError);
    expect(err).toMatchObject({ limit: 'entry', limitBytes: MiB, entry: SHEET });
    expect((err as Error).message).toBe(
      `the xlsx entry ${SHEET} inflates to more than ${MiB} bytes (the limit for one entry)`,
    );
  });

  it('refuses entries that together declare more than the total limit', () => {
    const bytes = zipSync({ [SHEET]: new Uint8Array(600 * 1024), 'xl/sharedStrings.xml': new Uint8Array(600 * 1024) });
    expect(() => readZip(bytes, () => true, { maxEntryBytes: MiB, maxTotalBytes: MiB })).toThrow(
      expect.objectContaining({ limit: 'total', limitBytes: MiB, entry: 'xl/sharedStrings.xml' }),
    );
    // entries it is not asked for do not count
    expect(Object.keys(readZip(bytes, (n) => n === SHEET, { maxEntryBytes: MiB, maxTotalBytes: MiB }))).toEqual([
      SHEET,
    ]);
  });

  it('refuses by default a 50 MiB sheet that zips to under 100 KiB, without inflating it', () => {
    const bytes = handZip([{ name: SHEET, data: new Uint8Array(50 * MiB) }]);
    expect(bytes.length).toBeLessThan(100 * 1024);
    const t0 = performance.now();
    expect(() => parseReport(Buffer.from(bytes), { filename: 'ReportHistory-1.xlsx' })).toThrow(
      expect.objectContaining({
        name: 'ReportTooLargeError',
        limit: 'entry',
        limitBytes: DEFAULT_ZIP_LIMITS.maxEntryBytes,
      }),
    );
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('stops inflating one byte past the size the directory declares when the data is larger (a lying bomb)', () => {
    const bytes = handZip([{ name: SHEET, data: new Uint8Array(20 * MiB), declared: 1000 }]);
    expect(bytes.length).toBeLessThan(30 * 1024);
    const t0 = performance.now();
    expect(() => readZip(bytes, () => true)).toThrow(
      new ZipError(`${SHEET} inflates past the 1000 bytes its directory entry declares`),
    );
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('refuses directory entries that share one compressed stream (overlapping files)', () => {
    const sheet = strToU8('<worksheet><sheetData/></worksheet>');
    const bytes = handZip([
      { name: SHEET, data: sheet },
      { name: 'xl/sharedStrings.xml', data: sheet, at: 0 },
    ]);
    expect(() => readZip(bytes, () => true)).toThrow(/overlapping zip entries/);
    expect(() => parseReport(Buffer.from(bytes), { filename: 'r.xlsx' })).toThrow(ReportError);
  });

  it('reads a hand-written archive whose sizes are true', () => {
    const sheet = strToU8('<worksheet><sheetData/></worksheet>');
    const files = readZip(handZip([{ name: SHEET, data: sheet }]), () => true);
    expect(Object.keys(files)).toEqual([SHEET]);
    expect(Buffer.from(files[SHEET]!).toString()).toBe('<worksheet><sheetData/></worksheet>');
  });

  it('reaches the parser as a ReportError subclass, so code that does not know the limit still refuses the file', () => {
    const err = (() => {
      try {
        parseReport(Buffer.from(reportXlsx(ENGLISH, MODEL)), {
          filename: 'r.xlsx',
          zipLimits: { maxEntryBytes: 16 * 1024 },
        });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ReportError);
    expect(err).toBeInstanceOf(ReportTooLargeError);
    expect(err).toMatchObject({ limit: 'entry', limitBytes: 16 * 1024, entry: SHEET });
    // within the default limits the same file parses
    expect(parseReport(Buffer.from(reportXlsx(ENGLISH, MODEL)), { filename: 'r.xlsx' }).deals).toHaveLength(9);
  });
});
