#!/usr/bin/env node
// `npx kms-wasm <command>`: key provisioning, key listing and file encryption in the
// AWS Encryption SDK format, on Node over the same wasm as the library.
import { createWriteStream, unlinkSync } from 'node:fs';
import { lstat, open, stat, rename, link, unlink, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { KMS, KMSServiceException, KmsKeyring, encryptStream, decryptStream, provisionKey, retireKey, paginateListKeys, paginateListAliases } from './node.js';

const HELP = `Usage: kms-wasm <command> [options]

Commands:
  provision   create (or find again and reconcile) the key of <app>/<environment>/<service>;
              prints its variables as KEY=value lines
  retire      schedule the deletion of that key, then delete its alias
  keys        list keys with their aliases and states
  encrypt     encrypt a file into an AWS Encryption SDK message
  decrypt     decrypt an AWS Encryption SDK message

Connection (else AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_KMS / AWS_KMS_ENDPOINT /
AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_MAX_ATTEMPTS, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
without keys, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME, or
AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)):
  --region R            --endpoint URL          -h, --help   this text

provision --app A --environment E --service S [options]
  --alias NAME                     instead of alias/<app>/<environment>/<service>
  --auto-rotate, --no-auto-rotate  rotation is on by default for symmetric encryption keys
  --rotation-period-in-days N      90-2560
  --description TEXT   --key-spec SPEC   --key-usage USAGE
  --policy JSON|@FILE              key policy of a new key
  --multi-region   --disabled      --tag KEY=VALUE (repeatable)
  On/off flags take no value (--disabled, not --disabled false).

retire (--alias NAME | --app A --environment E --service S) [--deletion-window-in-days N]
  N: 7-30 (default 30); KMS deletes the key after N days, until then CancelKeyDeletion
  takes it back (its alias is gone)

encrypt [--key-id ID] [-o|--output OUT] [-f|--force] [--context K=V ...] [--frame-length N] IN
  --key-id defaults to AWSKMS_WRAPPER_KEY_ID; OUT defaults to IN.encrypted
decrypt [--key-id ID] [-o|--output OUT] [-f|--force] [--context K=V ...] [--max-frame-length N]
        [--max-encrypted-data-keys N] IN
  --key-id: only that key is used (an alias or key id means the key it names now);
  without it any key the message names is tried (discovery); OUT defaults to IN
  without .encrypted (else IN.decrypted). For files from others: --max-frame-length bounds
  what one frame may make the tool buffer, --max-encrypted-data-keys how many KMS calls
  one file may ask for.

Output is written to a temporary file next to OUT and renamed on success, so a failure
leaves no partial file; an existing OUT is only replaced with --force, and never when it is
not a regular file (a link, a device). IN - reads standard input; -o - writes standard output
(the default when IN is -): there a failure cannot be taken back, so check the exit status.
A progress bar is drawn on stderr for files of 4 MiB or more when stderr is a terminal
(--progress draws it anyway, -q/--quiet never); not for standard input, whose size is unknown.
IN may also be a pipe (<(command)) or a device, read to its end.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'key-id': { type: 'string' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
  quiet: { type: 'boolean', short: 'q' },
  progress: { type: 'boolean' },
  context: { type: 'string', multiple: true },
  'frame-length': { type: 'string' },
  'max-frame-length': { type: 'string' },
  'max-encrypted-data-keys': { type: 'string' },
  app: { type: 'string' },
  environment: { type: 'string' },
  service: { type: 'string' },
  alias: { type: 'string' },
  'no-auto-rotate': { type: 'boolean' },
  'auto-rotate': { type: 'boolean' },
  'rotation-period-in-days': { type: 'string' },
  description: { type: 'string' },
  'key-spec': { type: 'string' },
  'key-usage': { type: 'string' },
  policy: { type: 'string' },
  'deletion-window-in-days': { type: 'string' },
  'multi-region': { type: 'boolean' },
  disabled: { type: 'boolean' },
  tag: { type: 'string', multiple: true },
};

class UsageError extends Error {}
// Refusals (an existing output, a missing input) exit 1 like other failures, without the usage hint.
class Refusal extends Error {}

function pairs(list, flag) {
  const entries = [];
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got "${item}"`);
    const key = item.slice(0, i);
    // Twice with two values, one would be dropped in silence.
    if (entries.some(([k]) => k === key)) throw new UsageError(`${flag} ${key} given twice`);
    entries.push([key, item.slice(i + 1)]);
  }
  return Object.fromEntries(entries); // own properties, even for a key named __proto__
}

