// The package's KMS surface in Node against kms-local: SDK shapes, typed errors, config
// errors naming the field, credential functions, the audit hook, paginators.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copiesInMemory, localEnv, importPackage, localServer } from './helpers.mjs';

const pkg = await importPackage();
const { KMS, KmsWasmError, KMSServiceException, NotFoundException, KeySpec, paginateListKeys } = pkg;
const env = localEnv();
const creds = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };

test('fromEnv reads the AWS variables and round-trips Encrypt/Decrypt with Uint8Array views', async () => {
  const kms = KMS.fromEnv(env);
  const { KeyMetadata } = await kms.createKey({});
  const big = new TextEncoder().encode('0123456789abcdef-payload');
  const view = big.subarray(10); // a view with an offset must be read from its offset
  const enc = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: view });
  const dec = await kms.decrypt({ CiphertextBlob: enc.CiphertextBlob });
  assert.equal(new TextDecoder().decode(dec.Plaintext), 'abcdef-payload');
});

test('fromEnv without a region or keys in the variables is a ConfigError naming the variable to set, not telling to use fromEnv', async () => {
  for (const [vars, field, variable] of [[{ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' }, 'region', 'AWS_REGION'], [{ AWS_REGION: 'us-east-1' }, 'credentials', 'AWS_ACCESS_KEY_ID']]) {
    const err = await KMS.fromEnv(vars).listKeys({}).catch((e) => e);
    assert.deepEqual([err.name, err.field], ['ConfigError', field], String(err));
    assert.ok(err.message.includes(variable) && !/build the client/.test(err.message), err.message);
  }
});

test('service errors are classes named after the KMS exception, with $fault and $metadata', async () => {
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds });
  const err = await kms.describeKey({ KeyId: 'alias/none-such' }).catch((e) => e);
  assert.ok(err instanceof NotFoundException && err instanceof KMSServiceException && err instanceof Error);
  assert.equal(err.name, 'NotFoundException');
  assert.equal(err.$fault, 'client');
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.equal(err.$metadata.attempts, 1);
  assert.match(err.$metadata.requestId, /\w+/);
});

test('a wrong secret gets a 403 and the secret is not in the error', async () => {
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { ...creds, secretAccessKey: 'wrong-secret-value' } });
  const err = await kms.listKeys({}).catch((e) => e);
  assert.equal(err.$metadata.httpStatusCode, 403);
  assert.ok(!JSON.stringify({ ...err, message: err.message }).includes('wrong-secret-value'));
});

test('useFipsEndpoint, useDualstackEndpoint, their variables and FIPS pseudo-regions choose the endpoint requests go to', async () => {
  const hosts = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (request) => {
    hosts.push(new URL(request.url).host);
    return new Response('{"Keys":[],"Truncated":false}', { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' } });
  };
  try {
    const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    await new KMS({ region: 'us-east-2', useFipsEndpoint: true, credentials: keys }).listKeys({});
    await new KMS({ region: 'eu-west-1', useDualstackEndpoint: true, useFipsEndpoint: false, credentials: keys }).listKeys({});
    await new KMS({ region: 'cn-north-1', useFipsEndpoint: true, useDualstackEndpoint: true, credentials: keys }).listKeys({});
    await new KMS({ region: 'us-gov-west-1-fips', credentials: keys }).listKeys({});
    await KMS.fromEnv({ AWS_REGION: 'ap-southeast-2', AWS_USE_FIPS_ENDPOINT: 'true', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }).listKeys({});
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(hosts, [
    'kms-fips.us-east-2.amazonaws.com',
    'kms.eu-west-1.api.aws',
    'kms-fips.cn-north-1.api.amazonwebservices.com.cn',
    'kms-fips.us-gov-west-1.amazonaws.com',
    'kms-fips.ap-southeast-2.amazonaws.com',
  ]);
});

test('bad configuration and bad input are KmsWasmErrors naming the field, before any request', async () => {
  const audit = [];
  for (const [options, field] of [
    [{ endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds }, 'region'],
    [{ region: 'us-east-1', endpoint: 'http://kms.example.com', credentials: creds }, 'endpoint'],
    [{ region: 'us-east-1', endpoint: 'nonsense', credentials: creds }, 'endpoint'],
    [{ region: 'us-east-1', credentials: { accessKeyId: 'AKID' } }, 'credentials.secretAccessKey'],
    [{ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_KMS, useFipsEndpoint: true, credentials: creds }, 'useFipsEndpoint'],
    [{ region: 'us-east-1', useDualstackEndpoint: 'yes', credentials: creds }, 'useDualstackEndpoint'],
    // Sent in headers as they are: a newline or a non-Latin-1 character is refused, not retried as a network fault.
    [{ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { ...creds, accessKeyId: 'AKID\n' } }, 'credentials.accessKeyId'],
    [{ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { ...creds, sessionToken: 'TOK\u20ac' } }, 'credentials.sessionToken'],
    [{ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { ...creds, sessionToken: 'a\nb' } }, 'credentials.sessionToken'],
  ]) {
    const err = await new KMS({ ...options, onAudit: (e) => audit.push(e) }).listKeys({}).catch((e) => e);
    assert.ok(err instanceof KmsWasmError, String(err));
    assert.equal(err.name, 'ConfigError');
    assert.equal(err.field, field);
  }
  const kms = KMS.fromEnv(env, { onAudit: (e) => audit.push(e) });
  const err = await kms.generateRandom({ NumberOfBytes: 2048 }).catch((e) => e);
  assert.equal(err.name, 'ValidationError');
  assert.equal(err.field, 'NumberOfBytes');
  const alias = await kms.createAlias({ AliasName: 'alias/aws/mine', TargetKeyId: 'x' }).catch((e) => e);
  assert.equal(alias.field, 'AliasName');
  for (const notACommand of [{ input: {} }, undefined, 'Encrypt']) {
    const sent = await kms.send(notACommand).catch((e) => e);
    assert.equal(sent.name, 'ValidationError');
    assert.equal(sent.field, 'command');
  }
  // Only the calls refused at signing are audited, with no attempt: none was sent.
  assert.deepEqual(audit.map((e) => [e.errorName, e.attempts]), Array(3).fill(['ConfigError', 0]));
});

test('credentials may be an async function, cached as the SDK caches a provider; the audit hook sees every call without secrets', async () => {
  let asked = 0;
  const events = [];
  const kms = new KMS({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_KMS,
    credentials: async () => { asked++; return creds; },
    onAudit: (e) => events.push(e),
  });
  const { KeyMetadata } = await kms.createKey({});
  const r = await kms.generateRandom({ NumberOfBytes: 16 });
  assert.equal(r.Plaintext.length, 16);
  await kms.describeKey({ KeyId: 'alias/none-such' }).catch(() => {});
  assert.equal(asked, 1, 'credentials without an expiration are asked for once');
  // Concurrent calls share one fetch; credentials past half their life (under 10 minutes) are fetched again.
  let fetches = 0;
  const expiring = new KMS({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_KMS,
    credentials: async () => {
      fetches++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { ...creds, expiration: new Date(Date.now() + 1000) };
    },
  });
  await Promise.all(Array.from({ length: 5 }, () => expiring.listKeys({})));
  assert.equal(fetches, 1, 'five concurrent calls, one fetch');
  await new Promise((resolve) => setTimeout(resolve, 600));
  await expiring.listKeys({});
  assert.equal(fetches, 2, 'past half its life: fetched again');
  assert.deepEqual(events.map((e) => [e.operation, e.httpStatus, e.errorName]), [
    ['CreateKey', 200, undefined], ['GenerateRandom', 200, undefined], ['DescribeKey', 400, 'NotFoundException'],
  ]);
  assert.equal(events[0].keyId, KeyMetadata.KeyId);
  assert.ok(events.every((e) => e.attempts === 1 && e.durationMs >= 0));
  assert.ok(!JSON.stringify(events).includes(env.AWS_SECRET_ACCESS_KEY));
});

/** Answers `res` as KMS does: JSON 1.1 with `status`, the body a string as it is or a value as JSON. */
function answerJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A server on 127.0.0.1 that `answer(req, res, n)`s its n-th request; counts requests and the ones whose client hung up. */
async function countingServer(answer) {
  const seen = { requests: 0, hungUp: 0 };
  const server = await localServer((req, res) => {
    const n = ++seen.requests;
    res.on('close', () => { if (!res.writableFinished) seen.hungUp++; });
    req.resume();
    answer(req, res, n);
  });
  return { seen, close: server.close, endpoint: server.url };
}

/** A fixture server answering each request with `answer(operation, input)` as JSON; `sent` holds [operation, input] per request. */
async function jsonServer(answer) {
  const sent = [];
  const server = await localServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const operation = req.headers['x-amz-target'].split('.')[1];
    const input = JSON.parse(body);
    sent.push([operation, input]);
    const answered = answer(operation, input); // a string is sent as it is
    answerJson(res, 200, answered);
  });
  return { sent, close: server.close, kms: new KMS({ region: 'us-east-1', endpoint: server.url, credentials: creds }) };
}

test('abortSignal: a live signal changes nothing; a fired one sends nothing and its reason is the cause; every call stops listening when done', async () => {
  const events = [];
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds, onAudit: (e) => events.push(e) });
  const controller = new AbortController();
  const { KeyMetadata } = await kms.createKey({}, { abortSignal: controller.signal });
  const enc = await kms.send(new pkg.EncryptCommand({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array([1, 2, 3]) }), { abortSignal: controller.signal });
  const dec = await kms.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }, { abortSignal: controller.signal });
  assert.deepEqual([...dec.Plaintext], [1, 2, 3]);
  await kms.describeKey({ KeyId: 'alias/none-such' }, { abortSignal: controller.signal }).catch(() => {});
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'a long-lived signal keeps no listener per call');

  const reason = new Error('the user left');
  controller.abort(reason);
  const err = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array([1]) }, { abortSignal: controller.signal }).catch((e) => e);
  assert.ok(err instanceof KmsWasmError && err.name === 'AbortError', String(err));
  assert.equal(err.cause, reason, "the signal's reason is the error's cause");
  assert.equal(events.length, 4, 'the aborted call sent nothing');
  const notASignal = await kms.listKeys({}, { abortSignal: { aborted: true } }).catch((e) => e);
  assert.deepEqual([notASignal.name, notASignal.field], ['ValidationError', 'abortSignal']);
});

