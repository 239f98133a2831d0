//! Envelope encryption with the KMS keyring against kms-local (moto), and
//! KMS refusals from wire fixtures (`fixture_…`; moto does not enforce key state).

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use kms_wasm::envelope::{decrypt, encrypt, AlgorithmSuite, DecryptOptions, DiscoveryFilter, EncryptOptions, KmsKeyring, MultiKeyring, RawAesKeyring};
use kms_wasm::kms::{AuditEvent, KmsClient};
use kms_wasm::platform::BoxFuture;
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::{Config, Credentials, RetryConfig};

const SUITES: [AlgorithmSuite; 2] = [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384];

fn opts(suite: AlgorithmSuite) -> EncryptOptions {
    EncryptOptions { suite, frame_length: 1000, encryption_context: [("tenant".to_string(), "a".to_string())].into(), ..Default::default() }
}

/// A client that counts its KMS calls and records the operations.
fn counting_client() -> (KmsClient, Arc<Mutex<Vec<String>>>) {
    let ops = Arc::new(Mutex::new(Vec::new()));
    let seen = ops.clone();
    let client = common::client().with_audit_hook(Arc::new(move |e: &AuditEvent| seen.lock().unwrap().push(format!("{}:{}", e.operation, e.error_name.clone().unwrap_or_default()))));
    (client, ops)
}

#[tokio::test]
async fn single_and_two_key_round_trips() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let k2 = common::new_symmetric_key(&client).await;
    let one = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    let two = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![k2.clone()]).unwrap();
    let only2 = KmsKeyring::new(client.clone(), None, vec![k2.clone()]).unwrap();
    let pt: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
    for suite in SUITES {
        let msg = encrypt(&one, &pt, &opts(suite)).await.unwrap();
        assert_eq!(msg.header.encrypted_data_keys.len(), 1);
        let edk = &msg.header.encrypted_data_keys[0];
        assert_eq!(edk.provider_id, "aws-kms");
        assert_eq!(edk.provider_info, k1.as_bytes());
        assert_eq!(&decrypt(&one, &msg.ciphertext, &DecryptOptions::default()).await.unwrap().plaintext[..], &pt[..]);
        assert_eq!(decrypt(&only2, &msg.ciphertext, &DecryptOptions::default()).await.unwrap_err().name(), "NoUsableKeyError");

        let msg = encrypt(&two, &pt, &opts(suite)).await.unwrap();
        let infos: Vec<&[u8]> = msg.header.encrypted_data_keys.iter().map(|e| &e.provider_info[..]).collect();
        assert_eq!(infos, vec![k1.as_bytes(), k2.as_bytes()]);
        for kr in [&one, &two, &only2] {
            let dec = decrypt(kr, &msg.ciphertext, &DecryptOptions::default()).await.unwrap();
            assert_eq!(&dec.plaintext[..], &pt[..]);
            assert_eq!(dec.header.encryption_context.get("tenant").map(String::as_str), Some("a"));
        }
    }
}

#[tokio::test]
async fn keys_of_other_regions_are_called_in_their_own_region() {
    // moto keeps one key store per region, so a key is found only through a client signing
    // for its region: each call must go to the region the key's ARN names.
    let (client, ops) = counting_client();
    let here = common::new_symmetric_key(&client).await;
    let (other_region, there) = common::new_key_in_another_region(&client).await;
    assert!(there.contains(&format!(":kms:{other_region}:")), "{there}");
    let pt = b"wrapped in two regions".to_vec();
    for suite in SUITES {
        let both = KmsKeyring::new(client.clone(), Some(here.clone()), vec![there.clone()]).unwrap();
        let msg = encrypt(&both, &pt, &opts(suite)).await.unwrap();
        assert_eq!(msg.header.encrypted_data_keys.len(), 2);
        let only_there = KmsKeyring::new(client.clone(), None, vec![there.clone()]).unwrap();
        assert_eq!(decrypt(&only_there, &msg.ciphertext, &DecryptOptions::default()).await.unwrap().plaintext[..], pt[..]);

        let generated_there = encrypt(&KmsKeyring::new(client.clone(), Some(there.clone()), vec![]).unwrap(), &pt, &opts(suite)).await.unwrap();
        let discovery = KmsKeyring::discovery(client.clone(), None).unwrap();
        assert_eq!(decrypt(&discovery, &generated_there.ciphertext, &DecryptOptions::default()).await.unwrap().plaintext[..], pt[..]);
    }
    let ops = ops.lock().unwrap();
    assert!(ops.iter().all(|o| o.ends_with(':')), "every call succeeded and was audited: {ops:?}");
}

