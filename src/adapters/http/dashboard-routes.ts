// The operations dashboard's files: GET / is the page, GET /dashboard/<name> its scripts and
// styles from a fixed list (no path from the request ever reaches the file system), and the
// uPlot chart library from its package. The page reads the same API with the same keys.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The dashboard folder: `dashboard/` at the package root, from src/adapters/http and dist/adapters/http alike. */
const DASHBOARD_DIR = new URL('../../../dashboard/', import.meta.url);

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' } as const;

/** Served name -> file. The page's modules and icon, then the chart library as its package ships it. */
function allowList(): Map<string, { path: string; type: string }> {
  const files = new Map<string, { path: string; type: string }>();
  for (const name of ['index.html', 'app.js', 'api.js', 'words.js', 'charts.js', 'views.js', 'style.css', 'favicon.svg']) {
    files.set(name, { path: fileURLToPath(new URL(name, DASHBOARD_DIR)), type: TYPES[name.slice(name.lastIndexOf('.') + 1) as keyof typeof TYPES] });
  }
  const require = createRequire(import.meta.url);
  files.set('vendor/uPlot.esm.js', { path: require.resolve('uplot/dist/uPlot.esm.js'), type: TYPES.js });
  files.set('vendor/uPlot.min.css', { path: require.resolve('uplot/dist/uPlot.min.css'), type: TYPES.css });
  return files;
}

/**
 * Scripts only from this origin, no inline script, the API on the same origin; uPlot sets
 * element styles, hence 'unsafe-inline' for styles alone.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

export function registerDashboardRoutes(app: FastifyInstance): void {
  const files = allowList();
  // Read once: a handful of small files, and a missing one fails at start, not at a user's click.
  const contents = new Map([...files.entries()].map(([name, file]) => [name, { body: readFileSync(file.path), type: file.type }]));
  const send = (reply: FastifyReply, name: string) => {
    const file = contents.get(name);
    if (file === undefined) return undefined;
    return reply.headers(SECURITY_HEADERS).type(file.type).send(file.body);
  };

  // Hidden from the OpenAPI document: these are the page, not the API.
  app.get('/', { schema: { hide: true } }, (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/dashboard/*', { schema: { hide: true } }, (request, reply) => {
    const sent = send(reply, request.params['*']);
    if (sent === undefined) return reply.callNotFound();
    return sent;
  });
}