test('abortSignal cancels the request in flight: the fetch is aborted, no retry follows, the audit hook sees AbortError', { timeout: 20_000 }, async () => {
  const server = await countingServer(() => {}); // never answers
  try {
    const events = [];
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 3, requestTimeout: 60_000, onAudit: (e) => events.push(e) });
    const controller = new AbortController();
    const call = kms.listKeys({}, { abortSignal: controller.signal });
    while (server.seen.requests === 0) await new Promise((r) => setTimeout(r, 5));
    const abortedAt = performance.now();
    controller.abort();
    const err = await call.catch((e) => e);
    assert.ok(err instanceof KmsWasmError && err.name === 'AbortError', String(err));
    assert.equal(err.cause, controller.signal.reason, "the signal's reason (here the default DOMException) is the cause");
    assert.ok(performance.now() - abortedAt < 1000, 'rejects at once, not at the timeout');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(server.seen, { requests: 1, hungUp: 1 }, 'the one request was cut off and not retried');
    assert.deepEqual(events.map((e) => [e.operation, e.errorName]), [['ListKeys', 'AbortError']]);
  } finally {
    server.close();
  }
});

test('at most 50 requests are in flight at once, module-wide; the rest wait their turn and all complete (fixture server counts open requests)', { timeout: 30_000 }, async () => {
  let open = 0;
  let most = 0;
  const server = await countingServer((req, res) => {
    most = Math.max(most, ++open);
    setTimeout(() => {
      open--;
      answerJson(res, 200, '{"Keys":[],"Truncated":false}');
    }, 30);
  });
  try {
    // Two clients: the limit is the module's, as a connection pool's would be the process's.
    const a = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds });
    const b = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds });
    const results = await Promise.all(Array.from({ length: 130 }, (_, i) => (i % 2 ? a : b).listKeys({})));
    assert.equal(results.length, 130);
    assert.ok(results.every((r) => Array.isArray(r.Keys)));
    assert.equal(server.seen.requests, 130, 'each call sent once');
    assert.equal(most, 50, 'as many in flight as allowed, and no more');
  } finally {
    await server.close();
  }
});

test('a call aborted while it waits for its turn sends nothing and holds no turn: the calls after it go once the turns free up', { timeout: 30_000 }, async () => {
  const held = [];
  const server = await countingServer((req, res) => held.push(res)); // answered when released below
  const answerHeld = () => held.splice(0).forEach((res) => answerJson(res, 200, '{"Keys":[],"Truncated":false}'));
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 1, requestTimeout: 60_000 });
    const first = Array.from({ length: 50 }, () => kms.listKeys({}));
    while (server.seen.requests < 50) await new Promise((r) => setTimeout(r, 5));
    const controller = new AbortController();
    const aborted = kms.listKeys({}, { abortSignal: controller.signal });
    const later = kms.listKeys({});
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.seen.requests, 50, 'the 51st and 52nd calls wait');
    controller.abort();
    const err = await aborted.catch((e) => e);
    assert.equal(err.name, 'AbortError');
    answerHeld();
    await Promise.all(first);
    while (server.seen.requests < 51) await new Promise((r) => setTimeout(r, 5)); // the later call, sent now
    answerHeld();
    assert.ok(Array.isArray((await later).Keys), 'the call after the aborted one got its turn');
    assert.equal(server.seen.requests, 51, 'the aborted call sent nothing');
  } finally {
    answerHeld();
    await server.close();
  }
});

