/**
 * embedded-mongo: a MongoDB-wire-compatible server on SQLite, so mongoose and the official
 * driver run unchanged without a mongod.
 */
export { startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoOptions } from './server.js';
export { MAX_SOCKET_PATH_BYTES } from './listen.js';
export type { InProcessClient, InProcessOptions } from './inProcess.js';
