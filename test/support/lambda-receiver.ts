/**
 * A webhook receiver a deployment in the cloud can reach: a Lambda function URL that stores every request it gets
 * in a DynamoDB table of its own, deployed by the test and removed afterwards (and again by the deployed runner's
 * cleanup, should the test process die). Everything is named after the run's environment, so one run never
 * touches another's receiver. Deploying takes about 15 s (IAM role propagation) and costs nothing measurable.
 */
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  type LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { zipOf } from './zip.js';

/** One request the receiver stored. */
export interface Received {
  body: string;
  headers: Record<string, string>;
}

export interface ReceiverClients {
  lambda: LambdaClient;
  iam: IAMClient;
  dynamo: DynamoDBClient;
}

/** The function: counts requests atomically, stores each, answers FAIL_FIRST's statuses first, then 200. */
export const HANDLER = `
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
const db = new DynamoDBClient({});
const TableName = process.env.TABLE;
const failFirst = JSON.parse(process.env.FAIL_FIRST || '[]');
export const handler = async (event) => {
  const { Attributes } = await db.send(new UpdateItemCommand({
    TableName, Key: { id: { S: 'count' } }, UpdateExpression: 'ADD n :one',
    ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW',
  }));
  const n = Number(Attributes.n.N);
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  await db.send(new PutItemCommand({ TableName, Item: {
    id: { S: 'request#' + String(n).padStart(8, '0') }, body: { S: body }, headers: { S: JSON.stringify(event.headers ?? {}) },
  } }));
  return { statusCode: failFirst[n - 1] ?? 200 };
};
`;

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const isNotFound = (err: unknown) =>
  ['ResourceNotFoundException', 'NoSuchEntityException', 'NoSuchEntity'].includes((err as Error).name);

export class LambdaReceiver {
  constructor(
    private readonly clients: ReceiverClients,
    /** Names the function, its role and its table. */
    readonly name: string,
    private readonly options: { retryDelayMs?: number; roleWaitMs?: number } = {},
  ) {}

  /** Deploys the receiver and returns its URL. `failFirst`: statuses to answer the first requests with. */
  async deploy(failFirst: number[] = []): Promise<string> {
    const { lambda, iam, dynamo } = this.clients;
    const table = await dynamo.send(
      new CreateTableCommand({
        TableName: this.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists({ client: dynamo, maxWaitTime: 120 }, { TableName: this.name });
    const role = await iam.send(new CreateRoleCommand({ RoleName: this.name, AssumeRolePolicyDocument: TRUST }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: this.name,
        PolicyName: 'store-requests',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
              Resource: table.TableDescription?.TableArn,
            },
          ],
        }),
      }),
    );
    // A new role takes seconds to become assumable by Lambda; CreateFunction says so until it is.
    const deadline = Date.now() + (this.options.roleWaitMs ?? 60_000);
    for (;;) {
      try {
        await lambda.send(
          new CreateFunctionCommand({
            FunctionName: this.name,
            Runtime: 'nodejs22.x',
            Handler: 'index.handler',
            Role: role.Role?.Arn,
            Code: { ZipFile: zipOf({ 'index.mjs': HANDLER }) },
            Timeout: 10,
            Environment: { Variables: { TABLE: this.name, FAIL_FIRST: JSON.stringify(failFirst) } },
          }),
        );
        break;
      } catch (err) {
        const roleNotReady = (err as Error).name === 'InvalidParameterValueException' && /role/i.test(String(err));
        if (!roleNotReady || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, this.options.retryDelayMs ?? 3000));
      }
    }
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: this.name });
    const { FunctionUrl } = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: this.name, AuthType: 'NONE' }),
    );
    // A public function URL needs both grants (AWS has required the second since October 2025).
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: this.name,
        StatementId: 'public-url',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: this.name,
        StatementId: 'public-url-invoke',
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        InvokedViaFunctionUrl: true,
      }),
    );
    if (!FunctionUrl) throw new Error(`Lambda gave no URL for ${this.name}`);
    return FunctionUrl;
  }

  /** The requests stored so far, in arrival order. */
  async received(): Promise<Received[]> {
    const items: Record<string, { S?: string }>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.clients.dynamo.send(
        new ScanCommand({ TableName: this.name, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      items.push(...((page.Items ?? []) as Record<string, { S?: string }>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items
      .filter((item) => item.id?.S?.startsWith('request#'))
      .sort((a, b) => String(a.id?.S).localeCompare(String(b.id?.S)))
      .map((item) => ({ body: item.body?.S ?? '', headers: JSON.parse(item.headers?.S ?? '{}') }));
  }

  /** Removes the function (its URL goes with it), the role and the table; what is already gone is skipped. */
  async teardown(): Promise<void> {
    const { lambda, iam, dynamo } = this.clients;
    const steps: Array<() => Promise<unknown>> = [
      () => lambda.send(new DeleteFunctionCommand({ FunctionName: this.name })),
      () => iam.send(new DeleteRolePolicyCommand({ RoleName: this.name, PolicyName: 'store-requests' })),
      () => iam.send(new DeleteRoleCommand({ RoleName: this.name })),
      () => dynamo.send(new DeleteTableCommand({ TableName: this.name })),
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        if (!isNotFound(err)) failures.push(err);
      }
    }
    if (failures.length) throw new AggregateError(failures, `Could not remove all of the receiver ${this.name}`);
  }
}
