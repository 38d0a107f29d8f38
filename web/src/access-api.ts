/**
 * The System API's access side as the dashboard uses it: who the token is (Mux's whoami), the deployment's
 * environments and the environment's access tokens (Gamma's `/system/v1/environments` and `/system/v1/access-tokens`).
 */
import type { GammaApi } from './api.js';

export interface Whoami {
  access_token_name?: string;
  environment_id: string;
  environment_name: string;
  permissions: string[];
  /** Gamma's: when a token that expires stops working (unix seconds, as a string). */
  expires_at?: string;
}

export interface Environment {
  id: string;
  name: string;
  created_at: string;
}

export interface AccessToken {
  id: string;
  name?: string;
  environment_id: string;
  permissions: string[];
  created_at: string;
  expires_at?: string;
}

/** The kinds of token the dashboard offers, as Mux's dashboard scopes them. */
export const TOKEN_SCOPES = {
  videoRead: ['video:read'],
  videoWrite: ['video:write'],
  systemRead: ['system:read'],
  systemWrite: ['system:write'],
} as const;
export type TokenScope = keyof typeof TOKEN_SCOPES;

const path = (base: string, id?: string) => (id === undefined ? base : `${base}/${encodeURIComponent(id)}`);

export const whoami = async (api: GammaApi) => (await api.request<{ data: Whoami }>('GET', '/system/v1/whoami')).data;

export const listEnvironments = async (api: GammaApi) =>
  (await api.request<{ data: Environment[] }>('GET', '/system/v1/environments')).data;

export const createEnvironment = async (api: GammaApi, name: string) =>
  (await api.request<{ data: Environment }>('POST', '/system/v1/environments', { name })).data;

export const renameEnvironment = async (api: GammaApi, id: string, name: string) =>
  (await api.request<{ data: Environment }>('PATCH', path('/system/v1/environments', id), { name })).data;

export const listTokens = async (api: GammaApi, environmentId?: string) => {
  const query = environmentId === undefined ? '' : `?environment_id=${encodeURIComponent(environmentId)}`;
  return (await api.request<{ data: AccessToken[] }>('GET', `/system/v1/access-tokens${query}`)).data;
};

/** The new token with its secret: the only time the secret is shown. */
export const createToken = async (
  api: GammaApi,
  body: { name?: string; permissions: string[]; environment_id?: string; expires_in?: number },
) => (await api.request<{ data: AccessToken & { secret: string } }>('POST', '/system/v1/access-tokens', body)).data;

export const revokeToken = (api: GammaApi, id: string) =>
  api.request<void>('DELETE', path('/system/v1/access-tokens', id));
