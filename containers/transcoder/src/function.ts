/**
 * The transcode function's entry (jobRuntime 'lambda'): main.ts starts it when Lambda's Runtime API is set. The
 * Runtime API loop is lambda-runtime.ts, a job is taken as a worker takes it (worker.ts `runTaken`, in a job process),
 * and the sandbox is cleared between invocations (sandbox.ts).
 */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { optional, required } from '../../../lambdas/core/env.js';
import { type SqsRecord, serveInvocations } from './lambda-runtime.js';
import { clearSandbox } from './sandbox.js';
import { jobRunner, queueClient, runTaken } from './worker.js';

/**
 * The transcode function (jobRuntime 'lambda', lambda-runtime.ts): takes the work and chunk queues' jobs as Lambda
 * invokes it, in a job process as a worker does; hands a job too long for it to the Fargate workers' queue; clears
 * the sandbox after each invocation. The local stand-in (scripts/local/lambda-agent.ts) is not alone under its user,
 * so there only this process's own are swept (its descendants and its process group).
 */
export async function runFunction(runtimeApi: string, serviceName: string): Promise<number> {
  const logger = new Logger({ serviceName });
  refuseDumpableRuntime();
  const sqs = queueClient();
  // Uploads' first jobs and work on ready assets come from the work queue, chunk jobs from the chunk queue.
  const queueUrls = [required('WORK_QUEUE_URL'), required('CHUNK_QUEUE_URL')];
  const handoffQueueUrl = required('HANDOFF_QUEUE_URL');
  const visibility = Number(required('WORK_VISIBILITY_SECONDS'));
  // One user for everything here: the tools cannot be started as another (the image's MEDIA_TOOL_USER is for tasks).
  const env = { ...process.env, MEDIA_TOOL_USER: '' };
  const { runJob, close, jobProcess } = jobRunner({ env });
  const kept = () => jobProcess?.current();
  const setVisibility = (record: SqsRecord, queueUrl: string, seconds: number) =>
    sqs.send(
      new ChangeMessageVisibilityCommand({
        ...{ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds },
      }),
    );
  try {
    return await serveInvocations({
      runtimeApi,
      logger,
      runRecord: (record) =>
        runTaken(
          { env, logger, runJob },
          {
            id: record.messageId,
            body: record.body,
            receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
          },
        ),
      queueUrls,
      retryNow: async (record, queueUrl) => void (await setVisibility(record, queueUrl, 0)),
      extend: async (record, queueUrl) => void (await setVisibility(record, queueUrl, visibility)),
      heartbeatMs: (visibility * 1000) / 3,
      stopJob: () => jobProcess?.kill(),
      handOff: async (record) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: handoffQueueUrl, MessageBody: record.body }));
      },
      between: async () => {
        const { killed } = await clearSandbox({
          tmp: tmpdir(),
          keepPids: () => [kept()?.pid ?? []].flat(),
          keepDirs: () => [kept()?.tmp ?? []].flat(),
          scope: optional('LOCAL_SANDBOX') ? 'own' : 'uid',
        });
        if (killed.length) logger.warn('Killed processes the last job left running', { killed });
      },
    });
  } finally {
    close();
  }
}

/**
 * The function's credentials are in this process's environment, and ffmpeg runs as the same user: only a
 * non-dumpable node (installed execute-only, Dockerfile) keeps /proc/<pid>/environ from it. The kernel gives a
 * non-dumpable process's /proc files to root, so where they are this user's, the image is wrong: refuse to run.
 */
function refuseDumpableRuntime(): void {
  // The local stand-in runs the developer's node, not the image's, as whoever runs the platform.
  if (optional('LOCAL_SANDBOX')) return;
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return; // root reads every environ anyway
  if (statSync('/proc/self/environ').uid === uid) {
    throw new Error(
      'node is readable by the function user, so ffmpeg could read the credentials in its environment: ' +
        'install it execute-only (chmod 0711, as containers/transcoder/Dockerfile does)',
    );
  }
}