test('requestTimeout: a silent server gets each attempt cut off at the timeout, then a TimeoutError', { timeout: 20_000 }, async () => {
  const server = await countingServer(() => {}); // never answers
  try {
    const events = [];
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 2, requestTimeout: 200, retryBaseDelayMs: 1, onAudit: (e) => events.push(e) });
    const started = performance.now();
    const err = await kms.listKeys({}).catch((e) => e);
    const took = performance.now() - started;
    assert.ok(err instanceof KmsWasmError && err.name === 'TimeoutError', String(err));
    assert.equal(err.$metadata.attempts, 2);
    assert.ok(took >= 400 && took < 3000, `two 200 ms attempts took ${took.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(server.seen, { requests: 2, hungUp: 2 }, 'each timed-out request was aborted');
    assert.deepEqual(events.map((e) => [e.errorName, e.attempts]), [['TimeoutError', 2]]);
  } finally {
    server.close();
  }
});

test("a call's own requestTimeout (the SDK's per-call option) bounds each of its attempts instead of the client's; 0 is none; a bad one is refused", { timeout: 20_000 }, async () => {
  const server = await countingServer(() => {}); // never answers
  const slow = await countingServer((req, res) => req.on('end', () => setTimeout(() => answerJson(res, 200, '{"Keys":[],"Truncated":false}'), 300)));
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 2, requestTimeout: 60_000, retryBaseDelayMs: 1 });
    const started = performance.now();
    const err = await kms.listKeys({}, { requestTimeout: 200 }).catch((e) => e);
    const took = performance.now() - started;
    assert.deepEqual([err.name, err.$metadata.attempts], ['TimeoutError', 2], String(err));
    assert.ok(took >= 400 && took < 3000, `two 200 ms attempts took ${took.toFixed(0)} ms`);
    // send() takes it too; and it is this call's alone: the client's own still holds for the next.
    const viaSend = await kms.send(new pkg.ListKeysCommand({}), { requestTimeout: 200 }).catch((e) => e);
    assert.equal(viaSend.name, 'TimeoutError');
    const tight = new KMS({ region: 'us-east-1', endpoint: slow.endpoint, credentials: creds, maxAttempts: 1, requestTimeout: 100 });
    assert.equal((await tight.listKeys({}).catch((e) => e)).name, 'TimeoutError', "the client's 100 ms");
    assert.deepEqual((await tight.listKeys({}, { requestTimeout: 5000 })).Keys, [], 'a longer one for this call');
    assert.deepEqual((await tight.listKeys({}, { requestTimeout: 0 })).Keys, [], '0: none');
    assert.equal((await tight.listKeys({}, { requestTimeout: null }).catch((e) => e)).name, 'TimeoutError', "null: the client's");
    for (const requestTimeout of [-1, 'soon', NaN]) {
      const bad = await kms.listKeys({}, { requestTimeout }).catch((e) => e);
      assert.deepEqual([bad.name, bad.field], ['ValidationError', 'requestTimeout'], String(requestTimeout));
    }
  } finally {
    server.close();
    slow.close();
  }
});

test("requestHandler: { requestTimeout }, the SDK's way to set it, is taken as requestTimeout (requestTimeout itself wins)", { timeout: 20_000 }, async () => {
  const server = await countingServer(() => {}); // never answers
  try {
    for (const options of [{ requestHandler: { requestTimeout: 200 } }, { requestHandler: { requestTimeout: 60_000 }, requestTimeout: 200 }]) {
      const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 1, ...options });
      const started = performance.now();
      const err = await kms.listKeys({}).catch((e) => e);
      assert.equal(err.name, 'TimeoutError', JSON.stringify(options));
      assert.ok(performance.now() - started < 3000, JSON.stringify(options));
    }
    // 0, the SDK's default, is no timeout there: here too (the call ends with the server's answer).
    const answering = await countingServer((req, res) => req.on('end', () => setTimeout(() => answerJson(res, 500, '{"__type":"KMSInternalException","message":"down"}'), 300)));
    try {
      const err = await new KMS({ region: 'us-east-1', endpoint: answering.endpoint, credentials: creds, maxAttempts: 1, requestHandler: { requestTimeout: 0 } }).listKeys({}).catch((e) => e);
      assert.equal(err.name, 'KMSInternalException');
    } finally {
      answering.close();
    }
    // A handler instance (the SDK's NodeHttpHandler, a custom one) is still ignored; a bad value is refused.
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, requestHandler: { requestTimeout: -1 } });
    await assert.rejects(kms.listKeys({}), (e) => e.name === 'ConfigError' && e.field === 'requestTimeout');
  } finally {
    server.close();
  }
});

test('KMS.fromEnv reads AWS_MAX_ATTEMPTS (maxAttempts given in code wins) and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, as the SDK does', async () => {
  const server = await countingServer((req, res) => req.on('end', () => answerJson(res, 500, '{"__type":"KMSInternalException","message":"down"}')));
  try {
    const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_ENDPOINT_URL_KMS: server.endpoint, AWS_MAX_ATTEMPTS: '1' };
    for (const [options, attempts] of [[{}, 1], [{ maxAttempts: 2, retryBaseDelayMs: 1 }, 2], [{ retryBaseDelayMs: 1 }, 1]]) {
      const err = await KMS.fromEnv(env, options).listKeys({}).catch((e) => e);
      assert.deepEqual([err.name, err.$metadata.attempts], ['KMSInternalException', attempts], JSON.stringify(options));
    }
    await assert.rejects(KMS.fromEnv({ ...env, AWS_MAX_ATTEMPTS: 'three' }).listKeys({}), (e) => e.name === 'ConfigError' && e.field === 'AWS_MAX_ATTEMPTS');
    // The configured endpoint ignored: the region's public one (unreachable here, so only its name is checked).
    const ignoring = KMS.fromEnv({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, { requestTimeout: 2000 });
    const before = server.seen.requests;
    await ignoring.listKeys({}).catch(() => {});
    assert.equal(server.seen.requests, before, 'nothing went to the configured endpoint');
  } finally {
    server.close();
  }
});

test("an answer's Retry-After is waited out (fetch hands the header over); an abort during a backoff reports only what was waited", { timeout: 30_000 }, async () => {
  const fault = (res, headers = {}) => answerJson(res, 503, '{"__type":"ServiceUnavailableException","message":"busy"}', headers);
  const server = await countingServer((req, res, n) => req.on('end', () => (n === 1 ? fault(res, { 'retry-after': '1' }) : answerJson(res, 200, '{"Keys":[],"Truncated":false}'))));
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, retryBaseDelayMs: 1 });
    const { $metadata } = await kms.listKeys({});
    assert.equal($metadata.attempts, 2);
    assert.ok($metadata.totalRetryDelay >= 1000 && $metadata.totalRetryDelay < 2000, String($metadata.totalRetryDelay));
  } finally {
    server.close();
  }
  // A backoff of up to 20 s, aborted 100 ms in: what was waited is at most those 100 ms, not the backoff planned.
  const failing = await countingServer((req, res) => req.on('end', () => fault(res)));
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: failing.endpoint, credentials: creds, retryBaseDelayMs: 20_000 });
    const controller = new AbortController();
    const call = kms.listKeys({}, { abortSignal: controller.signal }).catch((e) => e);
    while (failing.seen.requests === 0) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const err = await call;
    assert.equal(err.name, 'AbortError');
    assert.ok(err.$metadata.totalRetryDelay <= performance.now() - started, `${err.$metadata.totalRetryDelay} ms reported`);
  } finally {
    failing.close();
  }
});

test('$metadata.totalRetryDelay is the time waited between attempts (0 without a retry), on answers and on errors', async () => {
  // Requests 1 and 3–4 get a server fault, the rest an answer.
  const server = await countingServer((req, res, n) => {
    req.on('end', () => {
      if (n === 1 || n === 3 || n === 4) answerJson(res, 500, '{"__type":"KMSInternalException","message":"try again"}');
      else answerJson(res, 200, '{"Keys":[],"Truncated":false}');
    });
  });
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 2, retryBaseDelayMs: 2000 });
    const started = performance.now();
    const { $metadata } = await kms.listKeys({});
    const took = performance.now() - started;
    assert.equal($metadata.attempts, 2);
    assert.ok(Number.isInteger($metadata.totalRetryDelay) && $metadata.totalRetryDelay <= took, JSON.stringify($metadata));
    assert.ok(took - $metadata.totalRetryDelay < 300, `${took.toFixed(0)} ms in all, ${$metadata.totalRetryDelay} reported waiting`);
    const failedAt = performance.now();
    const err = await kms.listKeys({}).catch((e) => e);
    const failedAfter = performance.now() - failedAt;
    assert.equal(err.name, 'KMSInternalException');
    assert.equal(err.$metadata.attempts, 2);
    assert.ok(Number.isInteger(err.$metadata.totalRetryDelay) && err.$metadata.totalRetryDelay <= failedAfter, JSON.stringify(err.$metadata));
    assert.ok(failedAfter - err.$metadata.totalRetryDelay < 300, `${failedAfter.toFixed(0)} ms in all, ${err.$metadata.totalRetryDelay} reported waiting`);
    assert.equal((await kms.listKeys({})).$metadata.totalRetryDelay, 0);
  } finally {
    server.close();
  }
});

for (const [clock, offset, message] of [
  ['behind', 3600_000, 'Signature expired: 20260101T000000Z is now earlier than 20260101T010000Z (20260101T011500Z - 15 min.)'],
  ['ahead', -3600_000, 'Signature not yet current: 20260101T010000Z is still later than 20260101T000500Z (20260101T000000Z + 5 min.)'],
]) {
  test(`clock skew, local clock an hour ${clock}: the signature error is retried once, and later requests are signed on the server's clock`, async () => {
    const amzDates = [];
    const server = await countingServer((req, res, n) => {
      amzDates.push(req.headers['x-amz-date']);
      const date = new Date(Date.now() + offset).toUTCString();
      if (n === 1) {
        answerJson(res, 400, { __type: 'InvalidSignatureException', message }, { date });
      } else {
        answerJson(res, 200, '{"Keys":[],"Truncated":false}', { date });
      }
    });
    try {
      const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 1 });
      const out = await kms.listKeys({});
      assert.deepEqual(out.Keys, []);
      await kms.listKeys({}); // the learned offset stays with the client
      // 20261206T101500Z -> epoch ms
      const ms = (d) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
      const [first, ...corrected] = amzDates.map(ms);
      assert.equal(amzDates.length, 3);
      assert.ok(Math.abs(first - Date.now()) < 120_000, `first request on the local clock: ${amzDates[0]}`);
      for (const t of corrected) assert.ok(Math.abs(t - (Date.now() + offset)) < 120_000, `later requests on the server's clock: ${amzDates.join(', ')}`);
    } finally {
      server.close();
    }
  });
}

