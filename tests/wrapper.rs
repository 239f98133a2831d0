//! The key-id-carrying wrapper against kms-local (round trips, rotation and
//! key changes, key checks, audit entries) and against fixtures for the
//! states moto cannot produce; plus the KMS client's audit hook.

mod common;

use std::sync::{Arc, Mutex};

use kms_wasm::kms::*;
use kms_wasm::platform::BoxFuture;
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::wrapper::{is_key_unavailable, KmsWrapper, WrapperAuditEvent, WrapperConfig, KEY_DISABLED, KEY_INVALID_STATE};
use kms_wasm::{Config, Credentials, ErrorKind, Result, SecretString};

fn wrapper_for(key: &str) -> KmsWrapper {
    KmsWrapper::new(common::client(), key)
}

#[tokio::test]
async fn round_trip_from_config_and_environment() {
    let env = common::local_env();
    let key = common::new_symmetric_key(&common::client()).await;
    // Key id from the environment map, the rest too (AWS_ENDPOINT_URL_KMS as endpoint).
    let mut vars = env.clone();
    vars.insert("AWSKMS_WRAPPER_KEY_ID".into(), key.clone());
    let w = KmsWrapper::from_config(WrapperConfig::default(), &vars).unwrap();
    let blob = w.encrypt(b"card 4111 1111 1111 1111", Some(b"user:42")).await.unwrap();
    assert_eq!(&blob[..4], b"KMSW");
    assert_eq!(KmsWrapper::key_id_of(&blob).unwrap(), key);
    // The whole plaintext: a short piece such as "4111" can occur in the key ARN's random UUID.
    let secret = b"card 4111 1111 1111 1111";
    assert!(!blob.windows(secret.len()).any(|w| w == secret), "plaintext not in the blob");
    assert_eq!(*w.decrypt(&blob, Some(b"user:42")).await.unwrap(), b"card 4111 1111 1111 1111");
    // Two encryptions differ (fresh data key and IV).
    assert_ne!(w.encrypt(b"same", None).await.unwrap(), w.encrypt(b"same", None).await.unwrap());
    // Empty and large plaintexts (the data key, not KMS, encrypts: no 4 KiB limit).
    for size in [0usize, 1, 100_000] {
        let data = vec![0x5a; size];
        let blob = w.encrypt(&data, None).await.unwrap();
        assert_eq!(*w.decrypt(&blob, None).await.unwrap(), data);
    }

    // Everything from the config struct instead.
    let w = KmsWrapper::from_config(
        WrapperConfig {
            region: Some(env["AWS_REGION"].clone()),
            access_key: Some(env["AWS_ACCESS_KEY_ID"].clone()),
            secret_key: Some(SecretString::new(&env["AWS_SECRET_ACCESS_KEY"])),
            session_token: None,
            key_id: Some(key.clone()),
            endpoint: Some(env["AWS_ENDPOINT_URL_KMS"].clone()),
        },
        std::iter::empty::<(&str, &str)>(),
    )
    .unwrap();
    assert_eq!(*w.decrypt(&blob, Some(b"user:42")).await.unwrap(), b"card 4111 1111 1111 1111");
}

#[tokio::test]
async fn wrong_aad_or_tampering_fails_authentication() {
    let kms = common::client();
    let w = wrapper_for(&common::new_symmetric_key(&kms).await);
    let blob = w.encrypt(b"secret", Some(b"ctx")).await.unwrap();
    assert_eq!(w.decrypt(&blob, None).await.unwrap_err().name(), "AuthenticationError");
    assert_eq!(w.decrypt(&blob, Some(b"other")).await.unwrap_err().name(), "AuthenticationError");
    let mut flipped = blob.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert_eq!(w.decrypt(&flipped, Some(b"ctx")).await.unwrap_err().name(), "AuthenticationError");
    let e = w.decrypt(&blob[..20], Some(b"ctx")).await.unwrap_err();
    assert_eq!((e.kind(), e.name()), (ErrorKind::Envelope, "MalformedMessageError"));
    assert_eq!(w.decrypt(b"not a blob", None).await.unwrap_err().name(), "MalformedMessageError");
}

