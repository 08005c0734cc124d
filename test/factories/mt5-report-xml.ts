/** SpreadsheetML pieces both xlsx shapes of the report (mt5-report-xlsx.ts) are written with. */

export const colName = (i: number): string =>
  i < 26 ? String.fromCharCode(65 + i) : colName(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26));
export const xmlEsc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class SharedStrings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  add(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

export const SML = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
export const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
export const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

export function sstXml(strings: string[], nl: string): string {
  return `<sst xmlns="${SML}" count="${strings.length}" uniqueCount="${strings.length}">${nl}${strings.map((s) => ` <si><t>${xmlEsc(s)}</t></si>${nl}`).join('')}</sst>`;
}
