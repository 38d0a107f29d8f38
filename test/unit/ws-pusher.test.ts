import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { WebSocketPusher } from '../../lambdas/core/adapters/ws-pusher.js';

const api = mockClient(ApiGatewayManagementApiClient);
const pusher = new WebSocketPusher(new ApiGatewayManagementApiClient({ region: 'eu-west-1', endpoint: 'https://x' }));

beforeEach(() => api.reset());

describe('WebSocketPusher', () => {
  it('posts the message as JSON', async () => {
    api.on(PostToConnectionCommand).resolves({});

    expect(await pusher.post('conn1', { type: 'video.asset.ready' })).toBe('sent');
    const input = api.commandCalls(PostToConnectionCommand)[0]?.args[0].input;
    expect(input?.ConnectionId).toBe('conn1');
    expect(JSON.parse(Buffer.from(input?.Data as Uint8Array).toString())).toEqual({ type: 'video.asset.ready' });
  });

  it('reports a closed connection as gone', async () => {
    api.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    expect(await pusher.post('conn1', {})).toBe('gone');
  });

  it('rethrows other failures', async () => {
    api.on(PostToConnectionCommand).rejects(new ForbiddenException({ message: 'forbidden', $metadata: {} }));
    await expect(pusher.post('conn1', {})).rejects.toThrow('forbidden');
  });
});