function integer(value, flag) {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${flag} expects an integer, got "${value}"`);
  return Number(value);
}

function client(values) {
  const options = {};
  // Empty (an unset variable), they must not quietly mean the environment's.
  for (const name of ['region', 'endpoint']) {
    if (values[name] === '') throw new UsageError(`--${name} needs a value (leave the option out to use the environment's)`);
    if (values[name]) options[name] = values[name];
  }
  const env = { ...process.env };
  // AWS_KMS_ENDPOINT is the wrapper tools' name for the endpoint; the client reads AWS_ENDPOINT_URL_KMS.
  if (env.AWS_KMS_ENDPOINT && !env.AWS_ENDPOINT_URL_KMS) env.AWS_ENDPOINT_URL_KMS = env.AWS_KMS_ENDPOINT;
  return KMS.fromEnv(env, options);
}

// ---- provision / keys -------------------------------------------------------------------------

// provisionKey's and retireKey's option names as the flags that set them, for their errors.
const FLAGS = { app: '--app', environment: '--environment', service: '--service', alias: '--alias', autoRotate: '--auto-rotate', rotationPeriodInDays: '--rotation-period-in-days', description: '--description', keySpec: '--key-spec', keyUsage: '--key-usage', policy: '--policy', deletionWindowInDays: '--deletion-window-in-days', multiRegion: '--multi-region', enabled: '--disabled', tags: '--tag' };

/** An option the library refused, as a usage error naming the flag (not the JS option). */
function asFlagError(e) {
  const flag = e?.name === 'ValidationError' && Object.hasOwn(FLAGS, e.field) ? FLAGS[e.field] : undefined;
  if (!flag) return e;
  const message = e.message
    .replace(/^\w+: /, '')
    .replace('autoRotate is false', '--no-auto-rotate is given')
    .replace(/\b(autoRotate|rotationPeriodInDays|keySpec|keyUsage|multiRegion|deletionWindowInDays)\b/g, (name) => FLAGS[name]);
  return new UsageError(`${flag}: ${message}`);
}

/** No positional arguments: an on/off flag given a value (`--disabled false`) would otherwise pass. */
function noArguments(command, positionals) {
  if (!positionals.length) return;
  const hint = /^(true|false|yes|no|on|off)$/i.test(positionals[0]) ? ' (an on/off flag takes no value: --disabled, not --disabled false)' : ' (quote a value with spaces)';
  throw new UsageError(`${command} takes no arguments, got "${positionals[0]}"${hint}`);
}

/** The key's options from the flags (provision's and retire's). */
function keyFlags(command, values) {
  if (values.alias === undefined || command === 'provision') {
    const missing = ['app', 'environment', 'service'].filter((name) => !values[name]);
    if (missing.length) throw new UsageError(`${command} needs ${missing.map((name) => `--${name}`).join(', ')}${command === 'retire' ? ' (or --alias)' : ''}`);
  }
  return { app: values.app, environment: values.environment, service: values.service, alias: values.alias };
}