#[tokio::test]
async fn discovery_and_filters() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let strict = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    let msg = encrypt(&strict, b"discover me", &opts(SUITES[1])).await.unwrap().ciphertext;
    let account = k1.split(':').nth(4).unwrap().to_string();

    let any = KmsKeyring::discovery(client.clone(), None).unwrap();
    assert_eq!(&decrypt(&any, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..], b"discover me");
    let filtered = KmsKeyring::discovery(client.clone(), Some(DiscoveryFilter { partition: "aws".into(), account_ids: vec![account.clone()] })).unwrap();
    // A filter naming no partition or no account would match no key: refused, as in JS.
    for (partition, account_ids) in [("", vec![account.clone()]), ("aws", vec![]), ("aws", vec![" ".to_owned()])] {
        let e = KmsKeyring::discovery(client.clone(), Some(DiscoveryFilter { partition: partition.into(), account_ids })).unwrap_err();
        assert_eq!((e.name(), e.field()), ("ValidationError", Some("discoveryFilter")));
    }
    assert!(decrypt(&filtered, &msg, &DecryptOptions::default()).await.is_ok());

    // Filters that exclude the key: no KMS call at all.
    for filter in [DiscoveryFilter { partition: "aws".into(), account_ids: vec!["000000000000".into()] }, DiscoveryFilter { partition: "aws-cn".into(), account_ids: vec![account] }] {
        let (c, ops) = counting_client();
        let kr = KmsKeyring::discovery(c, Some(filter)).unwrap();
        assert_eq!(decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap_err().name(), "NoUsableKeyError");
        assert!(ops.lock().unwrap().is_empty());
    }
    // A discovery keyring cannot encrypt.
    assert_eq!(encrypt(&any, b"x", &EncryptOptions::default()).await.unwrap_err().name(), "KeyringError");
}

#[tokio::test]
async fn strict_keyring_skips_other_keys_and_limits_edks() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let k2 = common::new_symmetric_key(&client).await;
    let k3 = common::new_symmetric_key(&client).await;
    let two = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![k2.clone()]).unwrap();
    let msg = encrypt(&two, b"x", &EncryptOptions::default()).await.unwrap().ciphertext;

    let (c, ops) = counting_client();
    let other = KmsKeyring::new(c.clone(), Some(k3), vec![]).unwrap();
    let e = decrypt(&other, &msg, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "NoUsableKeyError");
    assert!(ops.lock().unwrap().is_empty(), "no KMS call for keys the keyring may not use");

    let kr = KmsKeyring::new(c, Some(k2), vec![]).unwrap();
    let e = decrypt(&kr, &msg, &DecryptOptions { max_encrypted_data_keys: Some(1), ..Default::default() }).await.unwrap_err();
    assert_eq!(e.name(), "TooManyEncryptedDataKeysError");
    assert!(ops.lock().unwrap().is_empty(), "no KMS call when there are too many EDKs");
    assert!(decrypt(&kr, &msg, &DecryptOptions { max_encrypted_data_keys: Some(2), ..Default::default() }).await.is_ok());
    assert_eq!(ops.lock().unwrap().as_slice(), ["Decrypt:"]);
}

#[tokio::test]
async fn kms_refusals_are_typed() {
    let client = common::client();
    // Unknown key on encrypt: the KMS exception name comes through.
    let missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000".to_string();
    let kr = KmsKeyring::new(client.clone(), Some(missing.clone()), vec![]).unwrap();
    let e = encrypt(&kr, b"x", &EncryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "NotFoundException");

    // (A key disabled or pending deletion: moto does not enforce key state, so the fixture tests
    // below answer as KMS does.)

    // An EDK whose blob KMS cannot decrypt: the KMS error name is in the message.
    let k = common::new_symmetric_key(&client).await;
    let kr = KmsKeyring::new(client.clone(), Some(k.clone()), vec![]).unwrap();
    let mut msg = encrypt(&kr, b"x", &EncryptOptions { suite: SUITES[0], ..Default::default() }).await.unwrap().ciphertext;
    // Corrupt the middle of the EDK ciphertext (after the ARN).
    let at = msg.windows(k.len()).position(|w| w == k.as_bytes()).unwrap() + k.len() + 40;
    msg[at] ^= 0xFF;
    let e = decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "NoUsableKeyError");
    assert!(e.message().contains(&k), "{e}");
}

