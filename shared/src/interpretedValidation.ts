import { z } from 'zod';

/**
 * Imported first by the dashboard (`client/src/main.tsx`): zod then validates without compiling
 * code at run time. zod decides whether to compile an object schema when the schema is *created*
 * (at import time of the module defining it), by probing `new Function`; under the dashboard's
 * CSP (`script-src 'self'`, no eval) every page's probe was refused and reported as a violation
 * (attack review 11) — harmless, zod falls back, but noise for anyone reading violation reports.
 * A value rather than a bare side effect, so bundlers that trust `"sideEffects": false` keep it.
 * The server doesn't import it and keeps the compiled parsers.
 */
export const interpretedValidation: boolean = (z.config({ jitless: true }), true);