test('abortSignal during a retry backoff: no request follows the abort, the backoff timer goes, the attempt made is counted', { timeout: 20_000 }, async () => {
  const controller = new AbortController();
  const server = await countingServer((req, res) => {
    answerJson(res, 500, '{"__type":"KMSInternalException","message":"try again"}');
    setTimeout(() => controller.abort(), 20);
  });
  try {
    const audit = [];
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, maxAttempts: 5, retryBaseDelayMs: 5_000, onAudit: (e) => audit.push(e) });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const started = performance.now();
    const err = await kms.listKeys({}, { abortSignal: controller.signal }).catch((e) => e);
    assert.equal(err.name, 'AbortError', String(err));
    assert.ok(performance.now() - started < 1000, 'rejects at the abort, not after the backoff');
    // A backoff timer left running would keep Node alive for up to 20 s after the call.
    assert.equal(timers(), timersBefore, 'no timer left behind');
    // One request was sent before the abort: the error and the audit say so (a call that may have taken effect).
    assert.equal(err.$metadata.attempts, 1);
    assert.deepEqual(audit.map((e) => [e.errorName, e.attempts]), [['AbortError', 1]]);
    const afterAbort = server.seen.requests;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(server.seen.requests, afterAbort, 'no retry after the abort');
  } finally {
    server.close();
  }
});

test('many calls leave nothing behind in wasm: its memory and its table of JS references stay level', async () => {
  const server = await countingServer((req, res) => req.on('end', () => answerJson(res, 200, '{"Keys":[]}')));
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds });
    const { memory, __wbindgen_externrefs: refs } = await pkg.ready();
    const signal = new AbortController().signal; // lives on, never fires: as a server's shutdown signal would
    const calls = (n) => (async () => { for (let i = 0; i < n; i++) await kms.listKeys({}, i % 2 ? { abortSignal: signal } : undefined); })();
    await calls(200);
    const before = { memory: memory.buffer.byteLength, refs: refs.length };
    await calls(3000);
    // Each call used to leave its fetch's timeout closure (and the AbortController it held) and,
    // with a signal, the callbacks wasm attached to the signal's promise.
    assert.ok(refs.length - before.refs < 100, `the reference table grew from ${before.refs} to ${refs.length} slots over 3000 calls`);
    assert.ok(memory.buffer.byteLength - before.memory <= 64 * 1024, `wasm memory grew from ${before.memory} to ${memory.buffer.byteLength} bytes over 3000 calls`);
  } finally {
    server.close();
  }
});

test('enums are exported like the SDK; paginators iterate pages', async () => {
  assert.equal(KeySpec.ECC_NIST_P384, 'ECC_NIST_P384');
  const kms = KMS.fromEnv(env);
  const { KeyMetadata } = await kms.createKey({});
  const seen = [];
  for await (const page of paginateListKeys({ client: kms, pageSize: 100 })) seen.push(...page.Keys.map((k) => k.KeyId));
  assert.ok(seen.includes(KeyMetadata.KeyId));
});

test('paginators follow markers and stop when a server hands back one already sent (fixture pages, moto does not paginate)', async () => {
  // Pages linked m1 → m2 → m1: a paginator that only compared with the last marker would never end.
  const next = { '': 'm1', m1: 'm2', m2: 'm1' };
  const server = await jsonServer((operation, input) => ({ Keys: [{ KeyId: `after-${input.Marker ?? ''}` }], NextMarker: next[input.Marker ?? ''], Truncated: true }));
  try {
    const keys = [];
    for await (const page of paginateListKeys({ client: server.kms, pageSize: 1 })) {
      keys.push(...page.Keys.map((k) => k.KeyId));
      if (keys.length > 10) break;
    }
    assert.deepEqual(server.sent.map(([, input]) => input.Marker ?? ''), ['', 'm1', 'm2']);
    assert.deepEqual(keys, ['after-', 'after-m1', 'after-m2']);
    assert.ok(server.sent.every(([, input]) => input.Limit === 1), 'pageSize is sent as Limit');
    // As in the SDK, an input's own Limit wins over pageSize.
    server.sent.length = 0;
    for await (const page of paginateListKeys({ client: server.kms, pageSize: 1 }, { Limit: 4 })) void page;
    assert.ok(server.sent.length > 0 && server.sent.every(([, input]) => input.Limit === 4), JSON.stringify(server.sent));
  } finally {
    server.close();
  }
});

test('every paginator, as a function and as a KMS method, follows NextMarker until Truncated is false (an emulator may send the marker alone) (fixture pages, moto does not paginate)', async () => {
  // The paginators of botocore's KMS model, with the member each page lists.
  const listed = { ListKeys: 'Keys', ListAliases: 'Aliases', ListGrants: 'Grants', ListKeyPolicies: 'PolicyNames', ListResourceTags: 'Tags', ListRetirableGrants: 'Grants', ListKeyRotations: 'Rotations', DescribeCustomKeyStores: 'CustomKeyStores' };
  // '' → m1 (Truncated), m1 → m2 (no Truncated), m2 → m3 but Truncated false: three pages.
  const pages = { '': { NextMarker: 'm1', Truncated: true }, m1: { NextMarker: 'm2' }, m2: { NextMarker: 'm3', Truncated: false } };
  const server = await jsonServer((operation, input) => ({ [listed[operation]]: [operation === 'ListKeyPolicies' ? 'p' : {}], ...pages[input.Marker ?? ''] }));
  try {
    const { kms } = server;
    for (const [operation, member] of Object.entries(listed)) {
      const forms = {
        function: () => pkg[`paginate${operation}`]({ client: kms, pageSize: 2 }, { KeyId: 'k' }),
        method: () => kms[`paginate${operation}`]({ KeyId: 'k' }, { pageSize: 2 }),
      };
      for (const [form, paginate] of Object.entries(forms)) {
        assert.equal(typeof paginate, 'function');
        server.sent.length = 0;
        let items = 0;
        for await (const page of paginate()) items += page[member].length;
        assert.equal(items, 3, `${operation} as a ${form}`);
        const sent = server.sent.map(([op, input]) => ({ operation: op, marker: input.Marker ?? '', limit: input.Limit, keyId: input.KeyId }));
        assert.deepEqual(sent, ['', 'm1', 'm2'].map((marker) => ({ operation, marker, limit: 2, keyId: 'k' })), `${operation} as a ${form}`);
      }
    }
  } finally {
    server.close();
  }
});

test('requestTimeout: Infinity means no timeout (a timer cannot wait longer than 2^31 - 1 ms)', async () => {
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds, requestTimeout: Infinity });
  assert.ok(Array.isArray((await kms.listKeys({})).Keys));
});

