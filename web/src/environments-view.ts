/**
 * The deployment's environments: every one with organization:read (else the token's own); create and rename with
 * organization:write (their controls are not shown without it). Switching is the top bar's menu.
 */
import { createEnvironment, type Environment, listEnvironments, renameEnvironment } from './access-api.js';
import type { GammaApi } from './api.js';
import { h, replace } from './dom.js';
import { dateTime } from './format.js';
import { t } from './i18n/index.js';
import { toast } from './ui.js';

export function environmentsView(ctx: { api: GammaApi; onChanged: () => void }) {
  const { api } = ctx;
  const canWrite = api.can('organization:write');
  const list = h('ul', { class: 'environment-list', 'aria-label': t('environments.title') });
  const status = h('p', { class: 'muted summary', 'aria-live': 'polite' }, t('app.loading'));

  async function load() {
    try {
      const environments = await listEnvironments(api);
      replace(list, ...environments.map(item));
      status.textContent = t('environments.summary', { count: environments.length });
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  }

  function item(environment: Environment) {
    const created = dateTime(new Date(Number(environment.created_at) * 1000));
    const facts = h('p', { class: 'muted small' }, h('code', null, environment.id), ` · ${created}`);
    if (!canWrite) return h('li', { class: 'card' }, h('h2', null, environment.name), facts);
    const inputId = `rename-${environment.id}`;
    const name = h('input', { id: inputId, value: environment.name, maxLength: 128, required: true });
    const form = h(
      'form',
      { class: 'inline-form' },
      h('label', { for: inputId }, t('environments.nameOf', { id: environment.id })),
      name,
      h('button', { class: 'button small', type: 'submit' }, t('environments.rename')),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      await renameEnvironment(api, environment.id, name.value.trim());
      toast(t('environments.renamed'));
      ctx.onChanged();
      await load();
    });
    return h('li', { class: 'card', dataset: { environmentId: environment.id } }, form, facts);
  }

  const newName = h('input', { id: 'environment-name', maxLength: 128, required: true, autocomplete: 'off' });
  const create = h(
    'form',
    { class: 'inline-form', 'aria-label': t('environments.create') },
    h('label', { for: 'environment-name' }, t('environments.name')),
    newName,
    h('button', { class: 'button primary', type: 'submit' }, t('environments.create')),
  );
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    await createEnvironment(api, newName.value.trim());
    newName.value = '';
    toast(t('environments.created'));
    ctx.onChanged();
    await load();
  });

  const element = h(
    'section',
    { class: 'view environments-view' },
    h('div', { class: 'view-header' }, h('div', null, h('h1', null, t('environments.title')), status)),
    canWrite && h('div', { class: 'card' }, h('h2', null, t('environments.create')), create),
    list,
  );
  void load();
  return { element, dispose() {} };
}