#[tokio::test]
async fn multi_keyring_with_kms_and_raw_aes() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let kms: Arc<dyn kms_wasm::envelope::Keyring> = Arc::new(KmsKeyring::new(client.clone(), Some(k1), vec![]).unwrap());
    let raw: Arc<dyn kms_wasm::envelope::Keyring> = Arc::new(RawAesKeyring::new("backup", "escrow", &[5u8; 32]).unwrap());
    let multi = MultiKeyring::new(Some(kms.clone()), vec![raw.clone()]).unwrap();
    let msg = encrypt(&multi, b"both", &EncryptOptions::default()).await.unwrap().ciphertext;
    for kr in [&kms, &raw] {
        assert_eq!(&decrypt(&**kr, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..], b"both");
    }
    // Raw AES as generator, KMS as child: KMS Encrypt wraps the raw keyring's data key.
    let multi = MultiKeyring::new(Some(raw.clone()), vec![kms.clone()]).unwrap();
    let msg = encrypt(&multi, b"both", &EncryptOptions::default()).await.unwrap().ciphertext;
    assert_eq!(&decrypt(&*kms, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..], b"both");
}

/// A KMS error answer as KMS words it: `{"__type", "message"}` with a request id.
fn kms_error_answer(name: &str, status: u16) -> HttpResponse {
    let body = format!("{{\"__type\":\"{name}\",\"message\":\"refused by fixture\"}}").into_bytes();
    HttpResponse { status, headers: vec![("x-amzn-requestid".into(), "fixture".into())], body }
}

/// Answers every request with one canned KMS error.
struct Refusing {
    name: &'static str,
    status: u16,
    calls: AtomicU32,
}

impl HttpClient for Refusing {
    fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = kms_error_answer(self.name, self.status);
        Box::pin(async move { Ok(answer) })
    }
}

fn refusing_client(name: &'static str, status: u16) -> (KmsClient, Arc<Refusing>) {
    let http = Arc::new(Refusing { name, status, calls: AtomicU32::new(0) });
    let config = Config::builder()
        .region("us-east-1")
        .endpoint("https://kms.us-east-1.amazonaws.com")
        .credentials(Credentials::new("AKIDFIXTURE", "fixture-secret", None))
        .retry(RetryConfig { max_attempts: 1, base_delay_ms: 1, max_delay_ms: 2 })
        .build()
        .unwrap();
    (KmsClient::with_http_client(config, http.clone()), http)
}

#[tokio::test]
async fn fixture_disabled_key_and_access_denied_on_decrypt() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let k2 = common::new_symmetric_key(&client).await;
    let kr = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![k2.clone()]).unwrap();
    let msg = encrypt(&kr, b"refuse me", &EncryptOptions::default()).await.unwrap().ciphertext;
    for (name, status) in [("DisabledException", 400), ("AccessDeniedException", 400), ("KMSInvalidStateException", 400)] {
        let (c, http) = refusing_client(name, status);
        let kr = KmsKeyring::new(c, Some(k1.clone()), vec![k2.clone()]).unwrap();
        let e = decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap_err();
        assert_eq!(e.name(), "NoUsableKeyError");
        assert!(e.message().contains(name), "{e}");
        assert!(e.message().contains(&k1) && e.message().contains(&k2), "both EDKs tried: {e}");
        assert_eq!(http.calls.load(Ordering::SeqCst), 2);
    }
}

#[tokio::test]
async fn fixture_disabled_key_on_encrypt() {
    let (c, _) = refusing_client("DisabledException", 400);
    let kr = KmsKeyring::new(c, Some("arn:aws:kms:us-east-1:111122223333:key/abc".into()), vec![]).unwrap();
    let e = encrypt(&kr, b"x", &EncryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "DisabledException");
}

/// kms-local with its Decrypt answers' `KeyId` replaced by `key_id`: KMS answering for a key
/// other than the one asked (moto never does). Counts the Decrypt calls it rewrote.
struct AnswersForAnotherKey {
    inner: Arc<dyn HttpClient>,
    key_id: String,
    rewritten: AtomicU32,
}

