/**
 * The dashboard's message catalogues: every language has exactly English's keys, each message uses the same
 * arguments as its English one, and the MessageFormat subset formats plurals by each language's rules.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.js';
import { fr } from '../../web/src/i18n/fr.js';
import { LOCALES, pickLocale } from '../../web/src/i18n/index.js';
import { argumentsOf, formatMessage } from '../../web/src/i18n/message-format.js';

const catalogues: Record<string, Record<string, string>> = { fr };

describe('message catalogues', () => {
  it('has a catalogue for every language the menu offers', () => {
    expect(Object.keys(LOCALES).sort()).toEqual(['en', ...Object.keys(catalogues)].sort());
  });

  for (const [language, catalogue] of Object.entries(catalogues)) {
    it(`${language} has every English key and no other`, () => {
      const keys = Object.keys(catalogue);
      expect(Object.keys(en).filter((key) => !keys.includes(key))).toEqual([]);
      expect(keys.filter((key) => !Object.hasOwn(en, key))).toEqual([]);
    });

    it(`${language} uses the same arguments as English in every message`, () => {
      const mismatches = Object.entries(en)
        .map(([key, english]) => ({ key, en: argumentsOf(english), [language]: argumentsOf(catalogue[key] ?? '') }))
        .filter((m) => JSON.stringify(m.en) !== JSON.stringify(m[language]));
      expect(mismatches).toEqual([]);
    });

    it(`${language} has no empty message`, () => {
      expect(Object.entries(catalogue).filter(([, text]) => !text.trim())).toEqual([]);
    });
  }

  it('parses every message of every catalogue', () => {
    for (const catalogue of [en, ...Object.values(catalogues)]) {
      for (const text of Object.values(catalogue)) expect(() => argumentsOf(text)).not.toThrow();
    }
  });
});

describe('formatMessage', () => {
  it('fills in arguments and leaves a missing one visible', () => {
    expect(formatMessage('Page {page}', { page: 3 })).toBe('Page 3');
    expect(formatMessage('{name}: {problem}', { name: 'a.mp4' })).toBe('a.mp4: {problem}');
  });

  it("picks plural branches by the language's rules and writes # as a number", () => {
    const english = en['assets.summary'];
    expect(formatMessage(english, { count: 1 }, 'en')).toBe('1 asset on this page');
    expect(formatMessage(english, { count: 0 }, 'en')).toBe('0 assets on this page');
    expect(formatMessage(english, { count: 1200 }, 'en')).toBe('1,200 assets on this page');
    // French counts 0 and 1 as "one"; the catalogue says "Aucune" for 0 with an exact branch.
    expect(formatMessage(fr['asset.channels'], { count: 1 }, 'fr')).toBe('1 canal');
    expect(formatMessage(fr['asset.channels'], { count: 6 }, 'fr')).toBe('6 canaux');
    expect(formatMessage(fr['assets.summary'], { count: 0 }, 'fr')).toBe('Aucune vidéo sur cette page');
    expect(formatMessage(fr['assets.summary'], { count: 1200 }, 'fr')).toBe('1\u202f200 vidéos sur cette page');
    expect(formatMessage(fr['assets.summaryFiltered'], { count: 5, shown: 0 }, 'fr')).toBe(
      '5 vidéos sur cette page, 0 affichée',
    );
    expect(formatMessage(fr['assets.summaryFiltered'], { count: 5, shown: 2 }, 'fr')).toBe(
      '5 vidéos sur cette page, 2 affichées',
    );
  });

  it('lists arguments, including those inside plural branches', () => {
    expect(argumentsOf(en['assets.summaryFiltered'])).toEqual(['count:plural', 'shown:plural']);
    expect(argumentsOf('{n, plural, one {# of {total}} other {# of {total}}}')).toEqual(['n:plural', 'total:text']);
  });

  it('refuses a malformed message', () => {
    expect(() => argumentsOf('{count, plural, one {#}')).toThrow(/Unbalanced/);
    expect(() => argumentsOf('{count, plural, one {#}}')).toThrow(/other/);
    expect(() => argumentsOf('{when, date}')).toThrow(/Unsupported/);
  });
});

describe('pickLocale', () => {
  it("takes the stored choice first, then the browser's languages, then English", () => {
    expect(pickLocale(['fr', 'en-US'])).toBe('fr');
    expect(pickLocale([null, 'de-DE', 'fr-CA', 'en'])).toBe('fr');
    expect(pickLocale([undefined, 'de-DE', 'ja'])).toBe('en');
    expect(pickLocale(['en', 'fr-FR'])).toBe('en');
    expect(pickLocale(['constructor'])).toBe('en');
  });
});
