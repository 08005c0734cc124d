/** The staff console's pages (framework-free HTML under web/console/); data comes from /api/clients, /api/audit. */
import type { FastifyPluginAsync } from 'fastify';

const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function consolePageRoutes(): FastifyPluginAsync {
  return async (app) => {
    const page =
      (file: string) =>
      (_req: unknown, reply: { header: (k: string, v: string) => typeof reply; sendFile: (f: string) => unknown }) =>
        reply
          .header('content-security-policy', PAGE_CSP)
          .header('cache-control', 'no-store')
          .sendFile(`console/${file}`);
    app.get('/console', { schema: { hide: true } }, (_req, reply) => reply.redirect('/console/clients', 302));
    app.get('/console/login', { schema: { hide: true } }, page('login.html') as never);
    app.get('/console/clients', { schema: { hide: true } }, page('clients.html') as never);
    app.get('/console/clients/:id', { schema: { hide: true } }, page('client.html') as never);
    app.get('/console/audit', { schema: { hide: true } }, page('audit.html') as never);
  };
}
