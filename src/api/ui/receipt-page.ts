import type { FastifyPluginAsync } from 'fastify';
import { RECEIPT_PAGE_HTML } from './receipt-page-html.js';
import { RECEIPT_PAGE_SCRIPT } from './receipt-page-script.js';

/**
 * Only this origin's script and API; inline styles for the page's few rules.
 * `connect-src 'self'` keeps a token typed into the page from going anywhere else.
 */
const CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * A receipt page for people at /ui/receipts/{key}: the job's state, a progress bar
 * that moves while it runs, and its result or error when done. The page is a
 * static shell served to anyone; the data comes from GET /v1/receipts/{key},
 * called by the page with the user's token (see receipt-page-script.ts).
 */
export const receiptPage: FastifyPluginAsync = async (app) => {
  app.get('/ui/receipts/:key', { schema: { hide: true } }, (_request, reply) =>
    reply
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(RECEIPT_PAGE_HTML),
  );
  app.get('/ui/receipt-page.js', { schema: { hide: true } }, (_request, reply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .type('text/javascript; charset=utf-8')
      .send(RECEIPT_PAGE_SCRIPT),
  );
};
