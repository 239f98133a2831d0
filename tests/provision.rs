//! Key provisioning against kms-local: creation, idempotency and
//! reconciliation, the variable map, validation before any request, retirement.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kms_wasm::kms::*;
use kms_wasm::platform::BoxFuture;
use kms_wasm::provision::{provision_key, retire_key, ProvisionOptions};
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::{Config, Credentials, ErrorKind, Result};

fn unique() -> String {
    format!("t{:08x}", kms_wasm::platform::random_u64() as u32)
}

async fn rotation(kms: &KmsClient, key: &str) -> GetKeyRotationStatusResponse {
    kms.get_key_rotation_status(GetKeyRotationStatusRequest { key_id: key.into() }).await.unwrap()
}

async fn tags(kms: &KmsClient, key: &str) -> BTreeMap<String, String> {
    let t = kms.list_resource_tags(ListResourceTagsRequest { key_id: key.into(), ..Default::default() }).await.unwrap().tags.unwrap_or_default();
    t.into_iter().map(|t| (t.tag_key, t.tag_value)).collect()
}

#[tokio::test]
async fn provisions_a_key_with_alias_rotation_tags_and_variables() {
    let kms = common::client();
    let app = unique();
    let opts = ProvisionOptions {
        description: Some("billing key".into()),
        tags: BTreeMap::from([("team".into(), "payments".into())]),
        ..ProvisionOptions::new(&app, "prod", "billing-api")
    };
    let p = provision_key(&kms, &opts).await.unwrap();
    assert!(p.created);
    let alias = format!("alias/{app}/prod/billing-api");
    assert_eq!(p.alias_name, alias);
    let arn = p.key_metadata().unwrap().arn.clone().unwrap();
    assert_eq!(p.alias_arn, format!("{}:{alias}", arn.rsplit_once(":key/").unwrap().0));
    assert_eq!(p.key_metadata().unwrap().description.as_deref(), Some("billing key"));
    assert_eq!(p.key_metadata().unwrap().key_state, Some(KeyState::Enabled));
    assert_eq!(
        p.variables,
        BTreeMap::from([
            ("BILLING_API_KEY_ID".to_owned(), p.key_metadata().unwrap().key_id.clone()),
            ("BILLING_API_KEY_ARN".to_owned(), arn.clone()),
            ("BILLING_API_ALIAS_NAME".to_owned(), alias.clone()),
            ("BILLING_API_ALIAS_ARN".to_owned(), p.alias_arn.clone()),
        ])
    );
    // The alias reaches the key, rotation is on by default, tags are set.
    let by_alias = kms.describe_key(DescribeKeyRequest { key_id: alias.clone(), ..Default::default() }).await.unwrap().key_metadata.unwrap();
    assert_eq!(by_alias.key_id, p.key_metadata().unwrap().key_id);
    assert_eq!(rotation(&kms, &arn).await.key_rotation_enabled, Some(true));
    assert_eq!(tags(&kms, &arn).await.get("team").map(String::as_str), Some("payments"));
    let aliases = kms.list_aliases(ListAliasesRequest { key_id: Some(arn.clone()), ..Default::default() }).await.unwrap().aliases.unwrap();
    assert_eq!(aliases.iter().filter_map(|a| a.alias_arn.clone()).collect::<Vec<_>>(), vec![p.alias_arn.clone()], "one alias per key, ARN as computed");
}

