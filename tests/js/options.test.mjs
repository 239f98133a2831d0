// Options of the wrong type or combination, at the call that takes them: a typed KmsWasmError
// naming the option, never wasm-bindgen's glue trapping on a value of the wrong type. And odd
// but valid input (a context key named __proto__) kept as given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AES_PATHS, aesPaths, importPackage, packageDir } from './helpers.mjs';

const k = await importPackage();
const { on: onPath } = aesPaths(k);
// Nothing listens on port 2 (only root may bind it; 1 is a port fetch refuses): a call that gets as far as the network fails at once.
const unreachable = { region: 'us-east-1', endpoint: 'http://127.0.0.1:2', maxAttempts: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' } };
const client = new k.KMS(unreachable);
const wrappingKey = new Uint8Array(32).fill(7);
const raw = new k.RawAesKeyring({ keyName: 'name', keyNamespace: 'ns', wrappingKey });

/** For `assert.rejects`: a KmsWasmError of this name and field. */
const refusedWith = (name, field) => (e) => e instanceof k.KmsWasmError && e.name === name && e.field === field;

function capture(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
}

function assertRefused(fn, name, field, what) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof k.KmsWasmError, `${what}: ${e}`);
    assert.deepEqual([e.name, e.field], [name, field], `${what}: ${e.message}`);
    return true;
  }, what);
}

