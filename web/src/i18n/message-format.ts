/**
 * The small subset of ICU MessageFormat the catalogues use, on the platform's `Intl`: `{name}` inserts a value as
 * given (callers format numbers, dates and sizes for the locale), and `{count, plural, =0 {…} one {# thing}
 * other {# things}}` picks a branch with `Intl.PluralRules` and writes `#` with `Intl.NumberFormat`.
 * Pure, so the unit tests run it in Node.
 */

export type Values = Record<string, string | number>;

/** An argument of a message: its name and kind, e.g. `count:plural`; what the catalogues' test compares. */
export interface Argument {
  name: string;
  kind: 'text' | 'plural';
}

export function formatMessage(pattern: string, values: Values = {}, locale = 'en'): string {
  return walk(pattern, (name, kind, options) => {
    const value = values[name];
    if (kind === 'text') return value === undefined ? `{${name}}` : String(value);
    const n = Number(value);
    const branch = options[`=${n}`] ?? options[new Intl.PluralRules(locale).select(n)] ?? options.other ?? '';
    return formatMessage(branch.replaceAll('#', new Intl.NumberFormat(locale).format(n)), values, locale);
  });
}

/** The arguments a pattern uses (in plural branches too), sorted and without repeats. */
export function argumentsOf(pattern: string): string[] {
  const found = new Set<string>();
  const collect = (p: string) =>
    walk(p, (name, kind, options) => {
      found.add(`${name}:${kind}`);
      for (const branch of Object.values(options)) collect(branch.replaceAll('#', ''));
      return '';
    });
  collect(pattern);
  return [...found].sort();
}

type Visit = (name: string, kind: Argument['kind'], options: Record<string, string>) => string;

function walk(pattern: string, visit: Visit): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('{', i);
    if (open < 0) return out + pattern.slice(i);
    out += pattern.slice(i, open);
    const close = matchingBrace(pattern, open);
    const [name = '', kind, ...rest] = pattern.slice(open + 1, close).split(',');
    if (kind === undefined) out += visit(name.trim(), 'text', {});
    else if (kind.trim() === 'plural') out += visit(name.trim(), 'plural', branches(rest.join(',')));
    else throw new Error(`Unsupported argument type "${kind.trim()}" in: ${pattern}`);
    i = close + 1;
  }
  return out;
}

/** `=0 {none} one {# file} other {# files}` → { '=0': 'none', one: '# file', other: '# files' }. */
function branches(source: string): Record<string, string> {
  const options: Record<string, string> = {};
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{', i);
    if (open < 0) break;
    const selector = source.slice(i, open).trim();
    const close = matchingBrace(source, open);
    options[selector] = source.slice(open + 1, close);
    i = close + 1;
  }
  if (options.other === undefined) throw new Error(`A plural needs an "other" branch: ${source}`);
  return options;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`Unbalanced braces in: ${text}`);
}
