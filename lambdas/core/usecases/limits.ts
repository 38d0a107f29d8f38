/**
 * Creates one more of something an environment may hold at most `limit` of, without a transaction or a counter
 * item: counted before the write (a full environment is refused before any work, e.g. an RSA key or a scrypt hash),
 * then again after it. Of creates racing past the limit each sees the others and takes its own back, so the count
 * never stays above the limit (a burst may be refused a little early; none is let through).
 */
export async function createWithinLimit<T>(spec: {
  limit: number;
  count: () => Promise<number>;
  create: () => Promise<T>;
  undo: (created: T) => Promise<void>;
  refusal: () => Error;
}): Promise<T> {
  if ((await spec.count()) >= spec.limit) throw spec.refusal();
  const created = await spec.create();
  if ((await spec.count()) > spec.limit) {
    await spec.undo(created);
    throw spec.refusal();
  }
  return created;
}
