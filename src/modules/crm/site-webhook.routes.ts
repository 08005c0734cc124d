/** POST /api/webhooks/site: raw bytes in (no JSON parsing before the signature is checked). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { requestMeta } from '../audit/audit.ts';
import type { SiteWebhookReceiver } from './site-webhook.ts';

const MAX_BODY_BYTES = 256 * 1024;
const problem = z
  .object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() })
  .passthrough();

export function siteWebhookRoutes({ receiver }: { receiver: SiteWebhookReceiver }): FastifyPluginAsyncZod {
  return async (app) => {
    // This plugin only: every body arrives as the exact bytes sent.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) =>
      done(null, body),
    );

    app.post(
      '/api/webhooks/site',
      {
        bodyLimit: MAX_BODY_BYTES,
        schema: {
          tags: ['crm'],
          summary: 'Events from the trading platform',
          description:
            'Signed with `x-webhook-signature` = hex HMAC-SHA256 of the raw body keyed with SITE_WEBHOOK_SECRET. ' +
            'Optional Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) add replay ' +
            'protection (±5 min). Body `{event, data, timestamp}`; events client.registered, deposit.completed, ' +
            'withdrawal.completed, kyc.updated, account.updated. Duplicates are applied once. 401 bad signature, ' +
            '400 unknown event or invalid data.',
          response: {
            200: z.object({
              received: z.literal(true),
              status: z.enum(['accepted', 'duplicate']),
              eventId: z.string(),
            }),
            400: problem,
            401: problem,
          },
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        if (raw.length === 0 && !request.headers['x-webhook-signature'])
          throw new AppError('unauthorized', 'Invalid webhook signature');
        const r = await receiver.accept(raw, request.headers, requestMeta(request));
        return { received: true as const, ...r };
      },
    );
  };
}
