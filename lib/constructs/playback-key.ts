import { CustomResource, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

/**
 * The key pair the stream distribution trusts for signed URLs, made at deploy time so no key is ever in the
 * template: a custom resource (lambdas/handlers/playback-key.ts) generates it, writes the private key into
 * `secret` and registers the public key in a CloudFront key group.
 */
export class PlaybackSigningKey extends Construct {
  /** Holds the PEM private key; grant the signer read access. */
  readonly secret: secretsmanager.Secret;
  /** The key group to list in a behavior's `trustedKeyGroups`. */
  readonly keyGroup: cloudfront.IKeyGroup;
  /** The CloudFront public key id: signed URLs' `Key-Pair-Id`. */
  readonly keyPairId: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'PrivateKey', {
      description: 'Gamma: PEM private key of the playback signing key (written by its custom resource)',
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A new key must be registered with CloudFront before it signs; rotate by replacing this construct (a new key group), not by a Secrets Manager rotation function',
    });
    const handler = new GammaFunction(this, 'Handler', {
      handler: 'playback-key',
      components: ['playbackKey'],
      environment: { PLAYBACK_KEY_SECRET: this.secret.secretArn },
      memorySize: 256,
      description: 'Deploy time: generates the playback signing key pair and its CloudFront key group',
    });
    this.secret.grantWrite(handler);
    // No L2 grant covers CloudFront public keys and key groups, their ids are only known once created, and IAM
    // cannot scope these actions to resources: the handler deletes only the key group and key its own names mark.
    handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'cloudfront:CreatePublicKey',
          'cloudfront:GetPublicKey',
          'cloudfront:DeletePublicKey',
          'cloudfront:CreateKeyGroup',
          'cloudfront:GetKeyGroup',
          'cloudfront:DeleteKeyGroup',
        ],
        resources: ['*'],
      }),
    );
    const policy = handler.role?.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudFront public keys and key groups get their ids when created, so they cannot be named upfront',
      });
    }
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.functionArn,
      resourceType: 'Custom::PlaybackSigningKey',
    });
    this.keyGroup = cloudfront.KeyGroup.fromKeyGroupId(this, 'KeyGroup', resource.getAttString('KeyGroupId'));
    this.keyPairId = resource.getAttString('PublicKeyId');
  }
}
