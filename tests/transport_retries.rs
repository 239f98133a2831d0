//! Retries, timeouts and clock-skew correction through a loopback proxy in
//! front of kms-local. The proxy answers some requests itself (503,
//! throttling, skew errors, silence) and forwards the others byte for byte,
//! so moto still checks the signature of every forwarded request.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use kms_wasm::kms::{ops, ListKeysRequest};
use kms_wasm::{Config, ConfigBuilder, Credentials, ErrorKind, KmsClient, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
enum Action {
    Respond { status: u16, headers: Vec<(String, String)>, body: String },
    Forward,
    Hang,
}

struct Proxy {
    url: String,
    hits: Arc<AtomicU32>,
    heads: Arc<Mutex<Vec<String>>>,
}

async fn start_proxy(script: impl Fn(u32) -> Action + Send + Sync + 'static) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = common::endpoint().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let hits = Arc::new(AtomicU32::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(script);
    let (h, r) = (hits.clone(), heads.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else { return };
            let (hits, heads, script, upstream) = (h.clone(), r.clone(), script.clone(), upstream.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut conn).await else { return };
                let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
                heads.lock().unwrap().push(String::from_utf8_lossy(&request).split("\r\n\r\n").next().unwrap_or("").to_owned());
                match script(n) {
                    Action::Respond { status, headers, body } => {
                        let mut head = format!("HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
                        for (k, v) in headers {
                            head.push_str(&format!("{k}: {v}\r\n"));
                        }
                        let _ = conn.write_all(format!("{head}\r\n{body}").as_bytes()).await;
                    }
                    Action::Forward => {
                        let mut up = TcpStream::connect(&upstream).await.unwrap();
                        up.write_all(&request).await.unwrap();
                        let mut answer = Vec::new();
                        let _ = up.read_to_end(&mut answer).await;
                        let _ = conn.write_all(&answer).await;
                    }
                    Action::Hang => tokio::time::sleep(std::time::Duration::from_secs(30)).await,
                }
                let _ = conn.shutdown().await;
            });
        }
    });
    Proxy { url, hits, heads }
}

/// Reads one HTTP/1.1 request (head + Content-Length body) and rewrites it to close the connection,
/// so the upstream answer ends at EOF.
async fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())).unwrap_or(0);
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    // Connection is not a signed header, so changing it keeps the signature valid.
    let head = head.lines().filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect::<Vec<_>>().join("\r\n");
    let head = head.trim_end().to_owned() + "\r\nconnection: close\r\n\r\n";
    Some([head.as_bytes(), &buf[head_end..]].concat())
}

/// kms-local's region and credentials, sent through `proxy`.
fn config_via(proxy: &Proxy) -> ConfigBuilder {
    let env = common::local_env();
    Config::builder().region(&env["AWS_REGION"]).endpoint(&proxy.url).credentials(Credentials::new(&env["AWS_ACCESS_KEY_ID"], &env["AWS_SECRET_ACCESS_KEY"], None))
}

fn client_via(proxy: &Proxy, max_attempts: u32, timeout_ms: u64) -> KmsClient {
    KmsClient::new(config_via(proxy).retry(RetryConfig { max_attempts, base_delay_ms: 10, max_delay_ms: 100 }).timeout_ms(timeout_ms).build().unwrap())
}

/// `n` ListKeys calls made at once on `kms`, each on a task of its own; their outcomes in order.
async fn list_keys_at_once(kms: &KmsClient, n: usize) -> Vec<kms_wasm::Result<kms_wasm::kms::ListKeysResponse>> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let kms = kms.clone();
            tokio::spawn(async move { kms.list_keys(ListKeysRequest::default()).await })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(n);
    for call in calls {
        outcomes.push(call.await.expect("the task ran"));
    }
    outcomes
}