async function provision(values, positionals) {
  noArguments('provision', positionals);
  const names = keyFlags('provision', values);
  let policy = values.policy;
  if (policy?.startsWith('@')) policy = await readFile(policy.slice(1), 'utf8').catch((e) => Promise.reject(new Refusal(`--policy: cannot read ${policy.slice(1)} (${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message})`)));
  if (values['no-auto-rotate'] && values['auto-rotate']) throw new UsageError('--auto-rotate and --no-auto-rotate exclude each other');
  const r = await provisionKey(client(values), {
    ...names,
    autoRotate: values['no-auto-rotate'] ? false : values['auto-rotate'] ? true : undefined,
    rotationPeriodInDays: integer(values['rotation-period-in-days'], '--rotation-period-in-days'),
    description: values.description,
    keySpec: values['key-spec'],
    keyUsage: values['key-usage'],
    policy,
    multiRegion: values['multi-region'] || undefined,
    enabled: values.disabled ? false : undefined,
    tags: pairs(values.tag, '--tag'),
  }).catch((e) => Promise.reject(asFlagError(e)));
  for (const [k, v] of Object.entries(r.variables)) process.stdout.write(`${k}=${v}\n`);
  process.stderr.write(`${r.created ? 'created' : 'reconciled'} ${r.AliasName} -> ${r.KeyMetadata.KeyId} (${r.KeyMetadata.KeyState})\n`);
}

async function retire(values, positionals) {
  noArguments('retire', positionals);
  const options = { ...keyFlags('retire', values), deletionWindowInDays: integer(values['deletion-window-in-days'], '--deletion-window-in-days') };
  // An alias alone is what retireKey takes by itself; with the three names it is made from them.
  const r = await (values.app === undefined && values.environment === undefined && values.service === undefined
    ? retireKey(client(values), values.alias, options.deletionWindowInDays)
    : retireKey(client(values), options)
  ).catch((e) => Promise.reject(asFlagError(e)));
  const on = r.DeletionDate ? ` on ${r.DeletionDate.toISOString().slice(0, 10)}` : '';
  process.stderr.write(`retired ${r.AliasName}: alias deleted; ${r.KeyId} is deleted${on} (${r.PendingWindowInDays} days; CancelKeyDeletion takes it back until then)\n`);
}

// DescribeKey calls `keys` makes at once: KMS allows accounts thousands a second.
const DESCRIBES_AT_ONCE = 8;

async function keys(values, positionals) {
  noArguments('keys', positionals);
  const kms = client(values);
  const aliases = new Map();
  for await (const page of paginateListAliases({ client: kms })) {
    for (const a of page.Aliases ?? []) {
      if (!a.TargetKeyId) continue;
      aliases.set(a.TargetKeyId, [...(aliases.get(a.TargetKeyId) ?? []), a.AliasName]);
    }
  }
  const ids = [];
  for await (const page of paginateListKeys({ client: kms })) ids.push(...(page.Keys ?? []).map((k) => k.KeyId));
  const undescribed = new Map(); // why a key could not be described -> how many
  // A key the caller may list but not describe (another team's key policy), or one deleted
  // meanwhile, is listed without its state: the rest are still the caller's to see.
  const describe = (id) => kms.describeKey({ KeyId: id }).then((r) => r.KeyMetadata ?? {}, (e) => {
    // Anything else (throttling that outlasted the retries, credentials expiring) fails the listing.
    if (!(e instanceof KMSServiceException) || !['AccessDeniedException', 'NotFoundException'].includes(e.name)) throw e;
    undescribed.set(e.name, (undescribed.get(e.name) ?? 0) + 1);
    return {};
  });
  // Several at once (one by one, a hundred keys took seconds), in order.
  const metadata = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      try {
        metadata[i] = await describe(ids[i]);
      } catch (e) {
        next = ids.length; // the listing failed: the others stop calling KMS
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBES_AT_ONCE, ids.length) }, worker));
  const rows = ids.map((id, i) => {
    const m = metadata[i];
    return [id, m.KeyState ?? '?', [m.KeySpec, m.KeyUsage].filter(Boolean).join('/') || '?', (aliases.get(id) ?? []).join(',') || '-'];
  });
  const header = ['KEY ID', 'STATE', 'SPEC', 'ALIASES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) process.stdout.write(r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ') + '\n');
  for (const [name, n] of undescribed) process.stderr.write(`kms-wasm: ${n} key${n > 1 ? 's' : ''} not described (${name}): state and spec shown as ?\n`);
}

