import { describe, expect, it } from 'vitest';
import { jobs } from './jobs.ts';

describe('the job list', () => {
  it('keeps the names queued jobs are stored under, so jobs queued before an upgrade still run', () => {
    expect(jobs.map((job) => job.name)).toEqual([
      'check.run',
      'webhook.deliver',
      'crm.site-event',
      'platform.outbox.deliver',
      'platform.account.sync',
      'monitor.event.deliver',
    ]);
  });
});
