import { describe, expect, it } from 'vitest';
import { mt5LoginSchema, mt5ServerSchema, printableText } from './identifiers.ts';

const messageOf = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.error?.issues[0]?.message;

describe('MT5 login', () => {
  it.each([
    ['50194988', '50194988'], // MetaApi docs example
    ['764636', '764636'], // Manager Web API docs example
    [367906877, '367906877'], // MetaApi account information, a JSON number
    ['1001', '1001'], // the simulator's demo accounts
    [' 70358000 ', '70358000'],
    ['18446744073709551615', '18446744073709551615'], // UINT64 max
  ])('accepts %j as %s', (input, login) => {
    expect(mt5LoginSchema.parse(input)).toBe(login);
  });

  it.each([
    ['1001\r\nX-Injected: 1', 'must be printable text (no control characters such as CR, LF, NUL or tab)'],
    ['1001\r\n', 'must be printable text (no control characters such as CR, LF, NUL or tab)'],
    ['\u00001001', 'must be printable text (no control characters such as CR, LF, NUL or tab)'],
    ['1001\u0000', 'must be printable text (no control characters such as CR, LF, NUL or tab)'],
    ['abc', 'must be the numeric MT5 login (digits only, e.g. "50194988")'],
    ['-5', 'must be the numeric MT5 login (digits only, e.g. "50194988")'],
    ['1e5', 'must be the numeric MT5 login (digits only, e.g. "50194988")'],
    ['18446744073709551616', 'must be the numeric MT5 login (digits only, e.g. "50194988")'],
    ['', 'must not be empty'],
    [' ', 'must not be empty'],
    [-1, 'must be the numeric MT5 login (digits only, e.g. "50194988"); send logins above 2^53 as a string'],
    [1.5, 'must be the numeric MT5 login (digits only, e.g. "50194988"); send logins above 2^53 as a string'],
    [2 ** 60, 'must be the numeric MT5 login (digits only, e.g. "50194988"); send logins above 2^53 as a string'],
  ])('refuses %j: %s', (input, message) => {
    expect(messageOf(mt5LoginSchema.safeParse(input))).toBe(message);
  });
});

describe('MT5 server name and printable ids', () => {
  it.each(['ICMarketsSC-Demo', 'XMGlobal-MT5 7', 'Brymix-Demo', 'Société Générale-Live', 'FTMO-Server3'])(
    'accepts the server %s',
    (server) => {
      expect(mt5ServerSchema.parse(server)).toBe(server);
    },
  );

  it.each([
    ['Brymix-Demo\r\n', 'CR LF'],
    ['Brymix\nDemo', 'LF'],
    ['Brymix\u0000Demo', 'NUL'],
    ['Brymix\tDemo', 'tab'],
    ['\u001b[31mBrymix', 'ESC (terminal colour)'],
    ['Brymix\u007f', 'DEL'],
    ['Brymix\u0085', 'C1 next line'],
    ['Brymix\u2028Demo', 'line separator'],
    ['Brymix\u202eomeD', 'right-to-left override'],
    ['Brymix\u200bDemo', 'zero-width space'],
    ['Brymix\ud800', 'lone surrogate'],
  ])('refuses %j (%s) naming the rule', (server) => {
    expect(messageOf(mt5ServerSchema.safeParse(server))).toBe(
      'must be printable text (no control characters such as CR, LF, NUL or tab)',
    );
  });

  it('trims spaces, and refuses empty and over-long text', () => {
    expect(printableText(10).parse('  user_1  ')).toBe('user_1');
    expect(messageOf(printableText(10).safeParse('   '))).toBe('must not be empty');
    expect(messageOf(printableText(10).safeParse('x'.repeat(11)))).toBe('must be at most 10 characters');
    expect(messageOf(printableText(10).safeParse('x'.repeat(1_000_000)))).toBe('must be at most 10 characters');
  });
});
