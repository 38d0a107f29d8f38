/**
 * A webhook receiver the target can reach, chosen by the target: an HTTP server on 127.0.0.1 for the platform on
 * this machine, a Lambda function URL (lambda-receiver.ts) for a deployment elsewhere.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Received } from './lambda-receiver.js';
import { LambdaReceiver } from './lambda-receiver.js';
import { awsOptions, type Target } from './target.js';

export type { Received };

export interface Receiver {
  url: string;
  /** The requests received so far, in arrival order. */
  received(): Promise<Received[]>;
  close(): Promise<void>;
}

/** Named after the run's environment, so runs never meet. */
const receiverName = (environment: string) => `gamma-receiver-${environment}`.slice(0, 64);

/** Starts a receiver; `failFirst` are statuses to answer the first requests with, before answering 200. */
export async function startReceiver(t: Target, failFirst: number[] = []): Promise<Receiver> {
  return t.local ? localReceiver(failFirst) : lambdaReceiver(t, failFirst);
}

async function localReceiver(failFirst: number[]): Promise<Receiver> {
  const statuses = [...failFirst];
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: async () => [...received],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The run's Lambda receiver, deployed or not: the runner's cleanup tears it down through this too. */
export function lambdaReceiverOf(t: Pick<Target, 'region' | 'endpoint' | 'credentials' | 'environment'>) {
  const options = awsOptions(t);
  return new LambdaReceiver(
    { lambda: new LambdaClient(options), iam: new IAMClient(options), dynamo: new DynamoDBClient(options) },
    receiverName(t.environment),
  );
}

async function lambdaReceiver(t: Target, failFirst: number[]): Promise<Receiver> {
  const receiver = lambdaReceiverOf(t);
  try {
    const url = await receiver.deploy(failFirst);
    return { url, received: () => receiver.received(), close: () => receiver.teardown() };
  } catch (err) {
    await receiver.teardown().catch(() => {});
    throw err;
  }
}
