/**
 * Generated subtitles' wiring: on AWS, Amazon Transcribe's job and vocabulary events for Gamma's jobs reach the
 * events function (with retries and a dead-letter queue), and the API and that function may start jobs and read the
 * sources Transcribe reads with their credentials, and assets created with generated_subtitles get their jobs
 * started from the table's stream once ready; locally (and with -c transcriber=pocketsphinx) none of it exists and
 * the API and the transcoder task are told TRANSCRIBER=pocketsphinx.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/env.js';
import { LOCAL, logicalId, policiesOfRole, resources, synthGamma } from './app.js';

const roleOf = (t: ReturnType<typeof synthGamma>['pipeline$'], functionPath: string) => {
  const fn = t.findResources('AWS::Lambda::Function')[logicalId(t, 'AWS::Lambda::Function', functionPath)];
  const role = fn?.Properties.Role['Fn::GetAtt'] as string[] | undefined;
  return role?.[0] ?? '';
};

describe('generated subtitles on AWS', () => {
  const { pipeline$ } = synthGamma();

  it("routes Transcribe's job and vocabulary state changes of gamma- jobs to the events function", () => {
    pipeline$.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.transcribe'],
        'detail-type': ['Transcribe Job State Change', 'Vocabulary State Change'],
        detail: {
          $or: [{ TranscriptionJobName: [{ prefix: 'gamma-' }] }, { VocabularyName: [{ prefix: 'gamma-' }] }],
        },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('gives the API its Transcriber and lets it start jobs that read sources and write under transcripts/', () => {
    const api = resources(pipeline$, 'AWS::Lambda::Function').find(([, fn]) =>
      String(fn.Metadata?.['aws:cdk:path']).includes('/Api/Function/'),
    );
    expect(api?.[1].Properties.Environment.Variables[ENV.TRANSCRIBER]).toBe('amazon-transcribe');
    const statements = policiesOfRole(pipeline$, roleOf(pipeline$, '/Api/Function/'));
    expect(statements.flatMap((s) => s.actions)).toEqual(
      expect.arrayContaining(['transcribe:StartTranscriptionJob', 'transcribe:CreateVocabulary']),
    );
    expect(JSON.stringify(statements.filter((s) => s.actions.includes('s3:PutObject')))).toContain('transcripts/*');
  });

  it('lets the events function read and clean up jobs, and nothing of Transcribe more', () => {
    const actions = policiesOfRole(pipeline$, roleOf(pipeline$, 'GeneratedSubtitles/EventsFunction/'))
      .flatMap((s) => s.actions)
      .filter((a) => a.startsWith('transcribe:'))
      .sort();
    expect(actions).toEqual([
      'transcribe:CreateVocabulary',
      'transcribe:DeleteTranscriptionJob',
      'transcribe:DeleteVocabulary',
      'transcribe:GetTranscriptionJob',
      'transcribe:GetVocabulary',
      'transcribe:StartTranscriptionJob',
    ]);
  });
});

describe('the start of transcriptions for assets created with generated_subtitles', () => {
  const { pipeline$ } = synthGamma();

  it('reads the media table stream, filtered to assets turning from preparing to ready, with a dead-letter queue', () => {
    const mappings = resources(pipeline$, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(m.Properties.FunctionName).includes('GeneratedSubtitlesStartFunction'),
    );
    expect(mappings).toHaveLength(1);
    const props = mappings[0]?.[1].Properties;
    expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(props.DestinationConfig?.OnFailure).toBeDefined();
    expect(JSON.parse(props.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['MODIFY'],
      dynamodb: { OldImage: { status: { S: ['preparing'] } }, NewImage: { status: { S: ['ready'] } } },
    });
  });

  it('lets the start function start jobs on sources and nothing of Transcribe more', () => {
    const statements = policiesOfRole(pipeline$, roleOf(pipeline$, 'GeneratedSubtitles/StartFunction/'));
    const actions = statements.flatMap((s) => s.actions).filter((a) => a.startsWith('transcribe:'));
    expect(actions.sort()).toEqual(['transcribe:CreateVocabulary', 'transcribe:StartTranscriptionJob']);
    expect(JSON.stringify(statements.filter((s) => s.actions.includes('s3:PutObject')))).toContain('transcripts/*');
  });
});

describe('generated subtitles in the emulator (pocketsphinx in the transcoder task)', () => {
  const { pipeline$ } = synthGamma(LOCAL);

  it('have no Transcribe wiring; the API and the transcoder task are told TRANSCRIBER=pocketsphinx', () => {
    const rules = resources(pipeline$, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes('aws.transcribe'),
    );
    expect(rules).toEqual([]);
    const functions = resources(pipeline$, 'AWS::Lambda::Function').map(([, fn]) =>
      String(fn.Metadata?.['aws:cdk:path']),
    );
    expect(functions.filter((p) => p.includes('GeneratedSubtitles'))).toEqual([]);
    const api = resources(pipeline$, 'AWS::Lambda::Function').find(([, fn]) =>
      String(fn.Metadata?.['aws:cdk:path']).includes('/Api/Function/'),
    );
    expect(api?.[1].Properties.Environment.Variables[ENV.TRANSCRIBER]).toBe('pocketsphinx');
    const [, task] = resources(pipeline$, 'AWS::ECS::TaskDefinition')[0] ?? [];
    expect(task?.Properties.ContainerDefinitions[0].Environment).toEqual(
      expect.arrayContaining([{ Name: ENV.TRANSCRIBER, Value: 'pocketsphinx' }]),
    );
  });

  it('refuse Amazon Transcribe in the emulator, and pocketsphinx with MediaConvert, naming the fix', () => {
    expect(() => synthGamma({ ...LOCAL, transcriber: 'transcribe' })).toThrow(/-c transcriber=pocketsphinx/);
    expect(() => synthGamma({ transcoder: 'mediaconvert', transcriber: 'pocketsphinx' })).toThrow(
      /-c transcriber=transcribe with MediaConvert/,
    );
    expect(() => synthGamma({ transcriber: 'whisper' })).toThrow(
      /-c transcriber=whisper: use transcribe or pocketsphinx/,
    );
  });
});

describe('pocketsphinx on AWS (-c transcriber=pocketsphinx)', () => {
  const { pipeline$ } = synthGamma({ transcriber: 'pocketsphinx' });

  it('builds the image with pocketsphinx and gives the API no Transcribe permission', () => {
    const api = resources(pipeline$, 'AWS::Lambda::Function').find(([, fn]) =>
      String(fn.Metadata?.['aws:cdk:path']).includes('/Api/Function/'),
    );
    expect(api?.[1].Properties.Environment.Variables[ENV.TRANSCRIBER]).toBe('pocketsphinx');
    const statements = policiesOfRole(pipeline$, roleOf(pipeline$, '/Api/Function/'));
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('transcribe:'))).toEqual([]);
  });
});
