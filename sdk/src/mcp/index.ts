/**
 * `@aegis/sdk/mcp`: Aegis in front of MCP servers — the gateway behind `aegis mcp`, for
 * embedding (tests, custom launchers). Every `tools/call` takes the SDK's decision path.
 */
export { runStdioGateway, type StdioGatewayOptions } from './stdio';
export { startHttpGateway, type HttpGateway, type HttpGatewayOptions } from './http';
export {
  gatewayConfig,
  loadGatewayConfig,
  upstreamSpec,
  type GatewayConfig,
  type UpstreamSpec,
} from './config';
export {
  PinStore,
  serverPins,
  serverPinsWith,
  toolHash,
  type HeldTools,
  type PinCheck,
  type PinOptions,
  type ToolPins,
} from './pins';
export { annotationTags, defaultAction } from './catalog';
export { refusalText } from './refusals';
