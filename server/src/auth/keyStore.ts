import { TRPCError } from '@trpc/server';
import type { Principal, Role } from '@aegis/shared';
import type { AuthModels, ApiKeyDoc } from './models';
import type { ApiKeyInfo } from './types';
import { KEY_PREFIX, newApiKey, newKeyId, sha256 } from './secrets';

/** How long a resolved key is trusted without a database read; revocation in this process clears it at once. */
const CACHE_MS = 5_000;
/** lastUsedAt is a hint for people, not an audit record: write it at most once a minute per key. */
const TOUCH_EVERY_MS = 60_000;

export function toInfo(doc: ApiKeyDoc): ApiKeyInfo {
  return {
    id: doc.id,
    name: doc.name,
    role: doc.role,
    agents: doc.agents && doc.agents.length > 0 ? [...doc.agents] : null,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: doc.lastUsedAt ? doc.lastUsedAt.toISOString() : null,
    revokedAt: doc.revokedAt ? doc.revokedAt.toISOString() : null,
  };
}

export function toPrincipal(doc: Pick<ApiKeyDoc, 'id' | 'name' | 'role' | 'agents'>): Principal {
  return {
    keyId: doc.id,
    name: doc.name,
    role: doc.role,
    agents: doc.role === 'agent' ? [...(doc.agents ?? [])] : null,
  };
}

/** API keys: creation (plaintext returned once), lookup by hash, listing and revocation. */
export class KeyStore {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly models: AuthModels) {}

  /** Drop every cached principal (keys changed in the database). */
  forget(): void {
    this.cache.clear();
  }

  async create(
    input: { name: string; role: Role; agents: string[] | null },
    createdBy: string | null,
  ): Promise<{ key: string; info: ApiKeyInfo }> {
    const agents = input.agents && input.agents.length > 0 ? [...new Set(input.agents)] : null;
    if (input.role === 'agent' && !agents) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'agents: an agent key must name the agents it may act for',
      });
    }
    if (input.role !== 'agent' && agents) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `agents: only agent keys are scoped to agents, not ${input.role} keys`,
      });
    }
    const key = newApiKey();
    const doc: ApiKeyDoc = {
      id: newKeyId(),
      name: input.name,
      role: input.role,
      agents,
      hash: sha256(key),
      createdAt: new Date(),
      createdBy,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.models.ApiKey.create(doc);
    return { key, info: toInfo(doc) };
  }

  /** The principal behind a plaintext key, or null for unknown or revoked keys. */
  async resolve(key: string): Promise<Principal | null> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 200) return null;
    const hash = sha256(key);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) {
      this.touch(cached.principal.keyId, now);
      return cached.principal;
    }
    const doc = await this.models.ApiKey.findOne({ hash: { $eq: hash } }).lean<ApiKeyDoc>();
    if (!doc || doc.revokedAt) {
      this.cache.delete(hash);
      return null;
    }
    const principal = toPrincipal(doc);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_MS });
    this.touch(doc.id, now);
    return principal;
  }

  /** The principal of an active key by id (sessions and login tokens point at keys). */
  async byId(id: string): Promise<Principal | null> {
    const doc = await this.models.ApiKey.findOne({
      id: { $eq: id },
      revokedAt: null,
    }).lean<ApiKeyDoc>();
    return doc ? toPrincipal(doc) : null;
  }

  /** The principals of the active keys among these key hashes, by hash (one query, any number). */
  async activeByHashes(hashes: string[]): Promise<Map<string, Principal>> {
    if (hashes.length === 0) return new Map();
    const docs = await this.models.ApiKey.find({
      hash: { $in: hashes },
      revokedAt: null,
    }).lean<ApiKeyDoc[]>();
    return new Map(docs.map((doc) => [doc.hash, toPrincipal(doc)]));
  }

  /** The principals of the active keys among these ids, by id (one query). */
  async activeByIds(ids: string[]): Promise<Map<string, Principal>> {
    if (ids.length === 0) return new Map();
    const docs = await this.models.ApiKey.find({
      id: { $in: ids },
      revokedAt: null,
    }).lean<ApiKeyDoc[]>();
    return new Map(docs.map((doc) => [doc.id, toPrincipal(doc)]));
  }

  async list(): Promise<ApiKeyInfo[]> {
    const docs = await this.models.ApiKey.find({}).sort({ createdAt: 1 }).lean<ApiKeyDoc[]>();
    return docs.map(toInfo);
  }

  async activeAdmins(): Promise<ApiKeyDoc[]> {
    return this.models.ApiKey.find({ role: 'admin', revokedAt: null })
      .sort({ createdAt: 1 })
      .lean<ApiKeyDoc[]>();
  }

  /** Revokes at once (the cache is cleared); the last active admin key cannot be revoked. */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const doc = await this.models.ApiKey.findOne({ id: { $eq: id } }).lean<ApiKeyDoc>();
    if (!doc) throw new TRPCError({ code: 'NOT_FOUND', message: `No key with id "${id}"` });
    if (doc.revokedAt) return toInfo(doc);
    if (doc.role === 'admin') {
      const admins = await this.activeAdmins();
      if (admins.length <= 1) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: 'Refusing to revoke the last admin key: create another admin key first',
        });
      }
    }
    const revokedAt = new Date();
    await this.models.ApiKey.updateOne({ id: { $eq: id } }, { $set: { revokedAt } });
    await this.models.Session.deleteMany({ keyId: { $eq: id } });
    this.cache.clear();
    return toInfo({ ...doc, revokedAt });
  }

  private touch(id: string, now: number): void {
    const last = this.touched.get(id) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    // Fire and forget: a failed lastUsedAt write must not fail the request it describes.
    void this.models.ApiKey.updateOne(
      { id: { $eq: id } },
      { $set: { lastUsedAt: new Date(now) } },
    ).catch(() => undefined);
  }
}