test('keyring constructors refuse bad options with a ConfigError naming the option', async () => {
  const kms = (o) => () => new k.KmsKeyring({ client, ...o });
  const cases = [
    [kms({}), 'generatorKeyId', 'no key at all'],
    [kms({ generatorKeyId: 5 }), 'generatorKeyId', 'a number for the generator'],
    [kms({ generatorKeyId: '' }), 'generatorKeyId', 'an empty generator'],
    [kms({ keyIds: 'alias/a' }), 'keyIds', 'a string for keyIds'],
    [kms({ keyIds: ['alias/a', 5] }), 'keyIds', 'a number among keyIds'],
    [kms({ keyIds: [''] }), 'keyIds', 'an empty key id'],
    [kms({ generatorKeyId: '   ' }), 'generatorKeyId', 'a generator of spaces'],
    [kms({ generatorKeyId: 'alias/a', keyIds: [' '] }), 'keyIds', 'a key id of spaces'],
    // Forms KMS would refuse only at the first call, and that on decrypt would match no message (client-node refuses them too).
    [kms({ generatorKeyId: 'key/k1' }), 'generatorKeyId', 'a key id with the ARN left off'],
    [kms({ generatorKeyId: ' alias/a' }), 'generatorKeyId', 'a stray space'],
    [kms({ generatorKeyId: 'arn:aws:kms:us-east-1:111122223333:key/' }), 'generatorKeyId', 'a key ARN without an id'],
    [kms({ generatorKeyId: 'alias/a', keyIds: ['arn:aws:s3:us-east-1:111122223333:key/k1'] }), 'keyIds', 'the ARN of another service'],
    [kms({ generatorKeyId: 'alias/a', grantTokens: 'token' }), 'grantTokens', 'a string for grantTokens'],
    [kms({ discovery: 'true' }), 'discovery', 'a string for discovery'],
    [kms({ discovery: true, generatorKeyId: 'alias/a' }), 'discovery', 'discovery with a generator'],
    [kms({ discovery: true, discoveryFilter: { partition: 'aws' } }), 'discoveryFilter', 'a filter without accounts'],
    [kms({ discovery: true, discoveryFilter: { partition: 'aws', accountIds: [] } }), 'discoveryFilter', 'a filter with no account'],
    [kms({ discovery: true, discoveryFilter: { partition: 7, accountIds: ['111122223333'] } }), 'discoveryFilter', 'a number for the partition'],
    [kms({ generatorKeyId: 'alias/a', discoveryFilter: { partition: 'aws', accountIds: ['111122223333'] } }), 'discoveryFilter', 'a filter without discovery'],
    [kms({ client: {}, generatorKeyId: 'alias/a' }), 'client', 'a client that is not ours'],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey: new Uint8Array(31) }), 'wrappingKey', 'a 248-bit key'],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'aws-kms', wrappingKey }), 'keyNamespace', 'the reserved namespace'],
    [() => new k.RawAesKeyring({ keyName: 5, keyNamespace: 'ns', wrappingKey }), 'keyName', 'a number for the name'],
    [() => new k.RawAesKeyring({ keyName: '', keyNamespace: 'ns', wrappingKey }), 'keyName', 'an empty name (client-node refuses it too)'],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: '', wrappingKey }), 'keyNamespace', 'an empty namespace'],
    [() => new k.RawAesKeyring({ keyName: 'k\uD800', keyNamespace: 'ns', wrappingKey }), 'keyName', 'a name with a lone surrogate (as UTF-8, the same as k\uDBFF)'],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns\uDC00', wrappingKey }), 'keyNamespace', 'a namespace with a lone surrogate'],
    [() => new k.MultiKeyring({}), 'generator', 'a multi-keyring of nothing'],
    [() => new k.MultiKeyring({ generator: {} }), 'generator', 'a generator that is not a keyring'],
    [() => new k.MultiKeyring({ generator: raw, children: [{}] }), 'children', 'a child that is not a keyring'],
    [() => new k.MultiKeyring({ generator: raw, children: raw }), 'children', 'a keyring for the children array'],
    // Options a keyring does not take are refused, not dropped (a misspelt keyIds would leave a
    // key out of every message), with kms-wasm's name for client-node's.
    [kms({ generatorKeyId: 'alias/a', keyIDs: ['alias/b'] }), 'keyIDs', 'keyIds spelt keyIDs'],
    [kms({ discovery: true, discoveryFilter: { partition: 'aws', accountIDs: ['111122223333'] } }), 'discoveryFilter', "client-node's discoveryFilter.accountIDs"],
    [kms({ discovery: true, discoveryFilter: { partition: 'aws', accountIds: ['111122223333'], regions: ['us-east-1'] } }), 'discoveryFilter', 'a member the filter does not take (no region limit)'],
    [kms({ generatorKeyId: 'alias/a', clientProvider: () => client }), 'clientProvider', "client-node's clientProvider"],
    [kms({ generatorKeyId: 'alias/a', grantToken: ['t'] }), 'grantToken', 'a misspelt grantTokens'],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', unencryptedMasterKey: wrappingKey }), 'unencryptedMasterKey', "client-node's unencryptedMasterKey"],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey, wrappingSuite: 'AES128_GCM_IV12_TAG16_NO_PADDING' }), 'wrappingSuite', 'a suite the key length does not give'],
    [() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey, utf8Sorting: false }), 'utf8Sorting', 'another context order'],
    [() => new k.MultiKeyring({ generator: raw, child: [raw] }), 'child', 'a misspelt children'],
  ];
  for (const [fn, field, what] of cases) assertRefused(fn, 'ConfigError', field, what);
  // null stands for "not given", as in the SDKs.
  new k.KmsKeyring({ client, generatorKeyId: 'alias/a', keyIds: null, discoveryFilter: null, grantTokens: null });
  new k.KmsKeyring({ client, discovery: true, generatorKeyId: null, discoveryFilter: null });
  new k.KmsKeyring({ client, generatorKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k1', keyIds: ['1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd', 'alias/app/prod', 'arn:aws-cn:kms:cn-north-1:111122223333:alias/app'] });
  new k.MultiKeyring({ generator: null, children: [raw] });
  // client-node's raw AES options are taken where they agree with what kms-wasm does.
  new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey, wrappingSuite: 'AES256_GCM_IV12_TAG16_NO_PADDING', utf8Sorting: true });
  const { RawAesWrappingSuiteIdentifier } = await import('@aws-crypto/client-node');
  new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey, wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
  assertRefused(() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey, wrappingSuite: RawAesWrappingSuiteIdentifier.AES128_GCM_IV12_TAG16_NO_PADDING }), 'ConfigError', 'wrappingSuite', "client-node's id of another suite");
  assert.match(String(capture(() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', unencryptedMasterKey: wrappingKey }))), /kms-wasm's name is wrappingKey/);
  // A key given as text would be its UTF-8 bytes, not the key the caller meant.
  assertRefused(() => new k.RawAesKeyring({ keyName: 'n', keyNamespace: 'ns', wrappingKey: 'x'.repeat(32) }), 'ValidationError', 'wrappingKey', 'a string key');
});

