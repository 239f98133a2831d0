// The kms-wasm web demo: connection, keys, streaming file encryption/decryption, activity log.
// Plain ES module over the built package; no framework, no build step.
import { KMS, KmsKeyring, encryptStream, decryptStream, paginateListKeys, paginateListAliases, ready } from '/pkg/index.js';

const $ = (sel, root = document) => root.querySelector(sel);
const STORAGE_KEY = 'kms-wasm-demo:connection';
const FIELDS = ['region', 'endpoint', 'accessKeyId', 'secretAccessKey', 'sessionToken'];
const KEYS_PAGE_SIZE = 20;
const MiB = 1024 * 1024;

const state = {
  kms: null,
  keyPages: null, // async iterator of ListKeys pages (paginateListKeys)
  keys: new Map(), // KeyId -> { meta, aliases }
  aliases: new Map(), // KeyId -> [AliasName]
  selectedArn: null,
  accounts: new Set(), // account ids seen in listed key ARNs (discovery filter)
  partition: 'aws',
  jobs: new Set(),
  runningAll: false, // "Run all" is going through the files
};

// ---------------------------------------------------------------- formatting

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

const SUITES = {
  0x0478: 'AES-256-GCM, HKDF-SHA512, key commitment',
  0x0578: 'AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384 signature',
  0x0378: 'AES-256-GCM, HKDF-SHA384, ECDSA P-384 signature (no key commitment)',
  0x0178: 'AES-256-GCM, HKDF-SHA256 (no key commitment)',
};
const hex4 = (n) => `0x${n.toString(16).padStart(4, '0')}`;
const shortKey = (id) => (id ? id.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:key\//, '') : '');

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

// ---------------------------------------------------------------- errors a person understands

function kmsNamesIn(message) {
  return new Set(String(message ?? '').match(/\b[A-Z][A-Za-z]*(?:Exception|Error)\b/g) ?? []);
}

// What a file to decrypt may ask for: the page writes one data key and 64 KiB frames; the AWS
// Encryption CLI 4 KiB frames by default.
const MAX_DATA_KEYS = 10;
const MAX_FRAME = 64 << 20;

const CREDENTIAL_ERRORS = ['UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'InvalidClientTokenId',
  'SignatureDoesNotMatch', 'ExpiredTokenException', 'ExpiredToken', 'MissingAuthenticationTokenException', 'AuthFailure', 'InvalidAccessKeyId'];

// A request the page's Content-Security-Policy refuses fails like an unreachable host; the
// page hears of the refusal separately. Forgotten at each Connect (a new endpoint).
let refusedOrigin;
document.addEventListener('securitypolicyviolation', (ev) => {
  if (ev.effectiveDirective === 'connect-src') refusedOrigin = URL.parse?.(ev.blockedURI)?.origin ?? ev.blockedURI;
});

/** One sentence for a person; `what` is 'encrypt', 'decrypt' or 'kms'. */
export function explain(e, what = 'kms') {
  const name = e?.name ?? 'Error';
  const inner = name === 'NoUsableKeyError' || name === 'KeyringError' ? kmsNamesIn(e.message) : new Set([name]);
  const has = (...names) => names.some((n) => inner.has(n));
  if (name === 'AbortError') return 'Cancelled. Nothing was saved.';
  if (name === 'NetworkError' && refusedOrigin)
    return `This page's Content-Security-Policy does not allow connecting to ${refusedOrigin}: it allows the AWS KMS endpoints of every partition and this page's own server.`;
  if (has('NetworkError', 'TimeoutError', 'ServiceUnavailableException', 'KMSInternalException', 'DependencyTimeoutException'))
    return 'KMS is unreachable (network error, timeout or service unavailable). Check the endpoint and your connection.';
  if (has(...CREDENTIAL_ERRORS)) return 'KMS rejected the credentials: check the access key, secret and session token (expired?).';
  if (has('DisabledException')) return 'The KMS key is disabled. Enable it, or choose another key.';
  if (has('KMSInvalidStateException')) return 'The KMS key cannot be used in its current state (pending deletion, or not yet available).';
  if (has('AccessDeniedException', 'AccessDenied', 'InvalidGrantTokenException', 'IncorrectKeyException', 'InvalidKeyUsageException'))
    return what === 'decrypt' ? 'The file is encrypted under a KMS key you may not use (access denied).' : 'You may not use this KMS key (access denied).';
  if (has('NotFoundException')) return what === 'decrypt' ? 'The file is encrypted under a KMS key that does not exist for these credentials (other account or region, or deleted).' : 'The KMS key was not found.';
  if (has('InvalidCiphertextException')) return 'KMS could not decrypt the data key: the file was altered, or its encryption context was changed.';
  if (has('ThrottlingException', 'LimitExceededException')) return "KMS is turning requests away (over the account's request quota): try again in a moment.";
  switch (name) {
    case 'MalformedMessageError':
      return what === 'decrypt' ? `This is not an encrypted file in the Encryption SDK format, or it is truncated or damaged (${e.message}).` : `Invalid message: ${e.message}`;
    case 'AuthenticationError':
    case 'SignatureError':
      return 'The file was tampered with or damaged: it does not authenticate.';
    case 'UnsupportedSuiteError':
    case 'CommitmentPolicyError':
      return `The file uses an algorithm suite this page does not accept (${e.message}).`;
    case 'TooManyEncryptedDataKeysError':
    case 'LimitExceededError':
      return `The file exceeds a safety limit (${e.message}).`;
    case 'EncryptionContextError':
      return what === 'decrypt' ? `The file's encryption context does not match the expected pairs (${e.message}).` : `Invalid encryption context: ${e.message}`;
    case 'NoUsableKeyError':
      return what === 'decrypt' ? 'The file is encrypted under a KMS key you may not use (not in the connected account, or access denied).' : e.message;
    case 'ConfigError':
      return `Connection settings: ${e.message}`;
    case 'CredentialsProviderError':
      return 'No usable credentials: fill in the access key and secret.';
    case 'ValidationError':
    case 'ValidationException':
      return `KMS rejected the request: ${e.message}`;
    case 'AccountUnknown':
      return `Not decrypted: ${e.message}.`;
    case 'FileReadError':
      return 'The file could not be read: it was changed, moved or removed since you chose it. Choose it again.';
    default: {
      const text = `${name}: ${e?.message ?? e}`;
      return /[.!?]$/.test(text) ? text : `${text}.`;
    }
  }
}

// ---------------------------------------------------------------- connection

const form = $('#connection-form');
const connectionStatus = $('#connection-status');

function readConnection() {
  const c = {};
  for (const f of FIELDS) c[f] = form.elements[f].value.trim();
  return c;
}

function fillConnection(c) {
  for (const f of FIELDS) if (c[f] != null) form.elements[f].value = c[f];
}

function setStatus(node, text, kind = '') {
  node.textContent = text;
  node.dataset.kind = kind;
}

/** Keeps the connection settings `c` for this tab while *Remember* is ticked; forgets them otherwise. */
function remember(c = readConnection()) {
  if ($('#remember').checked) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
  else sessionStorage.removeItem(STORAGE_KEY);
}

async function connect() {
  const c = readConnection();
  remember(c);
  refusedOrigin = undefined;
  state.kms?.destroy();
  state.kms = null;
  try {
    state.kms = new KMS({
      region: c.region,
      endpoint: c.endpoint || undefined,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) },
      maxAttempts: 2,
      requestTimeout: 20000,
      onAudit: logAudit,
    });
    setStatus(connectionStatus, 'Connecting…', 'busy');
    await loadKeys();
    setStatus(connectionStatus, `Connected to ${c.endpoint || `AWS KMS ${c.region}`}.`, 'ok');
    for (const b of ['#create-key', '#refresh-keys']) $(b).disabled = false;
    document.body.dataset.connected = 'true';
  } catch (e) {
    // Not connected: no client to call KMS with, no controls that need one, no keys of a
    // connection that did not work.
    state.kms?.destroy();
    state.kms = null;
    for (const b of ['#create-key', '#refresh-keys']) $(b).disabled = true;
    setStatus(connectionStatus, explain(e, 'kms'), 'error');
    setStatus($('#keys-status'), 'Connect to list keys.');
    document.body.dataset.connected = 'false';
    refreshRunButtons();
  }
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  connect();
});
// Ticked while connected (the page connects at once), the settings in the form are kept now.
$('#remember').addEventListener('change', () => remember());

