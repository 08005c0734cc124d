import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { type BrokerClock, describeClock, dstPeriod, offsetAt, serverToUtc, utcToServer } from './broker-clock.ts';

/** A server wall time as MT5 writes it: the wall clock's digits read as if they were UTC. */
const wall = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);
const iso = (ms: number) => new Date(ms).toISOString();

const NEW_YORK_CLOSE: BrokerClock = { utc_offset_minutes: 120, dst: 'us' };
const EU_DST: BrokerClock = { utc_offset_minutes: 120, dst: 'eu' };
const FIXED: BrokerClock = { utc_offset_minutes: 120 };
const ATHENS: BrokerClock = { time_zone: 'Europe/Athens' };

describe('DST periods', () => {
  it('puts the US switches at 07:00 UTC on the second Sunday of March and 06:00 UTC on the first Sunday of November', () => {
    expect(dstPeriod('us', 2026)).toEqual({
      start: Date.parse('2026-03-08T07:00:00Z'),
      end: Date.parse('2026-11-01T06:00:00Z'),
    });
    expect(dstPeriod('us', 2027)).toEqual({
      start: Date.parse('2027-03-14T07:00:00Z'),
      end: Date.parse('2027-11-07T06:00:00Z'),
    });
  });

  it('puts the EU switches at 01:00 UTC on the last Sundays of March and October', () => {
    expect(dstPeriod('eu', 2026)).toEqual({
      start: Date.parse('2026-03-29T01:00:00Z'),
      end: Date.parse('2026-10-25T01:00:00Z'),
    });
    expect(dstPeriod('eu', 2027)).toEqual({
      start: Date.parse('2027-03-28T01:00:00Z'),
      end: Date.parse('2027-10-31T01:00:00Z'),
    });
    expect(dstPeriod('none', 2026)).toBeNull();
  });
});

describe('a UTC+2/+3 broker on US DST ("New York close")', () => {
  it('moves its clock at the very instant New York does', () => {
    expect(offsetAt(NEW_YORK_CLOSE, Date.parse('2026-03-08T06:59:59.999Z'))).toBe(120);
    expect(offsetAt(NEW_YORK_CLOSE, Date.parse('2026-03-08T07:00:00.000Z'))).toBe(180);
    expect(offsetAt(NEW_YORK_CLOSE, Date.parse('2026-11-01T05:59:59.999Z'))).toBe(180);
    expect(offsetAt(NEW_YORK_CLOSE, Date.parse('2026-11-01T06:00:00.000Z'))).toBe(120);
  });

  it('has its midnight at 17:00 New York on every day of 2026', () => {
    const wrong: string[] = [];
    for (let day = wall('2026-01-01 00:00:00'); day < wall('2027-01-01 00:00:00'); day += 86_400_000) {
      const ny = DateTime.fromMillis(serverToUtc(NEW_YORK_CLOSE, day), { zone: 'America/New_York' });
      if (ny.toFormat('HH:mm') !== '17:00') wrong.push(`${iso(day).slice(0, 10)} → ${ny.toISO()}`);
    }
    expect(wrong).toEqual([]);
  });

  it('is an hour ahead of Europe/Athens in the weeks between the US and EU switches (2026-03-08..2026-03-29)', () => {
    // 10:00 on the server on Monday 16 March 2026
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-03-16 10:00:00')))).toBe('2026-03-16T07:00:00.000Z');
    expect(iso(serverToUtc(EU_DST, wall('2026-03-16 10:00:00')))).toBe('2026-03-16T08:00:00.000Z');
    expect(iso(serverToUtc(ATHENS, wall('2026-03-16 10:00:00')))).toBe('2026-03-16T08:00:00.000Z');
    expect(iso(serverToUtc(FIXED, wall('2026-03-16 10:00:00')))).toBe('2026-03-16T08:00:00.000Z');
    // the last hour before and the first after the EU switch
    expect(iso(serverToUtc(EU_DST, wall('2026-03-29 02:59:59')))).toBe('2026-03-29T00:59:59.000Z');
    expect(iso(serverToUtc(EU_DST, wall('2026-03-29 04:00:00')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-03-29 04:00:00')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-03-28 23:59:59')))).toBe('2026-03-28T20:59:59.000Z');
    expect(iso(serverToUtc(EU_DST, wall('2026-03-28 23:59:59')))).toBe('2026-03-28T21:59:59.000Z');
  });

  it('is an hour ahead of Europe/Athens in the week between the EU and US switches (2026-10-25..2026-11-01)', () => {
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-10-28 10:00:00')))).toBe('2026-10-28T07:00:00.000Z');
    expect(iso(serverToUtc(EU_DST, wall('2026-10-28 10:00:00')))).toBe('2026-10-28T08:00:00.000Z');
    expect(iso(serverToUtc(ATHENS, wall('2026-10-28 10:00:00')))).toBe('2026-10-28T08:00:00.000Z');
    expect(iso(utcToServer(NEW_YORK_CLOSE, Date.parse('2026-10-30T20:59:59.000Z')))).toBe('2026-10-30T23:59:59.000Z');
    expect(iso(utcToServer(EU_DST, Date.parse('2026-10-30T20:59:59.000Z')))).toBe('2026-10-30T22:59:59.000Z');
    // after both switches they agree again
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-11-02 10:00:00')))).toBe('2026-11-02T08:00:00.000Z');
    expect(iso(serverToUtc(EU_DST, wall('2026-11-02 10:00:00')))).toBe('2026-11-02T08:00:00.000Z');
  });

  it('reads the skipped hour of the spring switch with the winter offset and the repeated autumn hour as its first occurrence', () => {
    // 2026-03-08 07:00 UTC: the server clock jumps from 09:00 to 10:00
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-03-08 08:59:59')))).toBe('2026-03-08T06:59:59.000Z');
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-03-08 09:30:00')))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-03-08 10:00:00')))).toBe('2026-03-08T07:00:00.000Z');
    // 2026-11-01 06:00 UTC: the server clock goes back from 09:00 to 08:00
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-11-01 07:59:59')))).toBe('2026-11-01T04:59:59.000Z');
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-11-01 08:30:00')))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(serverToUtc(NEW_YORK_CLOSE, wall('2026-11-01 09:00:00')))).toBe('2026-11-01T07:00:00.000Z');
  });
});

