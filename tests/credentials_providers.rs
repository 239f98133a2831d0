//! Credentials providers: STS AssumeRole / AssumeRoleWithWebIdentity and
//! Cognito identity pools against kms-local (moto), and the caching
//! provider's single flight and refresh timing against fakes.
//!
//! moto finding (5.2.5): an unsigned request at the root URL is routed by
//! its body's `Action` (`AssumeRoleWithWebIdentity` → STS) or its
//! `X-Amz-Target` (`AWSCognitoIdentityService.*` → cognito-identity), so no
//! `Host` header is needed and a browser's `fetch` can reach it (checked by
//! hand against a moto without authentication: both unsigned calls answer
//! 200 with credentials at `http://127.0.0.1:<port>/`). But once
//! the free requests are spent (kms-local spends all three), moto checks a
//! signature on every request except `GetId` / `GetOpenIdToken`: unsigned
//! `AssumeRoleWithWebIdentity` and `GetCredentialsForIdentity` fail with a
//! 500 (`KeyError: 'HTTP_AUTHORIZATION'` in its access control). The tests
//! therefore put [`SigningHttp`] between the provider and moto: the provider
//! sends its calls unsigned exactly as to AWS, and the test transport signs
//! them with the kms-local user's key (which has `sts:*` and
//! `cognito-identity:*`) so moto accepts them. `GetId` goes through unsigned.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use kms_wasm::credentials::*;
use kms_wasm::kms::{CreateKeyRequest, ListKeysRequest};
use kms_wasm::platform::BoxFuture;
use kms_wasm::transport::{credentials_with_retries, default_http_client, HttpClient, HttpRequest, HttpResponse};
use kms_wasm::{Config, Credentials, Error, ErrorKind, KmsClient, Result, RetryConfig};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn unique(prefix: &str) -> String {
    format!("{prefix}-{:08x}", kms_wasm::platform::random_u64() as u32)
}

fn client_with_provider(provider: Arc<dyn CredentialsProvider>) -> KmsClient {
    let env = common::local_env();
    KmsClient::new(Config::builder().region(&env["AWS_REGION"]).endpoint(&env["AWS_ENDPOINT_URL_KMS"]).credentials_provider(provider).build().unwrap())
}

/// Creates an IAM role allowed `kms:*` (signed with the kms-local user's keys); returns its ARN.
fn create_role() -> String {
    let env = common::local_env();
    let code = r#"
import boto3, json, sys
ep, ak, sk, name = sys.argv[1:5]
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*", "Federated": "accounts.example.com"}, "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]}]}
arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName=name, PolicyName="kms", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}))
print(arn)
"#;
    common::python(code, &[&env["AWS_ENDPOINT_URL_KMS"], &env["AWS_ACCESS_KEY_ID"], &env["AWS_SECRET_ACCESS_KEY"], &unique("kms-wasm-role")]).trim().to_owned()
}

/// Creates a Cognito identity pool allowing unauthenticated identities; returns its id.
fn create_identity_pool() -> String {
    let env = common::local_env();
    let code = r#"
import boto3, sys
ep, ak, sk, name = sys.argv[1:5]
ci = boto3.client("cognito-identity", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk)
print(ci.create_identity_pool(IdentityPoolName=name, AllowUnauthenticatedIdentities=True)["IdentityPoolId"])
"#;
    common::python(code, &[&env["AWS_ENDPOINT_URL_KMS"], &env["AWS_ACCESS_KEY_ID"], &env["AWS_SECRET_ACCESS_KEY"], &unique("kmswasm").replace('-', "_")]).trim().to_owned()
}

/// What [`SigningHttp`] saw.
#[derive(Default)]
struct Seen {
    /// (operation, arrived signed?) per request.
    calls: Vec<(String, bool)>,
}

/// Test transport standing in for moto's missing "unsigned call" support:
/// records the provider's request, then signs it for the right service
/// with the kms-local user's key (except Cognito `GetId`, which moto lets
/// through unsigned) and sends it on.
struct SigningHttp {
    inner: Arc<dyn HttpClient>,
    seen: Mutex<Seen>,
}