test('a keyring class of the caller\'s own (a subclass of Keyring) is a ConfigError naming the keyring, alone or in a MultiKeyring, not a bare TypeError', async () => {
  class MyKeyring extends k.Keyring {}
  const raw = new k.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32) });
  const isConfigError = (e) => e instanceof k.KmsWasmError && e.name === 'ConfigError' && e.field === 'keyring' && /KmsKeyring, RawAesKeyring or MultiKeyring/.test(e.message);
  await assert.rejects(k.encrypt(new MyKeyring(), 'x'), isConfigError);
  await assert.rejects(k.decrypt(new MyKeyring(), (await k.encrypt(raw, 'x')).result), isConfigError);
  await assert.rejects(k.encrypt(new k.MultiKeyring({ generator: raw, children: [new MyKeyring()] }), 'x'), isConfigError);
});

test('a KMS keyring uses the options as checked, whatever the caller changes afterwards, and shows them read-only', async () => {
  const keyIds = ['alias/a'];
  const filter = { partition: 'aws', accountIds: ['111122223333'] };
  const strict = new k.KmsKeyring({ client, generatorKeyId: 'alias/a', keyIds });
  const discovery = new k.KmsKeyring({ client, discovery: true, discoveryFilter: filter });
  keyIds.push(5);
  filter.accountIds.push(5);
  assert.throws(() => { strict.generatorKeyId = 5; }, TypeError, 'what a keyring shows of its options is read-only');
  assert.equal(strict.generatorKeyId, 'alias/a');
  // The strict keyring reaches the network with its checked keys; nothing traps in wasm.
  await assert.rejects(k.encrypt(strict, 'x'), (e) => e.name === 'NetworkError');
  await assert.rejects(k.encrypt(discovery, 'x'), (e) => e.name === 'KeyringError');
  const { result } = await k.encrypt(raw, 'still works');
  assert.equal(new TextDecoder().decode((await k.decrypt(raw, result)).plaintext), 'still works');
});

test('a raw AES keyring uses the names it checked, and shows them read-only', async () => {
  const keyring = new k.RawAesKeyring({ keyName: 'name', keyNamespace: 'ns', wrappingKey });
  assert.deepEqual([keyring.keyName, keyring.keyNamespace], ['name', 'ns']);
  // Read-only: an assignment that changed the property but not the EDKs written would mislead.
  assert.throws(() => { keyring.keyName = 42; }, TypeError);
  assert.throws(() => { keyring.keyNamespace = 'aws-kms'; }, TypeError);
  assert.deepEqual([keyring.keyName, keyring.keyNamespace], ['name', 'ns']);
  const { result, messageHeader } = await k.encrypt(keyring, 'x');
  assert.equal(messageHeader.encryptedDataKeys[0].providerId, 'ns');
  assert.equal(new TextDecoder().decode((await k.decrypt(raw, result)).plaintext), 'x');
});

test('encrypt and decrypt refuse options and inputs of the wrong type', async () => {
  const { result } = await k.encrypt(raw, 'hello');
  for (const encryptionContext of [new Map([['a', 'b']]), [['a', 'b']], 'a=b', { a: 1 }]) {
    await assert.rejects(k.encrypt(raw, 'x', { encryptionContext }), refusedWith('ValidationError', 'encryptionContext'), String(encryptionContext));
    await assert.rejects(k.decrypt(raw, result, { encryptionContext }), refusedWith('ValidationError', 'encryptionContext'), String(encryptionContext));
  }
  await assert.rejects(k.decrypt(raw, result, { commitmentPolicy: 1 }), refusedWith('ValidationError', 'commitmentPolicy'));
  // A message is bytes: text is refused rather than read as UTF-8.
  await assert.rejects(k.decrypt(raw, new TextDecoder('latin1').decode(result)), refusedWith('ValidationError', 'ciphertext'));
  const stream = k.decryptStream(raw);
  const writer = stream.writable.getWriter();
  const output = new Response(stream.readable).arrayBuffer();
  writer.write('AYAA').catch(() => {});
  await assert.rejects(output, refusedWith('ValidationError', 'chunk'));
  // Views of any kind are read from their offset.
  const view = new DataView(result.buffer, result.byteOffset, result.length);
  assert.equal(new TextDecoder().decode((await k.decrypt(raw, view)).plaintext), 'hello');
});

