//! The core, compiled to wasm32 and run by wasm-bindgen-test-runner in Node
//! and (with WASM_BINDGEN_USE_BROWSER=1) in headless Chromium, against
//! kms-local. `pkg-scripts/test` passes the local KMS through compile-time
//! variables, because a wasm test has no process environment.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use kms_wasm::kms::*;
use kms_wasm::{Config, Credentials, ErrorKind, KmsClient};
use wasm_bindgen_test::*;

fn local(name: &str) -> String {
    let value = match name {
        "AWS_ENDPOINT_URL_KMS" => option_env!("KMS_WASM_TEST_ENDPOINT"),
        "AWS_ACCESS_KEY_ID" => option_env!("KMS_WASM_TEST_ACCESS_KEY_ID"),
        "AWS_SECRET_ACCESS_KEY" => option_env!("KMS_WASM_TEST_SECRET_ACCESS_KEY"),
        "AWS_REGION" => option_env!("KMS_WASM_TEST_REGION"),
        _ => None,
    };
    value.expect("build with KMS_WASM_TEST_* set (pkg-scripts/test does)").to_owned()
}

fn env() -> Vec<(String, String)> {
    ["AWS_ENDPOINT_URL_KMS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"].iter().map(|k| (k.to_string(), local(k))).collect()
}

fn client() -> KmsClient {
    KmsClient::from_env(env()).unwrap()
}

async fn new_key(kms: &KmsClient) -> String {
    kms.create_key(CreateKeyRequest { description: Some("wasm test".into()), ..Default::default() }).await.unwrap().key_metadata.unwrap().arn.unwrap()
}

#[wasm_bindgen_test]
fn platform_clock_and_random_work() {
    // SystemTime::now() would panic here; the platform clock must not.
    let now = kms_wasm::platform::now_millis();
    assert!(now > 1_700_000_000_000, "{now}");
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    kms_wasm::platform::fill_random(&mut a).unwrap();
    kms_wasm::platform::fill_random(&mut b).unwrap();
    assert_ne!(a, b);
}

#[wasm_bindgen_test]
fn config_errors_name_the_field() {
    let e = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "AKID")]).unwrap_err();
    assert_eq!(e.field(), Some("AWS_SECRET_ACCESS_KEY"));
    let e = Config::builder().region("us-east-1").endpoint("http://kms.example.com").build().unwrap_err();
    assert_eq!(e.field(), Some("endpoint"));
}

#[wasm_bindgen_test]
async fn encrypt_decrypt_round_trip_with_context() {
    let kms = client();
    let key = new_key(&kms).await;
    let ctx: BTreeMap<String, String> = [("origin".to_string(), "wasm".to_string())].into();
    let enc = kms.encrypt(EncryptRequest { key_id: key.clone(), plaintext: b"from wasm".to_vec().into(), encryption_context: Some(ctx.clone()), ..Default::default() }).await.unwrap();
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: enc.ciphertext_blob, encryption_context: Some(ctx), ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().expose(), b"from wasm");
    assert_eq!(dec.key_id.as_deref(), Some(key.as_str()));
}

#[wasm_bindgen_test]
async fn generate_data_key_decrypts_back() {
    let kms = client();
    let key = new_key(&kms).await;
    let dk = kms.generate_data_key(GenerateDataKeyRequest { key_id: key, key_spec: Some(DataKeySpec::Aes256), ..Default::default() }).await.unwrap();
    let plain = dk.plaintext.unwrap();
    assert_eq!(plain.len(), 32);
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: dk.ciphertext_blob, ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().expose(), plain.expose());
}

#[wasm_bindgen_test]
async fn alias_describe_and_list() {
    let kms = client();
    let arn = new_key(&kms).await;
    let id = arn.rsplit('/').next().unwrap().to_owned();
    let alias = format!("alias/wasm/{}", &id[..8]);
    kms.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: id.clone() }).await.unwrap();
    let meta = kms.describe_key(DescribeKeyRequest { key_id: alias, ..Default::default() }).await.unwrap().key_metadata.unwrap();
    assert_eq!(meta.key_id, id);
    let keys = kms.list_keys(ListKeysRequest { limit: Some(1000), ..Default::default() }).await.unwrap().keys.unwrap();
    assert!(keys.iter().any(|k| k.key_id.as_deref() == Some(id.as_str())));
}

#[wasm_bindgen_test]
async fn wrong_secret_is_a_403_service_error() {
    let config = Config::builder()
        .region(local("AWS_REGION"))
        .endpoint(local("AWS_ENDPOINT_URL_KMS"))
        .credentials(Credentials::new(local("AWS_ACCESS_KEY_ID"), "not-the-secret", None))
        .build()
        .unwrap();
    let err = KmsClient::new(config).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status(), err.attempts()), (ErrorKind::Service, Some(403), 1));
}

#[wasm_bindgen_test]
async fn unknown_key_is_not_found_and_refused_port_is_a_network_error() {
    let err = client().describe_key(DescribeKeyRequest { key_id: "alias/none-such".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
    let config = Config::builder()
        .region("us-east-1")
        .endpoint("http://127.0.0.1:2")
        .credentials(Credentials::new("AKID", "secret", None))
        .max_attempts(2)
        .retry(kms_wasm::RetryConfig { max_attempts: 2, base_delay_ms: 1, max_delay_ms: 5 })
        .build()
        .unwrap();
    let err = KmsClient::new(config).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Network, 2));
}