impl SigningHttp {
    fn new() -> Arc<Self> {
        Arc::new(SigningHttp { inner: default_http_client(), seen: Mutex::default() })
    }
    fn calls(&self) -> Vec<(String, bool)> {
        self.seen.lock().unwrap().calls.clone()
    }
}

fn sign_for(service: &str, req: &mut HttpRequest) {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    let env = common::local_env();
    let identity = aws_credential_types::Credentials::new(&env["AWS_ACCESS_KEY_ID"], &env["AWS_SECRET_ACCESS_KEY"], None, None, "test").into();
    let params = v4::SigningParams::builder().identity(&identity).region("us-east-1").name(service).time(SystemTime::now()).settings(SigningSettings::default()).build().unwrap().into();
    let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signable = SignableRequest::new("POST", &req.url, headers.into_iter(), SignableBody::Bytes(&req.body)).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let (added, _) = instructions.into_parts();
    let added: Vec<(String, String)> = added.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect();
    req.headers.extend(added);
}

impl HttpClient for SigningHttp {
    fn send(&self, mut request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        let header = |name: &str| request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let signed = header("authorization").is_some();
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let (op, service) = match header("x-amz-target") {
            Some(t) => (t.rsplit('.').next().unwrap().to_owned(), "cognito-identity"),
            None => (body.split('&').find_map(|p| p.strip_prefix("Action=")).unwrap_or("?").to_owned(), "sts"),
        };
        self.seen.lock().unwrap().calls.push((op.clone(), signed));
        if op != "GetId" {
            sign_for(service, &mut request);
        }
        self.inner.send(request, timeout_ms)
    }
}

// ---------------------------------------------------------------------------
// Against kms-local
// ---------------------------------------------------------------------------

/// Foundation requirement: temporary credentials sign KMS calls that moto
/// checks, and the same keys without their session token are refused.
#[tokio::test]
async fn assume_role_credentials_work_and_need_their_session_token() {
    let env = common::local_env();
    let role = create_role();
    let code = r#"
import boto3, json, sys
ep, ak, sk, role = sys.argv[1:5]
sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk)
c = sts.assume_role(RoleArn=role, RoleSessionName="kms-wasm-test")["Credentials"]
print(json.dumps({"id": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}))
"#;
    let out = common::python(code, &[&env["AWS_ENDPOINT_URL_KMS"], &env["AWS_ACCESS_KEY_ID"], &env["AWS_SECRET_ACCESS_KEY"], &role]);
    let c: BTreeMap<String, String> = serde_json::from_str(out.trim()).unwrap();
    let temp = Credentials::new(&c["id"], &c["secret"], Some(c["token"].clone()));
    let kms = common::client_with(temp);
    let key = kms.create_key(CreateKeyRequest { description: Some("made with AssumeRole credentials".into()), ..Default::default() }).await.unwrap();
    assert!(key.key_metadata.unwrap().arn.is_some());
    kms.list_keys(ListKeysRequest::default()).await.unwrap();

    let without_token = common::client_with(Credentials::new(&c["id"], &c["secret"], None));
    let e = without_token.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, Some(403)), "{e}");
    let wrong_token = common::client_with(Credentials::new(&c["id"], &c["secret"], Some("not-the-token".into())));
    assert_eq!(wrong_token.list_keys(ListKeysRequest::default()).await.unwrap_err().http_status(), Some(403));

    // The same from the environment: AWS_SESSION_TOKEN is read beside the keys.
    let vars = |token: Option<&str>| {
        let mut v = vec![("AWS_REGION", env["AWS_REGION"].clone()), ("AWS_ENDPOINT_URL_KMS", env["AWS_ENDPOINT_URL_KMS"].clone()), ("AWS_ACCESS_KEY_ID", c["id"].clone()), ("AWS_SECRET_ACCESS_KEY", c["secret"].clone())];
        v.extend(token.map(|t| ("AWS_SESSION_TOKEN", t.to_owned())));
        v
    };
    KmsClient::from_env(vars(Some(&c["token"]))).unwrap().list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(KmsClient::from_env(vars(None)).unwrap().list_keys(ListKeysRequest::default()).await.unwrap_err().http_status(), Some(403));
}

