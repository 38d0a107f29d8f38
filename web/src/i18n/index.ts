/**
 * The dashboard's languages: message catalogues (en.ts is the reference, others are loaded on demand as their own
 * chunk) and the platform's `Intl` for plurals, numbers, dates and durations (format.ts). The language is the
 * person's choice (remembered in localStorage), else the first of the browser's `navigator.languages` we have.
 */
import { type Catalogue, en, type MessageKey } from './en.js';
import { formatMessage, type Values } from './message-format.js';

export type { MessageKey };

/** Each language by its own name, as the language menu shows it. */
export const LOCALES = { en: 'English', fr: 'Français' } as const;
export type Locale = keyof typeof LOCALES;

const LOCALE_KEY = 'gamma.locale';
const catalogues: Record<Locale, () => Promise<Catalogue>> = {
  en: async () => en,
  fr: async () => (await import('./fr.js')).fr,
};

let current: { locale: Locale; messages: Catalogue } = { locale: 'en', messages: en };

/** The first of `tags` (a stored choice, then the browser's languages) that has a catalogue; English otherwise. */
export function pickLocale(tags: ReadonlyArray<string | null | undefined>): Locale {
  for (const tag of tags) {
    const language = tag?.toLowerCase().split('-')[0];
    if (language && Object.hasOwn(LOCALES, language)) return language as Locale;
  }
  return 'en';
}

/** Loads a language (by default the remembered or the browser's) and makes it the page's. */
export async function useLocale(locale?: Locale): Promise<void> {
  const stored = storage()?.getItem(LOCALE_KEY);
  const chosen = locale ?? pickLocale([stored, ...navigator.languages]);
  current = { locale: chosen, messages: await catalogues[chosen]() };
  if (locale) storage()?.setItem(LOCALE_KEY, locale);
  document.documentElement.lang = chosen;
}

export const locale = (): Locale => current.locale;

/**
 * The language of what the API says in its own words (an asset's or a track's error messages: Mux's, in English),
 * shown as it is: set as the `lang` of the element holding it, so a screen reader on a French page reads it in English.
 */
export const API_TEXT_LANGUAGE = 'en';

/** A message of the current language, its arguments filled in. */
export function t(key: MessageKey, values?: Values): string {
  return formatMessage(current.messages[key], values, current.locale);
}

/**
 * A message whose arguments are elements (a link inside a sentence): the text around them stays in the
 * translation's order. `tNodes('assets.dropHint', { drop: strong, choose: link })`.
 */
export function tNodes(key: MessageKey, nodes: Record<string, Node>): Array<Node | string> {
  const marks = Object.fromEntries(Object.keys(nodes).map((name) => [name, `\u0000${name}\u0000`]));
  return t(key, marks)
    .split('\u0000')
    .map((part, i) => (i % 2 === 1 ? (nodes[part] ?? part) : part))
    .filter((part) => part !== '');
}

/** localStorage, or nothing where it is blocked (a sandboxed embed). */
function storage(): Storage | undefined {
  try {
    return localStorage;
  } catch {
    return undefined;
  }
}
