/**
 * Environments (`/system/v1/environments`, a Gamma extension in Mux's style) and Mux's `/system/v1/whoami`. A token
 * acts in its own environment; `organization:read` lists every environment of the deployment, `organization:write`
 * creates and renames them.
 */
import {
  createEnvironment,
  EnvironmentInput,
  getEnvironment,
  listEnvironments,
  renameEnvironment,
  whoami,
} from '../../core/usecases/environments.js';
import { accessScope, type Route, route } from './route.js';

const tag = 'Environments';

export const environmentRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/system/v1/whoami',
    permission: 'any',
    summary: "The token's name, environment and permissions (any token may ask)",
    tag,
    status: 200,
    returns: 'access_token_name, environment_id, environment_name, permissions',
    run: (req) => whoami(req.caller, accessScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/environments',
    permission: 'any',
    summary: 'The environments the token may see: its own, or every one with organization:read',
    tag,
    status: 200,
    list: true,
    returns: 'environments: id, name, created_at',
    run: (req) => listEnvironments(req.caller, accessScope(req)),
  }),
  route({
    method: 'POST',
    path: '/system/v1/environments',
    permission: 'organization:write',
    summary: 'Create an environment',
    tag,
    body: EnvironmentInput,
    status: 201,
    returns: 'the environment',
    run: (req) => createEnvironment(req.body, req.caller, accessScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/environments/{ENVIRONMENT_ID}',
    permission: 'any',
    summary: 'Retrieve an environment (its own, or any with organization:read)',
    tag,
    status: 200,
    returns: 'the environment',
    run: (req) => getEnvironment(req.params.ENVIRONMENT_ID, req.caller, accessScope(req)),
  }),
  route({
    method: 'PATCH',
    path: '/system/v1/environments/{ENVIRONMENT_ID}',
    permission: 'organization:write',
    summary: 'Rename an environment',
    tag,
    body: EnvironmentInput,
    status: 200,
    returns: 'the environment',
    run: (req) => renameEnvironment(req.params.ENVIRONMENT_ID, req.body, req.caller, accessScope(req)),
  }),
];