impl HttpClient for AnswersForAnotherKey {
    fn send(&self, request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        let decrypt = common::operation(&request) == "Decrypt";
        Box::pin(async move {
            let mut resp = self.inner.send(request, timeout_ms).await?;
            if decrypt && resp.status == 200 {
                let mut answer: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
                answer["KeyId"] = self.key_id.clone().into();
                resp.body = answer.to_string().into_bytes();
                self.rewritten.fetch_add(1, Ordering::SeqCst);
            }
            Ok(resp)
        })
    }
}

#[tokio::test]
async fn fixture_a_data_key_kms_answers_for_another_key_is_not_used() {
    // The keyring asked for the EDK's key; a plaintext KMS says came from another key is not
    // that key's data key (the spec's check), however well it decrypts.
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let k2 = common::new_symmetric_key(&client).await;
    let msg = encrypt(&KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap(), b"for k1 only", &opts(SUITES[0])).await.unwrap().ciphertext;
    let http = Arc::new(AnswersForAnotherKey { inner: kms_wasm::transport::default_http_client(), key_id: k2.clone(), rewritten: AtomicU32::new(0) });
    let kr = KmsKeyring::new(common::client_over(http.clone()), Some(k1.clone()), vec![k2]).unwrap();
    let e = decrypt(&kr, &msg, &DecryptOptions::default()).await.map(|d| d.plaintext.to_vec()).unwrap_err();
    assert_eq!(e.name(), "NoUsableKeyError", "{e}");
    assert!(e.message().contains(&format!("{k1}: KMS answered for another key")), "{e}");
    assert_eq!(http.rewritten.load(Ordering::SeqCst), 1, "refused on the answer, after asking KMS");
}

#[test]
fn keyrings_refuse_bad_construction() {
    let (client, http) = refusing_client("NotUsed", 400);
    let refused = |r: kms_wasm::Result<KmsKeyring>| r.map(|_| ()).unwrap_err();
    assert_eq!(refused(KmsKeyring::new(client.clone(), None, vec![])).field(), Some("generatorKeyId"));
    // Not of a form KMS takes (KMS would refuse it only at the first call; on decrypt it would match no message).
    for (generator, ids, field) in [
        (Some(String::new()), vec![], "generatorKeyId"),
        (Some("  ".to_string()), vec![], "generatorKeyId"),
        (None, vec!["alias/a".to_string(), String::new()], "keyIds"),
        (Some("alias/a".to_string()), vec!["\t".to_string()], "keyIds"),
        (Some("key/k1".to_string()), vec![], "generatorKeyId"),
        (Some(" alias/a".to_string()), vec![], "generatorKeyId"),
        (Some("arn:aws:kms:us-east-1:111122223333:key/".to_string()), vec![], "generatorKeyId"),
        (Some("alias/a".to_string()), vec!["arn:aws:s3:us-east-1:111122223333:key/k1".to_string()], "keyIds"),
    ] {
        let e = refused(KmsKeyring::new(client.clone(), generator, ids));
        assert_eq!((e.name(), e.field()), ("ValidationError", Some(field)), "{e}");
    }
    assert!(KmsKeyring::new(client.clone(), Some("alias/a".into()), vec![]).is_ok());
    let forms = ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/app/prod", "arn:aws:kms:us-east-1:111122223333:alias/app"].map(String::from).to_vec();
    assert!(KmsKeyring::new(client, Some("arn:aws:kms:us-east-1:111122223333:key/k1".into()), forms).is_ok());
    assert_eq!(http.calls.load(Ordering::SeqCst), 0, "construction calls nothing");
    let raw = |ns: &str, key: &[u8]| RawAesKeyring::new(ns, "name", key).map(|_| ()).unwrap_err();
    assert_eq!(raw("ns", &[0; 31]).field(), Some("wrappingKey"));
    assert_eq!(raw("aws-kms", &[0; 32]).field(), Some("keyNamespace"));
    assert_eq!(MultiKeyring::new(None, vec![]).map(|_| ()).unwrap_err().field(), Some("generator"));
}