// ---------------------------------------------------------------- keys

const keyTbody = $('#key-table tbody');

async function loadKeys() {
  const kms = state.kms;
  setStatus($('#keys-status'), 'Listing keys…', 'busy');
  state.keys.clear();
  state.aliases.clear();
  // Learned again from this connection's keys: an earlier connection's account is not this one's.
  state.accounts.clear();
  state.partition = undefined;
  keyTbody.replaceChildren();
  for await (const page of paginateListAliases({ client: kms, pageSize: 100 })) {
    for (const a of page.Aliases ?? []) {
      if (!a.TargetKeyId) continue; // AWS-managed aliases not yet backed by a key
      const list = state.aliases.get(a.TargetKeyId) ?? [];
      list.push(a.AliasName);
      state.aliases.set(a.TargetKeyId, list);
    }
  }
  state.keyPages = paginateListKeys({ client: kms, pageSize: KEYS_PAGE_SIZE });
  await loadMoreKeys();
  // The chosen key stays listed (and chosen) even when it is on a later page.
  const chosen = state.selectedArn;
  if (chosen && !selectedKey()) {
    try {
      addKeyRow((await kms.describeKey({ KeyId: chosen })).KeyMetadata, true);
    } catch {
      state.selectedArn = null;
    }
  }
  refreshRunButtons();
}

