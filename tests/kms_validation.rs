//! Validation before sending (issue 3, section 3), through the typed client.
//!
//! Rejected inputs go to a client whose HTTP layer panics if it is called,
//! so a rejection provably happens before any request; accepted inputs at
//! each boundary go to a counting client, so the checks are not simply
//! rejecting everything.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use kms_wasm::kms::*;
use kms_wasm::platform::BoxFuture;
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::{Config, Credentials, Error, ErrorKind};

/// Fails the test if anything is sent.
struct MustNotSend;

impl HttpClient for MustNotSend {
    fn send(&self, request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        let target = request.headers.iter().find(|(k, _)| k == "x-amz-target").map(|(_, v)| v.clone());
        panic!("a request was sent although validation should have refused it: {target:?} {}", String::from_utf8_lossy(&request.body));
    }
}

/// Counts requests and answers `200 {}`.
#[derive(Default)]
struct Counting(AtomicU32);

impl HttpClient for Counting {
    fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(HttpResponse { status: 200, headers: vec![], body: b"{}".to_vec() }) })
    }
}

fn config() -> Config {
    Config::builder().region("us-east-1").endpoint("https://kms.us-east-1.amazonaws.com").credentials(Credentials::new("AKIDVALIDATION", "validation-secret", None)).build().unwrap()
}

fn refusing() -> KmsClient {
    KmsClient::with_http_client(config(), Arc::new(MustNotSend))
}

fn counting() -> (KmsClient, Arc<Counting>) {
    let c = Arc::new(Counting::default());
    (KmsClient::with_http_client(config(), c.clone()), c)
}

#[track_caller]
fn refused(err: Error, field: &str) {
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert_eq!(err.field(), Some(field), "{err}");
    assert_eq!(err.attempts(), 0, "{err}");
    assert!(err.message().starts_with(&format!("{field}: ")), "the message names the field: {err}");
}

fn long_alias(total: usize) -> String {
    format!("alias/{}", "a".repeat(total - "alias/".len()))
}

#[tokio::test]
async fn alias_names_are_checked_for_create_update_and_delete() {
    let kms = refusing();
    let bad = [
        "app/no-prefix".to_string(),
        "Alias/upper-prefix".into(),
        "alias/".into(),
        "alias/aws/s3".into(),
        "alias/aws/".into(),
        "alias/has space".into(),
        "alias/ünïcode".into(),
        "alias/colon:name".into(),
        "alias/dot.name".into(),
        "alias/star*".into(),
        long_alias(257),
    ];
    for alias in &bad {
        refused(kms.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: "k".into() }).await.unwrap_err(), "AliasName");
        refused(kms.update_alias(UpdateAliasRequest { alias_name: alias.clone(), target_key_id: "k".into() }).await.unwrap_err(), "AliasName");
        refused(kms.delete_alias(DeleteAliasRequest { alias_name: alias.clone() }).await.unwrap_err(), "AliasName");
    }
    for target in ["alias/other", "arn:aws:kms:us-east-1:111122223333:alias/other"] {
        refused(kms.create_alias(CreateAliasRequest { alias_name: "alias/ok".into(), target_key_id: target.into() }).await.unwrap_err(), "TargetKeyId");
        refused(kms.update_alias(UpdateAliasRequest { alias_name: "alias/ok".into(), target_key_id: target.into() }).await.unwrap_err(), "TargetKeyId");
    }
    let reserved = kms.create_alias(CreateAliasRequest { alias_name: "alias/aws/ebs".into(), target_key_id: "k".into() }).await.unwrap_err();
    assert!(reserved.message().contains("reserved"), "{reserved}");

    let (ok, sent) = counting();
    let good = ["alias/app".to_string(), "alias/App/Prod/billing_1-a".into(), "alias/awsome".into(), "alias/x/aws/y".into(), long_alias(256)];
    for alias in &good {
        ok.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into() }).await.unwrap();
        ok.update_alias(UpdateAliasRequest { alias_name: alias.clone(), target_key_id: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into() }).await.unwrap();
        ok.delete_alias(DeleteAliasRequest { alias_name: alias.clone() }).await.unwrap();
    }
    assert_eq!(sent.0.load(Ordering::SeqCst), 3 * good.len() as u32);
}

