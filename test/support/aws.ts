/** SDK clients for tests that reach past the API into the emulator (fault injection, raw queue messages). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, type ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAssetSearch } from '../../lambdas/core/adapters/dynamo-asset-search.js';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { DynamoTokenRepository } from '../../lambdas/core/adapters/dynamo-tokens.js';
import { withSearchIndex } from '../../lambdas/core/adapters/search-indexed-media.js';
import type { LocalConfig } from '../../scripts/local/platform.js';

/** Client options for the emulator of a running local platform. */
export function emulator(config: LocalConfig) {
  return {
    endpoint: config.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: '000000000000', secretAccessKey: 'test' },
  };
}

/** The value of a container-override variable of a task (ASSET_ID names the asset a transcoder task works on). */
export function overrideOf(task: Task, name: string): string | undefined {
  for (const override of task.overrides?.containerOverrides ?? []) {
    const found = override.environment?.find((kv) => kv.name === name);
    if (found) return found.value;
  }
  return undefined;
}

/** The transcoder tasks of an asset in the platform's cluster, running or stopped, oldest first. */
export async function tasksOfAsset(ecs: ECSClient, config: LocalConfig, assetId: string): Promise<Task[]> {
  const cluster = config.resources.ClusterArn;
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus, nextToken }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  // A task that stops between the two listings is in both: each task once.
  const unique = [...new Set(arns)];
  const tasks: Task[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    const { tasks: page = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: unique.slice(i, i + 100) }));
    tasks.push(...page.filter((t) => overrideOf(t, 'ASSET_ID') === assetId));
  }
  return tasks.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
}

/**
 * The media table's repository as the API uses it (search entries included), for a test that writes assets the way
 * the API would — many of them in seconds, or in a state no request reaches at once (errored) — without transcodes.
 */
/** The platform's access tokens, as the API stores them. */
export function tokenRepository(config: LocalConfig) {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(emulator(config)));
  return new DynamoTokenRepository(doc, config.resources.TokensTableName as string);
}

export function mediaRepository(config: LocalConfig) {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(emulator(config)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = config.resources.MediaTableName as string;
  return withSearchIndex(new DynamoMediaRepository(doc, table), new DynamoAssetSearch(doc, table));
}
