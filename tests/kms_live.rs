//! Foundation operations against kms-local (moto with signatures checked).

mod common;

use std::collections::BTreeMap;

use kms_wasm::kms::*;
use kms_wasm::{Credentials, ErrorKind};

fn ctx(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

#[tokio::test]
async fn encrypt_decrypt_round_trip_with_encryption_context() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let enc = kms
        .encrypt(EncryptRequest { key_id: key.clone(), plaintext: b"attack at dawn".to_vec().into(), encryption_context: ctx(&[("purpose", "test"), ("ünïcode", "välue")]), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(enc.key_id.as_deref(), Some(key.as_str()));
    let blob = enc.ciphertext_blob.unwrap();
    assert_ne!(blob.as_bytes(), b"attack at dawn");
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: Some(blob.clone()), encryption_context: ctx(&[("purpose", "test"), ("ünïcode", "välue")]), ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().expose(), b"attack at dawn");
    assert_eq!(dec.key_id.as_deref(), Some(key.as_str()));
    let wrong = kms.decrypt(DecryptRequest { ciphertext_blob: Some(blob), encryption_context: ctx(&[("purpose", "other")]), ..Default::default() }).await.unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Service);
    assert_eq!(wrong.name(), "InvalidCiphertextException");
}

#[tokio::test]
async fn generate_data_key_gives_32_bytes_that_decrypt_back() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let dk = kms.generate_data_key(GenerateDataKeyRequest { key_id: key.clone(), key_spec: Some(DataKeySpec::Aes256), ..Default::default() }).await.unwrap();
    let plain = dk.plaintext.unwrap();
    assert_eq!(plain.len(), 32);
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: Some(dk.ciphertext_blob.unwrap()), ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().expose(), plain.expose());
    let without = kms.generate_data_key_without_plaintext(GenerateDataKeyWithoutPlaintextRequest { key_id: key, number_of_bytes: Some(16), ..Default::default() }).await.unwrap();
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: Some(without.ciphertext_blob.unwrap()), ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().len(), 16);
}

#[tokio::test]
async fn re_encrypt_moves_ciphertext_to_a_second_key() {
    let kms = common::client();
    let (k1, k2) = (common::new_symmetric_key(&kms).await, common::new_symmetric_key(&kms).await);
    let blob = kms.encrypt(EncryptRequest { key_id: k1.clone(), plaintext: b"move me".to_vec().into(), ..Default::default() }).await.unwrap().ciphertext_blob.unwrap();
    let re = kms.re_encrypt(ReEncryptRequest { ciphertext_blob: Some(blob), destination_key_id: k2.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(re.key_id.as_deref(), Some(k2.as_str()));
    assert_eq!(re.source_key_id.as_deref(), Some(k1.as_str()));
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: Some(re.ciphertext_blob.unwrap()), ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().expose(), b"move me");
    assert_eq!(dec.key_id.as_deref(), Some(k2.as_str()));
}

#[tokio::test]
async fn generate_random_has_the_asked_length() {
    let kms = common::client();
    for n in [1, 32, 1024] {
        let r = kms.generate_random(GenerateRandomRequest { number_of_bytes: Some(n), ..Default::default() }).await.unwrap();
        assert_eq!(r.plaintext.unwrap().len(), n as usize);
    }
}

#[tokio::test]
async fn create_key_alias_describe_by_alias_and_list() {
    let kms = common::client();
    let key = kms.create_key(CreateKeyRequest { description: Some("described".into()), ..Default::default() }).await.unwrap().key_metadata.unwrap();
    let alias = format!("alias/kms-wasm/test-{}", &key.key_id[..8]);
    kms.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: key.key_id.clone() }).await.unwrap();
    let described = kms.describe_key(DescribeKeyRequest { key_id: alias.clone(), ..Default::default() }).await.unwrap().key_metadata.unwrap();
    assert_eq!(described.key_id, key.key_id);
    assert_eq!(described.description.as_deref(), Some("described"));
    assert_eq!(described.key_state, Some(KeyState::Enabled));
    assert_eq!(described.key_spec, Some(KeySpec::SymmetricDefault));
    let keys = kms.list_keys(ListKeysRequest { limit: Some(1000), ..Default::default() }).await.unwrap().keys.unwrap();
    assert!(keys.iter().any(|k| k.key_id.as_deref() == Some(key.key_id.as_str())));
    let aliases = kms.list_aliases(ListAliasesRequest { key_id: Some(key.key_id.clone()), ..Default::default() }).await.unwrap().aliases.unwrap();
    assert!(aliases.iter().any(|a| a.alias_name.as_deref() == Some(alias.as_str())));
}

#[tokio::test]
async fn enable_disable_and_schedule_deletion() {
    let kms = common::client();
    // moto's DisableKey/EnableKey look keys up by id only (an ARN gives it a 500).
    let arn = common::new_symmetric_key(&kms).await;
    let key = arn.rsplit('/').next().unwrap().to_owned();
    kms.disable_key(DisableKeyRequest { key_id: key.clone() }).await.unwrap();
    let state = |m: DescribeKeyResponse| m.key_metadata.unwrap().key_state;
    assert_eq!(state(kms.describe_key(DescribeKeyRequest { key_id: key.clone(), ..Default::default() }).await.unwrap()), Some(KeyState::Disabled));
    kms.enable_key(EnableKeyRequest { key_id: key.clone() }).await.unwrap();
    assert_eq!(state(kms.describe_key(DescribeKeyRequest { key_id: key.clone(), ..Default::default() }).await.unwrap()), Some(KeyState::Enabled));
    let sched = kms.schedule_key_deletion(ScheduleKeyDeletionRequest { key_id: key.clone(), pending_window_in_days: Some(7) }).await.unwrap();
    assert!(sched.deletion_date.is_some());
    assert_eq!(state(kms.describe_key(DescribeKeyRequest { key_id: key, ..Default::default() }).await.unwrap()), Some(KeyState::PendingDeletion));
}

#[tokio::test]
async fn wrong_secret_key_is_refused_with_403() {
    let env = common::local_env();
    let kms = common::client_with(Credentials::new(&env["AWS_ACCESS_KEY_ID"], "wrong-secret-key-value", None));
    let err = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.http_status(), Some(403), "{err}");
    assert_eq!(err.attempts(), 1, "auth errors are not retried");
    assert!(!err.to_string().contains("wrong-secret-key-value"));
}

#[tokio::test]
async fn unknown_key_is_not_found() {
    let kms = common::client();
    let err = kms.describe_key(DescribeKeyRequest { key_id: "alias/does-not-exist".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
    assert!(err.request_id().is_some() || err.http_status() == Some(400));
}

#[tokio::test]
async fn validation_happens_before_sending() {
    let kms = common::client();
    let err = kms.generate_random(GenerateRandomRequest { number_of_bytes: Some(5000), ..Default::default() }).await.unwrap_err();
    assert_eq!((err.kind(), err.field(), err.attempts()), (ErrorKind::Validation, Some("NumberOfBytes"), 0));
}
