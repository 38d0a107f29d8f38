/**
 * The Gamma dashboard: sign in with an access token, upload, watch assets progress live, play them.
 * Plain TypeScript and the DOM (see dom.ts): the views are few and small, so a framework would cost more than it
 * saves. Routes are hashes (`#/`, `#/assets/{id}`), so any static host serves it.
 */
import { ApiError, type Asset, GammaApi, tokenHeader } from './api.js';
import { AssetStore, reportUploadEvents } from './asset-store.js';
import { assetView } from './asset-view.js';
import { assetsView } from './assets-view.js';
import { type DashboardConfig, loadConfig } from './config.js';
import { h, replace } from './dom.js';
import { connectLive, type LiveEvent, type LiveState } from './live.js';
import { announce, assetTitle, toast } from './ui.js';
import { UploadQueue } from './upload.js';

const TOKEN_KEY = 'gamma.token';
const app = document.getElementById('app') as HTMLElement;

interface Session {
  id: string;
  secret: string;
}

function storedSession(): Session | undefined {
  const [id, secret] = (sessionStorage.getItem(TOKEN_KEY) ?? '').split(':');
  return id && secret ? { id, secret } : undefined;
}

async function boot() {
  let config: DashboardConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    replace(
      app,
      h(
        'div',
        { class: 'fatal', role: 'alert' },
        h('h1', null, 'The dashboard is not configured'),
        h('p', null, (err as Error).message),
      ),
    );
    return;
  }
  const session = storedSession();
  if (session) signedIn(config, session);
  else signIn(config);
}

function signIn(config: DashboardConfig, problem?: string) {
  document.title = 'Sign in · Gamma';
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
  const submit = h('button', { class: 'button primary wide', type: 'submit' }, 'Sign in');
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
          'Use the development token',
        )
      : null;
  const form = h(
    'form',
    { class: 'signin-card', 'aria-labelledby': 'signin-title' },
    h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'γ'), 'Gamma'),
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', { class: 'muted' }, 'Use an access token of your Gamma environment: its ID and secret key.'),
    error,
    h('label', { for: 'token-id' }, 'Access token ID'),
    id,
    h('label', { for: 'token-secret' }, 'Secret key'),
    secret,
    submit,
    dev && h('div', { class: 'divider' }, h('span', null, 'or, on this machine')),
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
      signedIn(config, session);
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

function signedIn(config: DashboardConfig, session: Session) {
  const api = new GammaApi(config.apiUrl, tokenHeader(session.id, session.secret));
  const store = new AssetStore(api);
  const queue = new UploadQueue(api);
  const liveDot = h('span', { class: 'live', dataset: { state: 'connecting' }, role: 'status' }, 'Connecting…');
  const signOut = h('button', { class: 'button small ghost', type: 'button' }, 'Sign out');
  const main = h('main', { id: 'main', tabIndex: -1 });
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
      'Skip to content',
    ),
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'γ'), 'Gamma'),
      h('span', { class: 'token muted small', title: 'Signed in with this access token' }, session.id),
      h('div', { class: 'spacer' }),
      liveDot,
      signOut,
    ),
    main,
  );

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
        if (event.type === 'video.asset.ready') announce(`${assetTitle(asset)} is ready`);
        if (event.type === 'video.asset.errored') announce(`${assetTitle(asset)} could not be processed`);
      }
    },
    onState: (state: LiveState, reconnected) => {
      liveDot.dataset.state = state;
      liveDot.textContent = { connecting: 'Connecting…', live: 'Live', offline: 'Offline — retrying' }[state];
      liveDot.title =
        state === 'live'
          ? 'Status changes arrive as they happen'
          : 'Live updates are paused; the list may be out of date';
      if (reconnected) void store.load(); // events sent while offline are not replayed
    },
  });

  const stopAll = () => {
    live.close();
    view?.dispose();
    window.removeEventListener('hashchange', route);
  };
  signOut.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    stopAll();
    location.hash = '';
    signIn(config);
  });

  store.addEventListener('change', () => {
    if (store.error && !unauthorized && /token was not accepted/.test(store.error)) {
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
    } else {
      document.title = 'Assets · Gamma';
      view = assetsView({ config, store, queue });
    }
    replace(main, view.element);
    window.scrollTo(0, 0);
  }
  window.addEventListener('hashchange', route);
  route();
  void store.load();
}

window.addEventListener('unhandledrejection', (e) => {
  const err = e.reason;
  toast(err instanceof ApiError || err instanceof Error ? err.message : 'Something went wrong.', 'error');
});

void boot();
