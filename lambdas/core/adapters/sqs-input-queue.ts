import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InputJob, InputQueue } from '../ports.js';

export class SqsInputQueue implements InputQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async submit(job: InputJob): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
