/*
 * picflow web page: sign in, request image downloads, follow them live.
 *
 * Structure:
 * - `state` holds the bearer token, the live socket and `downloads`, a Map keyed by downloadId.
 *   Each entry keeps the latest frame (`data`), the feed position of that frame, a row message
 *   (e.g. a refused control) and the row's DOM elements, built once and updated in place.
 * - Auth: a dev token (POST /api/dev/tokens) or a pasted JWT, kept in sessionStorage. Signing out
 *   closes the socket, forgets the rows and revokes the thumbnails' object URLs.
 * - Socket lifecycle: connect() gets a one-time ticket (POST /api/ws-tickets; the token never goes
 *   into a URL) and opens /ws?scope=mine&ticket=... (plus after=<highest position seen> when
 *   reconnecting); every attempt gets a new ticket. Frames up to the CaughtUp control frame are the
 *   initial state / catch-up; after it the page shows "live". onclose decides by close code: 4401
 *   for the token and 4404 (user erased) sign out (a ticket refused with 4401 is retried with a new one), 4403/4400 stop,
 *   4429 reconnect at once, 4410 (the frames after our position are no longer kept) reconnect at
 *   once without after= (the current state replaces what was missed), anything else reconnect with backoff (1 s doubling to 30 s). A 401 for
 *   the ticket signs out too.
 * - Rendering: every frame carries the download's whole state, so applyFrame() merges it into the
 *   entry (ignoring stale positions) and renderEntry() refreshes that one row. The DOM is built
 *   with createElement/textContent only; nothing from the server or the user goes through innerHTML.
 */
'use strict';

const TOKEN_KEY = 'picflow.token';
const MAX_BACKOFF_MS = 30000;
const ACTIVE = ['REQUESTED', 'FETCHING', 'VALIDATING', 'PROCESSING', 'STORING'];
const CONTROLS = [
  { action: 'pause', label: 'Pause', allowed: (s) => ['REQUESTED', 'FETCHING', 'RETRY_SCHEDULED'].includes(s) },
  { action: 'resume', label: 'Resume', allowed: (s) => s === 'PAUSED' },
  { action: 'cancel', label: 'Cancel', allowed: (s) => s !== 'COMPLETED' && s !== 'CANCELLED' },
  { action: 'retry', label: 'Retry', allowed: (s) => s === 'FAILED' },
];

const state = {
  token: null,
  epoch: 0, // bumped on sign-out, so late async results of an old session are dropped
  downloads: new Map(),
  thumbnails: new Map(), // imageId -> Promise of an object URL (or null)
  idempotencyKeys: new Map(), // request body -> key, kept until accepted, so a resend is a replay
  socket: null,
  connectAttempt: 0, // bumped by every connect() and closeSocket(), so a ticket fetched too late is dropped
  lastPosition: null,
  backoffMs: 1000,
  reconnectTimer: null,
};

const $ = (id) => document.getElementById(id);

