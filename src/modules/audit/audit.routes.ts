/** The audit log for admins: GET /api/audit (filter, paginate) and GET /api/audit/verify (walk the hash chain). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type StaffAuthenticator, staffAuth } from '../../http/staff-auth.ts';
import type { AuditService } from './audit.service.ts';

export function auditRoutes({
  audit,
  staff,
}: {
  audit: AuditService;
  staff: StaffAuthenticator;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', staffAuth(staff, { role: 'admin' }));

    app.get(
      '/api/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit log entries, newest first',
          querystring: z.object({
            action: z.string().max(100).optional(),
            actorId: z.string().max(200).optional(),
            targetId: z.string().max(200).optional(),
            outcome: z.enum(['success', 'failure', 'denied']).optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(500).default(50),
          }),
        },
      },
      async (request) => {
        const { page, pageSize, ...filter } = request.query;
        return audit.list(
          {
            action: filter.action || undefined,
            actorId: filter.actorId || undefined,
            targetId: filter.targetId || undefined,
            outcome: filter.outcome,
          },
          page,
          pageSize,
        );
      },
    );

    app.get(
      '/api/audit/verify',
      { schema: { tags: ['audit'], summary: 'Verify the hash chain (names the first broken entry)' } },
      async () => audit.verify(),
    );
  };
}
