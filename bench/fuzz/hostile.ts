/**
 * Hostile material for request bodies, paths and queries: strings, numbers and values of the wrong
 * kind, deep nesting, mutated bodies, multipart garbage, invalid UTF-8, and terminal reports that
 * are damaged, hostile or huge.
 */
import { randomBytes } from 'node:crypto';
import { zipSync } from 'fflate';
import { ENGLISH, JAPANESE, MODEL, reportHtml, reportXlsx, utf16leWithBom } from '../../test/factories/mt5-report.ts';
import type { Random } from './random.ts';

export const HOSTILE_SEGMENTS = [
  '..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '%ff%fe',
  '%c0%af',
  '%',
  '%zz',
  '__proto__',
  'constructor',
  'prototype',
  "1'%20OR%20'1'='1",
  '1;DROP%20TABLE%20jobs',
  '%7B%7B7*7%7D%7D',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup-injection probe, sent as literal text
  '${jndi:ldap:x}',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'a'.repeat(300),
  'x'.repeat(5000),
  '%F0%9F%92%A9',
  '%E2%80%AE',
  '%20',
  '.',
  '~',
  '*',
  'acc_',
  'job_',
  'key_',
  'cli_',
  `wgt_${'A'.repeat(43)}`,
  'fz1%40example.com',
];
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\r\n',
  '\u202e',
  '\ud800',
  '💩',
  'a'.repeat(100_000),
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as literal text
  '${7*7}',
  '../../etc/passwd',
  '%s%s%s%n',
  'null',
  'true',
  '-0',
  '1e309',
  'NaN',
  '0x10',
  '١٢٣',
];
export const HOSTILE_NUMBERS = [0, -1, -0, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 0.1 + 0.2, 123456789012345680000];
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

export interface HostileMaterial {
  hostileValue(depth?: number): unknown;
  deepNesting(): string;
  /** A valid body with fields replaced, dropped, added or retyped. */
  mutate(valid: Record<string, unknown>): Record<string, unknown>;
  multipartGarbage(): { contentType: string; body: Buffer };
  invalidUtf8(): Buffer;
  /** A terminal report to upload: a real one, a damaged one, or one built to hurt the parser. */
  reportUpload(): { name: string; bytes: Buffer };
}