#[tokio::test]
async fn web_identity_credentials_sign_kms_calls() {
    let role = create_role();
    let http = SigningHttp::new();
    let provider = WebIdentityProvider::new("us-east-1", &role, "web-session", SecretString::new("eyJhbGciOiJSUzI1NiJ9.test-oidc-token.sig"))
        .unwrap()
        .endpoint(&common::endpoint())
        .unwrap()
        .duration_seconds(900)
        .unwrap()
        .http_client(http.clone());
    let direct = provider.credentials().await.unwrap();
    assert!(direct.session_token.is_some());
    let expires = direct.expires_at_millis.expect("STS gives an Expiration");
    let now = kms_wasm::platform::now_millis();
    assert!(expires > now + 800_000 && expires < now + 1_000_000, "900 s lifetime, got {}", expires - now);
    assert_eq!(http.calls(), vec![("AssumeRoleWithWebIdentity".to_owned(), false)], "the provider's own request is unsigned");

    // Cached: two KMS calls, one more STS call; moto checks the role credentials' signatures.
    let kms = client_with_provider(Arc::new(CachingProvider::new(Arc::new(provider))));
    kms.create_key(CreateKeyRequest { description: Some("web identity".into()), ..Default::default() }).await.unwrap();
    kms.list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(http.calls().len(), 2);
}

#[tokio::test]
async fn cognito_identity_pool_credentials() {
    let pool = create_identity_pool();
    let http = SigningHttp::new();
    let provider = CognitoIdentityProvider::new(&pool).unwrap().endpoint(&common::endpoint()).unwrap().http_client(http.clone());
    let c = provider.credentials().await.unwrap();
    assert!(!c.access_key_id.is_empty() && c.session_token.is_some());
    let expires = c.expires_at_millis.expect("Cognito gives an Expiration (epoch seconds)");
    assert!(expires > kms_wasm::platform::now_millis(), "expiration in the future");
    let id = provider.current_identity_id().expect("GetId result is remembered");
    assert!(id.starts_with("us-east-1:"), "{id}");
    assert_eq!(http.calls(), vec![("GetId".to_owned(), false), ("GetCredentialsForIdentity".to_owned(), false)]);

    // Second fetch skips GetId.
    provider.credentials().await.unwrap();
    assert_eq!(http.calls().last().unwrap().0, "GetCredentialsForIdentity");
    assert_eq!(http.calls().len(), 3);

    // With a logins map (moto accepts any token here).
    let with_logins = CognitoIdentityProvider::new(&pool)
        .unwrap()
        .logins([("accounts.google.com", SecretString::new("google-id-token"))])
        .endpoint(&common::endpoint())
        .unwrap()
        .http_client(SigningHttp::new());
    with_logins.credentials().await.unwrap();

    // moto's Cognito hands out fixed credentials it does not register with
    // IAM, so it cannot check KMS calls signed with them: it refuses them
    // as an unknown key, which at least shows they were used to sign.
    let kms = client_with_provider(Arc::new(CachingProvider::new(Arc::new(provider))));
    let e = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(e.http_status(), Some(403), "{e}");

    // An unknown pool is an error from the provider: a credentials failure, not a KMS exception
    // (moto answers it with a 500 page).
    let missing = CognitoIdentityProvider::new("us-east-1:00000000-0000-0000-0000-000000000000").unwrap().endpoint(&common::endpoint()).unwrap().http_client(SigningHttp::new());
    let e = missing.credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
}

// ---------------------------------------------------------------------------
// Caching provider against fakes
// ---------------------------------------------------------------------------

/// A fake STS: counts requests, answers after a pause with credentials valid for `lifetime_ms`.
struct FakeSts {
    requests: AtomicUsize,
    lifetime_ms: i64,
}