#[tokio::test]
async fn an_aws_kms_key_not_named_by_key_arn_is_a_malformed_message() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let kr = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    let mut msg = encrypt(&kr, b"x", &EncryptOptions::default()).await.unwrap().ciphertext;
    // The EDK's provider info, same length, no longer a key ARN ("…:kez/…").
    let at = msg.windows(5).position(|w| w == b":key/").expect("the key ARN in the header");
    msg[at + 3] = b'z';
    let (c, ops) = counting_client();
    for keyring in [KmsKeyring::new(c.clone(), Some(k1.clone()), vec![]).unwrap(), KmsKeyring::discovery(c.clone(), None).unwrap()] {
        let e = decrypt(&keyring, &msg, &DecryptOptions::default()).await.unwrap_err();
        assert_eq!(e.name(), "MalformedMessageError", "{e}");
    }
    assert!(ops.lock().unwrap().is_empty(), "no KMS call");
    // Wherever it sits: here after a key the keyring may use, which is not tried either.
    let k2 = common::new_symmetric_key(&client).await;
    let two = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![k2]).unwrap();
    let mut msg = encrypt(&two, b"x", &EncryptOptions::default()).await.unwrap().ciphertext;
    let at = msg.windows(5).rposition(|w| w == b":key/").expect("the second key ARN in the header");
    msg[at + 3] = b'z';
    for keyring in [KmsKeyring::new(c.clone(), Some(k1.clone()), vec![]).unwrap(), KmsKeyring::discovery(c.clone(), None).unwrap()] {
        let e = decrypt(&keyring, &msg, &DecryptOptions::default()).await.unwrap_err();
        assert_eq!(e.name(), "MalformedMessageError", "{e}");
    }
    assert!(ops.lock().unwrap().is_empty(), "no KMS call");
}

