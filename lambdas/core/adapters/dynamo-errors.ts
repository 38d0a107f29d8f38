/** The DynamoDB errors the adapters turn into domain outcomes (matched by name, as bundles may hold two SDK copies). */

export const isConditionalCheckFailed = (err: unknown): err is Error =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';
