/** In-memory access tokens and environments (the tokens table's two kinds of item). */
import { AlreadyExistsError, NotFoundError } from '../../lambdas/core/domain/errors.js';
import type { AccessToken, Environment, EnvironmentRepository, TokenRepository } from '../../lambdas/core/ports.js';

export class InMemoryTokens implements TokenRepository {
  readonly tokens = new Map<string, AccessToken>();
  /** How many times `get` ran: the API reads the token on every request. */
  reads = 0;

  async get(id: string): Promise<AccessToken | undefined> {
    this.reads++;
    const token = this.tokens.get(id);
    return token && structuredClone(token);
  }

  async put(token: AccessToken): Promise<void> {
    if (this.tokens.has(token.id)) throw new AlreadyExistsError('token', token.id);
    this.tokens.set(token.id, structuredClone(token));
  }

  async listByEnv(env: string): Promise<AccessToken[]> {
    return [...this.tokens.values()].filter((t) => t.env === env).map((t) => structuredClone(t));
  }

  async delete(env: string, id: string): Promise<void> {
    if (this.tokens.get(id)?.env !== env) throw new NotFoundError('access_token', id);
    this.tokens.delete(id);
  }
}

export class InMemoryEnvironments implements EnvironmentRepository {
  readonly environments = new Map<string, Environment>();

  async get(id: string): Promise<Environment | undefined> {
    const environment = this.environments.get(id);
    return environment && { ...environment };
  }

  async putIfAbsent(environment: Environment): Promise<Environment> {
    const stored = this.environments.get(environment.id);
    if (stored) return { ...stored };
    this.environments.set(environment.id, { ...environment });
    return { ...environment };
  }

  async list(): Promise<Environment[]> {
    return [...this.environments.values()].sort((a, b) => a.created_at - b.created_at).map((e) => ({ ...e }));
  }

  async rename(id: string, name: string): Promise<Environment> {
    const stored = this.environments.get(id);
    if (!stored) throw new NotFoundError('environment', id);
    stored.name = name;
    return { ...stored };
  }
}
