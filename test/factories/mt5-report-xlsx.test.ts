import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ENGLISH } from './mt5-report-labels.ts';
import { reportXlsx } from './mt5-report-xlsx.ts';

/**
 * The synthetic terminal xlsx must have the layout of a real export (a terminal "Open XML" report
 * of an HFM demo account, 2025, studied part by part), not the layout the parser happens to read.
 */
describe('the terminal xlsx factory', () => {
  const files = unzipSync(reportXlsx(ENGLISH));
  const text = (name: string) => Buffer.from(files[name]!.subarray(2)).toString('utf16le');
  const sheet = text('xl/worksheets/sheet1.xml');
  const rows = [...sheet.matchAll(/<row r="(\d+)"[^>]*>([\s\S]*?)<\/row>/g)].map((m) => ({
    r: Number(m[1]),
    cells: [
      ...m[2]!.matchAll(
        /<c r="([A-Z]+)\d+" s="\d+"(\/>| t="s"><v>\d+<\/v><\/c>|><(?:f>[^<]*<\/f><)?v>[-\d.]+<\/v><\/c>)/g,
      ),
    ].map((c) => c[1]),
  }));

  it('writes every XML part as UTF-16LE with a BOM and CRLF lines, as the terminal does', () => {
    const xmlParts = Object.keys(files).filter((n) => /\.(xml|rels)$/.test(n));
    expect(xmlParts).toEqual(
      expect.arrayContaining([
        '[Content_Types].xml',
        '_rels/.rels',
        'docProps/app.xml',
        'docProps/core.xml',
        'xl/workbook.xml',
        'xl/styles.xml',
        'xl/sharedStrings.xml',
        'xl/worksheets/sheet1.xml',
        'xl/calcChain.xml',
        'xl/drawings/drawing1.xml',
        'xl/charts/chart1.xml',
      ]),
    );
    for (const name of xmlParts) {
      expect([files[name]![0], files[name]![1]], name).toEqual([0xff, 0xfe]);
      expect(text(name).startsWith('<?xml version="1.0"?>\r\n'), name).toBe(true);
    }
    expect(text('docProps/core.xml')).toContain('<dc:title>MetaTrader 5</dc:title>');
  });

  it('writes all 15 cells A..O of every row (the last row stops at N), merged-away cells as empty styled cells', () => {
    expect(rows.length).toBe(74);
    for (const [i, row] of rows.entries()) {
      expect(row.cells, `row ${row.r}`).toEqual('ABCDEFGHIJKLMNO'.slice(0, i === rows.length - 1 ? 14 : 15).split(''));
    }
    expect(sheet).toContain('<c r="B1" s="1"/>');
    expect(sheet).toMatch(/<mergeCells count="\d+">/);
    expect(sheet).toContain('<mergeCell ref="A1:O1"/>');
    expect(sheet).toContain('<mergeCell ref="D2:O2"/>');
    expect(sheet).not.toContain('inlineStr');
    expect(sheet).not.toMatch(/<col [^>]*hidden/);
  });

  it('stores text as shared strings and tickets, prices, money and summary values as numbers', () => {
    expect(sheet).toMatch(/<c r="A1" s="1" t="s"><v>0<\/v><\/c>/);
    expect(text('xl/sharedStrings.xml')).toContain('<si><t>Trade History Report</t></si>');
    expect(sheet).toContain('<c r="B8" s="7"><v>5001</v></c>'); // position ticket
    expect(sheet).toContain('<c r="F8" s="8"><v>1.08500</v></c>'); // price, `# ##0.00000`
    expect(sheet).toContain('<c r="J40" s="20"><v>14.810300</v></c>'); // Margin Level 1 481.03 % as a ratio, `# ##0.00%`
    expect(text('xl/styles.xml')).toContain('<numFmt numFmtId="204" formatCode="# ##0.00%;-# ##0.00%;0.00%;"/>');
    expect(sheet).toContain('<f>SUM(Sheet1!I21:I29)</f><v>-21.700000</v>');
  });
});
