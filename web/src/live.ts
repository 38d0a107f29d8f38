/**
 * The live status connection: `websocketUrl?token=id:secret`, Mux webhook-style events
 * (`{ type: 'video.asset.ready', object: { type, id }, data }`). Reconnects with backoff; after a reconnect the
 * caller reloads what it shows, since events sent while offline are not replayed.
 */
import type { Asset, Upload } from './api.js';

export type LiveEvent =
  | { type: `video.asset.${string}`; id: string; object: { type: 'asset'; id: string }; data: Asset }
  | { type: `video.upload.${string}`; id: string; object: { type: 'upload'; id: string }; data: Upload };

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveOptions {
  url: string;
  token: string;
  onEvent(event: LiveEvent): void;
  onState(state: LiveState, reconnected: boolean): void;
}

export function connectLive(options: LiveOptions): { close(): void } {
  let socket: WebSocket | undefined;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wasLive = false;

  const open = () => {
    options.onState('connecting', false);
    socket = new WebSocket(`${options.url}?token=${encodeURIComponent(options.token)}`);
    socket.onopen = () => {
      options.onState('live', wasLive);
      wasLive = true;
      attempt = 0;
    };
    socket.onmessage = (message) => {
      try {
        const event = JSON.parse(String(message.data)) as LiveEvent;
        if (event?.type && event.object?.id) options.onEvent(event);
      } catch {
        // Not an event (e.g. an acknowledgement): nothing to show.
      }
    };
    socket.onclose = () => {
      if (closed) return;
      options.onState('offline', false);
      const delay = Math.min(30_000, 1000 * 2 ** attempt++) * (0.75 + Math.random() / 2);
      timer = setTimeout(open, delay);
    };
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
    },
  };
}