test('an input detached before or during a one-shot call is a ValidationError, never a message of fewer bytes (each AES-GCM path)', async () => {
  const detach = (bytes) => structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  const refused = (field) => (e) => e instanceof k.KmsWasmError && e.name === 'ValidationError' && e.field === field && /detached/.test(e.message);
  // Before: an ArrayBuffer, or a view of it (Node 20 has no `detached`: a new view tells).
  const view = new Uint8Array(8);
  const gone = view.buffer;
  detach(view);
  await assert.rejects(k.encrypt(raw, gone), refused('plaintext'));
  await assert.rejects(k.decrypt(raw, gone), refused('ciphertext'));
  await assert.rejects(k.encrypt(raw, view), refused('plaintext'));
  await assert.rejects(k.decrypt(raw, view), refused('ciphertext'));
  // A stream's chunk detached while it waits in the stream's queue: the stream fails, rather than
  // taking it for no bytes (encrypt would then end with a valid message missing them).
  const message = (await k.encrypt(raw, new Uint8Array(60000).fill(2), { suiteId: 0x0478 })).result;
  for (const [stream, data, field] of [[k.encryptStream(raw), new Uint8Array(60000).fill(3), 'chunk'], [k.decryptStream(raw), message, 'chunk']]) {
    const writer = stream.writable.getWriter();
    const output = new Response(stream.readable).arrayBuffer();
    const first = data.slice(0, 30000);
    const queued = data.slice(30000);
    writer.write(first).catch(() => {});
    writer.write(queued).catch(() => {});
    detach(queued);
    writer.close().catch(() => {});
    await assert.rejects(output, refused(field));
  }
  for (const path of ['native', 'wasm']) {
    k.useWebCrypto(path === 'native');
    try {
      for (const size of [1000, 8 << 20]) {
        // Detached right after the call, or a few event-loop turns into it (while frames are sealed).
        for (const later of [(f) => f(), (f) => setImmediate(() => setImmediate(f))]) {
          const plaintext = new Uint8Array(size).fill(1);
          const encrypting = k.encrypt(raw, plaintext, { suiteId: 0x0478 });
          later(() => detach(plaintext));
          const outcome = await encrypting.catch((e) => e);
          // A call that finished before the buffer went holds every byte.
          if (outcome.result) assert.equal((await k.decrypt(raw, outcome.result)).plaintext.length, size, `${path}, ${size} bytes`);
          else assert.ok(refused('plaintext')(outcome), `${path}, ${size} bytes: ${outcome}`);
          const { result } = await k.encrypt(raw, new Uint8Array(size), { suiteId: 0x0478 });
          const decrypting = k.decrypt(raw, result);
          later(() => detach(result));
          const opened = await decrypting.catch((e) => e);
          if (!opened.plaintext) assert.ok(refused('ciphertext')(opened), `${path}, ${size} bytes: ${opened}`);
        }
      }
    } finally {
      k.useWebCrypto(true);
    }
  }
});

test('a bare SharedArrayBuffer is taken as a Uint8Array over it is', async () => {
  const shared = new SharedArrayBuffer(5);
  new Uint8Array(shared).set([104, 101, 108, 108, 111]);
  const { result } = await k.encrypt(raw, shared);
  assert.equal(new TextDecoder().decode((await k.decrypt(raw, result)).plaintext), 'hello');
});

test('an encryption context key named __proto__ stays a key of the header and can be required', async () => {
  const encryptionContext = JSON.parse('{"__proto__":"x","purpose":"test"}');
  const { result, messageHeader } = await k.encrypt(raw, 'hello', { encryptionContext });
  for (const header of [messageHeader, (await k.decrypt(raw, result, { encryptionContext })).messageHeader]) {
    assert.ok(Object.hasOwn(header.encryptionContext, '__proto__'));
    assert.equal(header.encryptionContext.__proto__, 'x');
    assert.equal(Object.getPrototypeOf(header.encryptionContext), Object.prototype);
  }
  await assert.rejects(k.decrypt(raw, result, { encryptionContext: JSON.parse('{"__proto__":"y"}') }), (e) => e.name === 'EncryptionContextError');
});