#[tokio::test]
async fn rotation_and_key_change_keep_old_blobs_decryptable() {
    let kms = common::client();
    let (k1, k2) = (common::new_symmetric_key(&kms).await, common::new_symmetric_key(&kms).await);
    let w1 = wrapper_for(&k1);
    let before = w1.encrypt(b"before rotation", None).await.unwrap();
    kms.rotate_key_on_demand(RotateKeyOnDemandRequest { key_id: k1.clone() }).await.unwrap();
    let after = w1.encrypt(b"after rotation", None).await.unwrap();
    assert_eq!(*w1.decrypt(&before, None).await.unwrap(), b"before rotation");
    assert_eq!(*w1.decrypt(&after, None).await.unwrap(), b"after rotation");

    // Reconfigured with another key: new blobs name k2, old ones still name (and use) k1.
    let w2 = wrapper_for(&k2);
    let new = w2.encrypt(b"new key", None).await.unwrap();
    assert_eq!(KmsWrapper::key_id_of(&new).unwrap(), k2);
    assert_eq!(KmsWrapper::key_id_of(&before).unwrap(), k1);
    assert_eq!(*w2.decrypt(&before, None).await.unwrap(), b"before rotation");
    assert_eq!(*w2.decrypt(&new, None).await.unwrap(), b"new key");

    // Configured by alias: the blob records the key ARN, so moving the alias does not matter.
    let alias = format!("alias/kms-wasm/wrapper-{:08x}", kms_wasm::platform::random_u64() as u32);
    kms.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: k1.clone() }).await.unwrap();
    let wa = wrapper_for(&alias);
    let via_alias = wa.encrypt(b"via alias", None).await.unwrap();
    assert_eq!(KmsWrapper::key_id_of(&via_alias).unwrap(), k1);
    kms.update_alias(UpdateAliasRequest { alias_name: alias.clone(), target_key_id: k2.clone() }).await.unwrap();
    assert_eq!(*wa.decrypt(&via_alias, None).await.unwrap(), b"via alias");
}

#[tokio::test]
async fn a_key_in_another_region_is_called_there() {
    // moto keeps keys per region: sent to the client's own region, these calls find no key.
    let kms = common::client();
    let here = common::new_symmetric_key(&kms).await;
    let (other_region, there) = common::new_key_in_another_region(&kms).await;
    assert!(there.contains(&format!(":kms:{other_region}:")), "{there}");

    let w_there = wrapper_for(&there);
    let blob = w_there.encrypt(b"kept in another region", None).await.unwrap();
    assert_eq!(KmsWrapper::key_id_of(&blob).unwrap(), there);
    assert_eq!(*w_there.decrypt(&blob, None).await.unwrap(), b"kept in another region");
    assert_eq!(w_there.describe().await.unwrap().arn.as_deref(), Some(there.as_str()));

    // Moved to a key of the client's region: blobs of the old key still decrypt, in its region.
    let w_here = wrapper_for(&here);
    assert_eq!(*w_here.decrypt(&blob, None).await.unwrap(), b"kept in another region");
    let new = w_here.encrypt(b"here now", None).await.unwrap();
    assert_eq!(*w_there.decrypt(&new, None).await.unwrap(), b"here now");
}

#[tokio::test]
async fn a_blob_naming_a_malformed_region_is_refused_before_any_request() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let blob = wrapper_for(&key).encrypt(b"stay home", None).await.unwrap();
    // The blob's ARN is read before anything authenticates it: make it name a host, not a region.
    let n = u16::from_be_bytes([blob[5], blob[6]]) as usize;
    let region = key.split(':').nth(3).unwrap();
    let forged_arn = key.replacen(&format!(":{region}:"), ":evil.example/x:", 1);
    let mut forged = blob[..5].to_vec();
    forged.extend_from_slice(&(forged_arn.len() as u16).to_be_bytes());
    forged.extend_from_slice(forged_arn.as_bytes());
    forged.extend_from_slice(&blob[7 + n..]);
    assert_eq!(KmsWrapper::key_id_of(&forged).unwrap(), forged_arn);
    let e = wrapper_for(&key).decrypt(&forged, None).await.unwrap_err();
    assert_eq!((e.kind(), e.field(), e.http_status()), (ErrorKind::Config, Some("region"), None), "{e}");
}

