/**
 * The SDK clients every handler builds its adapters from. They take region, credentials and AWS_ENDPOINT_URL
 * (the emulator) from the environment as the SDK does by default; S3 additionally needs path-style addressing
 * against an emulator, whose endpoint has no per-bucket host names.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { TranscribeClient } from '@aws-sdk/client-transcribe';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** `config` carries other credentials where a caller has them (the transcoder's job-scoped session). */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** `requestChecksumCalculation: 'WHEN_REQUIRED'` keeps `x-amz-checksum-*` out of presigned PUT URLs. */
export function s3Client(config: S3ClientConfig = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(env.AWS_ENDPOINT_URL && { forcePathStyle: true }),
    ...config,
  });
}

export function ecsClient(): ECSClient {
  return new ECSClient({});
}

/** MediaConvert's regional endpoint takes CreateJob directly; DescribeEndpoints is no longer needed. */
export function mediaConvertClient(): MediaConvertClient {
  return new MediaConvertClient({});
}

/** The @connections management API of a WebSocket stage (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`). */
export function managementClient(callbackUrl: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint: callbackUrl });
}

/**
 * For the API's ping to the transcode function (LambdaSandboxWarmer): one attempt, answered within a second or given
 * up, since the request it rides along with must not wait for it (a lost ping costs only a cold start).
 */
export function warmUpLambdaClient(): LambdaClient {
  return new LambdaClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 } });
}

export function transcribeClient(): TranscribeClient {
  return new TranscribeClient({});
}
