/** Route patterns anyone may call, token or not. */
const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/problems/:slug', '/metrics', '/openapi.json']);

/**
 * Route prefixes outside API_KEYS: the API reference (/docs), the receipt page's
 * static shell (/ui/, which then calls the API with the user's token), and the
 * dashboard (/admin/, which checks ADMIN_TOKEN itself).
 */
const PUBLIC_PREFIXES = ['/docs/', '/ui/', '/admin/'];

/** True for a route pattern that needs no API token. Cheap: it runs on every request. */
export function isPublicRoute(pattern: string | undefined): boolean {
  if (pattern === undefined) return false;
  if (PUBLIC_ROUTES.has(pattern)) return true;
  return pattern === '/docs' || PUBLIC_PREFIXES.some((prefix) => pattern.startsWith(prefix));
}