/** createElement with a class name, text and attributes; never parses HTML. */
function el(tag, className, text, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// ---------------------------------------------------------------- helpers

function formatBytes(n) {
  if (n === null || n === undefined) return 'unknown size';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function randomKey() {
  if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Only http(s) URLs become links. */
function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function decodeJwtPayload(token) {
  const part = token.split('.')[1];
  if (!part) throw new Error('This is not a JWT (header.payload.signature).');
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Reads a problem+json answer into {status, detail}; tolerates any other body. */
async function readProblem(response) {
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // not JSON
  }
  let detail = problem.detail || problem.title || `HTTP ${response.status} ${response.statusText}`.trim();
  if (Array.isArray(problem.errors) && problem.errors.length > 0) {
    const errors = problem.errors.map((e) => (typeof e === 'string' ? e
      : [e.field || e.pointer || e.name, e.message || e.detail].filter(Boolean).join(': ')));
    detail += ` (${errors.join('; ')})`;
  }
  return { status: response.status, detail };
}

function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${state.token}`, ...(options.headers || {}) };
  return fetch(path, { ...options, headers });
}

// ---------------------------------------------------------------- auth

function showAuthMessage(text) {
  $('auth-message').textContent = text;
}

function setToken(token) {
  let payload;
  try {
    payload = decodeJwtPayload(token);
  } catch (e) {
    showAuthMessage(`This token cannot be read: ${e.message}`);
    return false;
  }
  if (typeof payload.exp === 'number' && payload.exp * 1000 < Date.now()) {
    showAuthMessage('This token has expired; please sign in again.');
    return false;
  }
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('session-user').textContent = payload.sub || '(no sub)';
  $('session').hidden = false;
  $('auth').hidden = true;
  $('app').hidden = false;
  showAuthMessage('');
  connect();
  return true;
}

async function signInWithDevToken(event) {
  event.preventDefault();
  const userId = $('user-id').value.trim();
  showAuthMessage('Signing in…');
  try {
    const response = await fetch('/api/dev/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (response.ok) {
      setToken((await response.json()).token);
      return;
    }
    const problem = await readProblem(response);
    showAuthMessage(`No dev token (${problem.status}): ${problem.detail.replace(/\.$/, '')}. Paste a token instead.`);
  } catch (e) {
    showAuthMessage(`The server could not be reached (${e.message}). Paste a token instead.`);
  }
  $('paste-token').open = true;
  $('token-input').focus();
}

function usePastedToken(event) {
  event.preventDefault();
  if (setToken($('token-input').value.trim())) $('token-input').value = '';
}

function signOut(message = '') {
  state.epoch += 1;
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  closeSocket();
  state.lastPosition = null;
  state.downloads.clear();
  $('downloads').replaceChildren();
  $('empty').hidden = false;
  $('submit-results').replaceChildren();
  for (const pending of state.thumbnails.values()) {
    pending.then((url) => url && URL.revokeObjectURL(url));
  }
  state.thumbnails.clear();
  $('session').hidden = true;
  $('app').hidden = true;
  $('auth').hidden = false;
  showAuthMessage(message);
  setConnection('offline', 'offline');
}

// ---------------------------------------------------------------- submitting downloads

function addResult(url, text, ok) {
  const item = el('li', ok ? 'ok' : 'failed');
  item.append(el('span', 'result-url', url), el('span', 'result-text', text));
  $('submit-results').append(item);
}

async function submitOne(url, tags) {
  const body = JSON.stringify({ url, tags });
  if (!state.idempotencyKeys.has(body)) state.idempotencyKeys.set(body, randomKey());
  const response = await api('/api/downloads', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': state.idempotencyKeys.get(body) },
    body,
  });
  if (response.status === 202) {
    state.idempotencyKeys.delete(body);
    const { downloadId } = await response.json();
    return { ok: true, text: `accepted (${downloadId})` };
  }
  const problem = await readProblem(response);
  if (response.status === 400 || response.status === 422) state.idempotencyKeys.delete(body);
  let text = problem.detail;
  if (response.status === 429) text += `; try again in ${response.headers.get('Retry-After') || 'a few'} seconds`;
  return { ok: false, text, status: response.status };
}

async function submitDownloads(event) {
  event.preventDefault();
  const textarea = $('urls');
  const lines = textarea.value.split('\n').map((line) => line.trim());
  const tags = $('tags').value.split(',').map((tag) => tag.trim()).filter(Boolean);
  const urls = lines.filter(Boolean);
  if (urls.length === 0) return;
  const epoch = state.epoch;
  const accepted = new Set();
  $('submit-button').disabled = true;
  $('submit-results').replaceChildren();
  try {
    for (const url of urls) {
      let result;
      try {
        result = await submitOne(url, tags);
      } catch (e) {
        result = { ok: false, text: `network error: ${e.message}` };
      }
      if (epoch !== state.epoch) return;
      if (result.status === 401) {
        signOut(`Your session is no longer valid (${result.text}). Please sign in again.`);
        return;
      }
      addResult(url, result.text, result.ok);
      if (result.ok) accepted.add(url);
    }
    textarea.value = lines.filter((line) => line && !accepted.has(line)).join('\n');
  } finally {
    $('submit-button').disabled = false;
  }
}

// ---------------------------------------------------------------- live socket

function setConnection(kind, text) {
  const node = $('connection');
  node.dataset.state = kind;
  node.textContent = text;
}

/**
 * Opens the live socket with a one-time ticket (POST /api/ws-tickets), never with the token itself: a
 * token in a URL ends up in proxies' access logs. Each attempt, reconnects included, gets a new ticket.
 */
async function connect() {
  closeSocket();
  const attempt = ++state.connectAttempt;
  setConnection('connecting', state.lastPosition === null ? 'connecting…' : 'catching up…');
  let ticket;
  try {
    const response = await api('/api/ws-tickets', { method: 'POST' });
    if (attempt !== state.connectAttempt) return; // signed out or superseded meanwhile
    if (response.status === 401) {
      const problem = await readProblem(response);
      signOut(`Your session is no longer valid (${problem.detail}). Please sign in again.`);
      return;
    }
    if (response.status !== 201) {
      scheduleReconnect();
      return;
    }
    ({ ticket } = await response.json());
  } catch {
    if (attempt === state.connectAttempt) scheduleReconnect();
    return;
  }
  if (attempt !== state.connectAttempt) return;
  const params = new URLSearchParams({ scope: 'mine', ticket });
  if (state.lastPosition !== null) params.set('after', String(state.lastPosition));
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/ws?${params}`);
  state.socket = socket;
  socket.onmessage = (message) => handleMessage(message.data);
  socket.onclose = (close) => {
    if (state.socket !== socket) return; // closed on purpose
    state.socket = null;
    handleClose(close.code, close.reason);
  };
}

function closeSocket() {
  clearTimeout(state.reconnectTimer);
  state.connectAttempt += 1; // a ticket still being fetched is not used
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close(1000, 'Bye');
}

function handleClose(code, reason) {
  if (code === 4401 && /ticket/i.test(reason)) {
    scheduleReconnect(); // the ticket was late or taken: the next attempt gets a new one
  } else if (code === 4401) {
    signOut(`The live feed refused the token (${reason || 'missing, invalid or expired'}). Please sign in again.`);
  } else if (code === 4404) {
    signOut('This user was erased and can no longer use the service.');
  } else if (code === 4410) {
    state.lastPosition = null; // what we missed is no longer kept: start again from the current state
    connect();
  } else if (code === 4403) {
    setConnection('stopped', `not allowed: ${reason || 'forbidden'}`);
  } else if (code === 4400) {
    setConnection('stopped', `refused: ${reason || 'bad request'}`);
  } else if (code === 4429) {
    connect();
  } else {
    scheduleReconnect();
  }
}

function scheduleReconnect() {
  const delay = state.backoffMs;
  state.backoffMs = Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
  setConnection('reconnecting', `reconnecting in ${delay / 1000} s…`);
  state.reconnectTimer = setTimeout(connect, delay);
}

function handleMessage(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return;
  }
  if (typeof frame.position === 'number') {
    state.lastPosition = Math.max(state.lastPosition ?? frame.position, frame.position);
  }
  if (frame.type === 'CaughtUp') {
    state.backoffMs = 1000;
    setConnection('live', 'live');
  } else if (frame.downloadId) {
    applyFrame(frame);
  }
}

