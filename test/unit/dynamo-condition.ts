import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * The error DynamoDB returns when a write's condition fails; with `old` it carries the item as it was, as it does
 * for a write sent with `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` (in wire form, as the SDK hands it over).
 */
export const conditionFailed = (old?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(old && { Item: marshall(old, { removeUndefinedValues: true }) }),
  });
