import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MediaStorage } from './constructs/media-storage.js';

export interface StatefulStackProps extends StackProps {
  /** @default true — buckets and tables survive stack deletion */
  readonly retainData?: boolean;
  /** Origins allowed to upload from a browser. @default ['*'] */
  readonly corsOrigins?: string[];
}

/** Buckets, the ingest queue and the tables: the data, kept apart from the replaceable pipeline. */
export class StatefulStack extends Stack {
  readonly storage: MediaStorage;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    this.storage = new MediaStorage(this, 'Storage', { retainData: props.retainData, corsOrigins: props.corsOrigins });
  }
}