fn json_error(status: u16, name: &str, message: &str) -> Action {
    Action::Respond { status, headers: vec![("x-amzn-RequestId".into(), format!("req-{name}"))], body: format!(r#"{{"__type":"com.amazonaws.kms#{name}","message":"{message}"}}"#) }
}

#[tokio::test]
async fn two_503s_then_success_on_attempt_3() {
    let proxy = start_proxy(|n| if n <= 2 { Action::Respond { status: 503, headers: vec![], body: "<html>busy</html>".into() } } else { Action::Forward }).await;
    let kms = client_via(&proxy, 3, 5_000);
    let (out, meta) = kms.send_with_metadata::<ops::ListKeys>(&ListKeysRequest::default()).await.unwrap();
    assert!(out.keys.is_some());
    assert_eq!(meta.attempts, 3);
    assert_eq!(meta.http_status, 200);
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn throttling_forever_fails_after_the_configured_attempts() {
    let proxy = start_proxy(|_| json_error(400, "ThrottlingException", "Rate exceeded")).await;
    let kms = client_via(&proxy, 4, 5_000);
    let started = std::time::Instant::now();
    let err = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(err.name(), "ThrottlingException");
    assert_eq!(err.attempts(), 4);
    // Three backoffs of at most 50, 100 and 100 ms (throttling: 5 × base 10, doubling, capped
    // at 100), all within the call.
    assert!(err.total_retry_delay_ms() < 250 && u128::from(err.total_retry_delay_ms()) <= started.elapsed().as_millis(), "{err:?}");
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
    assert_eq!(err.request_id(), Some("req-ThrottlingException"));
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_redirect_is_an_error_and_never_followed() {
    // Followed, it would take the session token and the body (Encrypt's plaintext) to another
    // origin, and its answer for KMS's.
    let elsewhere = start_proxy(|_| Action::Forward).await;
    for status in [301, 302, 303, 307, 308] {
        let location = elsewhere.url.clone();
        let proxy = start_proxy(move |_| Action::Respond { status, headers: vec![("location".into(), location.clone())], body: String::new() }).await;
        let err = client_via(&proxy, 3, 5_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
        assert_eq!((err.name(), err.http_status(), err.attempts()), ("Redirect", Some(status), 1), "{err}");
        assert!(err.to_string().contains("not followed"), "{err}");
    }
    assert_eq!(elsewhere.hits.load(Ordering::SeqCst), 0, "nothing went to the other origin");
}

#[tokio::test]
async fn validation_exception_is_not_retried() {
    let proxy = start_proxy(|_| json_error(400, "ValidationException", "1 validation error detected")).await;
    let kms = client_via(&proxy, 5, 5_000);
    let err = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.name(), err.attempts(), err.http_status(), err.total_retry_delay_ms()), ("ValidationException", 1, Some(400), 0));
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 1);
}

/// A proxy whose first answer is `name`/`message` dated `server_time`; the rest go to kms-local.
async fn skew_proxy(server_time: std::time::SystemTime, name: &'static str, message: &'static str) -> Proxy {
    let date = httpdate_string(server_time);
    start_proxy(move |n| {
        if n == 1 {
            let mut a = json_error(400, name, message);
            if let Action::Respond { headers, .. } = &mut a {
                headers.push(("Date".into(), date.clone()));
            }
            a
        } else {
            Action::Forward
        }
    })
    .await
}

/// Hours between the `x-amz-date`s of the proxy's first two requests (modulo a day).
fn signing_hours_apart(proxy: &Proxy) -> i32 {
    let heads = proxy.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2);
    let amz_date = |h: &str| h.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("x-amz-date:").map(|v| v.trim().to_owned())).unwrap();
    // 20261123T101500z: the hour is at 9..11.
    let hour = |d: &str| d[9..11].parse::<i32>().unwrap();
    (hour(&amz_date(&heads[1])) - hour(&amz_date(&heads[0]))).rem_euclid(24)
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_date_header_and_retried_once() {
    let hour = std::time::Duration::from_secs(3600);
    // Local clock an hour behind: KMS says the signature expired.
    let proxy = skew_proxy(std::time::SystemTime::now() + hour, "InvalidSignatureException", "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z").await;
    // max_attempts = 1: the skew retry is extra, not a retry attempt; `attempts` counts it, as
    // every request sent.
    let (_, meta) = client_via(&proxy, 1, 5_000).send_with_metadata::<ops::ListKeys>(&ListKeysRequest::default()).await.unwrap();
    assert_eq!((meta.attempts, proxy.hits.load(Ordering::SeqCst)), (2, 2));
    assert_eq!(signing_hours_apart(&proxy), 1);
    // Local clock an hour ahead: KMS says the signature is not yet current.
    let proxy = skew_proxy(std::time::SystemTime::now() - hour, "InvalidSignatureException", "Signature not yet current: 20260101T010000Z is still later than 20260101T000500Z (20260101T000000Z + 5 min.)").await;
    client_via(&proxy, 1, 5_000).list_keys(ListKeysRequest::default()).await.unwrap();
    assert_eq!(signing_hours_apart(&proxy), 23);
    // A skew error without a Date header: nothing to correct with, the error comes back.
    let proxy = start_proxy(|_| json_error(400, "InvalidSignatureException", "Signature expired: earlier than")).await;
    let err = client_via(&proxy, 1, 5_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(err.name(), "InvalidSignatureException");
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 1, "without a Date header there is nothing to correct with");
    // A Date that agrees with the local clock: a skew retry would sign the same way again.
    let proxy = skew_proxy(std::time::SystemTime::now(), "InvalidSignatureException", "Signature expired: earlier than").await;
    let err = client_via(&proxy, 1, 5_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.name(), proxy.hits.load(Ordering::SeqCst)), ("InvalidSignatureException", 1));
}