impl HttpClient for FakeSts {
    fn send(&self, request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        Box::pin(async move {
            let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(String::from_utf8_lossy(&request.body).contains("WebIdentityToken=tok%2Bwith%2Fsymbols"));
            tokio::time::sleep(Duration::from_millis(50)).await;
            let exp = kms_wasm::platform::now_millis() + self.lifetime_ms;
            let exp = format_iso(exp);
            let body = format!(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIAFAKE{n}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>{exp}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
            );
            Ok(HttpResponse { status: 200, headers: vec![], body: body.into_bytes() })
        })
    }
}

/// Epoch milliseconds → `YYYY-MM-DDTHH:MM:SS.mmmZ` (civil-from-days), for the fake STS.
fn format_iso(ms: i64) -> String {
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", sod / 3600, sod / 60 % 60, sod % 60)
}

#[test]
fn iso_formatter_matches_the_library_parser() {
    for ms in [0, 1_795_430_108_123, 951_782_400_000, 4_102_444_799_999] {
        assert_eq!(parse_iso8601_millis(&format_iso(ms)), Some(ms), "{}", format_iso(ms));
    }
}

fn fake_web_identity(lifetime_ms: i64) -> (Arc<FakeSts>, WebIdentityProvider) {
    let sts = Arc::new(FakeSts { requests: AtomicUsize::new(0), lifetime_ms });
    let p = WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", SecretString::new("tok+with/symbols")).unwrap().http_client(sts.clone());
    (sts, p)
}

async fn concurrent_callers_share_one_fetch() {
    let (sts, p) = fake_web_identity(3_600_000);
    let cache = Arc::new(CachingProvider::new(Arc::new(p)));
    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let c = cache.clone();
            tokio::spawn(async move { c.credentials().await.map(|c| c.access_key_id) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), "AKIAFAKE1");
    }
    assert_eq!(sts.requests.load(Ordering::SeqCst), 1);
    cache.credentials().await.unwrap();
    assert_eq!(sts.requests.load(Ordering::SeqCst), 1, "served from the cache");
}

#[tokio::test]
async fn single_flight_on_a_single_threaded_executor() {
    concurrent_callers_share_one_fetch().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_flight_on_a_multi_threaded_executor() {
    concurrent_callers_share_one_fetch().await;
}

#[tokio::test]
async fn single_flight_with_join_on_one_task() {
    // All callers polled by one task, as a wasm executor would.
    let (sts, p) = fake_web_identity(3_600_000);
    let cache = CachingProvider::new(Arc::new(p));
    let (a, b, c) = tokio::join!(cache.credentials(), cache.credentials(), cache.credentials());
    assert_eq!((a.unwrap().access_key_id, b.unwrap().access_key_id, c.unwrap().access_key_id), ("AKIAFAKE1".into(), "AKIAFAKE1".into(), "AKIAFAKE1".into()));
    assert_eq!(sts.requests.load(Ordering::SeqCst), 1);
}

static CLOCK_A: AtomicI64 = AtomicI64::new(0);
fn clock_a() -> i64 {
    CLOCK_A.load(Ordering::SeqCst)
}

/// A provider counting its calls, returning credentials that expire `lifetime` after the fake clock's now.
fn counting_provider(calls: Arc<AtomicUsize>, clock: fn() -> i64, lifetime: i64, fail_after: usize) -> FnCredentialsProvider<impl Fn() -> BoxFuture<'static, Result<Credentials>> + Send + Sync> {
    FnCredentialsProvider::new(move || {
        let calls = calls.clone();
        Box::pin(async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n > fail_after {
                return Err(Error::credentials("source down"));
            }
            let mut c = Credentials::new(format!("AK{n}"), "s", Some("t".into()));
            c.expires_at_millis = Some(clock() + lifetime);
            Ok(c)
        }) as BoxFuture<'static, Result<Credentials>>
    })
}

#[tokio::test]
async fn refreshes_five_minutes_before_expiry() {
    let hour = 3_600_000;
    CLOCK_A.store(1_000_000_000_000, Ordering::SeqCst);
    let calls = Arc::new(AtomicUsize::new(0));
    let cache = CachingProvider::new(Arc::new(counting_provider(calls.clone(), clock_a, hour, usize::MAX))).clock(clock_a);
    let expiry = clock_a() + hour;
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK1");
    CLOCK_A.store(expiry - DEFAULT_REFRESH_MARGIN_MS - 1, Ordering::SeqCst);
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK1", "still outside the 5-minute window");
    CLOCK_A.store(expiry - DEFAULT_REFRESH_MARGIN_MS, Ordering::SeqCst);
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK2", "refreshed 5 minutes before expiry");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    cache.invalidate();
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK3");
}