/** A client whose credentials function waits for `open()`: `asked` resolves once a call waits on it. */
function gatedClient() {
  let open, asked;
  const gate = new Promise((resolve) => { open = resolve; });
  const waiting = new Promise((resolve) => { asked = resolve; });
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: async () => { asked(); await gate; return creds; } });
  return { kms, open, waiting };
}

test('destroy() during a call: the call completes, and the client works again afterwards', async () => {
  const { kms, open, waiting } = gatedClient();
  const call = kms.listKeys({});
  await waiting;
  kms.destroy(); // frees the wasm client under a running call
  open();
  assert.ok(Array.isArray((await call).Keys));
  assert.ok(Array.isArray((await kms.listKeys({})).Keys));
});

test('destroy() a microtask after a call, a keyring\'s first use or a KmsWrapper began (as another request\'s finally might): each runs to its end', async () => {
  const { encrypt, KmsKeyring, KmsWrapper } = pkg;
  const kms = KMS.fromEnv(env);
  const { KeyMetadata } = await kms.createKey({});
  // Each begins, takes the client's wasm side in a microtask still to come, and the client is destroyed first.
  const began = {
    call: () => kms.generateRandom({ NumberOfBytes: 4 }).then((r) => r.Plaintext.length),
    keyring: () => encrypt(new KmsKeyring({ client: kms, generatorKeyId: KeyMetadata.Arn }), 'x').then((r) => r.result.length > 0),
    wrapper: () => new KmsWrapper({ client: kms, keyId: KeyMetadata.Arn }).encrypt('x').then((blob) => blob.length > 0),
  };
  for (const [what, begin] of Object.entries(began)) {
    await kms.listKeys({}); // the wasm side is built
    const running = begin();
    queueMicrotask(() => kms.destroy());
    assert.ok(await running, what);
  }
});

test('cancelling a decrypt stream while its KMS call runs: the cancel resolves, messageHeader and the write reject with AbortError, nothing breaks', async () => {
  const { encrypt, decrypt, decryptStream, KmsKeyring } = pkg;
  const kms = KMS.fromEnv(env);
  const { KeyMetadata } = await kms.createKey({});
  const plaintext = new Uint8Array(100_000).fill(3);
  const { result } = await encrypt(new KmsKeyring({ client: kms, generatorKeyId: KeyMetadata.Arn }), plaintext, { frameLength: 4096 });
  const gated = gatedClient();
  const keyring = new KmsKeyring({ client: gated.kms, generatorKeyId: KeyMetadata.Arn });
  for (const path of ['default', 'wasm']) {
    if (path === 'wasm') pkg.useWebCrypto(false);
    try {
      const { kms: slow, open, waiting } = path === 'default' ? gated : gatedClient();
      const stream = decryptStream(path === 'default' ? keyring : new KmsKeyring({ client: slow, generatorKeyId: KeyMetadata.Arn }));
      const header = stream.messageHeader.catch((e) => e);
      const reader = stream.readable.getReader();
      const reading = reader.read(); // a stream transforms only what someone reads
      const writing = stream.writable.getWriter().write(result).then(() => 'written', (e) => e);
      await waiting; // KMS Decrypt of the data key is under way
      await reader.cancel('the reader went away');
      assert.deepEqual(await reading, { done: true, value: undefined });
      open();
      const [headerError, writeError] = await Promise.all([header, writing]);
      assert.ok(headerError instanceof KmsWasmError && headerError.name === 'AbortError', `${path}: ${headerError}`);
      assert.ok(writeError instanceof KmsWasmError && writeError.name === 'AbortError', `${path}: ${writeError}`);
    } finally {
      pkg.useWebCrypto(true);
    }
  }
  assert.deepEqual((await decrypt(keyring, result)).plaintext, plaintext);
});

test('$fault as the SDK gives it: @aws-sdk/client-kms and ours, over the same fixture answers (moto answers every error with 400)', async () => {
  const sdk = await import('@aws-sdk/client-kms');
  const answers = [
    [400, 'KMSInternalException', 'server'], // declared a server fault by the model
    [400, 'NotFoundException', 'client'],
    [503, 'NotFoundException', 'client'], // the model's class says client whatever the status
    [503, 'SomeNewException', 'server'], // not in the model
    [400, 'SomeNewException', 'client'],
  ];
  const clients = {
    ours: (endpoint) => (input) => new KMS({ region: 'us-east-1', endpoint, credentials: creds, maxAttempts: 1 }).listKeys(input),
    sdk: (endpoint) => (input) => new sdk.KMSClient({ region: 'us-east-1', endpoint, credentials: creds, maxAttempts: 1 }).send(new sdk.ListKeysCommand(input)),
  };
  for (const [who, client] of Object.entries(clients)) {
    const server = await countingServer((req, res, n) => {
      const [status, name] = answers[n - 1];
      answerJson(res, status, { __type: name, message: 'fixture' });
    });
    try {
      const listKeys = client(server.endpoint);
      for (const [status, name, fault] of answers) {
        const err = await listKeys({}).catch((e) => e);
        assert.equal(err.name, name, `${who}: ${err}`);
        assert.equal(err.$metadata.httpStatusCode, status);
        assert.equal(err.$fault, fault, `${who}: ${name} answered with ${status}`);
        if (who === 'ours') assert.ok(err instanceof KMSServiceException, `${name} ${status}: ${err}`);
      }
    } finally {
      server.close();
    }
  }
});

test('kms-local passes on only AWS API calls: moto\'s unsigned /moto-api/ (a state dump holding the secret key) is not reachable through it', async () => {
  // (Not /moto-api/reset: were the filter broken, it would wipe the moto every other test shares.)
  for (const [method, path] of [['GET', '/moto-api/data.json'], ['POST', '/moto-api/data.json'], ['GET', '/']]) {
    const res = await fetch(`${env.AWS_ENDPOINT_URL_KMS}${path}`, { method, headers: { origin: 'https://elsewhere.example' } });
    const body = await res.text();
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.ok(!body.includes(env.AWS_SECRET_ACCESS_KEY), `${method} ${path}`);
  }
  assert.ok(Array.isArray((await KMS.fromEnv(env).listKeys({})).Keys), 'signed KMS calls still pass');
});

test('timestamps inside list items come back as Dates with the right time; a nested blob is sent as base64 (fixture answers)', async () => {
  const t1 = 1700000000.5, t2 = 1710000000;
  const server = await jsonServer((operation) => ({
    ListAliases: { Aliases: [{ AliasName: 'alias/a', CreationDate: t1, LastUpdatedDate: t2 }, { AliasName: 'alias/b', CreationDate: t2 }], Truncated: false },
    ListKeyRotations: { Rotations: [{ KeyId: 'k', RotationDate: t1, ValidTo: t2 }], Truncated: false },
    ListGrants: { Grants: [{ GrantId: 'g', CreationDate: t2 }], Truncated: false },
    DescribeCustomKeyStores: { CustomKeyStores: [{ CustomKeyStoreId: 'c', CreationDate: t1 }], Truncated: false },
    Decrypt: { KeyId: 'k', Plaintext: 'AQID' },
  })[operation]);
  try {
    const { kms } = server;
    const { Aliases } = await kms.listAliases({});
    assert.ok(Aliases.every((a) => a.CreationDate instanceof Date), 'Aliases[].CreationDate is a Date');
    assert.deepEqual(Aliases.map((a) => a.CreationDate.getTime()), [t1 * 1000, t2 * 1000]);
    assert.ok(Aliases[0].LastUpdatedDate instanceof Date);
    assert.equal(Aliases[0].LastUpdatedDate.getTime(), t2 * 1000);
    assert.equal(Aliases[1].AliasName, 'alias/b');
    const { Rotations } = await kms.listKeyRotations({ KeyId: 'k' });
    assert.ok(Rotations[0].RotationDate instanceof Date && Rotations[0].ValidTo instanceof Date);
    assert.deepEqual([Rotations[0].RotationDate.getTime(), Rotations[0].ValidTo.getTime()], [t1 * 1000, t2 * 1000]);
    assert.equal((await kms.listGrants({ KeyId: 'k' })).Grants[0].CreationDate.getTime(), t2 * 1000);
    assert.equal((await kms.describeCustomKeyStores({})).CustomKeyStores[0].CreationDate.getTime(), t1 * 1000);
    // Input: a blob in a nested structure is base64 on the wire, from a view's own offset.
    const doc = new Uint8Array([9, 0xfb, 0xff, 1, 2, 3]).subarray(1);
    const dec = await kms.decrypt({ CiphertextBlob: new Uint8Array([7, 7]), Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: doc } });
    assert.deepEqual([...dec.Plaintext], [1, 2, 3]);
    const [, input] = server.sent.at(-1);
    assert.deepEqual(input, { CiphertextBlob: 'Bwc=', Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: Buffer.from(doc).toString('base64') } });
  } finally {
    await server.close();
  }
});

