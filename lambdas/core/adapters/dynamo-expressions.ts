/**
 * DynamoDB expressions as values: a text with the attribute names and values it uses, so a named condition can be
 * combined with others (`and`) and a write is sent with exactly the names and values its expressions use (DynamoDB
 * refuses unused ones).
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionalCheckFailed } from './dynamo-errors.js';

export interface Expr {
  readonly text: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** Every expression that holds, in order. */
export function and(...parts: Expr[]): Expr {
  return {
    text: parts.map((p) => p.text).join(' AND '),
    names: Object.assign({}, ...parts.map((p) => p.names)),
    values: Object.assign({}, ...parts.map((p) => p.values)),
  };
}

/** `SET #a = :a, …` for the defined attributes, after any `leading` assignments (the one SET builder). */
export function setAttributes(attributes: Record<string, unknown>, leading: Expr[] = []): Expr {
  const assignments: Expr[] = [...leading];
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined)
      assignments.push({ text: `#${name} = :${name}`, names: { [`#${name}`]: name }, values: { [`:${name}`]: value } });
  }
  const joined = and(...assignments);
  return { ...joined, text: `SET ${assignments.map((a) => a.text).join(', ')}` };
}

/** `attr IN (:from0, …)`: the status condition of a guarded transition. */
export function oneOf(placeholder: string, allowed: readonly string[]): Expr {
  const values = Object.fromEntries(allowed.map((value, i) => [`:from${i}`, value]));
  return { text: `${placeholder} IN (${Object.keys(values).join(', ')})`, values };
}

/** The update and condition as UpdateCommand input fields; empty name and value maps are left out. */
export function expressionInput(update: Expr, condition?: Expr) {
  const names = { ...update.names, ...condition?.names };
  const values = { ...update.values, ...condition?.values };
  return {
    UpdateExpression: update.text,
    ...(condition && { ConditionExpression: condition.text }),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
}

/**
 * The outcome of a conditional write sent with `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`: the item as it was
 * when the condition failed (undefined: there was none), instead of a second read that could see a later state.
 */
export function failedCondition(err: unknown): { old: Record<string, unknown> | undefined } | undefined {
  if (!isConditionalCheckFailed(err)) return undefined;
  // The document client translates outputs only: the exception carries the old item in wire form.
  const item = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return { old: item && unmarshall(item) };
}
