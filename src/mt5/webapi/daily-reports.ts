/**
 * Daily Reports / Get (`webapi_daily_get`, `webapi_daily_data_structure`): the server's own
 * end-of-day balance and equity, the daily-loss anchors. Each report carries `Timestamp` (its
 * generation, a Windows FILETIME in UTC) with that moment's `Balance`, `Credit` and `ProfitEquity`,
 * and `DatetimePrev` (the previous report's generation, server-clock seconds) with
 * `BalancePrevDay`/`EquityPrevDay`. One report's `DatetimePrev` is the previous one's `Timestamp`
 * read on the server clock, which proves the configured clock right or wrong.
 */
import { type BrokerClock, describeClock, offsetAt, serverToUtc } from '../broker-clock.ts';
import { ConnectorError } from '../connector.ts';
import type { EquitySnapshot } from '../history.ts';
import { fileTimeMs, numberOf } from './decode.ts';
import type { WebApiRecord } from './session.ts';

/** Snapshots of the `daily/get` answer, each report's own reading first; a clock they contradict is bad data. */
export function readDailyReports(answer: unknown, clock: BrokerClock): EquitySnapshot[] {
  if (!Array.isArray(answer)) {
    const message = 'MT5 Web API /api/daily/get answered something that is not a list of reports';
    throw new ConnectorError('bad_data', message, false);
  }
  const reports = (answer as WebApiRecord[]).map((report) => {
    const at = fileTimeMs(report.Timestamp);
    if (at === null) {
      const shown = JSON.stringify(report.Timestamp ?? null).slice(0, 40);
      throw new ConnectorError('bad_data', `MT5 Web API daily report without a readable Timestamp (${shown})`, false);
    }
    return { at, prevServerMs: numberOf(report.DatetimePrev) * 1000, report };
  });
  reports.sort((a, b) => a.at - b.at);

  const own: EquitySnapshot[] = [];
  const previous: Array<{ ms: number; snapshot: EquitySnapshot }> = [];
  reports.forEach(({ at, prevServerMs, report }, i) => {
    if (report.Balance !== undefined && report.ProfitEquity !== undefined) {
      const time = new Date(at).toISOString();
      own.push({ time, balance: numberOf(report.Balance), equity: numberOf(report.ProfitEquity) });
    }
    if (prevServerMs <= 0) return;
    const prevAt = serverToUtc(clock, prevServerMs);
    const before = reports[i - 1];
    // The previous report, seen twice: its Timestamp in UTC and our reading of DatetimePrev.
    const generated = before ? Math.floor(before.at / 1000) * 1000 : null;
    if (generated !== null && Math.abs(prevAt - generated) > 60_000) assertClockAgrees(clock, prevServerMs, generated);
    if (report.BalancePrevDay !== undefined && report.EquityPrevDay !== undefined) {
      const snapshot = {
        time: new Date(prevAt).toISOString(),
        balance: numberOf(report.BalancePrevDay),
        equity: numberOf(report.EquityPrevDay),
      };
      previous.push({ ms: prevAt, snapshot });
    }
  });
  // A previous day's figures already present as that report's own reading are not repeated.
  const ownMs = own.map((s) => Date.parse(s.time));
  const repeated = (p: { ms: number }) => ownMs.some((ms) => Math.abs(ms - p.ms) < 1000);
  return [...own, ...previous.filter((p) => !repeated(p)).map((p) => p.snapshot)];
}

/**
 * The server wrote `generated` (UTC) as `prevServerMs` on its clock. A whole quarter-hour offset
 * within ±14 h that is not the configured clock's is a misconfigured server, not noise.
 */
function assertClockAgrees(clock: BrokerClock, prevServerMs: number, generated: number): void {
  const serverOffset = Math.round((prevServerMs - generated) / 60_000);
  if (Math.abs(serverOffset) > 14 * 60 || serverOffset % 15 !== 0) return;
  const seen = describeClock({ utc_offset_minutes: serverOffset });
  const day = new Date(generated).toISOString().slice(0, 10);
  const then = describeClock({ utc_offset_minutes: offsetAt(clock, generated) });
  throw new ConnectorError(
    'bad_data',
    `The server's daily reports show its clock at ${seen} on ${day}, but this server is configured as ` +
      `${describeClock(clock)} (${then} then): ` +
      'fix its clock (utc_offset_minutes, dst or time_zone) in MT5_SERVERS_FILE',
    false,
  );
}
