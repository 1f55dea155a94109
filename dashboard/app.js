// The dashboard's shell: sign-in with an operator key, the hash router, live refresh by
// polling, and the resolve dialog. Views live in views.js.
import { api, ApiError, session } from './api.js';
import { exceptions, integrations, overview, purchaseOrder, scorecards } from './views.js';
import { html, render } from './words.js';

const ROUTES = { overview, exceptions, po: purchaseOrder, integrations, scorecards };
/** Seconds between refreshes of the view on screen. */
const REFRESH_SECONDS = 10;

const $ = (id) => document.getElementById(id);
const view = $('view');
let me;
let shown = 0;

function route() {
  const [name = 'overview', ...params] = location.hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  return { name: ROUTES[name] ? name : 'overview', params };
}

function navigate(hash) {
  if (location.hash === hash) void show(true);
  else location.hash = hash;
}

function problemText(error) {
  if (error instanceof ApiError && error.status === 401) return 'The hub did not accept this key (unknown or revoked). Sign in again.';
  return error instanceof Error ? error.message : String(error);
}

/**
 * What an element of the view is, so that a refresh, which draws the view anew, can give the
 * keyboard's focus back to its like: a keyboard or screen reader user was thrown back to the top of
 * the page every 10 seconds. Buttons by what they act on (their count may change), links by
 * address and words.
 */
function likeness(element) {
  const acts = element.dataset?.resolve ?? element.dataset?.retryDead;
  if (element.id) return `#${element.id}`;
  if (acts !== undefined) return `${element.tagName} ${acts}`;
  return `${element.tagName} ${element.getAttribute('href') ?? ''} ${element.closest('[id]')?.id ?? ''} ${element.textContent.trim()}`;
}

/** What a refresh must keep of the view as the user left it: the focused element, the opened "Values" of charts. */
function keep() {
  const focused = view.contains(document.activeElement) ? likeness(document.activeElement) : undefined;
  const opened = [...view.querySelectorAll('details[open]')].map(likeness);
  return () => {
    const opens = new Set(opened);
    for (const details of view.querySelectorAll('details')) if (opens.has(likeness(details))) details.open = true;
    if (focused === undefined) return;
    const like = [...view.querySelectorAll('a, button, input, select, textarea, summary, [tabindex]')].find((element) => likeness(element) === focused);
    like?.focus({ preventScroll: true });
  };
}

