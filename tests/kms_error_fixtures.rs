//! Error mapping from fixtures of KMS's real wire format.
//!
//! moto answers every error with 400 and enforces neither key state nor key
//! usage, so the mapping of each exception is checked here against recorded
//! shapes of KMS error answers: `{"__type": "com.amazonaws.kms#Name",
//! "message": "…"}` (with and without the namespace) or the name in the
//! `x-amzn-ErrorType` header, at the status the model gives. The list of
//! exceptions comes from the generated model (`kms::EXCEPTIONS`), so an
//! exception AWS adds shows up here when the model is regenerated.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use kms_wasm::kms::{DescribeKeyRequest, EncryptRequest, KmsClient, EXCEPTIONS};
use kms_wasm::platform::BoxFuture;
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::{Config, Credentials, ErrorKind, RetryConfig};

const SECRET: &str = "fixture-secret-access-key-never-printed";

/// Answers from a script; the last answer repeats once the script runs out.
struct Scripted {
    answers: Mutex<VecDeque<HttpResponse>>,
    calls: AtomicU32,
}

impl Scripted {
    fn new(answers: Vec<HttpResponse>) -> Arc<Self> {
        Arc::new(Scripted { answers: Mutex::new(answers.into()), calls: AtomicU32::new(0) })
    }
    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl HttpClient for Scripted {
    fn send(&self, _request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut answers = self.answers.lock().unwrap();
        let answer = if answers.len() > 1 { answers.pop_front().unwrap() } else { answers.front().cloned().expect("a scripted answer") };
        Box::pin(async move { Ok(answer) })
    }
}

fn client(http: Arc<Scripted>, max_attempts: u32) -> KmsClient {
    let config = Config::builder()
        .region("eu-central-1")
        .endpoint("https://kms.eu-central-1.amazonaws.com")
        .credentials(Credentials::new("AKIDFIXTURE", SECRET, Some("fixture-session-token".into())))
        .retry(RetryConfig { max_attempts, base_delay_ms: 1, max_delay_ms: 2 })
        .build()
        .unwrap();
    KmsClient::with_http_client(config, http)
}

/// The three ways KMS names an exception on the wire.
#[derive(Clone, Copy, Debug)]
enum Format {
    Namespaced,
    Bare,
    Header,
}

fn error_answer(name: &str, status: u16, format: Format, message: &str, request_id: &str) -> HttpResponse {
    let mut headers = vec![("x-amzn-requestid".to_string(), request_id.to_string()), ("content-type".to_string(), "application/x-amz-json-1.1".to_string())];
    let body = match format {
        Format::Namespaced => serde_json::json!({"__type": format!("com.amazonaws.kms#{name}"), "message": message}),
        Format::Bare => serde_json::json!({"__type": name, "message": message}),
        Format::Header => {
            headers.push(("x-amzn-errortype".to_string(), format!("{name}:http://internal.amazon.com/coral/com.amazonaws.kms/")));
            serde_json::json!({"message": message})
        }
    };
    HttpResponse { status, headers, body: body.to_string().into_bytes() }
}

fn ok_answer(body: &str) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![("x-amzn-requestid".into(), "rid-ok".into())], body: body.as_bytes().to_vec() }
}

/// What our retry policy promises: 5xx and throttling are retried, nothing else.
/// As the SDK's standard mode: 500/502/503/504 and the throttling codes, among which KMS's own
/// `LimitExceededException` (the SDK retries it for every service).
fn retryable(name: &str, status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504) || matches!(name, "ThrottlingException" | "LimitExceededException")
}

async fn call(kms: &KmsClient, i: usize) -> kms_wasm::Error {
    // Alternate between two operations so the mapping is not tied to one.
    if i % 2 == 0 {
        kms.describe_key(DescribeKeyRequest { key_id: "alias/fixture".into(), ..Default::default() }).await.unwrap_err()
    } else {
        kms.encrypt(EncryptRequest { key_id: "alias/fixture".into(), plaintext: b"p".to_vec().into(), ..Default::default() }).await.unwrap_err()
    }
}

#[tokio::test]
async fn fixture_every_model_exception_maps_to_its_typed_error() {
    assert!(EXCEPTIONS.len() >= 40, "the model declares every KMS exception");
    let max_attempts = 3;
    let mut checked = 0;
    for (i, &(name, status, fault)) in EXCEPTIONS.iter().enumerate() {
        for format in [Format::Namespaced, Format::Bare, Format::Header] {
            let message = format!("fixture message for {name} ({format:?}) – ünïcode");
            let request_id = format!("rid-{i}-{format:?}");
            let http = Scripted::new(vec![error_answer(name, status, format, &message, &request_id)]);
            let kms = client(http.clone(), max_attempts);
            let err = call(&kms, i).await;
            let ctx = format!("{name} as {format:?}");
            assert_eq!(err.kind(), ErrorKind::Service, "{ctx}");
            assert_eq!(err.name(), name, "{ctx}");
            assert_eq!(err.http_status(), Some(status), "{ctx}");
            assert_eq!(err.message(), message, "{ctx}");
            assert_eq!(err.request_id(), Some(request_id.as_str()), "{ctx}");
            assert_eq!(err.fault(), fault, "{ctx}: $fault as the model declares it");
            let expected_attempts = if retryable(name, status) { max_attempts } else { 1 };
            assert_eq!(err.attempts(), expected_attempts, "{ctx}");
            assert_eq!(http.calls(), expected_attempts, "{ctx}");
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(name) && shown.contains(&request_id), "{ctx}: {shown}");
            assert!(!shown.contains(SECRET) && !shown.contains("fixture-session-token"), "{ctx}: no secrets in errors");
            checked += 1;
        }
    }
    assert_eq!(checked, EXCEPTIONS.len() * 3);
}

