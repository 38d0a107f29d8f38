/**
 * The Gamma dashboard: sign in with an access token, upload, watch assets progress live, play them.
 * Plain TypeScript and the DOM (see dom.ts): the views are few and small, so a framework would cost more than it
 * saves. Every word comes from the message catalogues (i18n/); switching language re-renders the page in place,
 * keeping uploads in flight and the live connection. Routes are hashes (`#/`, `#/assets/{id}`), so any static host serves it.
 */
import { createToken, type Whoami, whoami } from './access-api.js';
import { ApiError, type Asset, GammaApi, tokenHeader } from './api.js';
import { AssetStore, reportUploadEvents } from './asset-store.js';
import { assetView } from './asset-view.js';
import { assetsView } from './assets-view.js';
import { type DashboardConfig, loadConfig } from './config.js';
import { h, replace } from './dom.js';
import { environmentSwitch, forgetSwitch, type Session, switchedSession } from './environment-switch.js';
import { environmentsView } from './environments-view.js';
import { t, useLocale } from './i18n/index.js';
import { connectLive, type LiveEvent, type LiveState } from './live.js';
import { tokensView } from './tokens-view.js';
import { announce, assetTitle, languageSelect, toast } from './ui.js';
import { UploadQueue } from './upload.js';

const TOKEN_KEY = 'gamma.token';
const app = document.getElementById('app') as HTMLElement;

function storedSession(): Session | undefined {
  const [id, secret] = (sessionStorage.getItem(TOKEN_KEY) ?? '').split(':');
  return id && secret ? { id, secret } : undefined;
}

async function boot() {
  await useLocale();
  let config: DashboardConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    replace(
      app,
      h(
        'div',
        { class: 'fatal', role: 'alert' },
        h('h1', null, t('app.notConfigured')),
        h('p', null, (err as Error).message),
      ),
    );
    return;
  }
  const session = storedSession();
  if (session) void signedIn(config, session);
  else signIn(config);
}

function signIn(config: DashboardConfig, problem?: string) {
  document.title = t('app.pageTitle', { title: t('signin.title') });
  const id = h('input', {
    id: 'token-id',
    name: 'token-id',
    autocomplete: 'username',
    required: true,
    spellcheck: false,
  });
  const secret = h('input', {
    id: 'token-secret',
    name: 'token-secret',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    spellcheck: false,
  });
  const error = h('p', { class: 'alert', role: 'alert', hidden: !problem }, problem ?? '');
  const submit = h('button', { class: 'button primary wide', type: 'submit' }, t('signin.title'));
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname);
  const dev =
    config.devToken && local
      ? h(
          'button',
          {
            class: 'button ghost wide',
            type: 'button',
            onclick: () => {
              id.value = config.devToken?.id ?? '';
              secret.value = config.devToken?.secret ?? '';
              form.requestSubmit();
            },
          },
          t('signin.devToken'),
        )
      : null;
  const language = languageSelect(() => {
    signIn(config, problem);
    document.getElementById('language')?.focus();
  });
  const form = h(
    'form',
    { class: 'signin-card', 'aria-labelledby': 'signin-title' },
    h(
      'div',
      { class: 'signin-top' },
      h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'γ'), 'Gamma'),
      language,
    ),
    h('h1', { id: 'signin-title' }, t('signin.title')),
    h('p', { class: 'muted' }, t('signin.intro')),
    error,
    h('label', { for: 'token-id' }, t('signin.tokenId')),
    id,
    h('label', { for: 'token-secret' }, t('signin.secret')),
    secret,
    submit,
    dev && h('div', { class: 'divider' }, h('span', null, t('signin.onThisMachine'))),
    dev,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    const session = { id: id.value.trim(), secret: secret.value.trim() };
    try {
      // Any authenticated call proves the token; the first page of assets is needed next anyway.
      await new GammaApi(config.apiUrl, tokenHeader(session.id, session.secret)).listAssets({ limit: 1 });
      sessionStorage.setItem(TOKEN_KEY, `${session.id}:${session.secret}`);
      await signedIn(config, session);
    } catch (err) {
      error.textContent = (err as Error).message;
      error.hidden = false;
      submit.disabled = false;
      secret.focus();
    }
  });
  replace(app, h('main', { class: 'signin' }, form));
  (problem ? secret : id).focus();
}

/**
 * The signed-in dashboard. `home` is the token the person signed in with; after a switch of environment the page
 * works with a short-lived token of the other environment (environment-switch.ts), so everything on screen — assets,
 * uploads, tokens, the live connection — is that environment's. The token's permissions decide which controls show.
 */
