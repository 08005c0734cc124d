import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGLISH, EXPECTED, MODEL, reportHtml, reportXlsx } from '../../../test/factories/mt5-report.ts';
import { ReportError } from './errors.ts';
import { createReportParser } from './off-thread.ts';
import { parseReport } from './parse.ts';
import { ReportTooLargeError } from './zip.ts';

const parser = createReportParser({ timeoutMs: 20_000 });
afterAll(() => parser.close());

/** The model's report with one huge cell: megabytes to scan, still a valid report. */
function bigReport(megabytes: number): Buffer {
  const html = reportHtml(ENGLISH, MODEL);
  const at = html.indexOf('</td>');
  return Buffer.from(`${html.slice(0, at)}${' '.repeat(megabytes * 1024 * 1024)}${html.slice(at)}`, 'utf8');
}

describe('parsing reports off the event loop', () => {
  it('gives exactly what parsing in this thread gives, for HTML and xlsx', async () => {
    const html = Buffer.from(reportHtml(ENGLISH, MODEL), 'utf8');
    const xlsx = reportXlsx(ENGLISH, MODEL);
    expect(await parser.parse(html, { filename: 'r.html' })).toEqual(parseReport(html, { filename: 'r.html' }));
    const fromXlsx = await parser.parse(xlsx, { filename: 'r.xlsx' });
    expect(fromXlsx).toEqual(parseReport(xlsx, { filename: 'r.xlsx' }));
    expect(fromXlsx.deals).toHaveLength(EXPECTED.deals);
  });

  it('keeps the event loop turning while a large report is parsed', async () => {
    const bytes = bigReport(24);
    await parser.parse(Buffer.from(reportHtml(ENGLISH, MODEL)), { filename: 'warm.html' }); // thread started
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    const report = await parser.parse(bytes, { filename: 'big.html' });
    const elapsed = performance.now() - t0;
    clearInterval(ticker);
    expect(report.deals).toHaveLength(EXPECTED.deals);
    // On this thread a parse is one synchronous call: the ticker could not have run at all.
    expect(ticks).toBeGreaterThan(Math.min(3, elapsed / 10));
  });

  it('refuses a parse past its time budget with a ReportError, and parses again afterwards', async () => {
    const hasty = createReportParser({ timeoutMs: 1 });
    try {
      await expect(hasty.parse(bigReport(8), { filename: 'big.html' })).rejects.toThrow(
        new ReportError('the report took longer than 1 ms to read'),
      );
    } finally {
      await hasty.close();
    }
    expect((await parser.parse(Buffer.from(reportHtml(ENGLISH, MODEL)), { filename: 'r.html' })).deals).toHaveLength(
      EXPECTED.deals,
    );
  });

  it('carries a zip bomb’s ReportTooLargeError across the thread, limit and entry included', async () => {
    const small = createReportParser({
      timeoutMs: 20_000,
      zipLimits: { maxEntryBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 },
    });
    try {
      const bomb = zipSync({
        '[Content_Types].xml': new Uint8Array(10),
        'xl/workbook.xml': new Uint8Array(10),
        'xl/worksheets/sheet1.xml': new Uint8Array(8 * 1024 * 1024),
      });
      const err = await small.parse(bomb, { filename: 'bomb.xlsx' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReportTooLargeError);
      expect(err).toMatchObject({ limit: 'entry', limitBytes: 1024 * 1024, entry: 'xl/worksheets/sheet1.xml' });
    } finally {
      await small.close();
    }
  });
});