static CLOCK_B: AtomicI64 = AtomicI64::new(0);
fn clock_b() -> i64 {
    CLOCK_B.load(Ordering::SeqCst)
}

#[tokio::test]
async fn failed_refresh_keeps_unexpired_credentials_and_errors_are_shared() {
    let hour = 3_600_000;
    CLOCK_B.store(2_000_000_000_000, Ordering::SeqCst);
    let calls = Arc::new(AtomicUsize::new(0));
    let cache = CachingProvider::new(Arc::new(counting_provider(calls.clone(), clock_b, hour, 1))).clock(clock_b);
    let expiry = clock_b() + hour;
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK1");
    CLOCK_B.store(expiry - 60_000, Ordering::SeqCst);
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK1", "refresh failed; the old ones are still valid");
    CLOCK_B.store(expiry + 1, Ordering::SeqCst);
    let e = cache.credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
}

#[tokio::test]
async fn short_lived_credentials_refresh_at_half_life() {
    // moto's Cognito credentials live 90 s, less than the 5-minute margin.
    static CLOCK_C: AtomicI64 = AtomicI64::new(3_000_000_000_000);
    fn clock_c() -> i64 {
        CLOCK_C.load(Ordering::SeqCst)
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let cache = CachingProvider::new(Arc::new(counting_provider(calls.clone(), clock_c, 90_000, usize::MAX))).clock(clock_c);
    cache.credentials().await.unwrap();
    cache.credentials().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not refetched on every call");
    CLOCK_C.fetch_add(45_000, Ordering::SeqCst);
    cache.credentials().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// Paused time: the sleeps below happen in a fixed order whatever the machine's load.
#[tokio::test(start_paused = true)]
async fn waiters_share_the_leaders_error_and_survive_its_cancellation() {
    struct Slow {
        calls: AtomicUsize,
    }
    impl CredentialsProvider for Slow {
        fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                if n == 2 {
                    Err(Error::credentials("boom"))
                } else {
                    Ok(Credentials::new(format!("AK{n}"), "s", None))
                }
            })
        }
    }
    let slow = Arc::new(Slow { calls: AtomicUsize::new(0) });
    let cache = Arc::new(CachingProvider::new(slow.clone()));
    // The leader is cancelled mid-flight; a waiter must take over instead of hanging.
    let waiter = {
        let c = cache.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            c.credentials().await
        })
    };
    assert!(tokio::time::timeout(Duration::from_millis(30), cache.credentials()).await.is_err());
    assert_eq!(slow.calls.load(Ordering::SeqCst), 1, "the waiter joined the leader's fetch rather than starting one");
    let got = tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("waiter not stuck").unwrap();
    // The waiter became the leader of a second fetch, which fails: the error is its.
    assert_eq!(got.unwrap_err().message(), "boom");
    assert_eq!(slow.calls.load(Ordering::SeqCst), 2);

    // Third fetch: several waiters, one call.
    let (a, b) = tokio::join!(cache.credentials(), cache.credentials());
    assert_eq!((a.unwrap().access_key_id, b.unwrap().access_key_id), ("AK3".into(), "AK3".into()));
    assert_eq!(slow.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn env_map_and_function_providers() {
    let env = common::local_env();
    let p = EnvCredentialsProvider::new(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let kms = client_with_provider(Arc::new(p));
    kms.list_keys(ListKeysRequest::default()).await.unwrap();

    let calls = Arc::new(AtomicUsize::new(0));
    let (id, secret) = (env["AWS_ACCESS_KEY_ID"].clone(), env["AWS_SECRET_ACCESS_KEY"].clone());
    let counter = calls.clone();
    let f = FnCredentialsProvider::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        let c = Credentials::new(id.clone(), secret.clone(), None);
        Box::pin(async move { Ok(c) }) as BoxFuture<'static, Result<Credentials>>
    });
    let kms = client_with_provider(Arc::new(CachingProvider::new(Arc::new(f))));
    kms.list_keys(ListKeysRequest::default()).await.unwrap();
    kms.list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "credentials without expiry are cached for good");

    let empty = EnvCredentialsProvider::new([("AWS_REGION", "us-east-1")]);
    let e = client_with_provider(Arc::new(empty)).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
}