// ---- encrypt / decrypt ------------------------------------------------------------------------

const PROGRESS_FROM = 4 * 1024 * 1024;

function progressBar(total, { quiet, progress }) {
  // On a pipe or in a log, carriage-return redraws are noise.
  const wanted = !quiet && (progress || process.stderr.isTTY);
  if (!wanted || !(total >= PROGRESS_FROM)) return { add() {}, done() {}, abort() {} };
  const mb = (n) => (n / 1e6).toFixed(1);
  let seen = 0;
  let last = 0;
  const draw = () => {
    const pct = Math.min(100, Math.floor((seen / total) * 100));
    const fill = Math.round(pct / 5);
    process.stderr.write(`\r[${'#'.repeat(fill)}${'-'.repeat(20 - fill)}] ${String(pct).padStart(3)}% ${mb(seen)}/${mb(total)} MB`);
  };
  return {
    add(n) {
      seen += n;
      const now = Date.now();
      if (now - last > 100) {
        last = now;
        draw();
      }
    },
    done() {
      draw();
      process.stderr.write('\n');
    },
    abort() {
      if (last) process.stderr.write('\n'); // end the bar's line before the error message
    },
  };
}

// The longest file name most filesystems take, in bytes: a temporary name is cut to fit in it.
const NAME_MAX = 255;

/** `name` cut to at most `max` bytes of UTF-8, at a character's end. */
function bytesAtMost(name, max) {
  let bytes = 0;
  let end = 0;
  for (const c of name) {
    bytes += Buffer.byteLength(c);
    if (bytes > max) break;
    end += c.length;
  }
  return name.slice(0, end);
}

/** Whether `path` exists; a Refusal if it is anything but a regular file (a device, a link, a directory): never replaced. */
const existingOutput = (output) => new Refusal(`${output} exists; use --force to overwrite it`);

async function exists(path) {
  const info = await lstat(path).catch((e) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (info && !info.isFile()) throw new Refusal(`${path} is not a regular file; it is not replaced`);
  return Boolean(info);
}

/**
 * A file's bytes as a stream that reads only when asked: once the pipe is cancelled nothing more
 * is read (Node's Readable.toWeb adapter then still pushed data, an uncaught exception that ended
 * the process before the temporary file was removed).
 */
async function fileStream(path) {
  const file = await open(path, 'r');
  return new ReadableStream({
    async pull(controller) {
      const buffer = new Uint8Array(1 << 20);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead) return controller.enqueue(buffer.subarray(0, bytesRead));
      await file.close();
      controller.close();
    },
    cancel: () => file.close(),
  });
}

/** Standard input as a stream that reads only when asked (see fileStream). */
function stdinStream() {
  const chunks = process.stdin[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) return controller.close();
      controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel: () => chunks.return?.(),
  });
}

/** A stream passing its chunks on as they are, telling `add` each one's length. */
const counting = (add) => new TransformStream({
  transform(chunk, controller) {
    add(chunk.length);
    controller.enqueue(chunk);
  },
});

