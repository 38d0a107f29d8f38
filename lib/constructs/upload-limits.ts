import { Size } from 'aws-cdk-lib';

/** 512 GiB: a 12-hour master (Gamma's and Mux's duration limit) at about 100 Mbit/s; S3 itself allows 5 TiB. */
export const DEFAULT_MAX_UPLOAD_SIZE = Size.gibibytes(512);
