/**
 * The top bar's environment menu. A token acts in one environment, so switching mints a short-lived token of the
 * chosen environment with the signed-in token's permissions (organization:write allows it; README "Environments")
 * and the page starts again with it: every view, the live connection and the uploads follow. Switching back, or
 * signing out, revokes it. Without organization:write the menu is just the environment's name.
 */
import { createToken, listEnvironments, revokeToken, type Whoami, whoami } from './access-api.js';
import type { GammaApi } from './api.js';
import { h } from './dom.js';
import { t } from './i18n/index.js';
import { toast } from './ui.js';

export interface Session {
  id: string;
  secret: string;
}

const SWITCH_KEY = 'gamma.switched';
/** How long a switched-to token lives: a working day; the page goes back to the home environment after. */
const SWITCH_SECONDS = 12 * 3600;
/** The name the switched-to tokens get (data, shown in the tokens list, so not translated). */
const SWITCH_TOKEN_NAME = 'dashboard (environment switch)';

/** The short-lived token of the environment switched to, if any. */
export function switchedSession(): (Session & { env: string }) | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(SWITCH_KEY) ?? 'null');
    return stored?.id && stored.secret ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** Back to the home environment: forgets the switched-to token and, given the home token's API, revokes it. */
export async function forgetSwitch(homeApi?: GammaApi): Promise<void> {
  const switched = switchedSession();
  sessionStorage.removeItem(SWITCH_KEY);
  if (switched && homeApi) await revokeToken(homeApi, switched.id).catch(() => undefined);
}

export function environmentSwitch(ctx: {
  homeApi: GammaApi;
  home: Session;
  current: Whoami;
  onSwitched: () => void;
}): HTMLElement {
  const { homeApi, current } = ctx;
  if (!homeApi.can('organization:write')) {
    return h('span', { class: 'environment-name', title: t('environments.current') }, current.environment_name);
  }
  const select = h(
    'select',
    { id: 'environment' },
    h('option', { value: current.environment_id, selected: true }, current.environment_name),
  );
  void listEnvironments(homeApi).then((environments) => {
    select.replaceChildren(
      ...environments.map((e) => h('option', { value: e.id, selected: e.id === current.environment_id }, e.name)),
    );
  });
  select.addEventListener('change', async () => {
    select.disabled = true;
    try {
      const target = select.value;
      const home = await whoami(homeApi);
      if (target === home.environment_id) await forgetSwitch(homeApi);
      else {
        // No longer than the signed-in token lives: for one that ends sooner, no `expires_in`, and the API ends the
        // new token with it (a token cannot outlive its creator; the browser's clock cannot tell the API's limit).
        // (A minute's margin for the two clocks.)
        const endsSooner =
          home.expires_at !== undefined && Number(home.expires_at) * 1000 < Date.now() + (SWITCH_SECONDS + 60) * 1000;
        const token = await createToken(homeApi, {
          name: SWITCH_TOKEN_NAME,
          environment_id: target,
          permissions: [...(homeApi.permissions ?? [])],
          ...(!endsSooner && { expires_in: SWITCH_SECONDS }),
        });
        const previous = switchedSession();
        sessionStorage.setItem(SWITCH_KEY, JSON.stringify({ id: token.id, secret: token.secret, env: target }));
        if (previous) await revokeToken(homeApi, previous.id).catch(() => undefined);
      }
      ctx.onSwitched();
    } catch (err) {
      toast((err as Error).message, 'error');
      select.disabled = false;
      select.value = current.environment_id;
    }
  });
  return h(
    'label',
    { class: 'environment-field', for: 'environment' },
    h('span', { class: 'sr-only' }, t('environments.switch')),
    select,
  );
}