// Streams `input` through `transform` into `output`. A file goes via a temporary file in the
// same directory: renamed on success, removed on failure, so no partial output is ever left
// behind. `-` is standard input or output; what went to standard output cannot be taken back.
async function transformFile(input, output, transform, { force, quiet, progress }) {
  let size;
  if (input !== '-') {
    const info = await stat(input).catch((e) => Promise.reject(new Refusal(`cannot read ${input} (${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message})`)));
    if (info.isDirectory()) throw new Refusal(`${input} is a directory`);
    // A pipe (<(tar c dir)) or a device is read to its end; its size is not known ahead.
    if (info.isFile()) size = info.size;
  }
  const bar = progressBar(size, { quiet, progress });
  const counter = counting((n) => bar.add(n));
  if (output !== '-' && (await exists(output)) && !force) throw existingOutput(output);
  const stream = (input === '-' ? stdinStream() : await fileStream(input)).pipeThrough(counter).pipeThrough(transform);
  if (output === '-') {
    writingMessage = true;
    const counted = stream.pipeThrough(counting((n) => (bytesToStdout += n)));
    try {
      // end: false, as standard output is not ours to close.
      await pipeline(Readable.fromWeb(counted), process.stdout, { end: false });
      bar.done();
    } catch (e) {
      bar.abort();
      throw e;
    }
    return;
  }
  const tmp = join(dirname(output), `.${bytesAtMost(basename(output), NAME_MAX - 18)}.${randomBytes(6).toString('hex')}.tmp`);
  // Ctrl-C, a kill or any other exit mid-way: the temporary file goes too (it may hold plaintext
  // not yet verified).
  const removeTmp = () => {
    try {
      unlinkSync(tmp);
    } catch {}
  };
  const interrupted = (signal) => process.exit(128 + osConstants.signals[signal]);
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted).once('SIGHUP', interrupted).once('exit', removeTmp);
  try {
    await pipeline(Readable.fromWeb(stream), createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    bar.done();
    if (force) {
      await rename(tmp, output);
    } else {
      // link fails if OUT appeared meanwhile: never replace a file without --force.
      const linked = await link(tmp, output).then(() => true, (e) => {
        if (e.code === 'EEXIST') throw existingOutput(output);
        // A filesystem without hard links (FAT, some network mounts): check, then rename.
        if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(e.code)) return false;
        throw e;
      });
      if (linked) await unlink(tmp);
      else if (await exists(output)) throw existingOutput(output);
      else await rename(tmp, output);
    }
  } catch (e) {
    bar.abort();
    await unlink(tmp).catch(() => {});
    // Say what the user named, not our temporary file next to it.
    if (typeof e?.message === 'string' && e.path === tmp) e.message = `cannot write ${output} (${e.code ?? e.message})`;
    throw e;
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted).off('SIGHUP', interrupted).off('exit', removeTmp);
  }
}

function inputPath(positionals, command) {
  if (positionals.length !== 1) throw new UsageError(`${command} expects one input file`);
  return positionals[0];
}

/** Where the output goes: -o OUT (not empty), else what `fallback` says. */
function outputPath(values, fallback) {
  if (values.output === '') throw new UsageError('-o needs a path (or - for standard output)');
  return values.output ?? fallback;
}

async function encryptFile(values, positionals) {
  const input = inputPath(positionals, 'encrypt');
  // Trimmed as KmsWrapper.fromConfig trims it (a value from a secret file ends in a newline).
  const keyId = values['key-id'] ?? process.env.AWSKMS_WRAPPER_KEY_ID?.trim();
  if (!keyId?.trim()) throw new UsageError('encrypt needs --key-id (or AWSKMS_WRAPPER_KEY_ID)');
  const keyring = new KmsKeyring({ client: client(values), generatorKeyId: keyId });
  const options = { encryptionContext: pairs(values.context, '--context'), frameLength: integer(values['frame-length'], '--frame-length') };
  const output = outputPath(values, input === '-' ? '-' : `${input}.encrypted`);
  await transformFile(input, output, encryptStream(keyring, options), values);
  if (output !== '-') process.stderr.write(`encrypted ${input} -> ${output}\n`);
}