#[tokio::test]
async fn a_skew_retry_leaves_the_retry_budget_intact() {
    // Skew-refused, then a 503, then success: with max_attempts = 2 the 503 still gets its retry.
    let date = httpdate_string(std::time::SystemTime::now() + std::time::Duration::from_secs(3600));
    let proxy = start_proxy(move |n| match n {
        1 => Action::Respond { status: 400, headers: vec![("Date".into(), date.clone())], body: r#"{"__type":"InvalidSignatureException","message":"Signature expired"}"#.into() },
        2 => Action::Respond { status: 503, headers: vec![], body: String::new() },
        _ => Action::Forward,
    })
    .await;
    let (_, meta) = client_via(&proxy, 2, 5_000).send_with_metadata::<ops::ListKeys>(&ListKeysRequest::default()).await.unwrap();
    assert_eq!((meta.attempts, proxy.hits.load(Ordering::SeqCst)), (3, 3));
}

#[tokio::test]
async fn in_an_outage_a_clients_retries_stop_once_its_retry_quota_is_spent() {
    // Every answer a 500 until `failing` is cleared; then kms-local answers.
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let still = failing.clone();
    let proxy = start_proxy(move |_| if still.load(Ordering::SeqCst) { json_error(500, "KMSInternalException", "down") } else { Action::Forward }).await;
    let kms = client_via(&proxy, 3, 5_000);
    // 120 calls at once, each wanting 2 retries: the quota (500 tokens, 5 a retry) pays for 100.
    for err in list_keys_at_once(&kms, 120).await {
        assert_eq!(err.unwrap_err().name(), "KMSInternalException");
    }
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 120 + 100);
    // Spent: the next failure is not retried.
    let err = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.attempts(), proxy.hits.load(Ordering::SeqCst)), (1, 221));
    // Successes refill it (1 token each): after 5, one retry again.
    failing.store(false, Ordering::SeqCst);
    for _ in 0..5 {
        kms.list_keys(ListKeysRequest::default()).await.unwrap();
    }
    failing.store(true, Ordering::SeqCst);
    let err = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(err.attempts(), 2);
    // Another client has a quota of its own.
    let err = client_via(&proxy, 3, 5_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(err.attempts(), 3);
}

