'use strict';
// The provider's frontend, played without its widget: "Sign in" sends the
// browser to the provider's hosted login (`<issuer>/authorize`), which comes
// back to this page with the tokens in the URL fragment. The page posts them
// to /login in the payload of the provider named by /config.json (Cotter's
// or Secuuth's), and from then on the backend's cookies are the session.
//
// Everything shown comes from the backend's answers, written with
// textContent (never as HTML).

/** sessionStorage key of the `state` sent to /authorize, checked on return. */
const STATE_KEY = 'tokenward-example:state';
/** sessionStorage key prefix of a user's display name, by subject. */
const NAME_KEY = 'tokenward-example:name:';

const $ = (id) => document.getElementById(id);

function showSignedOut(problem) {
  $('loading').hidden = true;
  $('signed-in').hidden = true;
  $('signed-out').hidden = false;
  $('error').hidden = !problem;
  $('error-code').textContent = problem ? problem.code : '';
  $('error-message').textContent = problem ? problem.message : '';
}

function showSignedIn(user) {
  $('loading').hidden = true;
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;
  $('name').textContent = sessionStorage.getItem(NAME_KEY + user.subject) || user.subject;
  $('subject').textContent = user.subject;
  $('email').textContent = user.email || '(none)';
  $('user-id').textContent = String(user.id);
}

/** {code, message} from an error answer of the backend, whatever its shape. */
async function problemOf(response, what) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status says enough.
  }
  return {
    code: String(body.code || body.error || `http_${response.status}`),
    message: `${what}: ${response.status} ${body.message || body.error_description || response.statusText}`,
  };
}

/**
 * A token's claims, read without verification: only to fill the payload's
 * informational fields and the name shown, as the provider's widget would.
 * The backend ignores them and trusts only what it verified.
 */
function unverifiedClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/** The body the provider's widget hands the page, for /login. */
function payloadFor(style, accessToken, idToken) {
  if (style === 'secuuth') return { accessToken, idToken };
  const claims = unverifiedClaims(idToken);
  return {
    email: claims.email,
    oauth_token: { access_token: accessToken, id_token: idToken, token_type: 'Bearer' },
    user: { ID: claims.sub, identifier: claims.email },
  };
}

function signIn(config) {
  const state = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  sessionStorage.setItem(STATE_KEY, state);
  const authorize = new URL(`${config.issuer.replace(/\/+$/, '')}/authorize`);
  authorize.search = new URLSearchParams({
    redirect_uri: `${location.origin}${location.pathname}`,
    audience: config.audience,
    client_id: config.client_id,
    style: config.style,
    state,
  }).toString();
  location.assign(authorize.toString());
}

/** Posts the tokens the provider handed back; a problem, or null once signed in. */
async function completeSignIn(config, fragment) {
  const expected = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  if (!expected || fragment.get('state') !== expected) {
    return { code: 'state_mismatch', message: 'the answer from the provider is not for a sign-in started here' };
  }
  const accessToken = fragment.get('access_token');
  const idToken = fragment.get('id_token') || '';
  const response = await fetch('/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payloadFor(config.style, accessToken, idToken)),
  });
  if (!response.ok) return problemOf(response, 'POST /login');
  const { user } = await response.json();
  const { name } = unverifiedClaims(idToken);
  if (user && typeof name === 'string') sessionStorage.setItem(NAME_KEY + user.subject, name);
  return null;
}

/** Shows whoever the backend's cookie says is signed in, if anyone. */
async function showSession() {
  const response = await fetch('/me', { credentials: 'same-origin' });
  if (response.ok) return showSignedIn((await response.json()).user);
  // No token at all is simply "not signed in"; a refused one says why.
  const refused = (response.headers.get('WWW-Authenticate') || '').includes('error=');
  return showSignedOut(response.status === 401 && !refused ? null : await problemOf(response, 'GET /me'));
}

async function main() {
  const config = await (await fetch('/config.json', { credentials: 'same-origin' })).json();
  $('issuer').textContent = config.issuer;
  $('style').textContent = config.style;
  $('sign-in').addEventListener('click', () => signIn(config));
  $('sign-out').addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
    showSignedOut(null);
  });

  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('access_token')) {
    // The tokens leave the address bar (and the history) before anything else.
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    const problem = await completeSignIn(config, fragment);
    if (problem) return showSignedOut(problem);
  }
  return showSession();
}

main().catch((err) => showSignedOut({ code: 'page_error', message: String(err) }));