test('an encryption context with a lone surrogate is refused (UTF-8 cannot carry it: two keys would become one); pairs, and U+FFFD itself, are kept', async () => {
  const { result, messageHeader } = await k.encrypt(raw, 'hello', { suiteId: 0x0478, encryptionContext: { 'k\u{1F600}': 'v\u{1F600}', '\uFFFD': 'replacement character' } });
  assert.deepEqual(messageHeader.encryptionContext, { 'k\u{1F600}': 'v\u{1F600}', '\uFFFD': 'replacement character' });
  for (const bad of [{ '\uD800': 'a' }, { '\uDC00': 'a' }, { a: 'x\uD83D' }, { a: '\uDE00x' }, { ['\uFFFD']: 'replacement character', b: '\uD800' }]) {
    await assert.rejects(k.encrypt(raw, 'hello', { encryptionContext: bad }), refusedWith('ValidationError', 'encryptionContext'), JSON.stringify(bad));
    // A required pair with one would otherwise match a message made with the other surrogate.
    await assert.rejects(k.decrypt(raw, result, { encryptionContext: bad }), refusedWith('ValidationError', 'encryptionContext'), JSON.stringify(bad));
  }
});

test('a client, wrapper or provider given a wrong-typed hook or map refuses at its first use, naming it', async () => {
  // An onAudit that is not a function was ignored, so audit events went nowhere unnoticed.
  await assert.rejects(new k.KMS({ ...unreachable, onAudit: 'log' }).listKeys({}), refusedWith('ConfigError', 'onAudit'));
  await assert.rejects(new k.KmsWrapper({ client, keyId: 'alias/a', onAudit: {} }).encrypt('x'), refusedWith('ConfigError', 'onAudit'));
  await assert.rejects(k.fromCognitoIdentityPool({ identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', logins: ['token'] })(), refusedWith('ConfigError', 'logins'));
});

test('ready(): a load that failed (the .wasm fetch hit a network error) is a NetworkError, and is tried again by the next call', async () => {
  // A module instance of its own, so this loader does not touch the package the other tests use.
  const core = await import(`${pathToFileURL(join(packageDir(), 'core.js')).href}?ready-retry`);
  let loads = 0;
  core.useLoader(async () => {
    if (++loads <= 2) throw new TypeError('Failed to fetch');
  });
  // Typed, as every error around KMS: a NetworkError whose cause is what the load threw.
  const isLoadError = (e) => e instanceof core.KmsWasmError && e.name === 'NetworkError' && /could not load its \.wasm: Failed to fetch/.test(e.message) && e.cause instanceof TypeError;
  await assert.rejects(core.ready(), isLoadError);
  await assert.rejects(new core.KMS({ region: 'us-east-1' }).listKeys({}), isLoadError, 'a call on a client');
  await core.ready();
  await core.ready();
  assert.equal(loads, 3);
});

test('what comes out is a plain Uint8Array in Node too, not a Buffer (whose slice() would be a view, not a copy)', async () => {
  const plaintext = new Uint8Array(3 * 4096 + 5).fill(9);
  const { result } = await k.encrypt(raw, plaintext, { frameLength: 4096 });
  const { plaintext: back } = await k.decrypt(raw, result);
  const chunks = [];
  const through = () => new WritableStream({ write: (c) => void chunks.push(c) });
  await new Blob([plaintext]).stream().pipeThrough(k.encryptStream(raw, { frameLength: 4096 })).pipeTo(through());
  await new Blob([result]).stream().pipeThrough(k.decryptStream(raw)).pipeTo(through());
  assert.ok(chunks.length > 2);
  for (const bytes of [result, back, ...chunks]) assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype);
});

test('KmsWasmError is made from options, as the exception classes are (mocks); without any it is still an error', () => {
  const e = new k.KmsWasmError({ name: 'NetworkError', message: 'offline', field: 'endpoint' });
  assert.deepEqual([e.name, e.message, e.field, e.$fault], ['NetworkError', 'offline', 'endpoint', 'client']);
  assert.equal(new k.KmsWasmError().name, 'KmsWasmError');
});

test('an option a call does not take is refused, naming it (a limit under another name is not dropped); maxBodySize is read as maxFrameLength', async () => {
  const { result } = await k.encrypt(raw, new Uint8Array(10_000), { frameLength: 4096 });
  await assert.rejects(k.encrypt(raw, 'x', { frameLenght: 4096 }), refusedWith('ValidationError', 'frameLenght'));
  await assert.rejects(k.decrypt(raw, result, { maxFrameLenght: 1 }), refusedWith('ValidationError', 'maxFrameLenght'));
  await assert.rejects(k.decrypt(raw, result, 'x'), refusedWith('ValidationError', 'options'));
  // Streams refuse at once, as client-node's do.
  assertRefused(() => k.decryptStream(raw, { maxBodySiz: 1 }), 'ValidationError', 'maxBodySiz', 'decryptStream');
  assertRefused(() => k.encryptStream(raw, { frameLenght: 1 }), 'ValidationError', 'frameLenght', 'encryptStream');
  // client-node's names: maxBodySize bounds frames; plaintextLength, the spec's bound, is ignored
  // by a one-shot call, which knows its length (below: streams).
  assert.equal((await k.decrypt(raw, (await k.encrypt(raw, 'xyz', { plaintextLength: 1 })).result)).plaintext.length, 3);
  await assert.rejects(k.decrypt(raw, result, { maxBodySize: 1024 }), (e) => e.name === 'LimitExceededError');
  assert.equal((await k.decrypt(raw, result, { maxBodySize: 4096 })).plaintext.length, 10_000);
  await assert.rejects(k.decrypt(raw, result, { maxBodySize: 4096, maxFrameLength: 8192 }), refusedWith('ValidationError', 'maxBodySize'));
});

test('encryptStream with plaintextLength (the spec\'s plaintext length bound, client-node\'s name) fails once given more, before encrypting it, on every AES path; a bad bound is refused at once', async () => {
  const feed = async (stream, sizes) => {
    const writer = stream.writable.getWriter();
    const out = [];
    const reading = (async () => { for await (const part of stream.readable) out.push(...part); })();
    const wrote = (async () => { for (const n of sizes) await writer.write(new Uint8Array(n).fill(9)); await writer.close(); })();
    const [read] = await Promise.allSettled([reading, wrote]);
    return { out: new Uint8Array(out), error: read.reason };
  };
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      const exact = await feed(k.encryptStream(raw, { plaintextLength: 10_000, frameLength: 4096 }), [6000, 4000]);
      assert.equal(exact.error, undefined, `${path}: ${exact.error}`);
      assert.equal((await k.decrypt(raw, exact.out)).plaintext.length, 10_000);
      const over = await feed(k.encryptStream(raw, { plaintextLength: 10_000, frameLength: 4096 }), [6000, 4001]);
      assert.ok(refusedWith('LimitExceededError', 'plaintextLength')(over.error), `${path}: ${over.error}`);
      // Nothing of the chunk that went over was sealed: at most the first chunk's whole frame.
      assert.ok(over.out.length < 4096 + 1000, `${path}: ${over.out.length} bytes came out`);
    });
  }
  for (const plaintextLength of [-1, 1.5, '10', NaN]) assertRefused(() => k.encryptStream(raw, { plaintextLength }), 'ValidationError', 'plaintextLength', 'encryptStream');
});

