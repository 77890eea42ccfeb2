import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { BOOTSTRAP_CREATOR } from './types';
import type { Role } from '@aegis/shared';

/** An API key; only the sha256 of the key itself is stored. */
export interface ApiKeyDoc {
  id: string;
  name: string;
  role: Role;
  agents: string[] | null;
  hash: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A dashboard session, looked up by the sha256 of the cookie value. */
export interface SessionDoc {
  hash: string;
  keyId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A one-time login token from the link the server prints. */
export interface LoginTokenDoc {
  hash: string;
  keyId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    id: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    role: { type: String, required: true, enum: ['admin', 'reviewer', 'viewer', 'agent'] },
    agents: { type: [String], default: null },
    hash: { type: String, required: true, unique: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, default: null },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
apiKeySchema.index({ role: 1, revokedAt: 1 });

const sessionSchema = new Schema<SessionDoc>(
  {
    hash: { type: String, required: true, unique: true },
    keyId: { type: String, required: true, index: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

const loginTokenSchema = new Schema<LoginTokenDoc>(
  {
    hash: { type: String, required: true, unique: true },
    keyId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

export interface AuthModels {
  ApiKey: Model<ApiKeyDoc>;
  Session: Model<SessionDoc>;
  LoginToken: Model<LoginTokenDoc>;
}

function modelOn<T>(
  connection: Connection,
  name: string,
  schema: Schema<T>,
  collection: string,
): Model<T> {
  // A connection keeps its models; reuse them when the service is created twice (tests, restarts).
  return (
    (connection.models[name] as Model<T> | undefined) ??
    connection.model<T>(name, schema, collection)
  );
}

/** The auth collections on the given connection: `api_keys`, `sessions`, `login_tokens`. */
export async function authModels(connection: Connection, logger: Logger): Promise<AuthModels> {
  const models: AuthModels = {
    ApiKey: modelOn(connection, 'ApiKey', apiKeySchema, 'api_keys'),
    Session: modelOn(connection, 'Session', sessionSchema, 'sessions'),
    LoginToken: modelOn(connection, 'LoginToken', loginTokenSchema, 'login_tokens'),
  };
  await Promise.all([models.ApiKey.init(), models.Session.init(), models.LoginToken.init()]);
  await oneBootstrapKey(models.ApiKey, logger);
  return models;
}

/**
 * Several servers starting at once on a fresh database would each find no admin and create one:
 * a unique index over the bootstrap creator lets exactly one insert win. Built apart from the
 * schema's indexes because a database where the race already happened has two such keys: that
 * must not stop the server from starting (it is logged, and both keys keep working).
 */
async function oneBootstrapKey(model: Model<ApiKeyDoc>, logger: Logger): Promise<void> {
  try {
    await model.collection.createIndex(
      { createdBy: 1 },
      {
        name: 'one_bootstrap_key',
        unique: true,
        partialFilterExpression: { createdBy: BOOTSTRAP_CREATOR },
      },
    );
  } catch (error) {
    logger.warn(
      { err: error },
      'more than one admin key was created at first start (servers started together); revoke the extra one',
    );
  }
}
