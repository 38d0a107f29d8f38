import { z } from 'zod';
import { NotFoundError, ValidationError } from './domain/errors.js';
import { isPossibleId } from './domain/ids.js';

/** Parses `input` or throws a ValidationError whose messages each name the field: "timeout: must be …". */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap((issue) => describe(issue, root)));
}

function describe(issue: z.core.$ZodIssue, root: string): string[] {
  const field = (path: readonly PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : root);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${field([...issue.path, key])}: is not a known field`);
  }
  return [`${field(issue.path)}: ${issue.message}`];
}

/** A field Mux documents that Gamma cannot honour: present means a 400 saying why, never a silent drop. */
export const unsupported = (why: string) =>
  z.never({ error: `is not supported by this deployment (${why})` }).optional();

/** A field of work this deployment does not have yet (tracks, clips, overlays): refused by name until it is. */
export const notYetSupported = (what: string) =>
  z.never({ error: `is not yet supported in this deployment (${what})` }).optional();

/**
 * A Mux field whose off value works and whose on value is work this deployment does not have yet: `test: true`,
 * `master_access: "temporary"` — refused by name rather than accepted and not done.
 */
export const onlyOff = <T extends z.ZodType>(schema: T, off: z.output<T>, what: string) =>
  schema.refine((v) => v === off, { error: `is not yet supported in this deployment (${what})` }).optional();

/** Throws NotFoundError for an id in a request path that no record can have (over MAX_ID_LENGTH): a 404, not a 500. */
export function checkPathIds(path: string, ids: readonly string[]): void {
  if (!ids.every(isPossibleId)) throw new NotFoundError('resource', path.slice(0, 100));
}
