import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { Pusher } from '../ports.js';

/** Posts JSON to a WebSocket connection through the stage's @connections API. */
export class WebSocketPusher implements Pusher {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async post(connectionId: string, message: unknown): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message)) }),
      );
      return 'sent';
    } catch (err) {
      if (err instanceof Error && err.name === 'GoneException') return 'gone';
      throw err;
    }
  }

  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (err) {
      if (err instanceof Error && err.name === 'GoneException') return;
      throw err;
    }
  }
}