async function signedIn(config: DashboardConfig, home: Session) {
  const session = switchedSession() ?? home;
  const homeApi = new GammaApi(config.apiUrl, tokenHeader(home.id, home.secret));
  const api = session === home ? homeApi : new GammaApi(config.apiUrl, tokenHeader(session.id, session.secret));
  let me: Whoami;
  try {
    [me, homeApi.permissions] = await Promise.all([
      whoami(api),
      session === home ? undefined : whoami(homeApi).then((w) => w.permissions),
    ]);
  } catch (err) {
    // A switched-to token that expired or was revoked: back to the home environment.
    if (session !== home) {
      forgetSwitch();
      return signedIn(config, home);
    }
    sessionStorage.removeItem(TOKEN_KEY);
    signIn(config, (err as Error).message);
    return;
  }
  api.permissions = me.permissions;
  homeApi.permissions ??= me.permissions;
  const store = new AssetStore(api);
  const queue = new UploadQueue(api);
  const main = h('main', { id: 'main', tabIndex: -1 });
  let liveState: LiveState = 'connecting';
  let liveDot = h('span');

  function paintLive() {
    liveDot.dataset.state = liveState;
    liveDot.textContent = t(`live.${liveState}`);
    liveDot.title = liveState === 'live' ? t('live.liveTitle') : t('live.pausedTitle');
  }

  /** The page around the view: built again when the language changes. */
  function chrome() {
    liveDot = h('span', { class: 'live', role: 'status' });
    paintLive();
    const signOut = h('button', { class: 'button small ghost', type: 'button', onclick: leave }, t('chrome.signOut'));
    const language = languageSelect(() => {
      chrome();
      route();
      document.getElementById('language')?.focus();
    });
    replace(
      app,
      h(
        'a',
        {
          class: 'skip',
          href: '#main',
          onclick: (e: Event) => {
            e.preventDefault();
            main.focus();
          },
        },
        t('chrome.skip'),
      ),
      h(
        'header',
        { class: 'topbar' },
        h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'γ'), 'Gamma'),
        h('span', { class: 'token muted small', title: t('chrome.tokenTitle') }, session.id),
        environmentSwitch({ homeApi, home, current: me, onSwitched: restart }),
        h(
          'nav',
          { class: 'sections', 'aria-label': t('chrome.sections') },
          h('a', { href: '#/' }, t('assets.title')),
          api.can('system:read') && h('a', { href: '#/tokens' }, t('tokens.title')),
          h('a', { href: '#/environments' }, t('environments.title')),
        ),
        h('div', { class: 'spacer' }),
        liveDot,
        language,
        signOut,
      ),
      main,
    );
  }

  let view: { element: HTMLElement; dispose(): void; update?: (a: Asset) => void } | undefined;
  let unauthorized = false;

  const live = connectLive({
    url: config.websocketUrl,
    token: `${session.id}:${session.secret}`,
    onEvent: (event: LiveEvent) => {
      store.apply(event);
      reportUploadEvents(queue, event);
      if (event.object.type === 'asset') {
        view?.update?.(event.data as Asset);
        const asset = event.data as Asset;
        if (event.type === 'video.asset.ready') announce(t('live.ready', { title: assetTitle(asset) }));
        if (event.type === 'video.asset.errored') announce(t('live.errored', { title: assetTitle(asset) }));
      }
    },
    onState: (state: LiveState, reconnected) => {
      liveState = state;
      paintLive();
      if (reconnected) void store.load(); // events sent while offline are not replayed
    },
  });

  const stopAll = () => {
    live.close();
    view?.dispose();
    window.removeEventListener('hashchange', route);
  };
  /** Everything again, with the token of the environment now chosen. */
  function restart() {
    stopAll();
    void signedIn(config, home);
  }
  function leave() {
    sessionStorage.removeItem(TOKEN_KEY);
    void forgetSwitch(homeApi);
    stopAll();
    location.hash = '';
    signIn(config);
  }

  store.addEventListener('change', () => {
    if (store.unauthorized && !unauthorized) {
      unauthorized = true;
      sessionStorage.removeItem(TOKEN_KEY);
      stopAll();
      signIn(config, store.error);
    }
  });

  function route() {
    view?.dispose();
    const match = /^#\/assets\/([A-Za-z0-9]+)$/.exec(location.hash);
    if (match?.[1]) {
      view = assetView({
        config,
        api,
        id: match[1],
        onDeleted: (asset) => {
          store.remove(asset.id);
          location.hash = '#/';
        },
      });
    } else if (location.hash === '#/tokens') {
      document.title = t('app.pageTitle', { title: t('tokens.title') });
      const switched = session !== home;
      view = tokensView({
        api,
        environmentName: me.environment_name,
        ...(switched && { mint: (body) => createToken(homeApi, { ...body, environment_id: me.environment_id }) }),
      });
    } else if (location.hash === '#/environments') {
      document.title = t('app.pageTitle', { title: t('environments.title') });
      view = environmentsView({ api: homeApi, onChanged: chrome });
    } else {
      document.title = t('app.pageTitle', { title: t('assets.title') });
      view = assetsView({ config, store, queue, canUpload: api.supports('upload') });
    }
    replace(main, view.element);
    window.scrollTo(0, 0);
  }
  chrome();
  window.addEventListener('hashchange', route);
  route();
  void store.load();
}

window.addEventListener('unhandledrejection', (e) => {
  const err = e.reason;
  toast(err instanceof ApiError || err instanceof Error ? err.message : t('app.somethingWrong'), 'error');
});

void boot();
