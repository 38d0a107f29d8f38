import { z } from 'zod';
import { NotFoundError, ValidationError } from './domain/errors.js';
import { isPossibleId } from './domain/ids.js';

/** Parses `input` or throws a ValidationError whose messages each name the field: "timeout: must be …". */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const result = schema.safeParse(input, { error: apiMessage });
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap((issue) => describe(issue, root)));
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** What zod's own types are called in a message. */
const TYPE_NAMES: Record<string, string> = {
  array: 'list',
  boolean: 'true or false',
  int: 'whole number',
  object: 'object',
  record: 'object',
};

/**
 * The message of an issue whose schema gave none, worded as the API's own are ("must be a string", "is required")
 * rather than zod's ("Invalid input: expected string, received number"). A schema's own message wins over this;
 * undefined leaves zod's.
 */
export function apiMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const name = TYPE_NAMES[issue.expected] ?? issue.expected;
      return name === 'true or false' ? `must be ${name}` : `must be ${article(name)}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}`;
    case 'too_big':
    case 'too_small': {
      const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const bound = issue.code === 'too_big' ? 'most' : 'least';
      if (issue.origin === 'string') {
        return issue.code === 'too_small' && Number(limit) === 1
          ? 'must not be empty'
          : `must be at ${bound} ${limit} characters`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at ${bound} ${limit} entries`;
      if (issue.inclusive === false) return `must be ${issue.code === 'too_big' ? 'less' : 'greater'} than ${limit}`;
      return `must be at ${bound} ${limit}`;
    }
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL' : `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
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

/** The most ill-formed strings one refusal names: a body of a million of them gets a short answer. */
const MAX_TEXT_PROBLEMS = 10;
/** The longest field path a refusal prints. */
const MAX_FIELD_NAME = 200;

/**
 * Throws a ValidationError naming each string of a parsed JSON body, field name or value at any depth, that is not
 * well-formed Unicode. JSON's `\ud800` escape makes a lone UTF-16 surrogate, which UTF-8 cannot encode: DynamoDB
 * refuses the write (a 500 after the work) where this refuses the request (a 400 naming the field, as zod's issues
 * are named: `new_asset_settings.passthrough`, `inputs.0.url`). Iterative, so no nesting depth overflows the stack.
 */
export function refuseIllFormedText(value: unknown, root = 'body'): void {
  type Path = { key: string; parent?: Path } | undefined;
  const field = (path: Path) => {
    const keys: string[] = [];
    for (let at = path; at; at = at.parent) keys.push(at.key);
    const name = keys.length > 0 ? keys.reverse().join('.') : root;
    // A body nested 200,000 deep has a path of 400 KB: the message names its start.
    return name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name;
  };
  const problems: string[] = [];
  const pending: { value: unknown; path: Path }[] = [{ value, path: undefined }];
  for (let next = pending.pop(); next && problems.length < MAX_TEXT_PROBLEMS; next = pending.pop()) {
    const { value: v, path } = next;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) problems.push(`${field(path)}: must be valid Unicode text (it has an unpaired surrogate)`);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push({ value: v[i], path: { key: String(i), parent: path } });
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v).reverse()) {
        const at = { key: key.toWellFormed(), parent: path };
        if (!key.isWellFormed()) {
          problems.push(`${field(at)}: the field name must be valid Unicode text (it has an unpaired surrogate)`);
        }
        pending.push({ value: item, path: at });
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(problems.slice(0, MAX_TEXT_PROBLEMS));
}

/** Throws NotFoundError for an id in a request path that no record can have (over MAX_ID_LENGTH): a 404, not a 500. */
export function checkPathIds(path: string, ids: readonly string[]): void {
  if (!ids.every(isPossibleId)) throw new NotFoundError('resource', path.slice(0, 100));
}
