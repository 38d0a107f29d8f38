/**
 * Synthesizes the Gamma app the way `cdk synth` does (lib/gamma-app.ts), once per set of context flags. Only the
 * stacks named in `bundle` get their functions' code bundled (`aws:cdk:bundling-stacks`, as the CDK CLI leaves stacks
 * it is not deploying unbundled): bundling every function took most of each synth, and a test that reads a bundle
 * needs only its own stack's.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { defineGamma, type GammaStacks } from '../../lib/gamma-app.js';

export const LOCAL = { localEndpoint: 'http://127.0.0.1:4566', localStreamUrl: 'http://127.0.0.1:4599' };

export interface SynthesizedGamma extends GammaStacks {
  readonly app: App;
  readonly stateful$: Template;
  readonly pipeline$: Template;
  /** With `-c edgeRateLimit` only. */
  readonly edge$?: Template;
}

const cache = new Map<string, SynthesizedGamma>();

export function synthGamma(
  context: Record<string, string> = {},
  { bundle = [] }: { bundle?: readonly ('GammaStateful' | 'GammaPipeline')[] } = {},
): SynthesizedGamma {
  const key = JSON.stringify({ context, bundle });
  const hit = cache.get(key);
  if (hit) return hit;
  // Resource paths in the template's metadata, as the CDK CLI enables them.
  const app = new App({
    context: {
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:bundling-stacks': bundle,
      ...context,
    },
    outdir: mkdtempSync(join(tmpdir(), 'gamma-infra-')),
  });
  const stacks = defineGamma(app);
  const synthesized = {
    app,
    ...stacks,
    stateful$: Template.fromStack(stacks.stateful),
    pipeline$: Template.fromStack(stacks.pipeline),
    edge$: stacks.edge && Template.fromStack(stacks.edge),
  };
  cache.set(key, synthesized);
  return synthesized;
}

/** Every resource of a type in a template, by logical id. */
export function resources(template: Template, type: string): [string, { Properties?: any; Metadata?: any }][] {
  return Object.entries(template.findResources(type));
}

export interface PolicyStatement {
  /** The policy's logical id. */
  id: string;
  actions: string[];
  resources: unknown[];
  condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every IAM policy in a template. */
export const statements = (t: Template): PolicyStatement[] =>
  resources(t, 'AWS::IAM::Policy').flatMap(([id, r]) =>
    (
      r.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
        Condition?: PolicyStatement['condition'];
      }[]
    ).map((s) => ({ id, actions: [s.Action].flat(), resources: [s.Resource].flat(), condition: s.Condition })),
  );

/** The statements of the policies attached to a role. */
export const policiesOfRole = (t: Template, roleLogicalId: string) =>
  statements(t).filter(({ id }) =>
    ((t.findResources('AWS::IAM::Policy')[id]?.Properties.Roles ?? []) as { Ref: string }[]).some(
      (r) => r.Ref === roleLogicalId,
    ),
  );

/** The logical id of the resource of `type` whose construct path contains `pathPart`. */
export const logicalId = (t: Template, type: string, pathPart: string) => {
  const found = Object.entries(t.findResources(type)).find(([, r]) =>
    String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (!found) throw new Error(`No ${type} at ${pathPart}`);
  return found[0];
};