#[tokio::test]
async fn only_symmetric_encryption_keys_are_accepted() {
    let kms = common::client();
    for (spec, usage) in [(KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt), (KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac), (KeySpec::EccNistP256, KeyUsageType::SignVerify)] {
        let key = kms.create_key(CreateKeyRequest { key_spec: Some(spec.clone()), key_usage: Some(usage), ..Default::default() }).await.unwrap().key_metadata.unwrap().arn.unwrap();
        let w = wrapper_for(&key);
        let e = w.encrypt(b"x", None).await.unwrap_err();
        assert_eq!((e.kind(), e.field()), (ErrorKind::Validation, Some("keyId")), "{spec}: {e}");
        assert!(e.message().contains("symmetric encryption keys"), "{e}");
        // describe() still reports the key.
        assert_eq!(w.describe().await.unwrap().key_spec, Some(spec));
    }
}

#[tokio::test]
async fn disabled_and_pending_deletion_keys_refuse_value_operations() {
    let kms = common::client();
    let key = kms.create_key(CreateKeyRequest::default()).await.unwrap().key_metadata.unwrap();
    let w = wrapper_for(key.arn.as_deref().unwrap());
    let blob = w.encrypt(b"while enabled", None).await.unwrap();

    kms.disable_key(DisableKeyRequest { key_id: key.key_id.clone() }).await.unwrap();
    let e = w.encrypt(b"x", None).await.unwrap_err();
    assert_eq!(e.name(), KEY_DISABLED, "{e}");
    assert!(is_key_unavailable(&e));
    assert_eq!(w.decrypt(&blob, None).await.unwrap_err().name(), KEY_DISABLED);
    assert_eq!(w.describe().await.unwrap().key_state, Some(KeyState::Disabled));

    kms.enable_key(EnableKeyRequest { key_id: key.key_id.clone() }).await.unwrap();
    assert_eq!(*w.decrypt(&blob, None).await.unwrap(), b"while enabled", "state is re-read (no stale cache)");

    kms.schedule_key_deletion(ScheduleKeyDeletionRequest { key_id: key.key_id.clone(), pending_window_in_days: Some(7) }).await.unwrap();
    let e = w.decrypt(&blob, None).await.unwrap_err();
    assert_eq!(e.name(), KEY_INVALID_STATE, "{e}");
    assert!(e.message().contains("PendingDeletion"), "{e}");
    assert_eq!(w.encrypt(b"x", None).await.unwrap_err().name(), KEY_INVALID_STATE);
    assert_eq!(w.describe().await.unwrap().key_state, Some(KeyState::PendingDeletion));
}

#[tokio::test]
async fn wrapper_audit_entries_for_every_crypto_call() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let events = Arc::new(Mutex::new(Vec::<WrapperAuditEvent>::new()));
    let sink = events.clone();
    let w = wrapper_for(&key).with_audit_hook(Arc::new(move |e: &WrapperAuditEvent| sink.lock().unwrap().push(e.clone())));
    let blob = w.encrypt(b"plaintext-marker", None).await.unwrap();
    w.decrypt(&blob, None).await.unwrap();
    w.decrypt(&blob, Some(b"wrong")).await.unwrap_err();
    w.describe().await.unwrap();
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events,
        vec![
            WrapperAuditEvent { action: "kms.encrypt", key_id: Some(key.clone()), ok: true, error_name: None },
            WrapperAuditEvent { action: "kms.decrypt", key_id: Some(key.clone()), ok: true, error_name: None },
            WrapperAuditEvent { action: "kms.decrypt", key_id: Some(key.clone()), ok: false, error_name: Some("AuthenticationError".into()) },
        ],
        "describe is not audited as a crypto call"
    );
    assert!(!format!("{events:?}").contains("plaintext-marker"));
}