async function loadMoreKeys() {
  const more = $('#more-keys');
  more.disabled = true;
  const { value: page, done } = await state.keyPages.next();
  if (done) {
    more.hidden = true;
    return;
  }
  // DescribeKey for each key of the page, a few at a time.
  const ids = (page.Keys ?? []).map((k) => k.KeyId);
  const metas = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      try {
        metas[i] = (await state.kms.describeKey({ KeyId: ids[i] })).KeyMetadata;
      } catch (e) {
        metas[i] = { KeyId: ids[i], Arn: page.Keys[i].KeyArn, KeyState: `unknown (${e.name})` };
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  for (const m of metas) addKeyRow(m, false);
  more.hidden = !page.Truncated;
  more.disabled = false;
  const n = state.keys.size;
  $('#no-keys').hidden = n > 0;
  $('#no-keys').textContent = 'No keys yet: create one above.';
  setStatus($('#keys-status'), `${n} key${n === 1 ? '' : 's'} listed${page.Truncated ? ' (more available)' : ''}.`, 'ok');
}

function usable(meta) {
  return meta.KeyState === 'Enabled' && (meta.KeyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT' && (meta.KeySpec ?? meta.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT';
}

function stateText(meta) {
  if (meta.KeyState === 'PendingDeletion') return `Pending deletion${meta.DeletionDate ? ` (${meta.DeletionDate.toISOString().slice(0, 10)})` : ''}`;
  if (meta.KeyState === 'Enabled' && !usable(meta)) return `Enabled, ${meta.KeySpec ?? ''} ${meta.KeyUsage ?? ''} (not for file encryption)`;
  return meta.KeyState ?? 'unknown';
}

function addKeyRow(meta, atTop) {
  const arn = meta.Arn ?? meta.KeyId;
  const m = /^arn:([^:]+):kms:[^:]*:(\d+):/.exec(arn);
  if (m) { state.partition = m[1]; state.accounts.add(m[2]); }
  if (state.keys.has(meta.KeyId)) return; // already listed (the chosen key, shown ahead of its page)
  const aliases = state.aliases.get(meta.KeyId) ?? [];
  state.keys.set(meta.KeyId, { meta, aliases });
  const ok = usable(meta);
  // A chosen key found disabled on a refresh is chosen no more: no action may offer it.
  if (!ok && state.selectedArn === arn) state.selectedArn = null;
  const label = aliases[0] ?? meta.KeyId;
  const radio = el('input', { type: 'radio', name: 'key', value: arn, disabled: !ok, checked: state.selectedArn === arn, 'aria-label': `Use ${label}` });
  radio.addEventListener('change', () => { state.selectedArn = arn; refreshRunButtons(); });
  const row = el('tr', { 'data-key-id': meta.KeyId, 'data-state': meta.KeyState ?? 'unknown', class: ok ? '' : 'unusable' },
    el('td', { class: 'pick' }, radio),
    el('td', { class: 'alias', 'data-label': 'Alias' }, aliases.join(', ') || '—'),
    el('td', { class: 'mono', title: arn, 'data-label': 'Key' }, meta.KeyId),
    el('td', { 'data-label': 'State' }, el('span', { class: `badge ${ok ? 'ok' : 'bad'}`, text: stateText(meta) })),
    el('td', { 'data-label': 'Created' }, meta.CreationDate instanceof Date ? meta.CreationDate.toLocaleString() : ''));
  if (atTop) keyTbody.prepend(row);
  else keyTbody.append(row);
  $('#no-keys').hidden = true;
}

function selectedKey() {
  if (!state.selectedArn) return null;
  for (const { meta } of state.keys.values()) if ((meta.Arn ?? meta.KeyId) === state.selectedArn) return meta;
  return null;
}

$('#create-key-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = $('#new-alias');
  const aliasName = `alias/${input.value.trim().replace(/^alias\//, '')}`;
  const button = $('#create-key');
  button.disabled = true;
  setStatus($('#keys-status'), `Creating a key for ${aliasName}…`, 'busy');
  try {
    const { KeyMetadata } = await state.kms.createKey({ Description: `kms-wasm demo key (${aliasName})`, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
    try {
      await state.kms.createAlias({ AliasName: aliasName, TargetKeyId: KeyMetadata.KeyId });
    } catch (e) {
      // A key nobody can find by alias would only cost money: schedule it away (7 days, the shortest).
      await state.kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 }).catch(() => {});
      throw e;
    }
    state.aliases.set(KeyMetadata.KeyId, [aliasName]);
    state.selectedArn = KeyMetadata.Arn;
    addKeyRow(KeyMetadata, true);
    setStatus($('#keys-status'), `Created ${aliasName} (${KeyMetadata.KeyId}); it is selected for encryption.`, 'ok');
    input.value = '';
    refreshRunButtons();
  } catch (e) {
    setStatus($('#keys-status'), e.name === 'AlreadyExistsException' ? `${aliasName} already exists: choose another alias.` : explain(e, 'kms'), 'error');
  } finally {
    button.disabled = false;
  }
});

$('#refresh-keys').addEventListener('click', async () => {
  // A refresh that fails keeps what was listed, and chosen, before it.
  const saved = { keys: new Map(state.keys), aliases: new Map(state.aliases), accounts: new Set(state.accounts), partition: state.partition, selectedArn: state.selectedArn, keyPages: state.keyPages, rows: [...keyTbody.children], noKeys: $('#no-keys').hidden, more: $('#more-keys').hidden };
  try {
    await loadKeys();
  } catch (e) {
    Object.assign(state, { keys: saved.keys, aliases: saved.aliases, accounts: saved.accounts, partition: saved.partition, selectedArn: saved.selectedArn, keyPages: saved.keyPages });
    keyTbody.replaceChildren(...saved.rows);
    $('#no-keys').hidden = saved.noKeys;
    $('#more-keys').hidden = saved.more;
    $('#more-keys').disabled = false;
    setStatus($('#keys-status'), `${explain(e, 'kms')} The keys listed before are shown.`, 'error');
    refreshRunButtons();
  }
});
$('#more-keys').addEventListener('click', async () => {
  try {
    await loadMoreKeys();
  } catch (e) {
    setStatus($('#keys-status'), explain(e, 'kms'), 'error');
  }
});

// ---------------------------------------------------------------- activity log

const auditTbody = $('#audit-table tbody');
function logAudit(e) {
  const status = e.errorName ? `${e.httpStatus ?? ''} ${e.errorName}`.trim() : String(e.httpStatus ?? '');
  const row = el('tr', { class: e.errorName ? 'failed' : '' },
    el('td', { 'data-label': 'Time' }, new Date().toLocaleTimeString()),
    el('td', { 'data-label': 'Operation' }, e.operation),
    el('td', { class: 'mono', title: e.keyId ?? '', 'data-label': 'Key' }, shortKey(e.keyId) || '—'),
    el('td', { 'data-label': 'Status' }, status),
    el('td', { class: 'mono', 'data-label': 'Request ID' }, e.requestId ?? '—'),
    el('td', { class: 'num', 'data-label': 'ms' }, String(Math.round(e.durationMs))));
  auditTbody.prepend(row);
  while (auditTbody.rows.length > 500) auditTbody.deleteRow(-1);
}
$('#clear-log').addEventListener('click', () => auditTbody.replaceChildren());

// ---------------------------------------------------------------- files

const fileList = $('#file-list');

/** Collects stream output into a Blob without keeping the chunks: every few MiB they become a Blob part. */
class BlobCollector {
  constructor(wipe) {
    this.wipe = wipe; // plaintext chunks are zeroed once the Blob holds a copy
    this.parts = [];
    this.pending = [];
    this.pendingBytes = 0;
    this.size = 0;
  }
  add(chunk) {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    this.size += chunk.byteLength;
    if (this.pendingBytes >= 4 * MiB) this.flush();
  }
  flush() {
    if (!this.pending.length) return;
    this.parts.push(new Blob(this.pending));
    if (this.wipe) for (const c of this.pending) c.fill(0);
    this.pending = [];
    this.pendingBytes = 0;
  }
  blob(type) {
    this.flush();
    return new Blob(this.parts, { type });
  }
  discard() {
    if (this.wipe) for (const c of this.pending) c.fill(0);
    this.parts = [];
    this.pending = [];
  }
}

async function looksEncrypted(file) {
  if (/\.encrypted$/i.test(file.name)) return true;
  const b = new Uint8Array(await file.slice(0, 3).arrayBuffer());
  // Message format v2 (suites 0x0478/0x0578) or v1 (type 0x80).
  return (b[0] === 0x02 && b[1] === 0x04 && b[2] === 0x78) || (b[0] === 0x02 && b[1] === 0x05 && b[2] === 0x78) || (b[0] === 0x01 && b[1] === 0x80);
}

function addContextRow(card, key = '', value = '') {
  const row = $('#context-row-template').content.firstElementChild.cloneNode(true);
  // Named after their file: with several cards a screen reader's list of controls tells them apart.
  const name = card.job.file.name;
  $('.ctx-key', row).setAttribute('aria-label', `Key, context of ${name}`);
  $('.ctx-value', row).setAttribute('aria-label', `Value, context of ${name}`);
  $('.remove-row', row).setAttribute('aria-label', `Remove pair, context of ${name}`);
  $('.ctx-key', row).value = key;
  $('.ctx-value', row).value = value;
  $('.remove-row', row).addEventListener('click', () => row.remove());
  $('.context-rows', card).append(row);
  return row;
}

function readContext(card) {
  const ctx = {};
  for (const row of card.querySelectorAll('.context-row')) {
    const k = $('.ctx-key', row).value;
    const v = $('.ctx-value', row).value;
    if (!k && !v) continue;
    if (!k.trim()) throw Object.assign(new Error(k ? 'a key cannot be only spaces' : 'every pair needs a key'), { name: 'ContextInput' });
    if (k.startsWith('aws-crypto-')) throw Object.assign(new Error(`"${k}": keys starting with aws-crypto- are reserved`), { name: 'ContextInput' });
    if (k in ctx) throw Object.assign(new Error(`"${k}" appears twice`), { name: 'ContextInput' });
    ctx[k] = v;
  }
  return ctx;
}

function setMode(job, mode) {
  job.mode = mode;
  const { card } = job;
  card.dataset.mode = mode;
  $('.run', card).textContent = mode === 'encrypt' ? 'Encrypt' : 'Decrypt';
  $('.run', card).setAttribute('aria-label', `${mode === 'encrypt' ? 'Encrypt' : 'Decrypt'} ${job.file.name}`);
  $('.context-legend', card).textContent = mode === 'encrypt'
    ? 'Encryption context (stored in the file in clear, bound to it; not secret)'
    : 'Expected encryption context (optional: decryption fails unless the file has these pairs)';
  $('.context-rows', card).replaceChildren();
  if (mode === 'encrypt') addContextRow(card, 'file', job.file.name);
  refreshRunButtons();
}

function refreshRunButtons() {
  const waiting = [...state.jobs].filter((j) => !j.running && j.card.dataset.state !== 'done');
  const all = $('#run-all');
  all.hidden = state.jobs.size < 2;
  const blocked = !state.kms || !waiting.length || (waiting.some((j) => j.mode === 'encrypt') && !selectedKey());
  // While it runs it only looks disabled (its handler ignores a click): a disabled button loses
  // the keyboard focus, and with it the reader's place.
  all.disabled = blocked && !state.runningAll;
  all.setAttribute('aria-disabled', String(state.runningAll || blocked));
  all.textContent = `Run all (${waiting.length})`;
  for (const job of state.jobs) {
    $('.mode select', job.card).disabled = job.running; // a running job's action stays what it is
    const run = $('.run', job.card);
    run.disabled = job.running || !state.kms || (job.mode === 'encrypt' && !selectedKey());
    run.title = !state.kms ? 'Connect first' : job.mode === 'encrypt' && !selectedKey() ? 'Choose a key in section 2 first' : '';
  }
}

async function addFile(file) {
  const card = $('#file-template').content.firstElementChild.cloneNode(true);
  const job = { file, card, mode: 'encrypt', running: false, abort: null, url: null };
  card.job = job;
  $('.file-name', card).textContent = file.name;
  $('.file-size', card).textContent = formatBytes(file.size);
  const modeLabel = el('label', { class: 'mode' }, 'Action ');
  const select = el('select', { 'aria-label': `Action for ${file.name}` }, el('option', { value: 'encrypt', text: 'Encrypt' }), el('option', { value: 'decrypt', text: 'Decrypt' }));
  modeLabel.append(select);
  $('.file-head', card).insertBefore(modeLabel, $('.remove', card));
  select.addEventListener('change', () => setMode(job, select.value));
  $('.remove', card).setAttribute('aria-label', `Remove ${file.name}`);
  $('progress', card).setAttribute('aria-label', `Progress of ${file.name}`);
  $('.add-row', card).setAttribute('aria-label', `Add pair to the context of ${file.name}`);
  $('.cancel', card).setAttribute('aria-label', `Cancel ${file.name}`);
  $('.remove', card).addEventListener('click', () => {
    job.abort?.abort(new DOMException('Cancelled', 'AbortError'));
    if (job.url) URL.revokeObjectURL(job.url);
    state.jobs.delete(job);
    // Focus would fall back to the page's start: it goes to the neighbouring card, else to the file input.
    const hadFocus = card.contains(document.activeElement);
    const neighbour = card.nextElementSibling ?? card.previousElementSibling;
    card.remove();
    if (hadFocus) (neighbour ? $('.remove', neighbour) : $('#file-input')).focus();
    refreshRunButtons();
  });
  $('.add-row', card).addEventListener('click', () => $('.ctx-key', addContextRow(card)).focus());
  $('.run', card).addEventListener('click', () => startRun(job));
  $('.cancel', card).addEventListener('click', () => job.abort?.abort(new DOMException('Cancelled', 'AbortError')));
  state.jobs.add(job);
  fileList.append(card);
  const mode = (await looksEncrypted(file)) ? 'decrypt' : 'encrypt';
  select.value = mode;
  setMode(job, mode);
}

function showHeader(card, header, title) {
  const dl = $('.header-info', card);
  const item = (term, ...defs) => {
    dl.append(el('dt', { text: term }));
    for (const d of defs) dl.append(el('dd', {}, d));
  };
  dl.replaceChildren(el('div', { class: 'header-title', text: title }));
  item('Algorithm suite', `${hex4(header.suiteId)} ${SUITES[header.suiteId] ?? ''}`.trim());
  item('Wrapping keys', ...header.encryptedDataKeys.map((k) => el('span', { class: 'mono arn', text: k.providerId === 'aws-kms' ? k.providerInfo : `${k.providerId}: ${k.providerInfo}` })));
  const pairs = Object.entries(header.encryptionContext);
  item('Encryption context', ...(pairs.length ? pairs.map(([k, v]) => el('span', { class: 'mono', text: k === 'aws-crypto-public-key' ? `${k} = ${v.slice(0, 16)}… (signature key)` : `${k} = ${v}` })) : ['(empty)']));
  item('Frame length', header.contentType === 1 ? 'non-framed' : `${header.frameLength} bytes`);
  dl.hidden = false;
}

function decryptedName(name) {
  const base = name.replace(/\.encrypted$/i, '');
  return base && base !== name ? base : `${name}.decrypted`;
}

/** Runs `job` unless it is running already; resolves when its run (this one or that one) ends. */
function startRun(job) {
  if (!job.running) job.current = run(job);
  return job.current;
}

async function run(job) {
  const { card, file } = job;
  const msg = $('.message', card);
  const link = $('.download', card);
  const progressBox = $('.progress', card);
  const bar = $('progress', card);
  const text = $('.progress-text', card);
  if (job.url) URL.revokeObjectURL(job.url);
  job.url = null;
  link.hidden = true;
  $('.header-info', card).hidden = true;
  const encrypting = job.mode === 'encrypt';
  let context;
  try {
    context = readContext(card);
  } catch (e) {
    setStatus(msg, `Encryption context: ${e.message}.`, 'error');
    return;
  }
  const key = selectedKey();
  if (encrypting && !key) {
    setStatus(msg, 'Choose an enabled key in section 2 first.', 'error');
    return;
  }
  const kms = state.kms;
  const ac = new AbortController();
  job.abort = ac;
  job.running = true;
  card.dataset.state = 'running';
  // The run button disables itself and the cancel button hides at the end: a keyboard user's
  // focus moves along rather than falling back to the page's start.
  const cancel = $('.cancel', card);
  const runHadFocus = document.activeElement === $('.run', card);
  refreshRunButtons();
  cancel.hidden = false;
  if (runHadFocus) cancel.focus();
  progressBox.hidden = false;
  bar.value = 0;
  const total = file.size;
  let done = 0;
  const started = performance.now();
  let lastPaint = 0;
  const paint = (force) => {
    const now = performance.now();
    if (!force && now - lastPaint < 100) return;
    lastPaint = now;
    const secs = (now - started) / 1000;
    bar.value = total ? (100 * done) / total : 100;
    text.textContent = `${formatBytes(done)} of ${formatBytes(total)} · ${secs > 0 ? (done / 1e6 / secs).toFixed(1) : '0.0'} MB/s`;
  };
  paint(true);
  setStatus(msg, encrypting ? `Encrypting under ${shortKey(key.Arn)}…` : 'Decrypting…', 'busy');
  const counter = new TransformStream({
    transform(chunk, controller) {
      done += chunk.byteLength;
      paint(false);
      controller.enqueue(chunk);
    },
  });
  const collector = new BlobCollector(!encrypting);
  let header;
  try {
    // In the try: a keyring refusing its options (a ConfigError) ends this job like any error.
    let envelope;
    if (encrypting) {
      envelope = encryptStream(new KmsKeyring({ client: kms, generatorKeyId: key.Arn }), { encryptionContext: context });
    } else {
      // Discovery: the file names its key. Limited to the connected account when it is known,
      // so a crafted file cannot make this page call Decrypt on keys of other accounts.
      let filter;
      if ($('#only-account')?.checked !== false) {
        // The account is learned from the listed keys' ARNs: with none listed it is unknown, and
        // no filter at all would let any file name any account's key.
        if (!state.accounts.size) throw Object.assign(new Error('no key of the connected account is listed, so the account to limit decryption to is unknown: create or list a key first, or untick "Decrypt only files whose key belongs to the connected account"'), { name: 'AccountUnknown' });
        filter = { partition: state.partition, accountIds: [...state.accounts] };
      }
      // A file from someone else may name thousands of data keys (a KMS call each) or one frame
      // of gigabytes (held whole): refused at its header beyond these.
      const limits = { maxEncryptedDataKeys: MAX_DATA_KEYS, maxFrameLength: MAX_FRAME };
      envelope = decryptStream(new KmsKeyring({ client: kms, discovery: true, discoveryFilter: filter }), Object.keys(context).length ? { ...limits, encryptionContext: context } : limits);
    }
    envelope.messageHeader.then((h) => { header = h; }, () => {});
    await fileSource(file)
      .pipeThrough(counter, { signal: ac.signal })
      .pipeThrough(envelope, { signal: ac.signal })
      .pipeTo(new WritableStream({ write: (chunk) => collector.add(chunk) }), { signal: ac.signal });
    header ??= await envelope.messageHeader;
    paint(true);
    const secs = (performance.now() - started) / 1000;
    const name = encrypting ? `${file.name}.encrypted` : decryptedName(file.name);
    // Only now, with the whole stream verified, does anything become downloadable.
    const blob = collector.blob(encrypting ? 'application/octet-stream' : file.type || 'application/octet-stream');
    job.url = URL.createObjectURL(blob);
    link.href = job.url;
    link.download = name;
    link.textContent = `Save ${name} (${formatBytes(blob.size)})`;
    link.hidden = false;
    showHeader(card, header, encrypting ? 'Header written' : 'Header of the decrypted file (authenticated)');
    setStatus(msg, `${encrypting ? 'Encrypted' : 'Decrypted'} ${formatBytes(total)} into ${formatBytes(blob.size)} in ${secs.toFixed(1)} s (${(total / 1e6 / Math.max(secs, 1e-3)).toFixed(1)} MB/s); download started.`, 'ok');
    card.dataset.state = 'done';
    link.click();
  } catch (e) {
    collector.discard();
    const reason = ac.signal.aborted ? ac.signal.reason : e;
    setStatus(msg, `${explain(reason, encrypting ? 'encrypt' : 'decrypt')}${reason?.name === 'AbortError' ? '' : ' Nothing was saved.'}`, 'error');
    card.dataset.state = reason?.name === 'AbortError' ? 'cancelled' : 'error';
    card.dataset.error = reason?.name ?? 'Error';
    if (header && !encrypting) showHeader(card, header, 'Header (read before the failure)');
  } finally {
    paint(true);
    job.running = false;
    job.abort = null;
    const cancelHadFocus = document.activeElement === cancel;
    cancel.hidden = true;
    refreshRunButtons();
    if (cancelHadFocus) (link.hidden ? $('.run', card) : link).focus();
  }
}

/**
 * The file's bytes, a failure to read them named as such: Chromium says only "network error"
 * (a TypeError) when the file changed or went away after it was chosen.
 */
function fileSource(file) {
  const reader = file.stream().getReader();
  return new ReadableStream({
    async pull(controller) {
      let read;
      try {
        read = await reader.read();
      } catch (e) {
        throw Object.assign(new Error(`${e?.name ?? 'Error'}: ${e?.message ?? e}`), { name: 'FileReadError', cause: e });
      }
      if (read.done) controller.close();
      else controller.enqueue(read.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

// One file after another: each streams, so working memory stays bounded however many there are;
// each finished file's result stays in memory for its download link until its card is removed.
$('#run-all').addEventListener('click', async () => {
  if (state.runningAll) return;
  state.runningAll = true;
  const jobs = [...state.jobs].filter((j) => !j.running && j.card.dataset.state !== 'done');
  let ok = 0;
  try {
    for (const [i, job] of jobs.entries()) {
      if (!state.jobs.has(job)) continue; // removed meanwhile
      setStatus($('#run-all-status'), `File ${i + 1} of ${jobs.length}…`, 'busy');
      // A file finished meanwhile by its own button is not done again; one running is waited for.
      if (job.card.dataset.state !== 'done') await startRun(job);
      if (job.card.dataset.state === 'done') ok++;
    }
  } finally {
    state.runningAll = false;
  }
  const status = $('#run-all-status');
  setStatus(status, `${ok} of ${jobs.length} file${jobs.length === 1 ? '' : 's'} done.`, ok === jobs.length ? 'ok' : 'error');
  const all = $('#run-all');
  const hadFocus = document.activeElement === all;
  refreshRunButtons();
  // Nothing left to run, the button is disabled now: the focus goes to what it did.
  if (hadFocus && all.disabled) {
    status.tabIndex = -1;
    status.focus();
  }
});

const input = $('#file-input');
input.addEventListener('change', () => {
  for (const f of input.files) addFile(f);
  input.value = ''; // the same file can be chosen again
});
const drop = $('#drop');
for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (ev) => { ev.preventDefault(); drop.classList.add('over'); });
}
for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  for (const f of ev.dataTransfer.files) addFile(f);
});
// A file dropped beside the zone would replace the page with the file.
window.addEventListener('dragover', (ev) => ev.preventDefault());
window.addEventListener('drop', (ev) => ev.preventDefault());

// ---------------------------------------------------------------- start

// Debug hook for the tests: wasm memory size and the jobs.
window.kmsDemo = {
  async wasmMemoryBytes() {
    const wasm = await ready();
    return wasm?.memory?.buffer?.byteLength ?? 0;
  },
  state,
};

async function start() {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) {
    try {
      fillConnection(JSON.parse(saved));
      $('#remember').checked = true;
    } catch {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  } else {
    try {
      const res = await fetch('/demo-config.json', { cache: 'no-store' });
      if (res.ok) {
        fillConnection(await res.json());
        setStatus(connectionStatus, 'Settings of the local KMS filled in by the demo server.', '');
      }
    } catch {
      // Served without the demo server: the person types the settings.
    }
  }
  if (!form.elements.region.value) form.elements.region.value = 'us-east-1';
  refreshRunButtons();
  document.body.dataset.ready = 'true';
  if (form.elements.accessKeyId.value && form.elements.secretAccessKey.value) await connect();
}
start();