/// STS answers errors in XML; they become credentials errors (not KMS exceptions) named by their
/// `<Code>`, without the token.
#[tokio::test]
async fn sts_error_answers_are_named_and_leak_no_token() {
    struct Refusing;
    impl HttpClient for Refusing {
        fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
            let body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity provider</Message></Error><RequestId>rid-7</RequestId></ErrorResponse>";
            Box::pin(async move { Ok(HttpResponse { status: 400, headers: vec![("x-amzn-requestid".into(), "rid-7".into())], body: body.as_bytes().to_vec() }) })
        }
    }
    let p = WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", SecretString::new("eyJ.very-secret-token.sig")).unwrap().http_client(Arc::new(Refusing));
    let e = p.credentials().await.unwrap_err();
    assert_eq!((e.kind(), e.name(), e.http_status(), e.request_id()), (ErrorKind::Credentials, "InvalidIdentityToken", Some(400), Some("rid-7")));
    assert!(!format!("{e} {e:?}").contains("very-secret-token"));
    // Called by itself, the provider sent one request, and its error says so, as the SDK's do.
    assert_eq!(e.attempts(), 1);
    // Through the cache and a KMS client, the provider's error is what the KMS call returns.
    let kms = client_with_provider(Arc::new(CachingProvider::new(Arc::new(p))));
    let e = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((e.name(), e.attempts()), ("InvalidIdentityToken", 1));
}

/// STS's `IDPCommunicationError` (it could not reach the identity provider) passes: retried with
/// the KMS call. An error's message reads as text, not XML (`&apos;`).
#[tokio::test]
async fn sts_idp_communication_error_is_retried_and_messages_are_unescaped() {
    struct Flaky(Arc<AtomicUsize>, &'static str);
    impl HttpClient for Flaky {
        fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
            let first = self.0.fetch_add(1, Ordering::SeqCst) == 0;
            let env = common::local_env();
            let body = match first {
                true => format!("<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>Couldn&apos;t reach the provider &amp; gave up</Message></Error></ErrorResponse>", self.1),
                false => format!(
                    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>session</SessionToken><Expiration>{}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                    env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], format_iso(kms_wasm::platform::now_millis() + 3_600_000)
                ),
            };
            Box::pin(async move { Ok(HttpResponse { status: if first { 400 } else { 200 }, headers: vec![], body: body.into_bytes() }) })
        }
    }
    let sts_requests = Arc::new(AtomicUsize::new(0));
    let provider = |code| WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", SecretString::new("tok")).unwrap().http_client(Arc::new(Flaky(sts_requests.clone(), code)));
    let e = provider("IDPCommunicationError").credentials().await.unwrap_err();
    assert_eq!((e.name(), e.message()), ("IDPCommunicationError", "Couldn't reach the provider & gave up"));
    // Retried: the second answer's credentials reach KMS (which knows no such session: moto
    // refuses the token, as it should).
    sts_requests.store(0, Ordering::SeqCst);
    let kms = client_with_provider(Arc::new(CachingProvider::new(Arc::new(provider("IDPCommunicationError")))));
    assert_eq!(kms.list_keys(ListKeysRequest::default()).await.unwrap_err().name(), "InvalidClientTokenId");
    assert_eq!(sts_requests.load(Ordering::SeqCst), 2);
    // A refusal of the token itself is not retried.
    sts_requests.store(0, Ordering::SeqCst);
    let kms = client_with_provider(Arc::new(CachingProvider::new(Arc::new(provider("InvalidIdentityToken")))));
    assert_eq!(kms.list_keys(ListKeysRequest::default()).await.unwrap_err().name(), "InvalidIdentityToken");
    assert_eq!(sts_requests.load(Ordering::SeqCst), 1);
    // A provider's own caller retries the same way, without a client.
    let own_caller = |code| {
        sts_requests.store(0, Ordering::SeqCst);
        let p = provider(code);
        async move { credentials_with_retries(&p, RetryConfig::default()).await }
    };
    assert_eq!(own_caller("IDPCommunicationError").await.unwrap().access_key_id, common::local_env()["AWS_ACCESS_KEY_ID"]);
    assert_eq!(sts_requests.load(Ordering::SeqCst), 2);
    let e = own_caller("InvalidIdentityToken").await.unwrap_err();
    assert_eq!((e.name(), e.attempts(), sts_requests.load(Ordering::SeqCst)), ("InvalidIdentityToken", 1, 1));
}