test('a timestamp input is sent as epoch seconds, given as a Date, as epoch seconds (a number) or as a date string (fixture server reads the body)', async () => {
  const server = await jsonServer(() => ({}));
  try {
    const when = new Date('2030-01-02T03:04:05.250Z');
    const seconds = when.getTime() / 1000;
    for (const ValidTo of [when, seconds, when.toISOString()]) {
      await server.kms.importKeyMaterial({ KeyId: 'k', ImportToken: new Uint8Array([1]), EncryptedKeyMaterial: new Uint8Array([2]), ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo });
    }
    assert.deepEqual(server.sent.map(([op, input]) => [op, input.ValidTo, input.ImportToken]), [
      ['ImportKeyMaterial', seconds, 'AQ=='], ['ImportKeyMaterial', seconds, 'AQ=='], ['ImportKeyMaterial', seconds, 'AQ=='],
    ]);
    const bad = await server.kms.importKeyMaterial({ KeyId: 'k', ImportToken: new Uint8Array([1]), EncryptedKeyMaterial: new Uint8Array([2]), ValidTo: 'not a date' }).catch((e) => e);
    assert.deepEqual([bad.name, bad.field], ['ValidationError', 'ValidTo']);
    assert.equal(server.sent.length, 3, 'a bad date is not sent');
  } finally {
    await server.close();
  }
});

test('paginators resume from startingToken: the first request carries it as Marker, as a function and as a KMS method (fixture pages)', async () => {
  const pages = { saved: { NextMarker: 'm2', Truncated: true }, m2: { Truncated: false } };
  const server = await jsonServer((operation, input) => ({ Keys: [{ KeyId: `after-${input.Marker ?? ''}` }], ...(pages[input.Marker] ?? { NextMarker: 'first-page-again', Truncated: false }) }));
  try {
    const forms = {
      function: () => paginateListKeys({ client: server.kms, startingToken: 'saved' }, { Marker: 'ignored-for-the-token' }),
      method: () => server.kms.paginateListKeys({}, { startingToken: 'saved' }),
      'Marker in the input': () => server.kms.paginateListKeys({ Marker: 'saved' }),
    };
    for (const [form, paginate] of Object.entries(forms)) {
      server.sent.length = 0;
      const keys = [];
      for await (const page of paginate()) keys.push(...page.Keys.map((k) => k.KeyId));
      assert.deepEqual(server.sent.map(([, input]) => input.Marker), ['saved', 'm2'], form);
      assert.deepEqual(keys, ['after-saved', 'after-m2'], form);
    }
  } finally {
    await server.close();
  }
});

test('requests are sent as the SDK sends them: no null or undefined member or list item, no $metadata of a spread output; what JSON cannot say is a ValidationError (fixture server reads the body)', async () => {
  const server = await jsonServer((operation) => ({ Encrypt: { KeyId: 'k', CiphertextBlob: 'AQ==' }, ListKeys: { Keys: [], Truncated: false } })[operation]);
  try {
    const { kms } = server;
    const out = await kms.encrypt({ KeyId: 'k', Plaintext: new Uint8Array([1]), GrantTokens: ['a', undefined, null, 'b'], EncryptionAlgorithm: null, EncryptionContext: { tenant: 'x' } });
    await kms.encrypt({ ...out, Plaintext: new Uint8Array([2]), CiphertextBlob: undefined });
    assert.deepEqual(server.sent.map(([, input]) => input), [
      { KeyId: 'k', Plaintext: 'AQ==', GrantTokens: ['a', 'b'], EncryptionContext: { tenant: 'x' } },
      { KeyId: 'k', Plaintext: 'Ag==' },
    ]);
    const cyclic = { KeyId: 'k' };
    cyclic.Self = cyclic;
    for (const [input, field] of [[{ Limit: 2n }, 'Limit'], [{ Limit: NaN }, 'Limit'], [{ Limit: Infinity }, 'Limit'], [cyclic, 'Self'], ['hello', 'input'], [['KeyId'], 'input']]) {
      const err = await kms.listKeys(input).catch((e) => e);
      assert.ok(err instanceof KmsWasmError, `${String(input)}: ${err}`);
      assert.deepEqual([err.name, err.field], ['ValidationError', field]);
    }
    assert.equal(server.sent.length, 2, 'nothing refused was sent');
  } finally {
    await server.close();
  }
});

test('a map key named __proto__ is sent and given back as a key; a Date, a Map or a lone surrogate where the model wants text is a ValidationError naming the field (fixture server reads the body)', async () => {
  const grants = '{"Grants":[{"GrantId":"g","Constraints":{"EncryptionContextSubset":{"__proto__":"tenant-a","b":"c"}}}],"Truncated":false}';
  const server = await jsonServer((operation) => (operation === 'ListGrants' ? grants : { KeyId: 'k', CiphertextBlob: 'AQ==' }));
  try {
    const { kms } = server;
    const context = JSON.parse('{"__proto__":"tenant-a","purpose":"x"}');
    await kms.encrypt({ KeyId: 'k', Plaintext: new Uint8Array([1]), EncryptionContext: context });
    assert.deepEqual(server.sent[0][1].EncryptionContext, context, 'the pair is sent: the ciphertext is bound to it');
    assert.ok(Object.hasOwn(server.sent[0][1].EncryptionContext, '__proto__'));
    const { Grants } = await kms.listGrants({ KeyId: 'k' });
    const subset = Grants[0].Constraints.EncryptionContextSubset;
    assert.ok(Object.hasOwn(subset, '__proto__') && subset.__proto__ === 'tenant-a', 'and read back as a key');
    assert.equal(Object.getPrototypeOf(subset), Object.prototype);
    const sentBefore = server.sent.length;
    for (const [input, field] of [
      [{ KeyId: 'k', Plaintext: new Uint8Array([1]), EncryptionContext: { d: new Date(0) } }, 'EncryptionContext.d'],
      [{ KeyId: 'k', Plaintext: new Uint8Array([1]), EncryptionContext: new Map([['a', 'b']]) }, 'EncryptionContext'],
      [{ KeyId: 'k\ud800', Plaintext: new Uint8Array([1]) }, 'KeyId'],
      [{ KeyId: 'k', Plaintext: new Uint8Array([1]), EncryptionContext: { ['a\udc00']: 'b' } }, 'EncryptionContext.a\udc00'],
    ]) {
      const err = await kms.encrypt(input).catch((e) => e);
      assert.ok(err instanceof KmsWasmError, `${field}: ${err}`);
      assert.deepEqual([err.name, err.field], ['ValidationError', field]);
    }
    // 100,000 levels deep (no KMS shape nests so): refused, not a stack overflow's RangeError.
    const deep = {};
    let level = deep;
    for (let i = 0; i < 100_000; i++) level = level.x = {};
    const tooDeep = await kms.encrypt({ KeyId: 'k', Plaintext: new Uint8Array([1]), Extra: deep }).catch((e) => e);
    assert.ok(tooDeep instanceof KmsWasmError && tooDeep.name === 'ValidationError' && tooDeep.field.startsWith('Extra.x.x'), `${tooDeep}`);
    assert.equal(server.sent.length, sentBefore, 'nothing refused was sent');
    // A pair of surrogates is one character, and fine.
    await kms.encrypt({ KeyId: 'k', Plaintext: new Uint8Array([1]), EncryptionContext: { emoji: '\u{1F511}' } });
    assert.equal(server.sent.at(-1)[1].EncryptionContext.emoji, '\u{1F511}');
  } finally {
    await server.close();
  }
});