test('a stream gives out each frame as soon as it is done, on every AES path (node:crypto, WebCrypto as in browsers and workerd, wasm): a caller awaiting output before writing more is answered', async () => {
  const frameLength = 4096;
  const plaintext = new Uint8Array(20 * frameLength).map((_, i) => i);
  const { result } = await k.encrypt(raw, plaintext, { frameLength });
  const soon = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no output without more input')), 2000))]);
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      for (const [stream, input, what] of [[k.encryptStream(raw, { frameLength }), plaintext, 'encryptStream'], [k.decryptStream(raw), result, 'decryptStream']]) {
        const writer = stream.writable.getWriter();
        const reader = stream.readable.getReader();
        // Three frames' worth and a bit: at least the first three frames must come out now.
        void writer.write(input.slice(0, 3 * frameLength + 1000)).catch(() => {});
        let got = 0;
        while (got < 3 * frameLength) got += (await soon(reader.read())).value.length;
        assert.ok(got >= 3 * frameLength, `${what} on ${path}`);
        await reader.cancel();
      }
    });
  }
});

test('a stream whose frame fails its tag errors at once, on every AES path, though nothing more is written; no plaintext from it or after it is given', async () => {
  const frameLength = 4096;
  const plaintext = new Uint8Array(8 * frameLength).map((_, i) => i * 7);
  const { result } = await k.encrypt(raw, plaintext, { frameLength, suiteId: 0x0478 });
  const { messageHeader } = await k.decrypt(raw, result);
  const bodyAt = result.length - 8 * (4 + 12 + frameLength + 16) - (4 + 4 + 12 + 4 + 16); // 8 full frames, then the empty final one
  const tampered = result.slice();
  tampered[bodyAt + 2 * (4 + 12 + frameLength + 16) + 100] ^= 1; // in the third frame's body
  assert.ok(messageHeader);
  const soon = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no error without more input')), 2000))]);
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      const stream = k.decryptStream(raw);
      const writer = stream.writable.getWriter();
      const reader = stream.readable.getReader();
      void writer.write(tampered.slice(0, bodyAt + 5 * (4 + 12 + frameLength + 16))).catch(() => {});
      let got = 0;
      const failure = await (async () => {
        for (;;) {
          const { value } = await soon(reader.read());
          assert.deepEqual(value, plaintext.subarray(got, got + value.length), `${path}: only verified plaintext`);
          got += value.length;
        }
      })().catch((e) => e);
      assert.equal(failure.name, 'AuthenticationError', `${path}: ${failure.message}`);
      // The frames before it may be given (wasm opens a chunk's frames in one call and gives none).
      assert.ok(got <= 2 * frameLength, `${path}: ${got} bytes given`);
    });
  }
});

