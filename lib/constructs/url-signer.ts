import type * as iam from 'aws-cdk-lib/aws-iam';
import type { EnvName } from '../../lambdas/core/env.js';

/**
 * A construct that hands out the wiring to sign stream URLs (Stream): the functions that render assets sign the
 * master MP4's URL when it is read (usecases/master-urls.ts). The transcoder task is never given it.
 */
export interface UrlSigner {
  signingEnvironment(): Partial<Record<EnvName, string>>;
  grantSignUrls(grantee: iam.IGrantable): void;
}