#[tokio::test]
async fn fixture_a_model_exception_keeps_its_fault_whatever_the_status() {
    // As the SDK's classes: a client exception sent with a 5xx is still the client's.
    for (name, status, fault) in [("NotFoundException", 500, "client"), ("KMSInternalException", 400, "server"), ("SomethingNewException", 503, "server"), ("SomethingNewException", 400, "client")] {
        let http = Scripted::new(vec![error_answer(name, status, Format::Namespaced, "m", "rid"); 3]);
        let err = call(&client(http, 3), 0).await;
        assert_eq!((err.name(), err.fault()), (name, fault), "{status}");
    }
}

#[tokio::test]
async fn fixture_server_faults_answered_with_5xx_are_retried_up_to_max_attempts() {
    // KMS sends its server-side exceptions (KMSInternalException,
    // DependencyTimeoutException, KeyUnavailableException) with 5xx statuses.
    let server: Vec<&str> = EXCEPTIONS.iter().filter(|e| e.2 == "server").map(|e| e.0).collect();
    assert!(server.contains(&"KMSInternalException") && server.contains(&"DependencyTimeoutException"), "{server:?}");
    for (i, name) in server.iter().enumerate() {
        for (max_attempts, status) in [(3, 500), (4, 503), (1, 500)] {
            let http = Scripted::new(vec![error_answer(name, status, Format::Namespaced, "try again", "rid-5xx")]);
            let err = call(&client(http.clone(), max_attempts), i).await;
            assert_eq!((err.name(), err.http_status(), err.fault()), (*name, Some(status), "server"));
            assert_eq!(err.attempts(), max_attempts, "{name} {status}");
            assert_eq!(http.calls(), max_attempts, "{name} {status}");
        }
    }
}

#[tokio::test]
async fn fixture_throttling_is_retried_and_can_then_succeed() {
    // ThrottlingException is not in the KMS model but KMS sends it (400).
    let throttled = || error_answer("ThrottlingException", 400, Format::Namespaced, "Rate exceeded", "rid-throttle");
    let http = Scripted::new(vec![throttled(), throttled(), ok_answer(r#"{"KeyMetadata":{"KeyId":"k-1","KeyState":"Enabled"}}"#)]);
    let kms = client(http.clone(), 3);
    let out = kms.describe_key(DescribeKeyRequest { key_id: "alias/fixture".into(), ..Default::default() }).await.unwrap();
    assert_eq!(out.key_metadata.unwrap().key_id, "k-1");
    assert_eq!(http.calls(), 3);

    let http = Scripted::new(vec![throttled()]);
    let err = call(&client(http.clone(), 5), 0).await;
    assert_eq!((err.name(), err.fault(), err.attempts(), http.calls()), ("ThrottlingException", "client", 5, 5));
}

#[tokio::test]
async fn fixture_client_errors_take_exactly_one_attempt_whatever_max_attempts() {
    for name in ["NotFoundException", "KMSInvalidStateException", "IncorrectKeyException", "InvalidCiphertextException", "AccessDeniedException"] {
        let status = EXCEPTIONS.iter().find(|e| e.0 == name).map(|e| e.1).unwrap_or(400);
        let http = Scripted::new(vec![error_answer(name, status, Format::Header, "no", "rid-1")]);
        let err = call(&client(http.clone(), 7), 1).await;
        assert_eq!((err.name(), err.attempts(), http.calls(), err.fault()), (name, 1, 1, "client"));
    }
}

#[tokio::test]
async fn fixture_non_json_error_bodies_still_give_a_named_error() {
    for (status, body, name) in [
        (403, "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>bad token</Message></Error></ErrorResponse>", "InvalidClientTokenId"),
        (502, "<html>bad gateway</html>", "BadGateway"),
        (400, "", "BadRequest"),
    ] {
        let http = Scripted::new(vec![HttpResponse { status, headers: vec![], body: body.as_bytes().to_vec() }]);
        let err = call(&client(http.clone(), 2), 0).await;
        assert_eq!((err.name(), err.http_status()), (name, Some(status)));
        assert_eq!(err.attempts(), if status >= 500 { 2 } else { 1 });
    }
}