test('stream chunks, on every AES path: encryptStream gives the header, then each frame whole (node:crypto, wasm) or as its prefix and sealed body (WebCrypto), never an empty chunk; decryptStream never an empty one', async () => {
  const frameLength = 4096;
  const framed = 4 + 12 + frameLength + 16;
  for (const suiteId of [0x0478, 0x0578]) {
    // A multiple of the frame length: the final frame is empty, and unsigned messages have an empty footer.
    const plaintext = new Uint8Array(5 * frameLength).map((_, i) => i * 3);
    for (const path of AES_PATHS) {
      await onPath(path, async () => {
        const parts = [];
        const source = new ReadableStream({ start(c) { c.enqueue(plaintext.subarray(0, 7000)); c.enqueue(plaintext.subarray(7000)); c.close(); } });
        for await (const part of source.pipeThrough(k.encryptStream(raw, { frameLength, suiteId }))) parts.push(part.length);
        const what = `${path} ${suiteId.toString(16)}: ${parts}`;
        assert.ok(parts.every((n) => n > 0), what);
        const frames = path === 'WebCrypto' ? parts.slice(1, 11) : parts.slice(1, 6);
        const asSent = path === 'WebCrypto' ? Array(5).fill([4 + 12, frameLength + 16]).flat() : Array(5).fill(framed);
        assert.deepEqual(frames, asSent, what);
        const message = (await k.encrypt(raw, plaintext, { frameLength, suiteId })).result;
        const out = [];
        for await (const part of new ReadableStream({ start(c) { c.enqueue(message); c.close(); } }).pipeThrough(k.decryptStream(raw))) out.push(part.length);
        assert.ok(out.every((n) => n > 0) && out.reduce((a, b) => a + b) === plaintext.length, `${path} decrypt: ${out}`);
      });
    }
  }
});

