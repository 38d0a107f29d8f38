/**
 * Access tokens (`/system/v1/access-tokens`), a Gamma extension in Mux's style: Mux creates and revokes tokens in
 * its dashboard. A token never grants more than its creator holds; revoking takes effect on the next request.
 */
import {
  CreateAccessTokenInput,
  createAccessToken,
  getAccessToken,
  ListAccessTokensQuery,
  listAccessTokens,
  revokeAccessToken,
} from '../../core/usecases/tokens.js';
import { accessScope, type Route, route } from './route.js';

const tag = 'Access tokens';

export const accessTokenRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/system/v1/access-tokens',
    permission: 'system:write',
    summary:
      'Create an access token with permissions (video:read|write, system:read|write, organization:read|write), ' +
      'optionally for another environment (needs organization:write) or expiring after `expires_in` seconds',
    tag,
    body: CreateAccessTokenInput,
    status: 201,
    returns: 'the token with its `secret`, shown only here',
    run: (req) => createAccessToken(req.body, req.caller, accessScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/access-tokens',
    permission: 'system:read',
    summary: "List the environment's tokens (`environment_id` of another one needs organization:read)",
    tag,
    query: ListAccessTokensQuery,
    status: 200,
    list: true,
    returns: 'the tokens (never their secrets), oldest first',
    run: (req) => listAccessTokens(req.query, req.caller, accessScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/access-tokens/{ACCESS_TOKEN_ID}',
    permission: 'system:read',
    summary: 'Retrieve an access token',
    tag,
    status: 200,
    returns: 'the token: id, name, environment_id, permissions, created_at, expires_at',
    run: (req) => getAccessToken(req.params.ACCESS_TOKEN_ID, req.caller, accessScope(req)),
  }),
  route({
    method: 'DELETE',
    path: '/system/v1/access-tokens/{ACCESS_TOKEN_ID}',
    permission: 'system:write',
    summary: 'Revoke an access token: it stops working at once and its WebSocket connections are closed',
    tag,
    status: 204,
    run: (req) => revokeAccessToken(req.params.ACCESS_TOKEN_ID, req.caller, accessScope(req)),
  }),
];