describe('other clocks', () => {
  it('gives a UTC+2 broker on EU DST exactly the offsets of Europe/Athens, hour by hour through 2026', () => {
    const differ: string[] = [];
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 3_600_000) {
      if (offsetAt(EU_DST, t) !== offsetAt(ATHENS, t)) differ.push(iso(t));
    }
    expect(differ).toEqual([]);
  });

  it('keeps a clock without DST at its offset all year, negative offsets included', () => {
    expect(offsetAt(FIXED, Date.parse('2026-07-01T00:00:00Z'))).toBe(120);
    expect(offsetAt({ utc_offset_minutes: -300, dst: 'none' }, Date.parse('2026-07-01T00:00:00Z'))).toBe(-300);
    expect(offsetAt({ utc_offset_minutes: -300, dst: 'us' }, Date.parse('2026-07-01T00:00:00Z'))).toBe(-240);
    expect(iso(serverToUtc({ utc_offset_minutes: 330 }, wall('2026-07-01 05:30:00')))).toBe('2026-07-01T00:00:00.000Z');
  });

  it('round-trips every hour of 2026 through the server clock', () => {
    for (const clock of [NEW_YORK_CLOSE, EU_DST, ATHENS, FIXED]) {
      for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 3_600_000 + 1234) {
        // The first hour after an autumn switch shows a repeated wall time; it reads back as the first occurrence.
        const back = serverToUtc(clock, utcToServer(clock, t));
        if (back !== t) expect(t - back).toBe(3_600_000);
      }
    }
  });

  it('describes itself for messages', () => {
    expect(describeClock(NEW_YORK_CLOSE)).toBe('UTC+02:00 with US DST');
    expect(describeClock({ utc_offset_minutes: -330 })).toBe('UTC-05:30');
    expect(describeClock(ATHENS)).toBe('Europe/Athens');
  });
});
