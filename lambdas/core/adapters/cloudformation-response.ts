/**
 * The answer a Lambda-backed custom resource owes CloudFormation: SUCCESS with a physical id (and attributes for
 * `Fn::GetAtt`), or FAILED with the reason, PUT to the request's pre-signed ResponseURL. A handler that throws
 * still answers, so a stack never waits an hour for a resource whose function failed.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { logger } from '../logger.js';

export interface CustomResourceOutcome {
  physicalId: string;
  /** Attributes the template reads with `Fn::GetAtt` (never secrets: the template and events would show them). */
  data?: Record<string, string>;
}

/** Sends the response body to CloudFormation. */
export type Respond = (url: string, body: string) => Promise<void>;

export function answeringCloudFormation<D extends { respond?: Respond }>(
  resource: string,
  handle: (event: CloudFormationCustomResourceEvent, deps: D) => Promise<CustomResourceOutcome>,
  deps: () => D,
) {
  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const d = deps();
    const respond = d.respond ?? putResponse;
    let body: Record<string, unknown>;
    try {
      const outcome = await handle(event, d);
      body = { Status: 'SUCCESS', PhysicalResourceId: outcome.physicalId, ...(outcome.data && { Data: outcome.data }) };
    } catch (err) {
      logger.error(`${resource} resource failed`, { requestType: event.RequestType, error: err as Error });
      body = {
        Status: 'FAILED',
        Reason: (err as Error).message,
        PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : event.RequestId,
      };
    }
    const { StackId, RequestId, LogicalResourceId } = event;
    await respond(event.ResponseURL, JSON.stringify({ ...body, StackId, RequestId, LogicalResourceId }));
  };
}

/** CloudFormation's pre-signed response URL takes a PUT with no content type. */
async function putResponse(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`Responding to CloudFormation failed: ${res.status}`);
}