/// An STS that always answers 503: a provider's own caller stops after `max_attempts` fetches,
/// and the error counts them and the backoff.
#[tokio::test]
async fn own_caller_of_a_provider_stops_after_max_attempts() {
    struct Down(AtomicUsize);
    impl HttpClient for Down {
        fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(HttpResponse { status: 503, headers: vec![], body: b"<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>".to_vec() }) })
        }
    }
    let sts = Arc::new(Down(AtomicUsize::new(0)));
    let p = WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", SecretString::new("tok")).unwrap().http_client(sts.clone());
    let retry = RetryConfig { max_attempts: 4, base_delay_ms: 1, max_delay_ms: 5 };
    let e = credentials_with_retries(&p, retry).await.unwrap_err();
    assert_eq!((e.name(), e.http_status(), e.attempts(), sts.0.load(Ordering::SeqCst)), ("ServiceUnavailable", Some(503), 4, 4));
}

/// A refusal that echoes the token it was sent (a proxy or an emulator that quotes the request)
/// still leaves the token out of the error: of STS the web identity token, of Cognito each login.
#[tokio::test]
async fn refusals_echoing_the_token_are_redacted() {
    struct Echoing(&'static str, u16);
    impl HttpClient for Echoing {
        fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
            Box::pin(async move { Ok(HttpResponse { status: self.1, headers: vec![], body: self.0.as_bytes().to_vec() }) })
        }
    }
    let sts = Echoing("<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>token eyJ.very-secret-token.sig is not valid (eyJ.very-secret-token.sig)</Message></Error></ErrorResponse>", 400);
    let p = WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", SecretString::new("eyJ.very-secret-token.sig")).unwrap().http_client(Arc::new(sts));
    let e = p.credentials().await.unwrap_err();
    assert_eq!((e.name(), e.http_status()), ("InvalidIdentityToken", Some(400)));
    assert_eq!(e.message(), "token ** redacted ** is not valid (** redacted **)");
    assert!(!format!("{e} {e:?}").contains("very-secret"));

    let cognito = Echoing(r#"{"__type":"NotAuthorizedException","message":"Invalid login token: login-jwt-1 or login-jwt-2"}"#, 400);
    let logins = [("accounts.google.com", SecretString::new("login-jwt-1")), ("graph.facebook.com", SecretString::new("login-jwt-2"))];
    let p = CognitoIdentityProvider::new("us-east-1:00000000-0000-0000-0000-000000000000").unwrap().logins(logins).http_client(Arc::new(cognito));
    let e = p.credentials().await.unwrap_err();
    assert_eq!((e.kind(), e.name()), (ErrorKind::Credentials, "NotAuthorizedException"));
    assert_eq!(e.message(), "Invalid login token: ** redacted ** or ** redacted **");
    assert!(!format!("{e} {e:?}").contains("login-jwt"));
}

/// A fake STS + KMS on 127.0.0.1 (one thread, a connection at a time): STS answers credentials
/// named after the count of its calls; KMS answers an empty key list. Records the web identity
/// tokens STS was sent and the access key ids KMS requests were signed with.
fn fake_sts_and_kms(tokens: Arc<Mutex<Vec<String>>>, signers: Arc<Mutex<Vec<String>>>) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let (mut length, mut authorization, mut target) = (0usize, String::new(), false);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if lower.starts_with("authorization:") {
                    authorization = line.clone();
                }
                target |= lower.starts_with("x-amz-target:");
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8(body).unwrap();
            let answer = if target {
                let id = authorization.split("Credential=").nth(1).and_then(|c| c.split('/').next()).unwrap_or("").to_owned();
                signers.lock().unwrap().push(id);
                r#"{"Keys":[],"Truncated":false}"#.to_owned()
            } else {
                let token = body.split('&').find_map(|p| p.strip_prefix("WebIdentityToken=")).unwrap_or("").to_owned();
                let mut tokens = tokens.lock().unwrap();
                tokens.push(token);
                let exp = format_iso(kms_wasm::platform::now_millis() + 3_600_000);
                format!("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIAFILE{}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>{exp}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>", tokens.len())
            };
            let mut conn = conn;
            let _ = write!(conn, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}", answer.len());
        }
    });
    url
}

