/** The SDK's version, as published in sdk/package.json (the gateway reports it to MCP peers). */
export const SDK_VERSION = '0.1.0';