/** Loads and renders the current route; `fresh` for a navigation (focus moves to the heading), not a refresh. */
async function show(fresh) {
  const { name, params } = route();
  const current = ROUTES[name];
  const ticket = ++shown;
  if (fresh) {
    // Until the hub answers, the new view's heading and "loading": not the view left behind, and
    // not an empty table, which would read as "nothing".
    $('status').textContent = '';
    render(view, html`<h1>${current.title}</h1><p class="loading" id="loading" role="status">Loading ${current.title.toLowerCase()}…</p>`);
    view.setAttribute('aria-busy', 'true');
  }
  try {
    const data = await current.load(params);
    if (ticket !== shown) return;
    view.removeAttribute('aria-busy');
    const restore = fresh ? undefined : keep();
    render(view, current.render(data, { canResolve: me.role === 'operator' }));
    current.after?.(data);
    current.bind?.(view, { navigate }, data);
    restore?.();
    $('status').textContent = '';
    // In UTC, as every other time on the page: the browser's own zone, unnamed, read as UTC beside them.
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString('en-GB', { timeZone: 'UTC' })} UTC`;
    if (fresh) {
      $('notice').textContent = '';
      document.title = `${current.title} · Millrace operations`;
      focusHeading();
    }
  } catch (error) {
    if (ticket !== shown) return;
    view.removeAttribute('aria-busy');
    if (error instanceof ApiError && error.status === 401) return signOut(problemText(error));
    $('status').textContent = problemText(error);
    // A failed navigation must not leave the previous view under the new address (another PO's
    // lines under this one's number); a failed refresh keeps what was read last.
    if (fresh) {
      render(view, html`<h1>${current.title}</h1>`);
      document.title = `${current.title} · Millrace operations`;
      focusHeading();
    }
  }
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Focus on the view's heading (made focusable), as after a navigation. */
function focusHeading() {
  const heading = view.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

function signOut(message = '') {
  session.forget();
  me = undefined;
  render(view, '');
  $('nav').hidden = true;
  $('session').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('key').focus();
}

async function signIn(key) {
  const who = await api('/v1/me', { key });
  if (who.kind !== 'operator') throw new Error(`This is a ${who.kind} key (${who.id}). The dashboard needs an operator key: millrace keys add --operator NAME.`);
  session.remember(key);
  me = who;
  $('login').hidden = true;
  $('nav').hidden = false;
  $('session').hidden = false;
  $('who').textContent = `${who.id} (${who.role === 'operator' ? 'can resolve exceptions' : 'read only'})`;
  await show(true);
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('key').value.trim();
  $('login-error').textContent = '';
  signIn(key).then(
    () => ($('key').value = ''),
    (error) => ($('login-error').textContent = problemText(error)),
  );
});
$('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => me && void show(true));

/** The exception whose Resolve button takes the place of `id`'s once it is resolved: the next in the list, else the one before. */
function nextToResolve(id) {
  const buttons = [...view.querySelectorAll('button[data-resolve]')];
  const at = buttons.findIndex((b) => b.dataset.resolve === id);
  return at === -1 ? undefined : (buttons[at + 1] ?? buttons[at - 1])?.dataset.resolve;
}

// Resolving: the dialog asks why; the answer goes to the API, then the view is read again.
const dialog = $('resolve-dialog');
let resolving;
view.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-resolve]');
  if (!button) return;
  resolving = button.dataset.resolve;
  $('resolve-what').textContent = button.dataset.what;
  $('resolve-reason').value = '';
  $('resolve-error').textContent = '';
  dialog.showModal();
});
$('resolve-cancel').addEventListener('click', () => dialog.close());
// One resolution at a time: a double-click on Resolve sent the request twice.
const resolveButton = $('resolve-form').querySelector('button[type=submit]');
$('resolve-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const reason = $('resolve-reason').value.trim();
  if (reason === '' || resolveButton.disabled) return;
  resolveButton.disabled = true;
  const what = $('resolve-what').textContent;
  const next = nextToResolve(resolving);
  api(`/v1/exceptions/${encodeURIComponent(resolving)}/resolve`, { method: 'POST', body: { reason } })
    .then(
      () => {
        dialog.close();
        // Said in words, and the keyboard goes on to the next exception: the resolved one's button
        // is gone once the view is read again, and focus fell to the top of the page.
        return show(false).then(() => {
          $('notice').textContent = `Resolved: ${what}.`;
          const button = [...view.querySelectorAll('button[data-resolve]')].find((b) => b.dataset.resolve === next);
          if (button) button.focus();
          else focusHeading();
        });
      },
      (error) => ($('resolve-error').textContent = problemText(error)),
    )
    .finally(() => (resolveButton.disabled = false));
});

// A subscriber's dead letters sent again in one request; the button stays disabled until the
// hub answers (a double-click sends one request), and the view is read again.
view.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-retry-dead]');
  if (!button || button.disabled) return;
  const subscription = button.dataset.retryDead;
  button.disabled = true;
  api(`/v1/subscriptions/${encodeURIComponent(subscription)}/retry`, { method: 'POST', body: {} })
    .then(
      (answer) =>
        show(false).then(() => {
          $('notice').textContent = `${answer.count} dead ${answer.count === 1 ? 'letter' : 'letters'} of ${subscription} queued to be sent again.`;
        }),
      (error) => {
        button.disabled = false;
        $('status').textContent = problemText(error);
      },
    );
});

// Live: read the view again every few seconds while the tab is visible, unless someone is
// typing in it or the resolve dialog is open.
setInterval(() => {
  const typing = view.contains(document.activeElement) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
  if (me && document.visibilityState === 'visible' && !dialog.open && !typing) void show(false);
}, REFRESH_SECONDS * 1000);

const stored = session.key();
if (stored) signIn(stored).catch((error) => signOut(problemText(error)));
else signOut();