test('a redirect is an error, never followed: the session token and the plaintext stay, the other origin\'s answer is not taken for KMS\'s', async () => {
  const reached = [];
  const elsewhere = await localServer((req, res) => {
    reached.push(req.headers);
    answerJson(res, 200, '{"KeyId":"k","CiphertextBlob":"AQ=="}');
  });
  let status;
  const redirecting = await localServer((req, res) => res.writeHead(status, { location: `${elsewhere.url}/` }).end());
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: redirecting.url, credentials: { ...creds, sessionToken: 'SESSION-TOKEN' } });
    for (status of [301, 302, 303, 307, 308]) {
      const err = await kms.encrypt({ KeyId: 'k', Plaintext: new TextEncoder().encode('secret') }).catch((e) => e);
      assert.ok(err instanceof KMSServiceException, `${status}: ${err}`);
      assert.deepEqual([err.name, err.$metadata.httpStatusCode, err.$metadata.attempts], ['Redirect', status, 1]);
    }
    assert.equal(reached.length, 0, 'nothing reached the other origin');
  } finally {
    await Promise.all([redirecting.close(), elsewhere.close()]);
  }
});

test('an answer that cannot be read is a SerializationException with $metadata, not a bare SyntaxError, an array or an Invalid Date (fixture answers)', async () => {
  // The last: a Decrypt answer whose plaintext is not quoted, which JSON.parse's message would quote.
  const answers = ['{"KeyId":"k","CiphertextBlob":5}', '{"KeyId":"k","CiphertextBlob":"AA*C"}', '"x"', '[1,2]', '{"KeyId":"k",', '{"KeyMetadata":{"KeyId":"k","CreationDate":"2023-11-14T22:13:20Z"}}', '{"KeyId":"k","Plaintext":c2VjcmV0IHBsYWludGV4dA}'];
  let next = 0;
  const server = await jsonServer(() => answers[next++]);
  try {
    for (const answer of answers) {
      const call = answer.includes('KeyMetadata') ? server.kms.describeKey({ KeyId: 'k' }) : server.kms.encrypt({ KeyId: 'k', Plaintext: new Uint8Array([1]) });
      const err = await call.catch((e) => e);
      assert.ok(err instanceof KMSServiceException, `${answer}: ${err}`);
      assert.equal(err.name, 'SerializationException', answer);
      assert.equal(err.$metadata.httpStatusCode, 200, answer);
      assert.match(err.message, /cannot parse the (Encrypt|DescribeKey) answer/);
      assert.ok(!err.message.includes('c2VjcmV0'), `no part of the answer in the message: ${err.message}`);
    }
  } finally {
    await server.close();
  }
});

test('answers come back as the SDK gives them: null members and list items left out, microsecond timestamps rounded to the millisecond (fixture answers, as moto sends them)', async () => {
  const server = await jsonServer(() => ({ KeyMetadata: { KeyId: 'k', KeyUsage: null, MultiRegion: null, CreationDate: 1796554735.350593, EncryptionAlgorithms: ['SYMMETRIC_DEFAULT', null] }, Extra: null }));
  try {
    const { KeyMetadata, ...rest } = await server.kms.describeKey({ KeyId: 'k' });
    assert.deepEqual(Object.keys(rest), ['$metadata']);
    assert.ok(!('KeyUsage' in KeyMetadata) && !('MultiRegion' in KeyMetadata), 'null members are left out');
    assert.deepEqual(KeyMetadata.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.equal(KeyMetadata.CreationDate.toISOString(), new Date(1796554735351).toISOString());
  } finally {
    await server.close();
  }
});

test('an empty sessionToken is no session token, as in the SDK: the call is signed and accepted', async () => {
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { ...creds, sessionToken: '' } });
  const { Keys } = await kms.listKeys({});
  assert.ok(Array.isArray(Keys));
});

test("a network failure says why, from Node's fetch's cause (it says only \"fetch failed\" itself)", async () => {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve)); // nothing listens there now
  const kms = new KMS({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2, retryBaseDelayMs: 1, credentials: creds });
  const err = await kms.listKeys({}).catch((e) => e);
  assert.ok(err instanceof KmsWasmError);
  assert.equal(err.name, 'NetworkError');
  assert.match(err.message, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  // The code as Node's own error has it; a refused connection is retried.
  assert.deepEqual([err.code, err.$metadata.attempts], ['ECONNREFUSED', 2]);
  // A name with two addresses, both refusing: fetch's cause is an AggregateError, which has no
  // message of its own; the code says why.
  const dns = await import('node:dns');
  const lookup = dns.default.lookup;
  dns.default.lookup = (host, options, callback) => {
    if (typeof options === 'function') [options, callback] = [{}, options];
    if (host !== 'two-addresses.test') return lookup(host, options, callback);
    const all = [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }];
    return options.all ? callback(null, all) : callback(null, all[0].address, 4);
  };
  try {
    const twice = new KMS({ region: 'us-east-1', endpoint: `https://two-addresses.test:${port}`, maxAttempts: 1, credentials: creds });
    const both = await twice.listKeys({}).catch((e) => e);
    assert.deepEqual([both.name, both.code, both.message], ['NetworkError', 'ECONNREFUSED', 'fetch failed: ECONNREFUSED']);
  } finally {
    dns.default.lookup = lookup;
  }
});

