/**
 * The one Kysely `Database`: every table of every module, each declared beside the module that owns
 * it (`*.table.ts`). The only place infra imports modules, and only their types, so the database is
 * typed once and no module needs a cast to see its own tables.
 */

import type { AccountTables } from '../../modules/accounts/account.table.ts';
import type { ApiKeyTables } from '../../modules/api-keys/api-key.table.ts';
import type { AuditTables } from '../../modules/audit/audit.table.ts';
import type { CheckTables } from '../../modules/checks/check.table.ts';
import type { CrmTables } from '../../modules/crm/crm.table.ts';
import type { MonitorTables } from '../../modules/monitors/monitor.table.ts';
import type { PlatformTables } from '../../modules/platform/platform.table.ts';
import type { StaffTables } from '../../modules/staff/staff.table.ts';
import type { WebhookTables } from '../../modules/webhooks/webhook.table.ts';
import type { WidgetTables } from '../../modules/widgets/widget.table.ts';
import type { QueueTables } from '../queue/queue.table.ts';
import type { FixedWindowTables } from '../ratelimit/fixed-window.table.ts';

export interface Database
  extends ApiKeyTables,
    AccountTables,
    AuditTables,
    CheckTables,
    CrmTables,
    MonitorTables,
    PlatformTables,
    StaffTables,
    WebhookTables,
    WidgetTables,
    QueueTables,
    FixedWindowTables {}
