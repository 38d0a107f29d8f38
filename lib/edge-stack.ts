import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EdgeRateLimit, type EdgeRateLimitProps } from './constructs/edge-rate-limit.js';

export interface EdgeStackProps extends Omit<StackProps, 'env'>, EdgeRateLimitProps {}

/**
 * The playback distribution's web ACL, only when `-c edgeRateLimit` asks for one. CloudFront takes web ACLs from
 * us-east-1 alone, so this stack is pinned there whatever region the other stacks deploy to (the account stays the
 * deploying one); the stateful stack reads the ACL's ARN through `EdgeWebAclArn`.
 */
export class EdgeStack extends Stack {
  readonly rateLimit: EdgeRateLimit;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, { ...props, env: { region: 'us-east-1' } });
    this.rateLimit = new EdgeRateLimit(this, 'RateLimit', props);
  }
}
