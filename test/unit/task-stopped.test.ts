import { beforeEach, describe, expect, it } from 'vitest';
import { type TaskStateChange, taskStopped } from '../../lambdas/core/usecases/task-stopped.js';
import { createTaskStoppedHandler } from '../../lambdas/handlers/task-stopped.js';
import { InMemoryMediaRepository, preparingAsset } from './fakes.js';

let media: InMemoryMediaRepository;
beforeEach(async () => {
  media = new InMemoryMediaRepository();
  await media.createAsset(preparingAsset());
});

const stopped = (overrides: Partial<TaskStateChange> = {}): TaskStateChange => ({
  lastStatus: 'STOPPED',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'transcoder', exitCode: 1 }],
  overrides: {
    containerOverrides: [
      {
        name: 'transcoder',
        environment: [
          { name: 'SOURCE_KEY', value: 'uploads/u1' },
          { name: 'ASSET_ID', value: 'asset1' },
        ],
      },
    ],
  },
  ...overrides,
});

describe('taskStopped', () => {
  it('marks the asset errored when the transcoder exited non-zero', async () => {
    const task = stopped({ containers: [{ name: 'transcoder', exitCode: 137, reason: 'OutOfMemoryError' }] });
    expect(await taskStopped(task, { media })).toEqual({ outcome: 'marked_errored', assetId: 'asset1' });
    expect((await media.getAsset('asset1'))?.errors).toEqual({
      type: 'transcode_failed',
      messages: ['The transcoder exited with code 137: OutOfMemoryError; Essential container in task exited'],
    });
  });

  it('marks the asset errored when the container never ran', async () => {
    const task = stopped({
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: image not found',
      containers: [{ name: 'transcoder' }],
    });
    await taskStopped(task, { media });
    expect((await media.getAsset('asset1'))?.errors?.messages).toEqual([
      'The transcoding task stopped before the transcoder ran (TaskFailedToStart): CannotPullContainerError: image not found',
    ]);
  });

  it('leaves an asset the transcoder finished (exit 0) alone', async () => {
    expect(await taskStopped(stopped({ containers: [{ name: 'transcoder', exitCode: 0 }] }), { media })).toEqual({
      outcome: 'succeeded',
      assetId: 'asset1',
    });
    expect((await media.getAsset('asset1'))?.status).toBe('preparing');
  });

  it('keeps the error the transcoder recorded itself', async () => {
    await media.markErrored('asset1', { type: 'invalid_input', messages: ['no video stream'] });
    expect((await taskStopped(stopped(), { media })).outcome).toBe('already_final');
    expect((await media.getAsset('asset1'))?.errors?.type).toBe('invalid_input');
  });

  it('ignores tasks that are not stopped or carry no asset id', async () => {
    expect((await taskStopped(stopped({ lastStatus: 'RUNNING' }), { media })).outcome).toBe('not_a_transcode');
    expect((await taskStopped(stopped({ overrides: undefined }), { media })).outcome).toBe('not_a_transcode');
    expect((await media.getAsset('asset1'))?.status).toBe('preparing');
  });
});

describe('task-stopped handler', () => {
  it('reads the ECS event detail and marks the asset', async () => {
    const handler = createTaskStoppedHandler(() => ({ media }));
    await handler({
      version: '0',
      id: 'e1',
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '1',
      time: '2025-01-01T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { ...stopped(), clusterArn: 'arn:cluster', taskArn: 'arn:task', group: 'family:x' },
    });
    expect((await media.getAsset('asset1'))?.status).toBe('errored');
  });
});
