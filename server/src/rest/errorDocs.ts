/** What each error status means on the REST paths, for the OpenAPI document. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (the detail names the field), or a conflict such as an approval already decided',
  401: 'No valid API key',
  403: 'The key may not do this (role, or another agent)',
  404: 'Unknown agent or approval',
  413: 'The arguments are larger than AEGIS_MAX_ARGS_BYTES (the detail names the limit)',
  429: 'Too many requests of this kind (decisions, reports); see Retry-After',
  500: 'Internal server error',
};

/** The `errorResponses` of a path's `meta.openapi`: the seed's codes, documented. */
export function errorResponses(...codes: Array<400 | 403 | 404 | 413 | 429>): Record<number, string> {
  return Object.fromEntries([...codes, 401, 500].sort().map((code) => [code, ERROR_DESCRIPTIONS[code] ?? 'Error']));
}