/// What `Scripted` does with one request.
#[derive(Clone, Copy)]
enum Step {
    /// On to kms-local.
    Forward,
    /// To a loopback port nothing listens on: a real connection failure.
    Unreachable,
    /// A canned KMS error answer.
    Answer(&'static str, u16),
}

/// kms-local behind a script of what each request meets; requests past the script go through.
struct Scripted {
    inner: Arc<dyn HttpClient>,
    closed_port: u16,
    script: Mutex<std::collections::VecDeque<Step>>,
}

impl Scripted {
    fn new(script: &[Step]) -> Arc<Self> {
        // Bound then released: nothing listens there.
        let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Arc::new(Scripted { inner: kms_wasm::transport::default_http_client(), closed_port, script: Mutex::new(script.iter().copied().collect()) })
    }
}

impl HttpClient for Scripted {
    fn send(&self, mut request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        let step = self.script.lock().unwrap().pop_front().unwrap_or(Step::Forward);
        Box::pin(async move {
            match step {
                Step::Forward => self.inner.send(request, timeout_ms).await,
                Step::Unreachable => {
                    request.url = format!("http://127.0.0.1:{}/", self.closed_port);
                    self.inner.send(request, timeout_ms).await
                }
                Step::Answer(name, status) => Ok(kms_error_answer(name, status)),
            }
        })
    }
}

#[tokio::test]
async fn a_discovery_keyring_that_cannot_reach_a_region_the_message_names_fails_on_that_key_not_as_an_outage() {
    // Whoever wrote a message chose the regions a discovery keyring calls for it: one out of
    // reach there is a verdict on the message (a caller retrying outages would retry it for
    // ever), unlike its own region's outage, or a region a strict keyring was given.
    let client = common::client();
    let here = common::new_symmetric_key(&client).await;
    let (_, there) = common::new_key_in_another_region(&client).await;
    let msg = encrypt(&KmsKeyring::new(client.clone(), Some(here.clone()), vec![there.clone()]).unwrap(), b"two regions", &opts(SUITES[1])).await.unwrap().ciphertext;
    let denied = Step::Answer("AccessDeniedException", 400);
    // The EDKs in order: this region's key, then the other region's.
    for (script, discovery, strict) in [(&[denied, Step::Unreachable][..], "NoUsableKeyError", "NetworkError"), (&[Step::Unreachable, denied][..], "NetworkError", "NetworkError")] {
        let keyring = KmsKeyring::discovery(common::client_over_without_retries(Scripted::new(script)), None).unwrap();
        let e = decrypt(&keyring, &msg, &DecryptOptions::default()).await.map(|d| d.plaintext.to_vec()).unwrap_err();
        assert_eq!(e.name(), discovery, "discovery: {e}");
        if discovery == "NoUsableKeyError" {
            assert!(e.message().contains(&format!("{there}: NetworkError")), "says why that key failed: {e}");
        }
        let keyring = KmsKeyring::new(common::client_over_without_retries(Scripted::new(script)), Some(here.clone()), vec![there.clone()]).unwrap();
        let e = decrypt(&keyring, &msg, &DecryptOptions::default()).await.map(|d| d.plaintext.to_vec()).unwrap_err();
        assert_eq!(e.name(), strict, "strict: {e}");
    }
}

#[tokio::test]
async fn a_decrypt_kms_could_not_answer_fails_with_that_failure_not_no_usable_key() {
    // An outage is not a verdict on the message: the caller sees the network error, the
    // throttling or the server fault it may retry, whatever KMS said of the other keys.
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let k2 = common::new_symmetric_key(&client).await;
    let msg = encrypt(&KmsKeyring::new(client.clone(), Some(k1.clone()), vec![k2.clone()]).unwrap(), b"two keys", &opts(SUITES[1])).await.unwrap().ciphertext;
    let denied = Step::Answer("AccessDeniedException", 400);
    let cases: [(&[Step], &str); 9] = [
        (&[Step::Unreachable, Step::Unreachable], "NetworkError"),
        (&[denied, Step::Unreachable], "NetworkError"),
        (&[Step::Unreachable, denied], "NetworkError"),
        (&[Step::Answer("ThrottlingException", 400), denied], "ThrottlingException"),
        (&[denied, Step::Answer("KMSInternalException", 500)], "KMSInternalException"),
        // The caller's credentials refused (KMS's names; fixture answers): no verdict on the key.
        (&[Step::Answer("UnrecognizedClientException", 400), denied], "UnrecognizedClientException"),
        (&[denied, Step::Answer("ExpiredTokenException", 400)], "ExpiredTokenException"),
        // Verdicts only: the keyring's own error, naming both.
        (&[denied, Step::Answer("IncorrectKeyException", 400)], "NoUsableKeyError"),
        (&[denied, denied], "NoUsableKeyError"),
    ];
    for (script, expected) in cases {
        let kr = KmsKeyring::new(common::client_over_without_retries(Scripted::new(script)), Some(k1.clone()), vec![k2.clone()]).unwrap();
        let e = decrypt(&kr, &msg, &DecryptOptions::default()).await.map(|d| d.plaintext.to_vec()).unwrap_err();
        assert_eq!(e.name(), expected, "{e}");
    }
    // A wrong secret, refused by kms-local's signature check: that refusal, not NoUsableKeyError.
    let env = common::local_env();
    let wrong = common::client_with(kms_wasm::Credentials::new(&env["AWS_ACCESS_KEY_ID"], "wrong-secret-key-value", None));
    let e = decrypt(&KmsKeyring::new(wrong, Some(k1.clone()), vec![k2.clone()]).unwrap(), &msg, &DecryptOptions::default()).await.map(|d| d.plaintext.to_vec()).unwrap_err();
    assert_eq!(e.http_status(), Some(403), "{e}");
    assert_ne!(e.name(), "NoUsableKeyError");
    // One key unreachable, the other answering: the message decrypts.
    let kr = KmsKeyring::new(common::client_over_without_retries(Scripted::new(&[Step::Unreachable])), Some(k1.clone()), vec![k2.clone()]).unwrap();
    assert_eq!(&decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..], b"two keys");

    // In a multi-keyring beside a raw AES keyring that has no key of the message.
    let raw: Arc<dyn kms_wasm::envelope::Keyring> = Arc::new(RawAesKeyring::new("backup", "escrow", &[5u8; 32]).unwrap());
    for (script, expected) in [(&[Step::Unreachable, Step::Unreachable][..], "NetworkError"), (&[denied, denied][..], "NoUsableKeyError")] {
        for kms_first in [false, true] {
            let kms: Arc<dyn kms_wasm::envelope::Keyring> = Arc::new(KmsKeyring::new(common::client_over_without_retries(Scripted::new(script)), Some(k1.clone()), vec![k2.clone()]).unwrap());
            let multi = if kms_first { MultiKeyring::new(Some(kms), vec![raw.clone()]) } else { MultiKeyring::new(Some(raw.clone()), vec![kms]) }.unwrap();
            let e = decrypt(&multi, &msg, &DecryptOptions::default()).await.map(|d| d.plaintext.to_vec()).unwrap_err();
            assert_eq!(e.name(), expected, "{e}");
        }
    }
}
