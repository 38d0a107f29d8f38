import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/handlers/api/routes.js';

describe('the permission of every route', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_, route) => {
    // The playback redirects on the API host serve the SDK's video.playback helpers.
    const area = route.path.startsWith('/system/') ? 'system' : 'video';
    const access = route.method === 'GET' ? 'read' : 'write';
    // Reads need read and writes need write; /system/v1/environments and whoami follow the organisation rules.
    if (route.path.startsWith('/system/v1/environments') || route.path === '/system/v1/whoami') {
      expect(route.permission).toBe(route.method === 'GET' ? 'any' : 'organization:write');
    } else {
      expect(route.permission).toBe(`${area}:${access}`);
    }
  });
});