#[tokio::test]
async fn a_retry_after_header_is_waited_out_up_to_the_longest_backoff() {
    let client = |proxy: &Proxy, max_delay_ms| KmsClient::new(config_via(proxy).retry(RetryConfig { max_attempts: 2, base_delay_ms: 10, max_delay_ms }).build().unwrap());
    // Seconds, and an HTTP date (whole seconds: between 1 and 2 s from now when it is read).
    for as_date in [false, true] {
        let (retry_after, at_least_ms) = match as_date {
            false => ("1".to_owned(), 1_000),
            true => (httpdate_string(std::time::SystemTime::now() + std::time::Duration::from_secs(2)), 900),
        };
        let proxy = start_proxy(move |n| if n == 1 { Action::Respond { status: 503, headers: vec![("Retry-After".into(), retry_after.clone())], body: String::new() } } else { Action::Forward }).await;
        let (_, meta) = client(&proxy, 20_000).send_with_metadata::<ops::ListKeys>(&ListKeysRequest::default()).await.unwrap();
        assert_eq!(meta.attempts, 2);
        assert!(meta.total_retry_delay_ms >= at_least_ms && meta.total_retry_delay_ms <= 2_000, "{}", meta.total_retry_delay_ms);
    }
    // Never longer than the longest backoff.
    let proxy = start_proxy(|n| if n == 1 { Action::Respond { status: 429, headers: vec![("Retry-After".into(), "3600".into())], body: String::new() } } else { Action::Forward }).await;
    let (_, meta) = client(&proxy, 300).send_with_metadata::<ops::ListKeys>(&ListKeysRequest::default()).await.unwrap();
    assert_eq!((meta.attempts, meta.total_retry_delay_ms), (2, 300));
}

#[tokio::test]
async fn a_silent_server_times_out_each_attempt() {
    let proxy = start_proxy(|_| Action::Hang).await;
    let kms = client_via(&proxy, 2, 400);
    let started = std::time::Instant::now();
    let err = kms.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.name(), err.attempts()), (ErrorKind::Timeout, "TimeoutError", 2));
    // 2 × 400 ms and a backoff under 100 ms: 3x headroom for a loaded machine, and well under
    // what a timeout honoured loosely would take (2 × 2 s at 5x).
    let elapsed = started.elapsed();
    assert!(elapsed >= std::time::Duration::from_millis(800) && elapsed < std::time::Duration::from_millis(2_500), "{elapsed:?}");
}

#[tokio::test]
async fn connection_refused_is_a_network_error_after_retries() {
    // Port 2: nothing listens there (only root may bind it) (a port freed by another test could be taken again meanwhile).
    let proxy = Proxy { url: "http://127.0.0.1:2".into(), hits: Default::default(), heads: Default::default() };
    let err = client_via(&proxy, 3, 1_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Network, 3));
    assert_eq!(err.fault(), "server");
}

#[tokio::test]
async fn html_500_page_becomes_a_clear_error() {
    let proxy = start_proxy(|_| Action::Respond { status: 500, headers: vec![], body: "<html><h1>Internal Server Error</h1></html>".into() }).await;
    let err = client_via(&proxy, 2, 5_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.name(), err.http_status(), err.attempts()), ("InternalServerError", Some(500), 2));
    assert!(err.message().contains("non-JSON"), "{err}");
}

fn httpdate_string(t: std::time::SystemTime) -> String {
    // IMF-fixdate via the same crate the transport parses with.
    httpdate::fmt_http_date(t)
}

#[tokio::test]
async fn a_call_that_fails_before_sending_reports_no_attempt() {
    // No credentials, or credentials no header can carry: nothing leaves, and the error says so.
    let proxy = start_proxy(|_| Action::Forward).await;
    let bare = Config::builder().region("us-east-1").endpoint(&proxy.url).build().unwrap();
    let err = KmsClient::new(bare).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.field(), err.attempts()), (ErrorKind::Config, Some("credentials"), 0), "{err}");
    let unsendable = Config::builder().region("us-east-1").endpoint(&proxy.url).credentials(Credentials::new("AKID\u{e9}", "secret", None)).build().unwrap();
    let err = KmsClient::new(unsendable).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.field(), err.attempts()), (ErrorKind::Config, Some("credentials.accessKeyId"), 0), "{err}");
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_answer_over_16_mib_is_refused_unread_as_a_serialization_exception_not_retried() {
    let proxy = start_proxy(|_| Action::Respond { status: 200, headers: vec![], body: format!("{{\"Keys\":[],\"Padding\":\"{}\"}}", "x".repeat(17 << 20)) }).await;
    let err = client_via(&proxy, 3, 10_000).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.name(), err.http_status(), err.attempts()), ("SerializationException", Some(200), 1), "{err}");
    assert!(err.message().contains("16 MiB"), "{err}");
}

