import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TRANSCRIPTION_JOB_PREFIX, type TranscriberKind } from '../../lambdas/core/domain/generated-subtitles.js';
import { GammaFunction } from './gamma-function.js';

/** What the API needs of the deployment's speech-to-text service (`-c transcriber`). */
export interface SpeechToText {
  /** TRANSCRIBER, which gives the API its transcriber. */
  environment(): { TRANSCRIBER: TranscriberKind };
  /** Lets `grantee` start transcriptions. */
  grantStart(grantee: GammaFunction): void;
}

/**
 * pocketsphinx in the transcoder's task (`-c transcriber=pocketsphinx`, FargateTranscoder `transcribeInTask`): the
 * API starts `subtitles` tasks, which its grant to start transcoder work covers already.
 */
export const IN_TASK_TRANSCRIPTION: SpeechToText = {
  environment: () => ({ TRANSCRIBER: 'pocketsphinx' }),
  grantStart: () => undefined,
};

export interface GeneratedSubtitlesProps {
  readonly mediaTable: dynamodb.ITable;
  /** Sources are read from `uploads/`; Transcribe's output goes to `transcripts/` (outside the ingest prefix). */
  readonly ingestBucket: s3.IBucket;
  /** Where the generated tracks' renditions are written (`assets/`). */
  readonly outputBucket: s3.IBucket;
}

/**
 * Generated subtitles on AWS: Amazon Transcribe jobs, started by the API (and, after a custom vocabulary is ready,
 * by this construct's function), whose "Transcribe Job State Change" and "Vocabulary State Change" events come here
 * through EventBridge rather than being polled for: nothing runs while a job does, and a job's end is handled
 * within seconds. Events are delivered at least once and best effort, so each step is safe to repeat; an event that
 * keeps failing goes to a dead-letter queue.
 */
export class GeneratedSubtitles extends Construct implements SpeechToText {
  readonly eventsFunction: GammaFunction;
  /** Starts the jobs of assets created with `generated_subtitles` once the stream shows them turn ready. */
  readonly startFunction: GammaFunction;
  private readonly props: GeneratedSubtitlesProps;

  constructor(scope: Construct, id: string, props: GeneratedSubtitlesProps) {
    super(scope, id);
    this.props = props;
    this.eventsFunction = new GammaFunction(this, 'EventsFunction', {
      handler: 'transcription-events',
      components: ['transcriptionEvents'],
      environment: { MEDIA_TABLE: props.mediaTable.tableName, OUTPUT_BUCKET: props.outputBucket.bucketName },
      timeout: Duration.minutes(1),
      description: "Finishes generated subtitle tracks from Amazon Transcribe's events",
    });
    props.mediaTable.grantReadWriteData(this.eventsFunction);
    props.outputBucket.grantRead(this.eventsFunction, 'assets/*');
    props.outputBucket.grantPut(this.eventsFunction, 'assets/*');
    props.ingestBucket.grantRead(this.eventsFunction, 'transcripts/*');
    props.ingestBucket.grantDelete(this.eventsFunction, 'transcripts/*');
    // It starts a job itself once the job's custom vocabulary is ready.
    this.grantStart(this.eventsFunction);
    this.eventsFunction.addToRolePolicy(
      transcribePolicy([
        'transcribe:GetTranscriptionJob',
        'transcribe:GetVocabulary',
        'transcribe:DeleteVocabulary',
        'transcribe:DeleteTranscriptionJob',
      ]),
    );

    new events.Rule(this, 'TranscribeEvents', {
      description: "Amazon Transcribe's events about generated subtitles",
      eventPattern: {
        source: ['aws.transcribe'],
        detailType: ['Transcribe Job State Change', 'Vocabulary State Change'],
        detail: {
          $or: [
            { TranscriptionJobName: [{ prefix: TRANSCRIPTION_JOB_PREFIX }] },
            { VocabularyName: [{ prefix: TRANSCRIPTION_JOB_PREFIX }] },
          ],
        },
      },
      targets: [
        new targets.LambdaFunction(this.eventsFunction, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: new sqs.Queue(this, 'EventsDLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) }),
        }),
      ],
    });
    this.startFunction = this.startOnReady(props);
  }

  /**
   * An asset created with `generated_subtitles` has nothing to transcribe until it is ready: the media table's
   * stream, filtered to assets going from preparing to ready, invokes a function that starts their jobs. The filter
   * keeps every other change from invoking it; a failing record is retried, then dead-lettered.
   */
  private startOnReady(props: GeneratedSubtitlesProps): GammaFunction {
    const fn = new GammaFunction(this, 'StartFunction', {
      handler: 'transcription-start',
      components: ['transcriptionStart'],
      environment: { MEDIA_TABLE: props.mediaTable.tableName },
      description: 'Starts the Amazon Transcribe jobs of generated subtitle tracks when their asset turns ready',
    });
    props.mediaTable.grantReadWriteData(fn);
    this.grantStart(fn);
    fn.addEventSource(
      new DynamoEventSource(props.mediaTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 20,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('MODIFY'),
            dynamodb: {
              OldImage: { status: { S: lambda.FilterRule.isEqual('preparing') } },
              NewImage: { status: { S: lambda.FilterRule.isEqual('ready') } },
            },
          }),
        ],
        onFailure: new SqsDlq(
          new sqs.Queue(this, 'StartDLQ', { enforceSSL: true, retentionPeriod: Duration.days(14) }),
        ),
      }),
    );
    return fn;
  }

  /**
   * What starting a transcription needs. Transcribe reads the media and writes its output with the credentials of
   * whoever starts the job, so a starter may read sources and write under `transcripts/`.
   */
  grantStart(grantee: GammaFunction): void {
    grantee.addToRolePolicy(transcribePolicy(['transcribe:StartTranscriptionJob', 'transcribe:CreateVocabulary']));
    this.props.ingestBucket.grantRead(grantee, 'uploads/*');
    this.props.ingestBucket.grantPut(grantee, 'transcripts/*');
  }

  /** The variable that gives the API its Transcriber. */
  environment(): { TRANSCRIBER: TranscriberKind } {
    return { TRANSCRIBER: 'amazon-transcribe' };
  }
}

/**
 * Transcribe's job and vocabulary actions take no resource of ours that exists beforehand (they are named at call
 * time), so the statement names `*`; IAM has no grant method for them.
 */
const transcribePolicy = (actions: string[]) => new iam.PolicyStatement({ actions, resources: ['*'] });
