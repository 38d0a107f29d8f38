/**
 * Access tokens of the environment on screen: list, create with permissions (the secret is shown once, right
 * after), revoke. Reading needs system:read; creating and revoking system:write (their controls are not shown
 * without it). Video and system access are chosen as Mux's dashboard offers them: none, read, or read and write.
 */
import { type AccessToken, createToken, listTokens, revokeToken } from './access-api.js';
import type { GammaApi } from './api.js';
import { h, replace } from './dom.js';
import { dateTime } from './format.js';
import { type MessageKey, t } from './i18n/index.js';
import { confirmDialog, copyButton, toast } from './ui.js';

type Level = 'none' | 'read' | 'write';
const AREAS = ['video', 'system'] as const;

export function tokensView(ctx: {
  api: GammaApi;
  environmentName: string;
  /**
   * Makes a token for this environment. In an environment switched to, the signed-in token makes it
   * (`environment_id`): a token lives only while its creator does, and the switch's own token is revoked on the way
   * back. @default `api` makes it
   */
  mint?: (body: { name?: string; permissions: string[] }) => ReturnType<typeof createToken>;
}) {
  const { api } = ctx;
  const mint = ctx.mint ?? ((body) => createToken(api, body));
  const canWrite = api.can('system:write');
  const rows = h('tbody');
  const status = h('p', { class: 'muted summary', 'aria-live': 'polite' }, t('app.loading'));
  const created = h('div', { class: 'card secret-once', hidden: true, role: 'status' });

  async function load() {
    try {
      const tokens = await listTokens(api);
      replace(rows, ...tokens.map(row));
      status.textContent = t('tokens.summary', { count: tokens.length, environment: ctx.environmentName });
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  }

  function row(token: AccessToken) {
    const revoke =
      canWrite &&
      h(
        'button',
        {
          class: 'button small danger',
          type: 'button',
          'aria-label': t('tokens.revokeNamed', { name: token.name ?? token.id }),
          onclick: async () => {
            const ok = await confirmDialog({
              title: t('tokens.revokeTitle'),
              body: t('tokens.revokeBody', { name: token.name ?? token.id }),
              confirm: t('tokens.revoke'),
            });
            if (!ok) return;
            await revokeToken(api, token.id);
            toast(t('tokens.revoked'));
            await load();
          },
        },
        t('tokens.revoke'),
      );
    return h(
      'tr',
      { dataset: { tokenId: token.id } },
      h('td', null, token.name ?? '—'),
      h('td', null, h('code', null, token.id)),
      h('td', null, token.permissions.join(', ')),
      h('td', null, dateTime(new Date(Number(token.created_at) * 1000))),
      h('td', null, revoke),
    );
  }

  const levels = Object.fromEntries(
    AREAS.map((area) => {
      const select = h(
        'select',
        { id: `token-${area}` },
        ...(['none', 'read', 'write'] as const).map((level) =>
          h('option', { value: level, selected: level === 'read' && area === 'video' }, t(`tokens.level.${level}`)),
        ),
      );
      return [area, select];
    }),
  ) as Record<(typeof AREAS)[number], HTMLSelectElement>;
  const name = h('input', { id: 'token-name', maxLength: 128, autocomplete: 'off' });
  const formStatus = h('p', { class: 'form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'edit-form', 'aria-label': t('tokens.create') },
    h('label', { for: 'token-name' }, t('tokens.name')),
    name,
    ...AREAS.flatMap((area) => [
      h('label', { for: `token-${area}` }, t(`tokens.area.${area}` satisfies MessageKey)),
      levels[area],
    ]),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { class: 'button primary', type: 'submit' }, t('tokens.create')),
      formStatus,
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const permissions = AREAS.flatMap((area) => {
      const level = levels[area].value as Level;
      return level === 'none' ? [] : [`${area}:${level}`];
    });
    formStatus.classList.remove('error-text');
    if (permissions.length === 0) {
      formStatus.textContent = t('tokens.needOne');
      formStatus.classList.add('error-text');
      return;
    }
    try {
      const token = await mint({ ...(name.value.trim() && { name: name.value.trim() }), permissions });
      formStatus.textContent = '';
      name.value = '';
      showSecret(token.id, token.secret);
      await load();
    } catch (err) {
      formStatus.textContent = (err as Error).message;
      formStatus.classList.add('error-text');
    }
  });

  function showSecret(id: string, secret: string) {
    const line = (label: string, elementId: string, value: string, copyLabel: string) =>
      h(
        'p',
        null,
        label,
        ' ',
        h('code', { id: elementId }, value),
        ' ',
        copyButton(() => value, copyLabel),
      );
    replace(
      created,
      h('h2', null, t('tokens.createdTitle')),
      h('p', null, t('tokens.createdOnce')),
      line(t('tokens.id'), 'new-token-id', id, t('tokens.copyId')),
      line(t('tokens.secret'), 'new-token-secret', secret, t('tokens.copySecret')),
    );
    created.hidden = false;
    created.focus();
  }
  created.tabIndex = -1;

  const element = h(
    'section',
    { class: 'view tokens-view' },
    h('div', { class: 'view-header' }, h('div', null, h('h1', null, t('tokens.title')), status)),
    created,
    canWrite && h('div', { class: 'card' }, h('h2', null, t('tokens.create')), form),
    h(
      'table',
      { class: 'data-table', 'aria-label': t('tokens.title') },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('tokens.name')),
          h('th', { scope: 'col' }, t('tokens.id')),
          h('th', { scope: 'col' }, t('tokens.permissions')),
          h('th', { scope: 'col' }, t('tokens.created')),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('tokens.actions'))),
        ),
      ),
      rows,
    ),
  );
  void load();
  return { element, dispose() {} };
}
