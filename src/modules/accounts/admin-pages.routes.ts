/** The admin panel page (web/admin/); data comes from /api/admin/*, sign-in through the staff console. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function adminPageRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/admin', { schema: { hide: true } }, (_req, reply: FastifyReply) =>
      reply
        .header('content-security-policy', PAGE_CSP)
        .header('cache-control', 'no-store')
        .sendFile('admin/index.html'),
    );
  };
}
