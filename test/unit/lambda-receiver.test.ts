import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvalidParameterValueException,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { HANDLER, LambdaReceiver } from '../support/lambda-receiver.js';
import { zipOf } from '../support/zip.js';

const lambda = mockClient(LambdaClient);
const iam = mockClient(IAMClient);
const dynamo = mockClient(DynamoDBClient);
const clients = {
  lambda: new LambdaClient({ region: 'eu-west-1' }),
  iam: new IAMClient({ region: 'eu-west-1' }),
  dynamo: new DynamoDBClient({ region: 'eu-west-1' }),
};
const receiver = new LambdaReceiver(clients, 'gamma-receiver-run1', { retryDelayMs: 1 });
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/gamma-receiver-run1';

beforeEach(() => {
  lambda.reset();
  iam.reset();
  dynamo.reset();
  dynamo.on(CreateTableCommand).resolves({ TableDescription: { TableArn: TABLE_ARN } });
  dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
  iam.on(CreateRoleCommand).resolves({ Role: { Arn: 'arn:aws:iam::123456789012:role/gamma-receiver-run1' } as never });
  lambda.on(GetFunctionCommand).resolves({ Configuration: { State: 'Active' } });
  lambda.on(CreateFunctionUrlConfigCommand).resolves({ FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/' });
});

describe('LambdaReceiver.deploy', () => {
  it('creates a table, a role that may write only to it, the function and its public URL', async () => {
    expect(await receiver.deploy([500])).toBe('https://abc.lambda-url.eu-west-1.on.aws/');

    expect(dynamo.commandCalls(CreateTableCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'gamma-receiver-run1',
      BillingMode: 'PAY_PER_REQUEST',
    });
    const role = iam.commandCalls(CreateRoleCommand)[0]?.args[0].input;
    expect(JSON.parse(role?.AssumeRolePolicyDocument ?? '{}').Statement[0].Principal).toEqual({
      Service: 'lambda.amazonaws.com',
    });
    const policy = JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input.PolicyDocument ?? '{}');
    expect(policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: TABLE_ARN },
    ]);
    const created = lambda.commandCalls(CreateFunctionCommand)[0]?.args[0].input;
    expect(created).toMatchObject({
      FunctionName: 'gamma-receiver-run1',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::123456789012:role/gamma-receiver-run1',
      Environment: { Variables: { TABLE: 'gamma-receiver-run1', FAIL_FIRST: '[500]' } },
    });
    expect(created?.Code?.ZipFile).toEqual(zipOf({ 'index.mjs': HANDLER }));
    expect(lambda.commandCalls(CreateFunctionUrlConfigCommand)[0]?.args[0].input.AuthType).toBe('NONE');
    expect(lambda.commandCalls(AddPermissionCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true }),
    ]);
  });

  it('retries creating the function while the new role cannot be assumed yet, and no other error', async () => {
    const notYet = new InvalidParameterValueException({
      message: 'The role defined for the function cannot be assumed by Lambda.',
      $metadata: {},
    });
    lambda.on(CreateFunctionCommand).rejectsOnce(notYet).rejectsOnce(notYet).resolves({});
    await receiver.deploy();
    expect(lambda.commandCalls(CreateFunctionCommand)).toHaveLength(3);

    lambda.on(CreateFunctionCommand).rejects(new Error('AccessDeniedException'));
    await expect(receiver.deploy()).rejects.toThrow('AccessDeniedException');
  });
});

describe('LambdaReceiver.received', () => {
  it('returns the stored requests in arrival order, without the counter', async () => {
    dynamo.on(ScanCommand).resolves({
      Items: [
        { id: { S: 'request#00000002' }, body: { S: '{"b":2}' }, headers: { S: '{"mux-signature":"t=2"}' } },
        { id: { S: 'count' } },
        { id: { S: 'request#00000001' }, body: { S: '{"a":1}' }, headers: { S: '{"mux-signature":"t=1"}' } },
      ],
    });
    expect(await receiver.received()).toEqual([
      { body: '{"a":1}', headers: { 'mux-signature': 't=1' } },
      { body: '{"b":2}', headers: { 'mux-signature': 't=2' } },
    ]);
  });
});

describe('LambdaReceiver.teardown', () => {
  it('removes the function, the role and the table, skipping what is already gone', async () => {
    lambda.on(DeleteFunctionCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    iam.on(DeleteRolePolicyCommand).rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    await receiver.teardown();
    expect(lambda.commandCalls(DeleteFunctionCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'gamma-receiver-run1',
    });
    expect(iam.commandCalls(DeleteRoleCommand)[0]?.args[0].input).toEqual({ RoleName: 'gamma-receiver-run1' });
    expect(dynamo.commandCalls(DeleteTableCommand)[0]?.args[0].input).toEqual({ TableName: 'gamma-receiver-run1' });
  });

  it('still tries every step when one fails, then reports the failure', async () => {
    lambda.on(DeleteFunctionCommand).rejects(new Error('throttled'));
    await expect(receiver.teardown()).rejects.toThrow('Could not remove all of the receiver gamma-receiver-run1');
    expect(dynamo.commandCalls(DeleteTableCommand)).toHaveLength(1);
  });
});

describe('the receiver function', () => {
  it('stores each request and answers the configured failures first, then 200', async () => {
    // The handler's source as deployed, written where it resolves the project's SDK, its DynamoDB client mocked.
    const dir = mkdtempSync(join(import.meta.dirname, '..', '..', 'node_modules', '.receiver-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
      delete process.env.TABLE;
      delete process.env.FAIL_FIRST;
    });
    writeFileSync(join(dir, 'index.mjs'), HANDLER);
    process.env.TABLE = 'gamma-receiver-run1';
    process.env.FAIL_FIRST = '[500]';
    let n = 0;
    dynamo.on(UpdateItemCommand).callsFake(async () => ({ Attributes: { n: { N: String(++n) } } }));
    dynamo.on(PutItemCommand).resolves({});
    const { handler } = await import(join(dir, 'index.mjs'));
    const event = (body: string) => ({
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      headers: { a: 'b' },
    });
    expect(await handler(event('{"first":1}'))).toEqual({ statusCode: 500 });
    expect(await handler(event('{"second":2}'))).toEqual({ statusCode: 200 });
    expect(dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item)).toEqual([
      { id: { S: 'request#00000001' }, body: { S: '{"first":1}' }, headers: { S: '{"a":"b"}' } },
      { id: { S: 'request#00000002' }, body: { S: '{"second":2}' }, headers: { S: '{"a":"b"}' } },
    ]);
  });
});

describe('zipOf', () => {
  it('writes an archive unzip reads back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gamma-zip-')), 'code.zip');
    writeFileSync(file, zipOf({ 'index.mjs': 'export const x = 1;\n', 'b.txt': 'ü' }));
    const read = (name: string) =>
      execFileSync(
        'python3',
        ['-c', 'import sys,zipfile;print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode(),end="")', file, name],
        {
          encoding: 'utf8',
        },
      );
    expect(read('index.mjs')).toBe('export const x = 1;\n');
    expect(read('b.txt')).toBe('ü');
  });
});