/// STS refusing twice (503), then KMS once (500): as in the SDK, whose STS client retries apart
/// from the KMS call, the call goes on with max_attempts = 3. A credentials fetch that failed
/// does not use up the call's attempts.
#[tokio::test]
async fn credentials_fetches_that_fail_do_not_use_up_the_calls_attempts() {
    use kms_wasm::credentials::{CachingProvider, WebIdentityProvider};
    use kms_wasm::platform::BoxFuture;
    use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
    use kms_wasm::SecretString;
    // Fails its first `.1` requests: with a 503, or unreachable when `.2`.
    struct Sts(AtomicU32, u32, bool);
    impl HttpClient for Sts {
        fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            if n <= self.1 && self.2 {
                return Box::pin(async { Err(kms_wasm::Error::network("connect ECONNREFUSED").with_code("ECONNREFUSED")) });
            }
            let env = common::local_env();
            let (status, body) = match n <= self.1 {
                true => (503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>".to_owned()),
                false => (200, format!(
                    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>session</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                    env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
                )),
            };
            Box::pin(async move {
                // Long enough for calls made together to wait on one fetch.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Ok(HttpResponse { status, headers: vec![], body: body.into_bytes() })
            })
        }
    }
    let client = |proxy: &Proxy, sts: Arc<Sts>| {
        let provider = WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", SecretString::new("tok")).unwrap().http_client(sts);
        // The fake STS's credentials in place of kms-local's.
        KmsClient::new(config_via(proxy).credentials_provider(Arc::new(CachingProvider::new(Arc::new(provider)))).retry(RetryConfig { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 100 }).build().unwrap())
    };
    let proxy = start_proxy(|n| if n == 1 { json_error(500, "KMSInternalException", "once") } else { Action::Forward }).await;
    let sts = Arc::new(Sts(AtomicU32::new(0), 2, false));
    let err = client(&proxy, sts.clone()).list_keys(ListKeysRequest::default()).await.unwrap_err();
    // KMS was asked twice: its 500, then the retry, which moto refuses (it knows no such
    // session: the credentials are the fake STS's), so the call did get past both failures.
    assert_eq!((err.name(), err.attempts(), proxy.hits.load(Ordering::SeqCst), sts.0.load(Ordering::SeqCst)), ("InvalidClientTokenId", 2, 2, 3));
    // STS failing every time: three fetches, and the error says so.
    let sts = Arc::new(Sts(AtomicU32::new(0), u32::MAX, false));
    let err = client(&proxy, sts.clone()).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status(), err.attempts(), sts.0.load(Ordering::SeqCst)), (ErrorKind::Credentials, Some(503), 3, 3));
    // STS unreachable every time: the same, three fetches counted.
    let sts = Arc::new(Sts(AtomicU32::new(0), u32::MAX, true));
    let err = client(&proxy, sts.clone()).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.code(), err.attempts(), sts.0.load(Ordering::SeqCst)), (ErrorKind::Network, Some("ECONNREFUSED"), 3, 3));
    // 150 calls at once on a fresh client, all waiting on one fetch that fails once: its retry
    // takes nothing from the client's retry quota (which pays for 100 retries), so every call
    // gets past it (to an answer of the proxy's own: 150 at once are more than moto serves in time).
    // So does a fetch that could not reach STS.
    let proxy = start_proxy(|_| json_error(400, "AccessDeniedException", "not this one")).await;
    for unreachable in [false, true] {
        let sts = Arc::new(Sts(AtomicU32::new(0), 1, unreachable));
        let kms = client(&proxy, sts.clone());
        for err in list_keys_at_once(&kms, 150).await {
            assert_eq!(err.unwrap_err().name(), "AccessDeniedException", "unreachable: {unreachable}");
        }
        assert_eq!(sts.0.load(Ordering::SeqCst), 2, "one failed fetch, one that worked");
    }
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 300);
}