async function decryptFile(values, positionals) {
  const input = inputPath(positionals, 'decrypt');
  const kms = client(values);
  const keyId = values['key-id'];
  // An empty one (an unset variable) must not quietly mean "any key the message names".
  if (keyId === '') throw new UsageError('decrypt --key-id needs a key id (leave the option out to try the keys the message names)');
  const limits = { maxFrameLength: integer(values['max-frame-length'], '--max-frame-length'), maxEncryptedDataKeys: integer(values['max-encrypted-data-keys'], '--max-encrypted-data-keys') };
  // Usage errors, before anything is read (the library would say so only once decrypting).
  for (const [name, value] of Object.entries(limits)) if (value !== undefined && value < 1) throw new UsageError(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be at least 1`);
  // Messages name their keys by key ARN, so an alias or a bare key id becomes the ARN of the key it names.
  const keyArn = keyId && (/^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(keyId) ? keyId : (await kms.describeKey({ KeyId: keyId })).KeyMetadata.Arn);
  const keyring = keyArn ? new KmsKeyring({ client: kms, keyIds: [keyArn] }) : new KmsKeyring({ client: kms, discovery: true });
  // IN.encrypted gives IN; a file named just `.encrypted` has nothing left to name it by.
  const stripped = input.endsWith('.encrypted') && basename(input) !== '.encrypted';
  const output = outputPath(values, input === '-' ? '-' : stripped ? input.slice(0, -'.encrypted'.length) : `${input}.decrypted`);
  try {
    await transformFile(input, output, decryptStream(keyring, { encryptionContext: pairs(values.context, '--context'), ...limits }), values);
  } catch (e) {
    if (e instanceof UsageError || e instanceof Refusal) throw e;
    const source = input === '-' ? 'standard input' : input;
    // Plaintext of frames that verified may already be on standard output.
    const toStdout = output === '-' && bytesToStdout > 0;
    e.message = `cannot decrypt ${source} (${e.message}); ${toStdout ? 'discard what was written to standard output' : 'no output was written'}`;
    throw e;
  }
  if (output !== '-') process.stderr.write(`decrypted ${input} -> ${output}\n`);
}

// ---- main -------------------------------------------------------------------------------------

const COMMANDS = { provision, retire, keys, encrypt: encryptFile, decrypt: decryptFile };
// The options each command takes besides the connection's: another command's is a usage
// error, not ignored (`decrypt --frame-length` would do nothing).
const FILE_OPTIONS = ['key-id', 'output', 'force', 'quiet', 'progress', 'context'];
const COMMAND_OPTIONS = {
  provision: ['app', 'environment', 'service', 'alias', 'no-auto-rotate', 'auto-rotate', 'rotation-period-in-days', 'description', 'key-spec', 'key-usage', 'policy', 'multi-region', 'disabled', 'tag'],
  retire: ['app', 'environment', 'service', 'alias', 'deletion-window-in-days'],
  keys: [],
  encrypt: [...FILE_OPTIONS, 'frame-length'],
  decrypt: [...FILE_OPTIONS, 'max-frame-length', 'max-encrypted-data-keys'],
};

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (!command) throw new UsageError('no command given');
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command "${command}"`);
  const other = Object.keys(values).find((name) => !['help', 'region', 'endpoint', ...COMMAND_OPTIONS[command]].includes(name));
  if (other) throw new UsageError(`${command} does not take --${other}`);
  await run(values, rest);
}

// `kms-wasm keys | head`: a closed pipe ends a listing, it is not an error. A message (encrypt,
// decrypt) cut short is: a decryption was not verified to its end. Any other failure to write
// (a full disk) is said too.
let writingMessage = false;
let bytesToStdout = 0; // of the message, given to standard output
process.stdout.on('error', (e) => {
  const closed = e.code === 'EPIPE';
  if (closed && !writingMessage) process.exit(0);
  process.stderr.write(closed ? 'kms-wasm: standard output was closed before the end of the message (EPIPE); what was written is incomplete and, if decrypted, not verified to its end\n' : `kms-wasm: cannot write standard output (${e.code ?? e.message})\n`);
  process.exit(1);
});

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`kms-wasm: ${e.message}\nRun kms-wasm --help for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (e instanceof Refusal) {
    process.stderr.write(`kms-wasm: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  // The library's hint names fromEnv; here the environment is read already.
  if (e.field === 'region' && /is required/.test(e.message)) e.message = 'no region: set AWS_REGION (or AWS_DEFAULT_REGION), or give --region';
  if (e.field === 'credentials' && /no credentials configured/.test(e.message)) e.message = 'no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)';
  const field = e.field ? ` [${e.field}]` : '';
  process.stderr.write(`kms-wasm: ${e.name ?? 'Error'}${field}: ${e.message}\n`);
  process.exitCode = 1;
});