test("a TLS refusal is not retried, and its NetworkError carries Node's code: an untrusted certificate, an https endpoint speaking plain HTTP (loopback servers count the connections)", async () => {
  const { createServer: createTlsServer } = await import('node:tls');
  const { createServer: createTcpServer } = await import('node:net');
  const { X509Certificate, createPrivateKey } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const fixture = (name) => readFileSync(new URL(`../fixtures/self-signed-127.0.0.1.${name}.der`, import.meta.url));
  const cert = new X509Certificate(fixture('cert')).toString();
  const key = createPrivateKey({ key: fixture('key'), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' });
  const untrusted = createTlsServer({ cert, key }, (socket) => socket.destroy());
  // Answers every connection as an HTTP server would a TLS hello: with plain text.
  const plain = createTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
  for (const [server, code] of [[untrusted, 'DEPTH_ZERO_SELF_SIGNED_CERT'], [plain, 'ERR_SSL_WRONG_VERSION_NUMBER']]) {
    const sockets = new Set();
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const kms = new KMS({ region: 'us-east-1', endpoint: `https://127.0.0.1:${server.address().port}`, maxAttempts: 3, retryBaseDelayMs: 1, credentials: creds });
      const err = await kms.listKeys({}).catch((e) => e);
      assert.ok(err instanceof KmsWasmError, String(err));
      assert.deepEqual([err.name, err.code, err.$metadata.attempts, sockets.size], ['NetworkError', code, 1, 1]);
      assert.equal(err.$fault, 'server');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }
});

test('an endpoint host in capitals is signed as it is sent (lower case); an IPv4 address in another notation is refused', async () => {
  const shouting = env.AWS_ENDPOINT_URL_KMS.replace('127.0.0.1', 'LOCALHOST').toUpperCase().replace('HTTP://', 'http://');
  const kms = new KMS({ region: env.AWS_REGION, endpoint: shouting, credentials: creds });
  assert.ok(Array.isArray((await kms.listKeys({})).Keys), shouting);
  for (const endpoint of ['http://134744072/', 'http://0x08080808/', env.AWS_ENDPOINT_URL_KMS.replace('127.0.0.1', '2130706433')]) {
    const err = await new KMS({ region: env.AWS_REGION, endpoint, credentials: creds }).listKeys({}).catch((e) => e);
    assert.deepEqual([err.name, err.field], ['ConfigError', 'endpoint'], endpoint);
  }
});

test('the plaintext of an Encrypt request and of a Decrypt answer leaves no copy in wasm memory, in bytes or in base64', async () => {
  const { memory } = await pkg.ready();
  const copiesInWasm = (needle) => copiesInMemory(memory, needle);
  const kms = KMS.fromEnv(env);
  const { KeyMetadata } = await kms.createKey({});
  const plaintext = new Uint8Array(Buffer.from(`a secret of ${'x'.repeat(300)} ${Math.random()}`));
  const { CiphertextBlob } = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: plaintext });
  const forms = () => [plaintext.subarray(0, 48), Buffer.from(Buffer.from(plaintext).toString('base64')).subarray(0, 64)].map(copiesInWasm);
  assert.deepEqual(forms(), [0, 0], 'after Encrypt: [bytes, base64] copies');
  const { Plaintext } = await kms.decrypt({ CiphertextBlob });
  assert.deepEqual(Plaintext, plaintext);
  assert.deepEqual(forms(), [0, 0], 'after Decrypt: [bytes, base64] copies');
});

test('an answer over 16 MiB is a SerializationException, read no further than its length says, with or without a content-length (in wasm, gigabytes would run the module out of memory)', async () => {
  const padding = 'x'.repeat(17 << 20);
  for (const chunked of [false, true]) {
    const server = await localServer((req, res) => {
      req.resume();
      const body = `{"Keys":[],"Padding":"${padding}"}`;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }) });
      if (chunked) for (let at = 0; at < body.length; at += 1 << 20) res.write(body.slice(at, at + (1 << 20)));
      res.end(chunked ? undefined : body);
    });
    try {
      const kms = new KMS({ region: 'us-east-1', endpoint: server.url, credentials: creds, maxAttempts: 3 });
      const e = await kms.listKeys({}).catch((e) => e);
      assert.ok(e instanceof KMSServiceException && e.name === 'SerializationException' && /16 MiB/.test(e.message), `${chunked ? 'chunked' : 'with content-length'}: ${e}`);
      assert.equal(e.$metadata.attempts, 1, 'not retried');
    } finally {
      await server.close();
    }
  }
  // The module still works.
  assert.ok((await KMS.fromEnv(env).listKeys({})).Keys);
});

test('a Date header past year 9999 is not taken for the server\'s clock: the calls go on, signed with the local time (the signer cannot write such a date)', async () => {
  const signedAt = [];
  const server = await localServer((req, res) => {
    req.resume();
    signedAt.push(req.headers['x-amz-date']);
    answerJson(res, 200, '{"Keys":[]}', { date: 'Sat, 01 Jan 10000 00:00:00 GMT' });
  });
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.url, credentials: creds });
    for (let i = 0; i < 3; i++) assert.deepEqual((await kms.listKeys({})).Keys, []);
    const year = String(new Date().getUTCFullYear());
    assert.ok(signedAt.every((d) => d.startsWith(year)), signedAt.join(' '));
  } finally {
    await server.close();
  }
});

// A key ARN for fixture servers, and a client of one that waits long and retries: a KMS call
// that ends at once did so because it was aborted.
const FIXTURE_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const patientClient = (server) => new KMS({ region: 'us-east-1', endpoint: server.endpoint, credentials: creds, requestTimeout: 20_000, maxAttempts: 3 });

test('cancelling or aborting a stream whose KMS keyring waits on KMS for the data key aborts that call at once: no retry follows and nothing keeps the process up (encrypt and decrypt)', async () => {
  const hung = await countingServer(() => {}); // never answers
  try {
    const client = patientClient(hung);
    const keyring = new pkg.KmsKeyring({ client, generatorKeyId: FIXTURE_KEY_ARN, keyIds: [] });
    // A message from the local KMS, for a discovery keyring whose client is the hung one.
    const streams = {
      encrypt: () => pkg.encryptStream(keyring),
      decrypt: () => pkg.decryptStream(new pkg.KmsKeyring({ client, discovery: true })),
    };
    const local = KMS.fromEnv(env);
    const { KeyMetadata } = await local.createKey({});
    const { result: message } = await pkg.encrypt(new pkg.KmsKeyring({ client: local, generatorKeyId: KeyMetadata.Arn }), new Uint8Array(10));
    // A TransformStream's writable would run an abort only once the KMS call ended (timed out
    // and retried: a minute here); the stream's own writable hears of it at once.
    const stopping = {
      'readable.cancel()': (stream) => stream.readable.cancel(),
      'writer.abort()': async (stream, writer) => {
        const reason = new Error('source failed');
        const reading = stream.readable.getReader().read().catch((e) => e);
        await writer.abort(reason);
        assert.equal(await reading, reason, 'the readable errors with the abort\'s reason');
      },
    };
    for (const [what, make] of Object.entries(streams)) {
      for (const [how, stop] of Object.entries(stopping)) {
        const before = hung.seen.requests;
        const stream = make();
        const header = stream.messageHeader.catch((e) => e);
        const writer = stream.writable.getWriter();
        const writing = (what === 'decrypt' ? writer.write(message) : writer.write(new Uint8Array(10))).catch((e) => e);
        while (hung.seen.requests === before) await new Promise((resolve) => setTimeout(resolve, 10));
        await stop(stream, writer);
        assert.equal((await header).name, 'AbortError', `${what}, ${how}`);
        await writing;
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(hung.seen.requests - before, 1, `${what}, ${how}: one request, not retried`);
        assert.equal(hung.seen.hungUp, hung.seen.requests, `${what}, ${how}: the request in flight was aborted`);
      }
    }
  } finally {
    await hung.close();
  }
});

test("Node's pipeline over Duplex.fromWeb(stream) (the README's form for a source that can fail): a source failing while the keyring waits on KMS for the data key aborts that request at once", async () => {
  const hung = await countingServer(() => {}); // never answers
  try {
    const client = patientClient(hung);
    const keyring = new pkg.KmsKeyring({ client, generatorKeyId: FIXTURE_KEY_ARN });
    const hangUp = new Error('the client hung up');
    // An upload: some chunks, then (once the data key is asked for) its client goes away. The
    // bare stream takes the first and holds the pipe at the second until KMS answers.
    let reading = false;
    const upload = new Readable({
      read() {
        if (reading) return;
        reading = true; // 64 KiB as socket reads of 16 KiB come
        for (let i = 0; i < 4; i++) setTimeout(() => upload.push(new Uint8Array(16_384)), 20 * i);
      },
    });
    const hangingUp = setInterval(() => hung.seen.requests && (clearInterval(hangingUp), upload.destroy(hangUp)), 10);
    const started = Date.now();
    const sink = new Writable({ write: (chunk, encoding, done) => done() });
    await assert.rejects(pipeline(upload, Duplex.fromWeb(pkg.encryptStream(keyring)), sink), (e) => e === hangUp);
    assert.ok(Date.now() - started < 5_000, `settled in ${Date.now() - started} ms, not after KMS's timeout`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(hung.seen, { requests: 1, hungUp: 1 }, 'one request, aborted, not retried');
  } finally {
    await hung.close();
  }
});