#[tokio::test]
async fn second_call_reuses_the_key_and_reconciles() {
    let kms = common::client();
    let opts = ProvisionOptions { description: Some("v1".into()), tags: BTreeMap::from([("a".into(), "1".into())]), ..ProvisionOptions::new(unique(), "staging", "orders") };
    let first = provision_key(&kms, &opts).await.unwrap();
    let arn = first.key_metadata().unwrap().arn.clone().unwrap();

    // Same options: nothing new.
    let again = provision_key(&kms, &opts).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.key_metadata().unwrap().key_id, first.key_metadata().unwrap().key_id);
    assert_eq!(again.variables, first.variables);

    // Changed description, tags and rotation period: reconciled on the same key.
    let changed = ProvisionOptions {
        description: Some("v2".into()),
        rotation_period_in_days: Some(180),
        tags: BTreeMap::from([("a".into(), "2".into()), ("b".into(), "new".into())]),
        ..opts.clone()
    };
    let ops = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = ops.clone();
    let audited = kms.clone().with_audit_hook(Arc::new(move |e: &AuditEvent| seen.lock().unwrap().push(e.operation.clone())));
    let p = provision_key(&audited, &changed).await.unwrap();
    let ops = ops.lock().unwrap().clone();
    assert!(ops.contains(&"EnableKeyRotation".to_owned()) && ops.contains(&"UpdateKeyDescription".to_owned()) && ops.contains(&"TagResource".to_owned()), "{ops:?}");
    assert!(!ops.contains(&"CreateKey".to_owned()), "{ops:?}");
    assert!(!p.created);
    assert_eq!(p.key_metadata().unwrap().key_id, first.key_metadata().unwrap().key_id);
    assert_eq!(p.key_metadata().unwrap().description.as_deref(), Some("v2"));
    let r = rotation(&kms, &arn).await;
    assert_eq!(r.key_rotation_enabled, Some(true));
    // moto 5.2.5 ignores RotationPeriodInDays (and never reports it); KMS does.
    assert!(matches!(r.rotation_period_in_days, None | Some(180)), "{r:?}");
    let t = tags(&kms, &arn).await;
    assert_eq!((t["a"].as_str(), t["b"].as_str()), ("2", "new"));

    // Rotation off, key disabled; then back on.
    let off = ProvisionOptions { auto_rotate: Some(false), enabled: false, ..opts.clone() };
    let p = provision_key(&kms, &off).await.unwrap();
    assert_eq!(p.key_metadata().unwrap().key_state, Some(KeyState::Disabled));
    assert_eq!(rotation(&kms, &arn).await.key_rotation_enabled, Some(false));
    let p = provision_key(&kms, &opts).await.unwrap();
    assert_eq!(p.key_metadata().unwrap().key_state, Some(KeyState::Enabled));
    assert_eq!(rotation(&kms, &arn).await.key_rotation_enabled, Some(true));

    // Asking for another key spec under the same alias is refused, naming the option.
    let e = provision_key(&kms, &ProvisionOptions { key_spec: Some(KeySpec::Rsa2048), key_usage: Some(KeyUsageType::SignVerify), ..opts.clone() }).await.unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Validation, Some("keySpec")), "{e}");
}

#[tokio::test]
async fn custom_alias_and_asymmetric_keys() {
    let kms = common::client();
    let alias = format!("custom/{}", unique());
    let opts = ProvisionOptions {
        alias: Some(alias.clone()),
        key_spec: Some(KeySpec::EccNistP256),
        key_usage: Some(KeyUsageType::SignVerify),
        ..ProvisionOptions::new("", "", "signer")
    };
    let p = provision_key(&kms, &opts).await.unwrap();
    assert_eq!(p.alias_name, format!("alias/{alias}"));
    assert_eq!(p.key_metadata().unwrap().key_spec, Some(KeySpec::EccNistP256));
    assert_eq!(p.key_metadata().unwrap().key_usage, Some(KeyUsageType::SignVerify));
    assert!(p.variables.contains_key("SIGNER_KEY_ARN"));
    assert!(!provision_key(&kms, &opts).await.unwrap().created);
}

/// An HTTP client that fails the test if anything is sent.
struct NoNetwork;
impl HttpClient for NoNetwork {
    fn send(&self, request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        panic!("nothing may be sent before validation passes, but {:?} was", request.headers.iter().find(|(k, _)| k == "x-amz-target"));
    }
}

