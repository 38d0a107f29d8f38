/** `GET /system/v1/whoami` (the SDK's `system.utilities.whoami`): what the access token belongs to. */
import { type Route, route } from './route.js';

export const systemRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/system/v1/whoami',
    summary: 'The access token and the environment it belongs to',
    tag: 'Utilities',
    status: 200,
    returns:
      "Mux's shape; a deployment is one organization, environments are named by id, and every token may do everything",
    run: async ({ caller }) => ({
      access_token_name: caller.tokenId,
      environment_id: caller.env,
      environment_name: caller.env,
      environment_type: 'development',
      organization_id: 'gamma',
      organization_name: 'Gamma',
      permissions: ['video:read', 'video:write', 'system:read', 'system:write'],
    }),
  }),
];
