import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aegis</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Aegis is running</h1>
<p>The dashboard has not been built yet. Run <code>npm run build</code> (or <code>npm start</code>), then reload.</p>
<p>The API is up: <a href="/api/docs">REST reference</a> · <a href="/api/stats">/api/stats</a> · tRPC at <code>/trpc</code>.</p>
</body></html>`;

/**
 * Serves the built dashboard (client/dist) with a fallback to index.html for client-side routes;
 * a short page saying so when the dashboard has not been built.
 */
export function dashboardRouter(distDir: string): Router {
  const router = express.Router();
  const index = path.join(distDir, 'index.html');
  if (existsSync(index)) {
    // Hashed asset names can be cached forever; index.html must not be.
    router.use(
      '/assets',
      express.static(path.join(distDir, 'assets'), {
        immutable: true,
        maxAge: '1y',
        fallthrough: false,
      }),
    );
    router.use(express.static(distDir, { index: false }));
    router.get('/{*splat}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  } else {
    router.get('/{*splat}', (_req, res) => {
      res.status(200).type('html').send(NOT_BUILT);
    });
  }
  return router;
}
