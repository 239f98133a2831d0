// Uses every export of kms-wasm under `tsc --strict --noEmit`.
import {
  KMS, KMSServiceException, KmsWasmError, NotFoundException, DisabledException, KeySpec, KeyUsageType,
  paginateListKeys, paginateListAliases, paginateListGrants, paginateListKeyPolicies, paginateListResourceTags,
  paginateListRetirableGrants, paginateListKeyRotations, paginateDescribeCustomKeyStores, ready,
  KmsKeyring, RawAesKeyring, MultiKeyring, encrypt, decrypt, encryptStream, decryptStream, decryptUnsignedMessageStream,
  AlgorithmSuiteIdentifier, CommitmentPolicy, RawAesWrappingSuiteIdentifier, buildClient, KMSClient, EncryptCommand, DescribeKeyCommand, ListKeysCommand,
  type EncryptCommandOutput, type DescribeKeyCommandInput, type EncryptRequest, type EncryptResponse, type KeyMetadata, type KMSClientConfig, type AuditEvent, type MessageHeader, type HttpHandlerOptions,
  type ServiceInputTypes, type ServiceOutputTypes,
} from 'kms-wasm';

async function main(): Promise<void> {
  await ready();
  const config: KMSClientConfig = { region: 'us-east-1', credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }), onAudit: (e: AuditEvent) => void e.durationMs };
  const kms = new KMS(config);
  const fromEnv = KMS.fromEnv({ AWS_REGION: 'us-east-1' });
  // A Worker's env as `wrangler types` declares it: an interface, with other bindings beside.
  interface WorkerEnv { AWS_REGION: string; AWS_USE_FIPS_ENDPOINT: boolean; CACHE: { get(key: string): Promise<string | null> } }
  const workerEnv: WorkerEnv = { AWS_REGION: 'us-east-1', AWS_USE_FIPS_ENDPOINT: false, CACHE: { get: async () => null } };
  void KMS.fromEnv(workerEnv);
  const req: EncryptRequest = { KeyId: 'alias/x', Plaintext: new Uint8Array([1]), EncryptionContext: { a: 'b' } };
  const out = await kms.encrypt(req);
  const plainOut: EncryptResponse = out;
  const blob: Uint8Array | undefined = out.CiphertextBlob;
  const meta: KeyMetadata | undefined = (await kms.describeKey({ KeyId: 'alias/x' })).KeyMetadata;
  const created: Date | undefined = meta?.CreationDate;
  const spec: KeySpec | undefined = meta?.KeySpec;
  const usage: KeyUsageType = KeyUsageType.ENCRYPT_DECRYPT;
  const status: number | undefined = out.$metadata.httpStatusCode;
  const generic = await fromEnv.call('GenerateRandom', { NumberOfBytes: 8 });
  const random: Uint8Array | undefined = generic.Plaintext;
  // KMSClient and commands, as @aws-sdk/client-kms's: the output type follows the command.
  const client = new KMSClient(config);
  const sent: EncryptCommandOutput = await client.send(new EncryptCommand(req));
  const sentBlob: Uint8Array | undefined = sent.CiphertextBlob;
  const describeInput: DescribeKeyCommandInput = { KeyId: 'alias/x' };
  const described: KeyMetadata | undefined = (await client.send(new DescribeKeyCommand(describeInput))).KeyMetadata;
  const keys = (await client.send(new ListKeysCommand())).Keys;
  // @ts-expect-error: the output follows the command (an Encrypt output has no KeyMetadata)
  void (await client.send(new EncryptCommand(req))).KeyMetadata;
  // @ts-expect-error: Encrypt needs KeyId and Plaintext
  void new EncryptCommand({});
  // Required members take `undefined` as the SDK's do: SDK code feeds one call's optional outputs
  // (or an environment variable) straight into the next call's required members.
  void new EncryptCommand({ KeyId: meta?.KeyId, Plaintext: random });
  void kms.tagResource({ KeyId: described?.Arn, Tags: [{ TagKey: meta?.Description, TagValue: undefined }] });
  void [sentBlob, described, keys, KMSClient.fromEnv({}), await kms.send(new ListKeysCommand({ Limit: 10 }))];
  // Per-call options, as @aws-sdk's: an AbortSignal on send, on the methods and on call.
  const abortSignal: AbortSignal = AbortSignal.timeout(5000);
  const options: HttpHandlerOptions = { abortSignal };
  void [await client.send(new ListKeysCommand(), options), await kms.encrypt(req, { abortSignal }), await kms.call('ListKeys', {}, options), await kms.call('ListKeys')];
  // @ts-expect-error Encrypt's input has required members: it cannot be left out.
  void kms.call('Encrypt');
  // @ts-expect-error Only kms-wasm's commands: an object of the right shape (an @aws-sdk command) is not one.
  void kms.send({ input: { KeyId: 'k', Plaintext: new Uint8Array(1) } });
  // @ts-expect-error Only a kms-wasm client: keyrings need its wasm side.
  void new KmsKeyring({ client: { send: kms.send, call: kms.call, destroy: kms.destroy }, generatorKeyId: 'k' });
  // @ts-expect-error: abortSignal takes an AbortSignal
  void kms.listKeys({}, { abortSignal: 5 });
  // The SDK's per-call requestTimeout; and enums closed as the SDK's: a misspelt value is caught here, not by KMS.
  void kms.listKeys({}, { abortSignal, requestTimeout: 2000 });
  // @ts-expect-error: ECDSA_SHA_256, not ECDSA_SHA256
  void kms.sign({ KeyId: 'k', Message: new Uint8Array(1), SigningAlgorithm: 'ECDSA_SHA256' });
  for await (const page of paginateListKeys({ client })) void page.Keys?.length;
  for await (const page of paginateListKeys({ client: kms })) void page.Keys?.length;
  for await (const page of paginateListAliases({ client: kms }, {})) void page.Aliases;
  for await (const page of paginateListGrants({ client: kms }, { KeyId: 'k' })) void page.Grants;
  for await (const page of paginateListKeyPolicies({ client: kms }, { KeyId: 'k' })) void page.PolicyNames;
  for await (const page of paginateListResourceTags({ client: kms }, { KeyId: 'k' })) void page.Tags;
  for await (const page of paginateListRetirableGrants({ client: kms }, { RetiringPrincipal: 'p' })) void page.Grants;
  for await (const page of paginateListKeyRotations({ client: kms }, { KeyId: 'k' })) void page.Rotations;
  for await (const page of paginateDescribeCustomKeyStores({ client: kms })) void page.CustomKeyStores;
  // The same as methods of KMS, as on the SDK's aggregated client.
  for await (const page of kms.paginateListKeys()) void page.Keys;
  for await (const page of kms.paginateListGrants({ KeyId: 'k' }, { pageSize: 10 })) void page.Grants;
  // @ts-expect-error: ListGrants needs KeyId
  kms.paginateListGrants();
  // Exception classes are made as the SDK's are (mocks), and say their model's fault.
  const notFound = new NotFoundException({ message: 'no such key', $metadata: { httpStatusCode: 400 } });
  const client_: 'client' = notFound.$fault;
  void client_;
  // @ts-expect-error: options, not a message
  void new NotFoundException('no such key');
  // kms-wasm's own errors are made the same way.
  const offline = new KmsWasmError({ name: 'NetworkError', message: 'offline', field: 'endpoint' });
  void offline.field;
  // @ts-expect-error: options, not a message
  void new KmsWasmError('offline');
  // Code written for the SDK keeps compiling: its other client options (ignored), its metadata
  // and exception members (never set here), its unions and paginator option.
  const sdkConfig: KMSClientConfig = { region: 'us-east-1', retryMode: 'adaptive', logger: console, customUserAgent: 'app/1', requestHandler: { requestTimeout: 1000 } };
  void new KMS(sdkConfig);
  void [notFound.$retryable?.throttling, notFound.$service, notFound.$response, notFound.$metadata.extendedRequestId, notFound.$metadata.cfId];
  const anyInput: ServiceInputTypes = req;
  const anyOutput: ServiceOutputTypes = out;
  void [anyInput, anyOutput];
  for await (const page of paginateListKeys({ client: kms, stopOnSameToken: true })) void page.Keys;
  try {
    await kms.decrypt({ CiphertextBlob: blob });
  } catch (e) {
    if (e instanceof NotFoundException || e instanceof DisabledException) void e.$metadata.requestId;
    if (e instanceof KMSServiceException) void e.$fault;
    if (e instanceof KmsWasmError) void e.field;
  }
  const keyring = new KmsKeyring({ client: kms, generatorKeyId: 'arn:aws:kms:us-east-1:111122223333:key/x', keyIds: [] });
  const discovery = new KmsKeyring({ client: kms, discovery: true, discoveryFilter: { partition: 'aws', accountIds: ['111122223333'] } });
  const raw = new RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32) });
  void new RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(16), wrappingSuite: RawAesWrappingSuiteIdentifier.AES128_GCM_IV12_TAG16_NO_PADDING });
  void [new RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new ArrayBuffer(32) }), new RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new DataView(new ArrayBuffer(32)) })];
  const multi = new MultiKeyring({ generator: keyring, children: [raw, discovery] });
  const enc = await encrypt(multi, new Uint8Array(4), { encryptionContext: { a: 'b' }, suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, frameLength: 4096 });
  const header: MessageHeader = enc.messageHeader;
  const rawInfo: Uint8Array = header.encryptedDataKeys[0].rawInfo;
  void rawInfo;
  const dec = await decrypt(raw, enc.result, { encryptionContext: { a: 'b' }, commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 3 });
  const plain: Uint8Array = dec.plaintext;
  // An option given as undefined or null keeps the default (or the client's), as the runtime takes it.
  const maybeContext: Record<string, string> | undefined = undefined;
  void [await encrypt(raw, plain, { encryptionContext: maybeContext, suiteId: undefined, frameLength: null }), await decrypt(raw, enc.result, { commitmentPolicy: undefined, maxEncryptedDataKeys: null })];
  void buildClient({ commitmentPolicy: undefined, maxEncryptedDataKeys: null });
  const client2 = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, maxEncryptedDataKeys: false });
  const viaClient: Uint8Array = (await client2.decrypt(raw, (await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).encrypt(raw, plain)).result)).plaintext;
  void viaClient;
  const es: TransformStream<Uint8Array, Uint8Array> = encryptStream(raw, { frameLength: 65536 });
  const ds = decryptStream(raw, {});
  const h: MessageHeader = await ds.messageHeader;
  const unsignedOnly: TransformStream<Uint8Array, Uint8Array> = decryptUnsignedMessageStream(raw, { encryptionContext: { a: 'b' } });
  void [unsignedOnly, client2.decryptUnsignedMessageStream(raw)];
  void [plainOut, created, spec, usage, status, random, header.suiteId, plain, es, h];
  kms.destroy();
}
void main;