test('decryptStream gives messageHeader before any plaintext, on every AES path: a cancel after plaintext came out does not reject it, and it can be awaited before anything reads', async () => {
  const frameLength = 4096;
  const plaintext = new Uint8Array(40 * frameLength).map((_, i) => i);
  const { result } = await k.encrypt(raw, plaintext, { frameLength });
  const soon = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: not in 2 s`)), 2000))]);
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      const stream = k.decryptStream(raw);
      const writer = stream.writable.getWriter();
      writer.write(result).catch(() => {});
      // Nothing reads yet: the header still comes (code moved over from client-node's 'header' event waits so).
      const header = await soon(stream.messageHeader, `${path}: header before any read`);
      assert.equal(header.frameLength, frameLength);
      const reader = stream.readable.getReader();
      assert.ok((await reader.read()).value.length > 0);
      await reader.cancel();
      assert.equal(await stream.messageHeader, header, `${path}: still the header after the cancel`);
    });
  }
});

test("the SDK's callback style is refused, not left uncalled: a ValidationError before anything is sent", async () => {
  const callback = () => assert.fail('never called');
  for (const call of [() => client.listKeys({}, callback), () => client.listKeys({}, {}, callback), () => client.call('ListKeys', {}, callback)]) {
    // `client` points at a port where nothing listens: a call that went out would be a NetworkError.
    await assert.rejects(call(), (e) => e.name === 'ValidationError' && e.field === 'options' && /no callback/.test(e.message));
  }
  await assert.rejects(client.listKeys({}, 'options'), (e) => e.name === 'ValidationError' && e.field === 'options');
});

test("decryptUnsignedMessageStream (client-node's) decrypts 0x0478 and refuses a signed message from the suite its first bytes name, before any plaintext, on every AES path", async () => {
  const frameLength = 4096;
  const plaintext = new Uint8Array(10 * frameLength + 5).map((_, i) => i * 5);
  const run = async (stream, message, first = 3000) => {
    const out = [];
    // A first chunk of 0, 1 or 2 bytes: the suite id arrives in a later one.
    const source = new ReadableStream({ start(c) { c.enqueue(message.subarray(0, first)); if (!first) c.enqueue(message.subarray(0, 1)); for (let i = first || 1; i < message.length; i += 3000) c.enqueue(message.subarray(i, i + 3000)); c.close(); } });
    const error = await (async () => { for await (const part of source.pipeThrough(stream)) out.push(...part); })().catch((e) => e);
    return { out, error };
  };
  const unsigned = (await k.encrypt(raw, plaintext, { frameLength, suiteId: 0x0478 })).result;
  const signed = (await k.encrypt(raw, plaintext, { frameLength })).result;
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      const ok = await run(k.decryptUnsignedMessageStream(raw), unsigned);
      assert.equal(ok.error, undefined, `${path}: ${ok.error}`);
      assert.deepEqual(new Uint8Array(ok.out), plaintext);
      for (const first of [0, 1, 2, 3000]) {
        assert.deepEqual(new Uint8Array((await run(k.decryptUnsignedMessageStream(raw), unsigned, first)).out), plaintext, `${path}, first chunk ${first}`);
        const stream = k.buildClient(k.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decryptUnsignedMessageStream(raw);
        const refused = await run(stream, signed, first);
        assert.equal(refused.error?.name, 'UnsupportedSuiteError', `${path}: ${refused.error}`);
        assert.match(refused.error.message, /suite 0x0578 is signed/);
        assert.equal(refused.out.length, 0, `${path}: no plaintext of a signed message`);
        // Refused before its data key was unwrapped, the header never verified.
        assert.equal(await stream.messageHeader.catch((e) => e), refused.error);
      }
    });
  }
});

test("a stream's writable behaves as a TransformStream's: abort() resolves even before any write, and a cancel or failure on the readable side reaches a pipe into it at once", async () => {
  const { result: message } = await k.encrypt(raw, new Uint8Array(200_000).fill(4), { suiteId: 0x0478, frameLength: 4096 });
  const make = { encrypt: () => k.encryptStream(raw), decrypt: () => k.decryptStream(raw), plain: () => new TransformStream() };
  for (const [what, stream] of Object.entries(make)) {
    // abort() at once (a keyring's start-up still running): it resolves; the readable errors with the reason.
    const s = stream();
    const reason = new RangeError('early');
    const reading = s.readable.getReader().read().catch((e) => e);
    await s.writable.getWriter().abort(reason);
    assert.equal(await reading, reason, what);
    // The consumer cancels while the source idles: the source is cancelled and the pipe settles.
    const t = stream();
    let sourceCancelled;
    const source = new ReadableStream({
      start(c) {
        c.enqueue(what === 'decrypt' ? message.subarray(0, 100) : new Uint8Array(10));
      },
      cancel: (why) => void (sourceCancelled = why),
    });
    const piping = source.pipeTo(t.writable).catch((e) => e);
    const reader = t.readable.getReader();
    if (what !== 'decrypt') await reader.read();
    await reader.cancel(new Error('consumer gone'));
    assert.equal((await piping)?.message, 'consumer gone', what);
    assert.equal(sourceCancelled?.message, 'consumer gone', what);
  }
  // A frame that fails with the writer idle: its closed promise says so at once.
  const tampered = message.slice();
  tampered[tampered.length - 5000] ^= 1;
  const d = k.decryptStream(raw);
  const writer = d.writable.getWriter();
  const draining = new Response(d.readable).arrayBuffer().catch((e) => e);
  writer.write(tampered).catch(() => {});
  assert.equal((await writer.closed.catch((e) => e)).name, 'AuthenticationError');
  assert.equal((await draining).name, 'AuthenticationError');
});