#[tokio::test]
async fn invalid_options_fail_before_any_request() {
    let config = Config::builder().region("us-east-1").credentials(Credentials::new("AKID", "secret", None)).build().unwrap();
    let kms = KmsClient::with_http_client(config, Arc::new(NoNetwork));
    let base = ProvisionOptions::new("shop", "prod", "api");
    let cases: Vec<(ProvisionOptions, &str)> = vec![
        (ProvisionOptions { rotation_period_in_days: Some(30), ..base.clone() }, "rotationPeriodInDays"),
        (ProvisionOptions { rotation_period_in_days: Some(3000), ..base.clone() }, "rotationPeriodInDays"),
        (ProvisionOptions { deletion_window_in_days: Some(3), ..base.clone() }, "deletionWindowInDays"),
        (ProvisionOptions { alias: Some("alias/aws/mine".into()), ..base.clone() }, "alias"),
        (ProvisionOptions { alias: Some("alias/with space".into()), ..base.clone() }, "alias"),
        (ProvisionOptions { service: "".into(), ..base.clone() }, "service"),
        (ProvisionOptions { app: "a/b".into(), ..base.clone() }, "app"),
        (ProvisionOptions { key_spec: Some(KeySpec::Hmac256), key_usage: Some(KeyUsageType::EncryptDecrypt), ..base.clone() }, "keyUsage"),
        (ProvisionOptions { key_spec: Some(KeySpec::Rsa2048), key_usage: Some(KeyUsageType::SignVerify), auto_rotate: Some(true), ..base.clone() }, "autoRotate"),
        (ProvisionOptions { key_spec: Some(KeySpec::Rsa2048), key_usage: Some(KeyUsageType::EncryptDecrypt), rotation_period_in_days: Some(365), ..base.clone() }, "rotationPeriodInDays"),
        (ProvisionOptions { policy: Some("[]".into()), ..base.clone() }, "policy"),
    ];
    for (opts, field) in cases {
        let e = provision_key(&kms, &opts).await.unwrap_err();
        assert_eq!((e.kind(), e.field()), (ErrorKind::Validation, Some(field)), "{e}");
    }
    let e = retire_key(&kms, "alias/aws/x", None).await.unwrap_err();
    assert_eq!(e.field(), Some("alias"));
    let e = retire_key(&kms, "alias/app/x", Some(31)).await.unwrap_err();
    assert_eq!(e.field(), Some("deletionWindowInDays"));
}

#[tokio::test]
async fn retire_deletes_the_alias_and_schedules_deletion() {
    let kms = common::client();
    let opts = ProvisionOptions { deletion_window_in_days: Some(9), ..ProvisionOptions::new(unique(), "dev", "tmp") };
    let p = provision_key(&kms, &opts).await.unwrap();
    let r = retire_key(&kms, &opts, None).await.unwrap();
    assert_eq!(r.alias_name, p.alias_name);
    assert_eq!(r.pending_window_in_days, 9);
    assert!(r.key_id.ends_with(&p.key_metadata().unwrap().key_id));
    let e = kms.describe_key(DescribeKeyRequest { key_id: p.alias_name.clone(), ..Default::default() }).await.unwrap_err();
    assert_eq!(e.name(), "NotFoundException");
    let m = kms.describe_key(DescribeKeyRequest { key_id: p.key_metadata().unwrap().key_id.clone(), ..Default::default() }).await.unwrap().key_metadata.unwrap();
    assert_eq!(m.key_state, Some(KeyState::PendingDeletion));

    // Provisioning again creates a new key under the same alias.
    let again = provision_key(&kms, &opts).await.unwrap();
    assert!(again.created);
    assert_ne!(again.key_metadata().unwrap().key_id, p.key_metadata().unwrap().key_id);

    // Retiring by alias name (prefix optional) with an explicit window.
    let r = retire_key(&kms, again.alias_name.trim_start_matches("alias/"), Some(7)).await.unwrap();
    assert_eq!(r.pending_window_in_days, 7);
    let e = retire_key(&kms, again.alias_name.as_str(), None).await.unwrap_err();
    assert_eq!(e.name(), "NotFoundException");
}

/// kms-local behind a faulty network: `fault(operation, n)` for the n-th call of `operation`
/// says what goes wrong — the answer is lost after KMS acted (`Lost`), or the request never
/// arrives (`Refused`).
struct Faulty {
    inner: Arc<dyn HttpClient>,
    fault: fn(&str, usize) -> Option<Fault>,
    calls: Mutex<Vec<String>>,
    /// (operation, request body) of every call.
    sent: Mutex<Vec<(String, String)>>,
}

#[derive(Clone, Copy)]
enum Fault {
    Lost,
    Refused,
}

impl HttpClient for Faulty {
    fn send(&self, request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        Box::pin(async move {
            let target = common::operation(&request);
            self.sent.lock().unwrap().push((target.clone(), String::from_utf8_lossy(&request.body).into_owned()));
            let n = {
                let mut calls = self.calls.lock().unwrap();
                calls.push(target.clone());
                calls.iter().filter(|c| **c == target).count()
            };
            match (self.fault)(&target, n) {
                Some(Fault::Refused) => Err(kms_wasm::Error::network("connection refused (test)")),
                Some(Fault::Lost) => {
                    self.inner.send(request, timeout_ms).await?;
                    Err(kms_wasm::Error::timeout(timeout_ms))
                }
                None => self.inner.send(request, timeout_ms).await,
            }
        })
    }
}

