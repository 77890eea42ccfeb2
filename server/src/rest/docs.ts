import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';

/** The swagger-ui-dist files the page loads; nothing else of the package is served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

/** Resolved from this file, so it works from the source tree and from a bundled build alike. */
function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

function page(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Aegis REST API</title>
  <link rel="icon" type="image/png" href="${base}/favicon-32x32.png">
  <link rel="stylesheet" href="${base}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}/swagger-ui-bundle.js"></script>
  <script src="${base}/init.js"></script>
</body>
</html>
`;
}

/** An external file rather than an inline script, so the CSP needs no 'unsafe-inline'. */
function initScript(specUrl: string): string {
  return `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(specUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    persistAuthorization: false,
  });
});
`;
}

/**
 * The API reference page at `<mount>/docs`: Swagger UI from the swagger-ui-dist package, served
 * locally (no CDN), reading `<mount>/openapi.json`.
 */
export function createDocsRouter(): Router {
  const docs = express.Router();
  const dir = swaggerUiDir();

  docs.get(['/docs', '/docs/'], (req, res) => {
    res.type('html').send(page(`${req.baseUrl}/docs`));
  });
  docs.get('/docs/init.js', (req, res) => {
    res.type('application/javascript').send(initScript(`${req.baseUrl}/openapi.json`));
  });
  docs.get('/docs/:file', (req, res, next) => {
    const file = req.params.file;
    if (!ASSETS.has(file)) return next();
    res.sendFile(path.join(dir, file), { maxAge: '1h' });
  });
  return docs;
}
