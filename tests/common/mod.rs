//! Shared helpers of the native integration tests: the local KMS started by
//! `pkg-scripts/kms-local` (its env file) and the Python venv's peers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use kms_wasm::transport::{HttpClient, HttpRequest};
use kms_wasm::{Config, ConfigBuilder, Credentials, KmsClient, RetryConfig};

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Variables of the running kms-local (`KMS_LOCAL_ENV` or `.kms-local/env`).
/// Panics with instructions when it is not running: these tests need it.
pub fn local_env() -> BTreeMap<String, String> {
    let path = std::env::var("KMS_LOCAL_ENV").map(PathBuf::from).unwrap_or_else(|_| root().join(".kms-local/env"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("kms-local is not running ({} missing): run `pkg-scripts/kms-local start` or `pkg-scripts/test`", path.display()));
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// Endpoint URL of kms-local.
pub fn endpoint() -> String {
    local_env()["AWS_ENDPOINT_URL_KMS"].clone()
}

/// A client signed with the kms-local user's keys.
pub fn client() -> KmsClient {
    KmsClient::from_env(local_env()).expect("kms-local env is a valid config")
}

/// kms-local's region and endpoint, signed with `credentials`.
fn local_builder(credentials: Credentials) -> ConfigBuilder {
    let env = local_env();
    Config::builder().region(&env["AWS_REGION"]).endpoint(&env["AWS_ENDPOINT_URL_KMS"]).credentials(credentials)
}

fn local_config(credentials: Credentials) -> Config {
    local_builder(credentials).build().unwrap()
}

/// The kms-local user's keys.
fn local_credentials() -> Credentials {
    let env = local_env();
    Credentials::new(&env["AWS_ACCESS_KEY_ID"], &env["AWS_SECRET_ACCESS_KEY"], None)
}

/// A client with other credentials against kms-local.
pub fn client_with(credentials: Credentials) -> KmsClient {
    KmsClient::new(local_config(credentials))
}

/// A client of kms-local (its user's keys) whose requests go through `http`: a test's proxy that
/// drops, fails or rewrites some of them.
pub fn client_over(http: Arc<dyn HttpClient>) -> KmsClient {
    KmsClient::with_http_client(local_config(local_credentials()), http)
}

/// As [`client_over`], with one attempt per call: no retry, so a proxy's script meets each call once.
pub fn client_over_without_retries(http: Arc<dyn HttpClient>) -> KmsClient {
    let config = local_builder(local_credentials()).retry(RetryConfig { max_attempts: 1, base_delay_ms: 1, max_delay_ms: 2 }).build().unwrap();
    KmsClient::with_http_client(config, http)
}

/// The KMS operation a request calls: its `X-Amz-Target` without `TrentService.`.
pub fn operation(request: &HttpRequest) -> String {
    request.headers.iter().find(|(k, _)| k == "x-amz-target").map(|(_, v)| v.trim_start_matches("TrentService.").to_owned()).unwrap_or_default()
}

/// The venv's Python (botocore, moto, the Encryption SDK and its CLI).
pub fn venv_python() -> PathBuf {
    root().join(".venv/bin/python")
}

/// Runs a Python snippet in the venv with `args`, returning stdout; panics with stderr on failure.
pub fn python(code: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(venv_python()).arg("-c").arg(code).args(args).output().expect("venv python runs (pkg-scripts/setup)");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A fresh symmetric key for one test.
pub async fn new_symmetric_key(client: &KmsClient) -> String {
    client.create_key(kms_wasm::kms::CreateKeyRequest { description: Some("kms-wasm test".into()), ..Default::default() }).await.unwrap().key_metadata.unwrap().arn.unwrap()
}

/// A region other than `client`'s and a fresh symmetric key made there, through a client of that
/// region with the kms-local user's keys (moto keeps one key store per region).
pub async fn new_key_in_another_region(client: &KmsClient) -> (&'static str, String) {
    let region = if client.config().region() == "eu-west-1" { "ap-southeast-2" } else { "eu-west-1" };
    let mut env = local_env();
    env.insert("AWS_REGION".to_owned(), region.to_owned());
    (region, new_symmetric_key(&KmsClient::from_env(env).expect("kms-local env is a valid config")).await)
}