fn faulty_client(fault: fn(&str, usize) -> Option<Fault>) -> (KmsClient, Arc<Faulty>) {
    let faulty = Arc::new(Faulty { inner: kms_wasm::transport::default_http_client(), fault, calls: Mutex::new(Vec::new()), sent: Mutex::new(Vec::new()) });
    (common::client_over(faulty.clone()), faulty)
}

#[tokio::test]
async fn a_create_alias_whose_answer_was_lost_keeps_the_new_key() {
    // The first CreateAlias goes through but its answer is lost; the retry meets AlreadyExists.
    let (kms, faulty) = faulty_client(|op, n| (op == "CreateAlias" && n == 1).then_some(Fault::Lost));
    let p = provision_key(&kms, &ProvisionOptions::new(unique(), "prod", "api")).await.unwrap();
    assert!(p.created);
    assert_eq!(p.key_metadata().unwrap().key_state, Some(KeyState::Enabled));
    let calls = faulty.calls.lock().unwrap().clone();
    assert_eq!(calls.iter().filter(|c| *c == "CreateAlias").count(), 2, "{calls:?}");
    assert!(!calls.iter().any(|c| c == "ScheduleKeyDeletion"), "{calls:?}");
    let by_alias = common::client().describe_key(DescribeKeyRequest { key_id: p.alias_name.clone(), ..Default::default() }).await.unwrap().key_metadata.unwrap();
    assert_eq!(by_alias.key_id, p.key_metadata().unwrap().key_id);
}

#[tokio::test]
async fn retiring_again_after_a_failed_delete_alias_finishes_the_job() {
    let opts = ProvisionOptions { deletion_window_in_days: Some(8), ..ProvisionOptions::new(unique(), "dev", "api") };
    let p = provision_key(&common::client(), &opts).await.unwrap();
    let key_id = p.key_metadata().unwrap().key_id.clone();
    // DeleteAlias never gets through (every attempt of the first run).
    let (kms, _) = faulty_client(|op, n| (op == "DeleteAlias" && n <= 3).then_some(Fault::Refused));
    assert_eq!(retire_key(&kms, &opts, None).await.unwrap_err().kind(), ErrorKind::Network);
    let local = common::client();
    let state = |m: KeyMetadata| m.key_state;
    assert_eq!(state(local.describe_key(DescribeKeyRequest { key_id: key_id.clone(), ..Default::default() }).await.unwrap().key_metadata.unwrap()), Some(KeyState::PendingDeletion), "the key is not left usable");
    // The second run does not schedule the deletion again (KMS would refuse): it deletes the alias.
    let r = retire_key(&kms, &opts, Some(30)).await.unwrap();
    assert_eq!(r.pending_window_in_days, 8, "the date set by the first run stands");
    assert!(r.key_id.ends_with(&key_id));
    assert!(r.deletion_date.is_some());
    assert_eq!(local.describe_key(DescribeKeyRequest { key_id: p.alias_name.clone(), ..Default::default() }).await.unwrap_err().name(), "NotFoundException");
}

#[tokio::test]
async fn the_rotation_period_is_sent_to_kms_on_creation_and_on_reconciliation() {
    // moto 5.2.5 ignores RotationPeriodInDays and never reports it: what is checked is what KMS is sent.
    let (kms, faulty) = faulty_client(|_, _| None);
    let sent_periods = |faulty: &Faulty| -> Vec<String> {
        let sent = faulty.sent.lock().unwrap();
        sent.iter().filter(|(op, _)| op == "EnableKeyRotation").map(|(_, body)| serde_json::from_str::<serde_json::Value>(body).unwrap()["RotationPeriodInDays"].to_string()).collect()
    };
    let opts = ProvisionOptions { rotation_period_in_days: Some(180), ..ProvisionOptions::new(unique(), "prod", "rot") };
    provision_key(&kms, &opts).await.unwrap();
    assert_eq!(sent_periods(&faulty), ["180"]);
    provision_key(&kms, &ProvisionOptions { rotation_period_in_days: Some(365), ..opts }).await.unwrap();
    assert_eq!(sent_periods(&faulty), ["180", "365"]);
}