// ---------------------------------------------------------------- rendering downloads

function applyFrame(frame) {
  let entry = state.downloads.get(frame.downloadId);
  if (!entry) {
    entry = createEntry(frame.downloadId);
  } else if (typeof frame.position === 'number' && frame.position < entry.position) {
    return; // older than what the row shows
  }
  if (entry.data.status !== frame.status) entry.message = '';
  // A frame is the whole state; merging only keeps url/fileName when a frame lacks them.
  entry.data = { ...entry.data, ...frame };
  entry.position = frame.position ?? entry.position;
  renderEntry(entry);
}

function createEntry(downloadId) {
  const dom = {
    row: el('li', 'download'), thumb: el('div', 'thumb'), name: el('span', 'name'), badge: el('span', 'badge'),
    link: el('a', 'url', null, { rel: 'noopener noreferrer', target: '_blank' }), progress: el('progress'),
    bytes: el('span', 'bytes'), attempt: el('span', 'attempt'), error: el('p', 'error'),
    actions: el('div', 'actions'), message: el('p', 'row-message', null, { 'aria-live': 'polite' }), buttons: {},
  };
  const entry = { data: { downloadId }, position: -1, message: '', busy: false, imageId: null, dom };
  for (const control of CONTROLS) {
    const button = el('button', `control ${control.action}`, control.label, { type: 'button' });
    button.addEventListener('click', () => sendControl(entry, control.action));
    dom.buttons[control.action] = button;
    dom.actions.append(button);
  }
  const head = el('div', 'head');
  head.append(dom.name, dom.badge);
  const meta = el('div', 'meta');
  meta.append(dom.bytes, dom.attempt);
  const body = el('div', 'body');
  body.append(head, dom.link, dom.progress, meta, dom.error, dom.actions, dom.message);
  dom.row.append(dom.thumb, body);
  state.downloads.set(downloadId, entry);
  $('downloads').prepend(dom.row);
  $('empty').hidden = true;
  return entry;
}