export function hostileMaterial(random: Random): HostileMaterial {
  const { int, pick } = random;

  function hostileValue(depth = 0): unknown {
    switch (int(0, 9)) {
      case 0:
        return pick(HOSTILE_STRINGS);
      case 1:
        return pick(HOSTILE_NUMBERS);
      case 2:
        return pick([true, false, null]);
      case 3:
        return depth < 3 ? Array.from({ length: int(0, 4) }, () => hostileValue(depth + 1)) : [];
      case 4:
        return depth < 3
          ? Object.fromEntries(
              Array.from({ length: int(0, 4) }, () => [
                pick([...PROTO_KEYS, 'a', 'type', 'pct', 'value']),
                hostileValue(depth + 1),
              ]),
            )
          : {};
      case 5:
        return Array.from({ length: int(1000, 20_000) }, () => 1);
      case 6:
        return 'x'.repeat(int(1, 2_000_000));
      case 7:
        return String(int(-1e9, 1e9));
      case 8:
        return { __proto__: { polluted: true } };
      default:
        return randomBytes(int(1, 64)).toString('latin1');
    }
  }

  function deepNesting(): string {
    const depth = pick([100, 1_000, 10_000, 100_000]);
    return pick([
      `${'['.repeat(depth)}${']'.repeat(depth)}`,
      `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      `{"rules":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
    ]);
  }

  /** A valid body with fields replaced, dropped, added or retyped. */
  function mutate(valid: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...valid };
    const keys = Object.keys(out);
    for (let i = int(1, 3); i > 0; i--) {
      const op = int(0, 3);
      if (op === 0 && keys.length) out[pick(keys)] = hostileValue();
      else if (op === 1 && keys.length) delete out[pick(keys)];
      else if (op === 2) out[pick([...PROTO_KEYS, 'extra', 'unexpected'])] = hostileValue();
      else if (keys.length) {
        const k = pick(keys);
        const v = out[k];
        const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
        out[k] = pick([[v], { value: v }, text, Number(text)]);
      }
    }
    return out;
  }

  function multipartGarbage(): { contentType: string; body: Buffer } {
    const b = `fz${randomBytes(6).toString('hex')}`;
    const field = (n: string, v: string) => `--${b}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
    const file = `--${b}\r\nContent-Disposition: form-data; name="report"; filename="ReportHistory-1.${pick(['html', 'xlsx', 'exe', ''])}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const fields =
      field('user_id', 'u') +
      field('challenge_id', 'c') +
      field('initial_balance', pick(['10000', 'x', '-1', '1e309']));
    const variants: Array<[string, string | Buffer]> = [
      ['multipart/form-data', `${fields}--${b}--\r\n`],
      ['multipart/form-data; boundary=other', `${fields}--${b}--\r\n`],
      [`multipart/form-data; boundary=${b}`, randomBytes(int(1, 4096))],
      [`multipart/form-data; boundary=${b}`, `${fields}${file}<html><body>${'<td>'.repeat(int(0, 2000))}`],
      [
        `multipart/form-data; boundary=${b}`,
        `${fields}${file}${randomBytes(int(0, 8192)).toString('latin1')}\r\n--${b}--\r\n`,
      ],
      [
        `multipart/form-data; boundary=${b}`,
        `${fields}${file}PK\u0003\u0004${randomBytes(200).toString('latin1')}\r\n--${b}--\r\n`,
      ],
      [
        `multipart/form-data; boundary=${b}`,
        `${Array.from({ length: int(21, 60) }, (_, i) => field(`f${i}`, 'x')).join('')}--${b}--\r\n`,
      ],
      [
        `multipart/form-data; boundary=${b}`,
        `${field('__proto__', '{"x":1}')}${field('rules', '{"max_drawdown_percent":')}--${b}--\r\n`,
      ],
      [`multipart/form-data; boundary=${b}`, `${fields}${file}<html></html>\r\n${file}<html></html>\r\n--${b}--\r\n`],
      [
        `multipart/form-data; boundary=${b}`,
        `--${b}\r\nContent-Disposition: form-data; name="${'n'.repeat(2000)}"\r\n\r\nx\r\n--${b}--\r\n`,
      ],
      [`multipart/form-data; boundary=${'b'.repeat(100)}`, ''],
    ];
    const [contentType, body] = pick(variants);
    return { contentType, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1') };
  }

  function invalidUtf8(): Buffer {
    return Buffer.concat([
      Buffer.from('{"user_id":"'),
      Buffer.from([pick([0xc0, 0xff, 0xfe, 0xed, 0x80]), 0xa0, 0xa1, 0xe2, 0x28]),
      Buffer.from('","challenge_id":"c","initial_balance":1}'),
    ]);
  }

  // ---- hostile terminal reports
  /** A byte string with a few bytes flipped, cut or repeated: a damaged download. */
  function damage(bytes: Uint8Array): Uint8Array {
    const out = Buffer.from(bytes);
    switch (int(0, 3)) {
      case 0:
        for (let i = int(1, 20); i > 0; i--) out[int(0, out.length - 1)] = int(0, 255);
        return out;
      case 1:
        return out.subarray(0, int(0, out.length));
      case 2:
        return Buffer.concat([out.subarray(0, int(0, out.length)), out]);
      default:
        return Buffer.concat([out, randomBytes(int(1, 512))]);
    }
  }
  const sheet = (rows: string) =>
    zipSync({
      '[Content_Types].xml': Buffer.from('<Types/>'),
      'xl/workbook.xml': Buffer.from('<workbook><sheets><sheet name="Sheet1" r:id="rId1"/></sheets></workbook>'),
      'xl/worksheets/sheet1.xml': Buffer.from(`<worksheet><sheetData>${rows}</sheetData></worksheet>`),
    });
  const REPORTS: Array<{ name: string; bytes: () => Uint8Array }> = [
    { name: 'ReportHistory-5550123.html', bytes: () => utf16leWithBom(reportHtml(ENGLISH), true) },
    { name: 'ReportHistory-5550123.html', bytes: () => Buffer.from(reportHtml(JAPANESE, MODEL)) },
    { name: 'ReportHistory-5550123.xlsx', bytes: () => reportXlsx(ENGLISH, MODEL) },
    { name: 'ReportHistory-5550123.xlsx', bytes: () => damage(reportXlsx(ENGLISH, MODEL)) },
    { name: 'ReportHistory-5550123.html', bytes: () => damage(utf16leWithBom(reportHtml(ENGLISH))) },
    { name: 'ReportHistory-1.xlsx', bytes: () => sheet('<row>'.repeat(int(1000, 80_000))) },
    {
      name: 'ReportHistory-1.xlsx',
      bytes: () => sheet(`<row><c t="s"><v>${int(0, 1e9)}</v></c></row>`.repeat(int(1, 2000))),
    },
    {
      name: 'ReportHistory-1.xlsx',
      bytes: () => zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(int(1, 8) * 1_048_576) }),
    },
    { name: 'ReportHistory-1.html', bytes: () => Buffer.from(`<html><title>${'<'.repeat(int(1000, 80_000))}`) },
    { name: 'ReportHistory-1.html', bytes: () => Buffer.from(`<table>${'<tr><td>1'.repeat(int(100, 20_000))}`) },
    { name: 'ReportHistory-1.htm', bytes: () => randomBytes(int(0, 65_536)) },
    {
      name: 'ReportHistory-1.xlsx',
      bytes: () => Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(int(0, 4096))]),
    },
  ];

  function reportUpload(): { name: string; bytes: Buffer } {
    const r = pick(REPORTS);
    return { name: r.name, bytes: Buffer.from(r.bytes()) };
  }

  return { hostileValue, deepNesting, mutate, multipartGarbage, invalidUtf8, reportUpload };
}
