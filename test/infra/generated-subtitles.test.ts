/**
 * Generated subtitles' wiring: on AWS, Amazon Transcribe's job and vocabulary events for Gamma's jobs reach the
 * events function (with retries and a dead-letter queue), and the API and that function may start jobs and read the
 * sources Transcribe reads with their credentials; locally none of it exists and the API has no TRANSCRIBER.
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

describe('generated subtitles in the emulator', () => {
  const { pipeline$ } = synthGamma(LOCAL);

  it('are not wired: no Transcribe rule, and the API has no TRANSCRIBER (it answers 400)', () => {
    const rules = resources(pipeline$, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes('aws.transcribe'),
    );
    expect(rules).toEqual([]);
    const api = resources(pipeline$, 'AWS::Lambda::Function').find(([, fn]) =>
      String(fn.Metadata?.['aws:cdk:path']).includes('/Api/Function/'),
    );
    expect(api?.[1].Properties.Environment.Variables[ENV.TRANSCRIBER]).toBeUndefined();
  });
});
