/** Prometheus metrics, one registry per app instance (tests build several apps in one process). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'brymix_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'brymix_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'brymix_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    checksSubmitted: new Counter({
      name: 'brymix_checks_submitted_total',
      help: 'Challenge checks accepted',
      registers: [registry],
    }),
    checksFinished: new Counter({
      name: 'brymix_checks_finished_total',
      help: 'Challenge checks finished by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    checkDuration: new Histogram({
      name: 'brymix_check_duration_seconds',
      help: 'Time from pick-up to result of a check',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'brymix_webhook_attempts_total',
      help: 'Webhook delivery attempts by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    monitorReadings: new Counter({
      name: 'brymix_monitor_readings_total',
      help: 'Upstream readings of monitored accounts: ok, failed, or too old to judge on',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    monitorReadsOverdue: new Counter({
      name: 'brymix_monitor_reads_overdue_total',
      help: 'Account reads missed or late (its previous read still running, or the read began over 1.5 intervals after the last): the monitors are not keeping up',
      registers: [registry],
    }),
    monitorEvents: new Counter({
      name: 'brymix_monitor_events_total',
      help: 'Monitor events raised by this process',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    monitorsWatched: new Gauge({
      name: 'brymix_monitors_watched',
      help: 'Monitors this process holds the lease of',
      registers: [registry],
    }),
    sqliteCommits: new Counter({
      name: 'brymix_sqlite_commits_total',
      help: 'SQLite commits of this process (group commit: each carries the writes of many callers)',
      registers: [registry],
    }),
    sqliteCommitCallers: new Counter({
      name: 'brymix_sqlite_commit_callers_total',
      help: 'Callers whose writes SQLite commits carried (divided by commits: callers per commit)',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'brymix_queue_jobs',
      help: 'Queue jobs by state',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