function renderEntry(entry) {
  const d = entry.data;
  const dom = entry.dom;
  const status = d.status || 'UNKNOWN';
  dom.row.dataset.status = status;
  dom.name.textContent = d.fileName || d.url || d.downloadId;
  dom.badge.textContent = status.replace(/_/g, ' ').toLowerCase();
  dom.badge.className = `badge status-${status.toLowerCase()}`;
  renderLink(dom.link, d.url);
  renderProgress(dom, d, status);
  dom.attempt.textContent = d.attempt ? `attempt ${d.attempt}` : '';
  renderError(dom.error, d, status);
  for (const control of CONTROLS) {
    dom.buttons[control.action].disabled = entry.busy || !d.status || !control.allowed(d.status);
  }
  dom.message.textContent = entry.message;
  if (d.imageId && entry.imageId !== d.imageId) showThumbnail(entry, d.imageId);
}

function renderLink(link, url) {
  const href = url ? safeHref(url) : null;
  link.hidden = !url;
  link.textContent = url || '';
  if (href) link.href = href;
  else link.removeAttribute('href');
}

function renderProgress(dom, d, status) {
  const received = d.bytesReceived || 0;
  const total = d.totalBytes;
  if (typeof total === 'number' && total > 0) {
    dom.progress.max = total;
    dom.progress.value = Math.min(received, total);
  } else if (ACTIVE.includes(status)) {
    dom.progress.removeAttribute('value'); // indeterminate
  } else {
    dom.progress.max = 1;
    dom.progress.value = status === 'COMPLETED' ? 1 : 0;
  }
  dom.progress.setAttribute('aria-label', `progress of ${dom.name.textContent}`);
  dom.bytes.textContent = `${formatBytes(received)} of ${formatBytes(total)}`;
}

function renderError(node, d, status) {
  const shown = d.error && (status === 'FAILED' || status === 'RETRY_SCHEDULED');
  node.hidden = !shown;
  if (!shown) return;
  let text = `${d.error.code}: ${d.error.message || ''}`;
  if (status === 'RETRY_SCHEDULED' && d.nextAttemptAt) text += ` (next attempt at ${formatTime(d.nextAttemptAt)})`;
  node.textContent = text;
}

async function sendControl(entry, action) {
  const epoch = state.epoch;
  entry.busy = true;
  entry.message = '';
  renderEntry(entry);
  try {
    const path = `/api/downloads/${encodeURIComponent(entry.data.downloadId)}/${action}`;
    const response = await api(path, { method: 'POST' });
    if (epoch !== state.epoch) return;
    if (response.status === 401) {
      signOut('Your session is no longer valid. Please sign in again.');
      return;
    }
    if (!response.ok) entry.message = `${action} refused: ${(await readProblem(response)).detail}`;
  } catch (e) {
    entry.message = `${action} failed: ${e.message}`;
  }
  if (epoch !== state.epoch) return;
  entry.busy = false;
  renderEntry(entry);
}

// ---------------------------------------------------------------- thumbnails

/** Fetches a thumbnail once per imageId; the image read model may lag a little, so 404 is retried. */
function thumbnailUrl(imageId) {
  if (!state.thumbnails.has(imageId)) {
    const epoch = state.epoch;
    const load = async () => {
      for (let attempt = 0; attempt < 4; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1500 * attempt));
        if (epoch !== state.epoch) return null;
        const response = await api(`/api/images/${encodeURIComponent(imageId)}/thumbnail`);
        if (response.ok) {
          const blob = await response.blob();
          return epoch === state.epoch ? URL.createObjectURL(blob) : null;
        }
        if (response.status !== 404) return null;
      }
      return null;
    };
    state.thumbnails.set(imageId, load().catch(() => null));
  }
  return state.thumbnails.get(imageId);
}

async function showThumbnail(entry, imageId) {
  entry.imageId = imageId;
  const url = await thumbnailUrl(imageId);
  if (!url || entry.imageId !== imageId || state.downloads.get(entry.data.downloadId) !== entry) return;
  entry.dom.thumb.replaceChildren(el('img', null, null, { src: url, alt: 'thumbnail' }));
}

// ---------------------------------------------------------------- start

function start() {
  $('dev-token-form').addEventListener('submit', signInWithDevToken);
  $('paste-token-form').addEventListener('submit', usePastedToken);
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('submit-form').addEventListener('submit', submitDownloads);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved && !setToken(saved)) sessionStorage.removeItem(TOKEN_KEY);
}

start();