#[tokio::test]
async fn deletion_window_is_7_to_30_days() {
    let kms = refusing();
    for days in [i32::MIN, -1, 0, 1, 6, 31, 365, i32::MAX] {
        refused(kms.schedule_key_deletion(ScheduleKeyDeletionRequest { key_id: "k".into(), pending_window_in_days: Some(days) }).await.unwrap_err(), "PendingWindowInDays");
    }
    let (ok, sent) = counting();
    for days in [Some(7), Some(8), Some(29), Some(30), None] {
        ok.schedule_key_deletion(ScheduleKeyDeletionRequest { key_id: "k".into(), pending_window_in_days: days }).await.unwrap();
    }
    assert_eq!(sent.0.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn rotation_period_is_90_to_2560_days() {
    let kms = refusing();
    for days in [-90, 0, 1, 89, 2561, 10_000] {
        refused(kms.enable_key_rotation(EnableKeyRotationRequest { key_id: "k".into(), rotation_period_in_days: Some(days) }).await.unwrap_err(), "RotationPeriodInDays");
    }
    let (ok, sent) = counting();
    for days in [Some(90), Some(365), Some(2560), None] {
        ok.enable_key_rotation(EnableKeyRotationRequest { key_id: "k".into(), rotation_period_in_days: days }).await.unwrap();
    }
    assert_eq!(sent.0.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn encrypt_plaintext_is_1_to_4096_bytes_and_never_echoed() {
    let kms = refusing();
    for len in [0usize, 4097, 5000, 65_536] {
        let secret = "hunter2-".repeat(len / 8 + 1)[..len].to_string();
        let err = kms.encrypt(EncryptRequest { key_id: "k".into(), plaintext: secret.as_bytes().to_vec().into(), ..Default::default() }).await.unwrap_err();
        refused(err.clone(), "Plaintext");
        assert!(err.message().contains(&len.to_string()), "{err}");
        if len > 0 {
            assert!(!format!("{err} {err:?}").contains("hunter2"), "the plaintext never appears in errors");
        }
    }
    let (ok, sent) = counting();
    // Every length mod 3 near both ends, since the check counts base64.
    for len in [1usize, 2, 3, 4, 4094, 4095, 4096] {
        ok.encrypt(EncryptRequest { key_id: "k".into(), plaintext: vec![0xA5; len].into(), ..Default::default() }).await.unwrap();
    }
    assert_eq!(sent.0.load(Ordering::SeqCst), 7);
}

#[tokio::test]
async fn number_of_bytes_is_1_to_1024() {
    let kms = refusing();
    for n in [-1, 0, 1025, 4096] {
        refused(kms.generate_random(GenerateRandomRequest { number_of_bytes: Some(n), ..Default::default() }).await.unwrap_err(), "NumberOfBytes");
        refused(kms.generate_data_key(GenerateDataKeyRequest { key_id: "k".into(), number_of_bytes: Some(n), ..Default::default() }).await.unwrap_err(), "NumberOfBytes");
        refused(
            kms.generate_data_key_without_plaintext(GenerateDataKeyWithoutPlaintextRequest { key_id: "k".into(), number_of_bytes: Some(n), ..Default::default() }).await.unwrap_err(),
            "NumberOfBytes",
        );
    }
    // KeySpec and NumberOfBytes are exclusive, and one of them is needed.
    refused(kms.generate_data_key(GenerateDataKeyRequest { key_id: "k".into(), number_of_bytes: Some(32), key_spec: Some(DataKeySpec::Aes256), ..Default::default() }).await.unwrap_err(), "NumberOfBytes");
    refused(kms.generate_data_key(GenerateDataKeyRequest { key_id: "k".into(), ..Default::default() }).await.unwrap_err(), "KeySpec");
    refused(kms.generate_data_key_without_plaintext(GenerateDataKeyWithoutPlaintextRequest { key_id: "k".into(), ..Default::default() }).await.unwrap_err(), "KeySpec");

    let (ok, sent) = counting();
    for n in [1, 2, 512, 1023, 1024] {
        ok.generate_random(GenerateRandomRequest { number_of_bytes: Some(n), ..Default::default() }).await.unwrap();
        ok.generate_data_key(GenerateDataKeyRequest { key_id: "k".into(), number_of_bytes: Some(n), ..Default::default() }).await.unwrap();
        ok.generate_data_key_without_plaintext(GenerateDataKeyWithoutPlaintextRequest { key_id: "k".into(), number_of_bytes: Some(n), ..Default::default() }).await.unwrap();
    }
    ok.generate_data_key(GenerateDataKeyRequest { key_id: "k".into(), key_spec: Some(DataKeySpec::Aes128), ..Default::default() }).await.unwrap();
    assert_eq!(sent.0.load(Ordering::SeqCst), 16);
}

/// The pairs the KMS CreateKey documentation allows (KeyUsage member docs in
/// botocore's model, and the KMS key spec reference): spec prefix → usages.
const ALLOWED: &[(&str, &[&str])] = &[
    ("SYMMETRIC_DEFAULT", &["ENCRYPT_DECRYPT"]),
    ("HMAC_", &["GENERATE_VERIFY_MAC"]),
    ("RSA_", &["ENCRYPT_DECRYPT", "SIGN_VERIFY"]),
    ("ECC_NIST_P", &["SIGN_VERIFY", "KEY_AGREEMENT"]),
    ("ECC_NIST_EDWARDS25519", &["SIGN_VERIFY"]),
    ("ECC_SECG_P256K1", &["SIGN_VERIFY"]),
    ("ML_DSA_", &["SIGN_VERIFY"]),
    ("ML_KEM_", &["ENCAPSULATE_DECAPSULATE"]),
    ("SM2", &["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"]),
];

fn allowed(spec: &str) -> &'static [&'static str] {
    ALLOWED.iter().find(|(p, _)| spec.starts_with(p)).map(|(_, u)| *u).unwrap_or_else(|| panic!("KeySpec {spec} of the model is not in the table of this test: add its documented usages"))
}

#[tokio::test]
async fn key_spec_and_key_usage_pairs_follow_the_kms_documentation() {
    assert!(KeySpec::VALUES.contains(&"ML_KEM_768") && KeyUsageType::VALUES.contains(&"ENCAPSULATE_DECAPSULATE"));
    let kms = refusing();
    let (ok, sent) = counting();
    let mut accepted = 0;
    for spec in KeySpec::VALUES {
        let allowed = allowed(spec);
        for usage in KeyUsageType::VALUES {
            let req = || CreateKeyRequest { key_spec: Some((*spec).into()), key_usage: Some((*usage).into()), ..Default::default() };
            if allowed.contains(usage) {
                ok.create_key(req()).await.unwrap_or_else(|e| panic!("{spec} + {usage} is allowed: {e}"));
                accepted += 1;
            } else {
                let err = kms.create_key(req()).await.unwrap_err();
                refused(err.clone(), "KeyUsage");
                assert!(err.message().contains(spec) && err.message().contains(usage), "{err}");
            }
        }
        // The deprecated CustomerMasterKeySpec is checked the same way.
        if CustomerMasterKeySpec::VALUES.contains(spec) {
            let wrong = KeyUsageType::VALUES.iter().find(|u| !allowed.contains(u)).unwrap();
            let err = kms.create_key(CreateKeyRequest { customer_master_key_spec: Some((*spec).into()), key_usage: Some((*wrong).into()), ..Default::default() }).await.unwrap_err();
            refused(err, "KeyUsage");
        }
        // Without KeyUsage KMS uses ENCRYPT_DECRYPT, so specs that cannot encrypt need one.
        let bare = CreateKeyRequest { key_spec: Some((*spec).into()), ..Default::default() };
        if allowed.contains(&"ENCRYPT_DECRYPT") {
            ok.create_key(bare).await.unwrap();
            accepted += 1;
        } else {
            refused(kms.create_key(bare).await.unwrap_err(), "KeyUsage");
        }
    }
    ok.create_key(CreateKeyRequest::default()).await.unwrap();
    accepted += 1;
    assert_eq!(sent.0.load(Ordering::SeqCst), accepted);
    // A spec newer than this version is left to KMS.
    ok.create_key(CreateKeyRequest { key_spec: Some("QUANTUM_9000".into()), key_usage: Some("SIGN_VERIFY".into()), ..Default::default() }).await.unwrap();
}

#[tokio::test]
async fn the_json_entry_point_of_the_js_binding_validates_the_same_way() {
    let kms = refusing();
    refused(kms.call_json("CreateAlias", serde_json::json!({"AliasName": "alias/aws/x", "TargetKeyId": "k"})).await.unwrap_err(), "AliasName");
    refused(kms.call_json("CreateKey", serde_json::json!({"KeySpec": "ML_KEM_512", "KeyUsage": "ENCRYPT_DECRYPT"})).await.unwrap_err(), "KeyUsage");
    refused(kms.call_json("ScheduleKeyDeletion", serde_json::json!({"KeyId": "k", "PendingWindowInDays": 3})).await.unwrap_err(), "PendingWindowInDays");
}