#[tokio::test]
async fn client_audit_hook_fires_on_success_and_failure_without_secrets() {
    let env = common::local_env();
    let events = Arc::new(Mutex::new(Vec::<AuditEvent>::new()));
    let sink = events.clone();
    let kms = common::client().with_audit_hook(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())));
    let key = common::new_symmetric_key(&kms).await;
    let enc = kms.encrypt(EncryptRequest { key_id: key.clone(), plaintext: b"plaintext-marker-123".to_vec().into(), ..Default::default() }).await.unwrap();
    kms.decrypt(DecryptRequest { ciphertext_blob: enc.ciphertext_blob, ..Default::default() }).await.unwrap();
    let missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    kms.describe_key(DescribeKeyRequest { key_id: missing.into(), ..Default::default() }).await.unwrap_err();
    let w = KmsWrapper::new(kms.clone(), &key);
    let blob = w.encrypt(b"wrapped-plaintext-marker", None).await.unwrap();
    w.decrypt(&blob, None).await.unwrap();

    let events = events.lock().unwrap().clone();
    let ops: Vec<&str> = events.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(ops, ["CreateKey", "Encrypt", "Decrypt", "DescribeKey", "DescribeKey", "GenerateDataKey", "DescribeKey", "Decrypt"]);
    let ok = &events[1];
    assert_eq!((ok.key_id.as_deref(), ok.http_status, ok.attempts, ok.error_name.as_deref()), (Some(key.as_str()), Some(200), 1, None));
    assert!(ok.request_id.is_some());
    assert_eq!(events[2].key_id.as_deref(), Some(key.as_str()), "Decrypt takes its key from the answer");
    let failed = &events[3];
    assert_eq!((failed.key_id.as_deref(), failed.http_status, failed.error_name.as_deref()), (Some(missing), Some(400), Some("NotFoundException")));
    let all = format!("{events:?}");
    for secret in ["plaintext-marker-123", "wrapped-plaintext-marker", env["AWS_SECRET_ACCESS_KEY"].as_str()] {
        assert!(!all.contains(secret), "audit events leak {secret}");
    }
    // Nor base64 of the plaintext.
    use base64::Engine;
    assert!(!all.contains(&base64::engine::general_purpose::STANDARD.encode(b"plaintext-marker-123")));
}

// ---------------------------------------------------------------------------
// Fixtures: KMS answers moto cannot produce, in the real wire format.
// ---------------------------------------------------------------------------

const FIXTURE_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Answers DescribeKey with `state`; records the operations asked for; any
/// other operation answers with `other` (status, error type).
struct Fixture {
    state: &'static str,
    other: (u16, &'static str),
    ops: Mutex<Vec<String>>,
}

impl HttpClient for Fixture {
    fn send(&self, request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        let target = common::operation(&request);
        self.ops.lock().unwrap().push(target.clone());
        let (status, body) = if target == "DescribeKey" {
            let body = serde_json::json!({"KeyMetadata": {
                "AWSAccountId": "111122223333", "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "Arn": FIXTURE_ARN,
                "CreationDate": 1.7e9, "Enabled": false, "Description": "", "KeyUsage": "ENCRYPT_DECRYPT",
                "KeyState": self.state, "Origin": "EXTERNAL_KEY_STORE", "KeyManager": "CUSTOMER",
                "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeySpec": "SYMMETRIC_DEFAULT", "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": false
            }});
            (200, body.to_string())
        } else {
            (self.other.0, serde_json::json!({"__type": self.other.1, "message": "fixture refusal"}).to_string())
        };
        Box::pin(async move { Ok(HttpResponse { status, headers: vec![("x-amzn-requestid".into(), "fixture-rid".into())], body: body.into_bytes() }) })
    }
}

fn fixture_wrapper(state: &'static str, other: (u16, &'static str)) -> (Arc<Fixture>, KmsWrapper) {
    let fixture = Arc::new(Fixture { state, other, ops: Mutex::new(vec![]) });
    let config = Config::builder().region("us-east-1").credentials(Credentials::new("AKIDFIXTURE", "fixture-secret", None)).max_attempts(1).build().unwrap();
    (fixture.clone(), KmsWrapper::new(KmsClient::with_http_client(config, fixture), FIXTURE_ARN))
}

