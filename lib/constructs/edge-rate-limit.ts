import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** AWS WAF's bounds on a rate-based rule's limit (requests per evaluation window per aggregation key). */
export const EDGE_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

/**
 * The routes the playback function draws images on (`/{playbackId}/thumbnail.webp`, `animated.gif`,
 * `storyboard.jpg`, the Stream construct's image behaviors): public, and seconds of function time on a cache miss.
 * `/assets/{id}/storyboard.*` is a signed object in S3 and does not match (its first segment is `assets`, not an id).
 */
export const IMAGE_PATH_PATTERN = '^/[^/]+/(thumbnail|animated|storyboard)\\.';

export interface EdgeRateLimitProps {
  /**
   * Requests one IP address may make to the matching paths in 5 minutes; beyond it AWS WAF answers 403 until the
   * address's rate falls back under the limit. AWS WAF accepts 10 to 2,000,000,000.
   */
  readonly requestsPerFiveMinutes: number;
  /**
   * The URI paths the rule counts and blocks (a regular expression, matched after URL-decoding). Other requests
   * pass uncounted, so video segments and playlists (signed, cached, and fetched by a player every few seconds,
   * often by many viewers behind one NAT) are never throttled.
   * @default IMAGE_PATH_PATTERN — the image routes, whose cache misses cost function time
   */
  readonly pathPattern?: string;
}

function checkedLimit(value: number): number {
  const { min, max } = EDGE_RATE_LIMIT_RANGE;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `requestsPerFiveMinutes must be a whole number from ${min} to ${max} (AWS WAF's range), not ${value}`,
    );
  }
  return value;
}

/**
 * A web ACL for a CloudFront distribution with one rate-based rule: block an IP address that requests the matching
 * paths more than `requestsPerFiveMinutes` times in 5 minutes. CloudFront web ACLs must be created in us-east-1,
 * so this belongs in a stack there; it writes its ARN to an SSM parameter of that region for the distribution's
 * stack to read (`EdgeWebAclArn`), which keeps Gamma's stacks environment-agnostic.
 */
export class EdgeRateLimit extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** The SSM parameter (in this construct's region) holding the web ACL's ARN. */
  readonly arnParameterName: string;

  constructor(scope: Construct, id: string, props: EdgeRateLimitProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (stack.region !== 'us-east-1') {
      throw new Error(
        `EdgeRateLimit must be in a stack with env: { region: 'us-east-1' } (CloudFront web ACLs live there)`,
      );
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Gamma playback: limits how fast one IP address may request images',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('GammaEdge'),
      rules: [
        {
          name: 'ImageRequestsPerIp',
          priority: 0,
          action: { block: {} },
          visibilityConfig: visibility('GammaImageRequestsPerIp'),
          statement: {
            rateBasedStatement: {
              limit: checkedLimit(props.requestsPerFiveMinutes),
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                regexMatchStatement: {
                  regexString: props.pathPattern ?? IMAGE_PATH_PATTERN,
                  fieldToMatch: { uriPath: {} },
                  // Decoded first, so `/%74humbnail.webp` counts as the thumbnail it is.
                  textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
                },
              },
            },
          },
        },
      ],
    });
    this.arnParameterName = `/gamma/${stack.stackName}/web-acl-arn`;
    new ssm.StringParameter(this, 'WebAclArn', {
      parameterName: this.arnParameterName,
      stringValue: this.webAcl.attrArn,
      description: "Gamma: the playback distribution's web ACL, read by the distribution's stack in its own region",
    });
  }
}

/**
 * Reads an `EdgeRateLimit`'s ARN from its us-east-1 parameter at deploy time (an SDK call by a custom resource), for
 * a distribution in any region. The edge stack must deploy first: the caller adds the stack dependency.
 */
export class EdgeWebAclArn extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, edge: EdgeRateLimit) {
    super(scope, id);
    const edgeStack = Stack.of(edge);
    const getParameter: cr.AwsSdkCall = {
      service: 'SSM',
      action: 'getParameter',
      parameters: { Name: edge.arnParameterName },
      region: edgeStack.region,
      // The parameter's name is fixed and so is the ACL's identity while the edge stack exists; a new ACL comes
      // with a new edge stack, which is deployed after this resource is removed (the flag turned off and on).
      physicalResourceId: cr.PhysicalResourceId.of(edge.arnParameterName),
    };
    const reader = new cr.AwsCustomResource(this, 'Read', {
      onCreate: getParameter,
      onUpdate: getParameter,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
        resources: [
          Stack.of(this).formatArn({
            service: 'ssm',
            region: edgeStack.region,
            resource: 'parameter',
            resourceName: edge.arnParameterName.slice(1),
          }),
        ],
      }),
    });
    this.arn = reader.getResponseField('Parameter.Value');
  }
}