/// With no keys in the environment, `from_env` assumes the role of a web identity token file,
/// as the SDK's default chain does (EKS service accounts, CI runners), reading the file again
/// at each fetch; keys in the environment come first.
#[tokio::test]
async fn from_env_assumes_the_role_of_a_web_identity_token_file() {
    let (tokens, signers) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let url = fake_sts_and_kms(tokens.clone(), signers.clone());
    let dir = std::env::temp_dir().join(unique("kms-wasm-token-file"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "token-one\n").unwrap();
    let file_name = file.to_str().unwrap().to_owned();
    let env = |extra: &[(&str, &str)]| {
        let mut vars = vec![("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL", url.as_str()), ("AWS_WEB_IDENTITY_TOKEN_FILE", file_name.as_str()), ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod")];
        vars.extend_from_slice(extra);
        vars.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>()
    };
    let kms = KmsClient::from_env(env(&[])).unwrap();
    kms.list_keys(ListKeysRequest::default()).await.unwrap();
    std::fs::write(&file, "token-two\n").unwrap();
    // A client of its own fetches again, reading the file as it is now.
    KmsClient::from_env(env(&[])).unwrap().list_keys(ListKeysRequest::default()).await.unwrap();
    KmsClient::from_env(env(&[("AWS_ACCESS_KEY_ID", "AKIASTATIC"), ("AWS_SECRET_ACCESS_KEY", "s")])).unwrap().list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(*tokens.lock().unwrap(), ["token-one", "token-two"]);
    assert_eq!(*signers.lock().unwrap(), ["AKIAFILE1", "AKIAFILE2", "AKIASTATIC"]);
    // A bad role ARN names its variable; a file that cannot be read fails the call, saying so.
    let e = KmsClient::from_env(env(&[("AWS_ROLE_ARN", "not-an-arn")])).unwrap_err();
    assert_eq!(e.field(), Some("AWS_ROLE_ARN"), "{e}");
    // Whatever order the builder is given things in: a region set after the environment is the
    // STS region too, and credentials given after it replace the token file (its role ARN unread).
    let without_region: Vec<_> = env(&[]).into_iter().filter(|(k, _)| k != "AWS_REGION").collect();
    let config = Config::builder().env(without_region).unwrap().region("eu-west-1").build().unwrap();
    KmsClient::new(config).list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(tokens.lock().unwrap().len(), 3, "the role assumed in the region given after");
    let config = Config::builder().env(env(&[("AWS_ROLE_ARN", "arn:aws:iam::123456789012:user/not-a-role")])).unwrap().credentials(Credentials::new("AKIAGIVEN", "s", None)).build().unwrap();
    KmsClient::new(config).list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(signers.lock().unwrap().last().map(String::as_str), Some("AKIAGIVEN"));
    // Half a pair of keys is refused as before, not passed over for the token file.
    let e = KmsClient::from_env(env(&[("AWS_SECRET_ACCESS_KEY", "s")])).unwrap_err();
    assert_eq!(e.field(), Some("AWS_ACCESS_KEY_ID"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    let e = KmsClient::from_env(env(&[])).unwrap().list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert!(e.message().contains("cannot read the web identity token file"), "{e}");
}