#[tokio::test]
async fn fixture_unavailable_key_store_state_is_refused_before_any_value_call() {
    // "Unavailable" (a disconnected custom key store) is a state moto never reports.
    let (fixture, w) = fixture_wrapper("Unavailable", (400, "KMSInvalidStateException"));
    let e = w.encrypt(b"x", None).await.unwrap_err();
    assert_eq!(e.name(), KEY_INVALID_STATE);
    assert!(e.message().contains("Unavailable"), "{e}");
    assert_eq!(w.describe().await.unwrap().key_state, Some(KeyState::Unavailable));
    assert_eq!(*fixture.ops.lock().unwrap(), ["DescribeKey", "DescribeKey"], "GenerateDataKey is never sent");
}

#[tokio::test]
async fn fixture_kms_enforced_state_errors_pass_through_typed() {
    // Real KMS enforces key state itself: DescribeKey still says Enabled (a
    // race), GenerateDataKey answers DisabledException. Same typed error.
    let (fixture, w) = fixture_wrapper("Enabled", (400, "DisabledException"));
    let e = w.encrypt(b"x", None).await.unwrap_err();
    assert_eq!((e.name(), e.http_status(), e.request_id()), (KEY_DISABLED, Some(400), Some("fixture-rid")));
    assert!(is_key_unavailable(&e));
    assert_eq!(*fixture.ops.lock().unwrap(), ["DescribeKey", "GenerateDataKey"]);
}

/// kms-local with its answers to some operations rewritten by `rewrite(operation, answer)`: the
/// wire format of answers moto never gives.
struct Rewriting {
    inner: Arc<dyn HttpClient>,
    rewrite: fn(&str, &mut serde_json::Value),
}

impl HttpClient for Rewriting {
    fn send(&self, request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        let target = common::operation(&request);
        Box::pin(async move {
            let mut resp = self.inner.send(request, timeout_ms).await?;
            if resp.status == 200 {
                let mut answer: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
                (self.rewrite)(&target, &mut answer);
                resp.body = answer.to_string().into_bytes();
            }
            Ok(resp)
        })
    }
}

fn rewriting_wrapper(key: &str, rewrite: fn(&str, &mut serde_json::Value)) -> KmsWrapper {
    KmsWrapper::new(common::client_over(Arc::new(Rewriting { inner: kms_wasm::transport::default_http_client(), rewrite })), key)
}

#[tokio::test]
async fn fixture_a_decrypt_answered_for_another_key_releases_nothing() {
    let client = common::client();
    let key = common::new_symmetric_key(&client).await;
    let blob = wrapper_for(&key).encrypt(b"secret", None).await.unwrap();
    let w = rewriting_wrapper(&key, |op, answer| {
        if op == "Decrypt" {
            answer["KeyId"] = "arn:aws:kms:us-east-1:999999999999:key/bbbbbbbb-2222-3333-4444-555555555555".into();
        }
    });
    let e = w.decrypt(&blob, None).await.unwrap_err();
    assert_eq!(e.name(), "SerializationException", "{e}");
}

#[tokio::test]
async fn fixture_a_key_named_without_its_arn_is_refused_at_encrypt_not_written_unreadable() {
    let client = common::client();
    let key = common::new_symmetric_key(&client).await;
    let bare_id = key.rsplit('/').next().unwrap().to_owned();
    let w = rewriting_wrapper(&bare_id, |op, answer| match op {
        "DescribeKey" => drop(answer["KeyMetadata"].as_object_mut().unwrap().remove("Arn")),
        "GenerateDataKey" => drop(answer.as_object_mut().unwrap().remove("KeyId")),
        _ => {}
    });
    let e = w.encrypt(b"secret", None).await.unwrap_err();
    assert_eq!(e.name(), "SerializationException", "{e}");
}
