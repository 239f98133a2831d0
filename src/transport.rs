//! Sending signed KMS requests: signing each attempt, retries, timeouts, clock skew.
//!
//! The wire protocol is AWS JSON 1.1: `POST /` with
//! `Content-Type: application/x-amz-json-1.1` and
//! `X-Amz-Target: TrentService.<Operation>`. The HTTP client (reqwest natively, the global
//! `fetch` on wasm32) and the decoding of error answers are [`crate::transport_http`]'s;
//! everything here is shared so native tests exercise the same retry logic the browser runs.

use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::platform;
use crate::signing::{sign_request, SignableKmsRequest};

// The HTTP layer, below the credential providers too; named here as well, where they were first.
pub use crate::transport_http::{answer_too_large, decode_error, default_http_client, HttpClient, HttpRequest, HttpResponse, MAX_ANSWER_BYTES};

/// JSON 1.1 content type of every KMS request.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// Prefix of the `X-Amz-Target` header.
pub const TARGET_PREFIX: &str = "TrentService.";

/// What the transport learned about a successful call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseMetadata {
    /// HTTP status of the final answer.
    pub http_status: u16,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
    /// Requests sent, including the successful one (and a retry after a clock-skew refusal, which
    /// does not count against `max_attempts`).
    pub attempts: u32,
    /// Milliseconds spent waiting between attempts (the backoffs).
    pub total_retry_delay_ms: u64,
}

/// Signs, sends and retries KMS JSON requests.
pub struct Transport {
    config: Config,
    http: Arc<dyn HttpClient>,
    /// Server time minus local time, learned from a skew error.
    clock_offset_ms: AtomicI64,
    /// What is left of the retry quota (below), shared by this client's calls.
    retry_tokens: AtomicU32,
}

/// The SDK's standard-mode retry quota: a retry takes [`RETRY_COST`] tokens ([`TIMEOUT_RETRY_COST`]
/// after a timeout), a call that succeeds after retrying gives its last retry's cost back, and
/// one that succeeds at once gives one. With none left, failures are not retried: in an outage a
/// client's calls fail at their first answer instead of multiplying the load.
const RETRY_QUOTA: u32 = 500;
const RETRY_COST: u32 = 5;
const TIMEOUT_RETRY_COST: u32 = 10;

impl Transport {
    /// A transport over the host's default HTTP client.
    pub fn new(config: Config) -> Self {
        Self::with_http_client(config, default_http_client())
    }

    /// A transport over a caller-supplied HTTP client (tests, custom stacks).
    pub fn with_http_client(config: Config, http: Arc<dyn HttpClient>) -> Self {
        Transport { config, http, clock_offset_ms: AtomicI64::new(0), retry_tokens: AtomicU32::new(RETRY_QUOTA) }
    }

    /// The configuration this transport signs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Milliseconds added to the local clock when signing (learned from skew errors).
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Calls `operation` with the JSON `body`; returns the answer's body and metadata.
    /// The body is wiped afterwards: an Encrypt request carries plaintext. `region`, if another
    /// than the configured one, is where the call goes instead ([`Config::in_region`]).
    pub async fn call(&self, region: Option<&str>, operation: &str, body: Vec<u8>) -> Result<(Vec<u8>, ResponseMetadata)> {
        self.call_counted(region, operation, body, &Progress::default(), None).await
    }

    /// [`call`](Self::call) that also keeps `progress` up to date, for a caller that may drop the
    /// call unfinished (an abort) and must still say how many attempts were sent; `timeout_ms`,
    /// if given, bounds each attempt instead of the configured timeout (the SDK's per-call
    /// `requestTimeout`).
    pub(crate) async fn call_counted(&self, region: Option<&str>, operation: &str, body: Vec<u8>, progress: &Progress, timeout_ms: Option<u64>) -> Result<(Vec<u8>, ResponseMetadata)> {
        let other;
        let (region, endpoint) = match region.filter(|r| *r != self.config.region) {
            Some(r) => {
                other = self.config.in_region(r)?;
                (other.0.as_str(), &other.1)
            }
            None => (self.config.region.as_str(), &self.config.endpoint),
        };
        let body = zeroize::Zeroizing::new(body);
        let retry = self.config.retry;
        let mut skew_retried = false;
        // Rounds that sent a request (bounded by max_attempts; a skew retry is not one), requests
        // sent ($metadata.attempts), and rounds that failed before sending (credentials: STS or
        // Cognito refusing), bounded by max_attempts apart, as the SDK's providers retry on
        // clients of their own: a credentials fetch that failed does not use up the call's.
        let mut round = 0u32;
        let mut sent = 0u32;
        let mut unsent = 0u32;
        let mut waited_ms = 0;
        let mut retry_cost = 0; // the tokens the last retry took
        loop {
            let mut retry_after_ms = 0;
            // `tries`: of the kind this round was (sent, or failed fetching credentials); a
            // credentials error's attempts are the fetches, as the SDK's STS errors say.
            let (tries, outcome, before_sending) = match self.signed_request(region, endpoint.url(), operation, &body).await {
                Ok(request) => {
                    round += 1;
                    sent += 1;
                    progress.attempts.store(sent, Ordering::Relaxed);
                    (round, self.http.send(request, timeout_ms.unwrap_or(self.config.timeout_ms)).await, false)
                }
                Err(err) => {
                    unsent += 1;
                    (unsent, Err(err), true)
                }
            };
            let err = match outcome {
                Ok(resp) => {
                    let clock_corrected = self.sample_server_clock(&resp);
                    if (200..300).contains(&resp.status) {
                        let _ = self.retry_tokens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| Some((t + retry_cost.max(1)).min(RETRY_QUOTA)));
                        let meta = ResponseMetadata { http_status: resp.status, request_id: resp.header("x-amzn-requestid").map(str::to_owned), attempts: sent, total_retry_delay_ms: waited_ms };
                        return Ok((resp.body, meta));
                    }
                    // Refused while the clock was minutes off (the SDK retries whatever the
                    // error's name: "Signature expired", "not yet current", …): once more on the
                    // server's clock. A skew retry does not use up a retry attempt's backoff.
                    if clock_corrected && !skew_retried {
                        skew_retried = true;
                        round -= 1;
                        continue;
                    }
                    retry_after_ms = self.retry_after_ms(&resp);
                    decode_error(&resp)
                }
                Err(err) => err,
            };
            // A credentials fetch that failed (STS or Cognito refusing, unreachable or too slow):
            // its retry takes nothing from this quota (the SDK's STS client has a quota of its
            // own; one failed fetch reaches every call waiting on it), and its error counts the
            // fetches. (A configuration error before sending was not a fetch.)
            let fetch_failed = before_sending && matches!(err.kind(), ErrorKind::Credentials | ErrorKind::Network | ErrorKind::Timeout);
            retry_cost = match err.kind() {
                _ if fetch_failed => 0,
                ErrorKind::Timeout => TIMEOUT_RETRY_COST,
                _ => RETRY_COST,
            };
            if tries >= retry.max_attempts || !is_retryable(&err) || self.retry_tokens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| t.checked_sub(retry_cost)).is_err() {
                let attempts = if fetch_failed { unsent } else { sent };
                return Err(err.with_attempts(attempts, waited_ms));
            }
            // A server's `Retry-After` (a proxy's or gateway's 429 or 503) is waited out, as the SDK
            // does, up to the longest backoff.
            let backoff = retry_delay_ms(retry, &err, tries).max(retry_after_ms.min(retry.max_delay_ms));
            platform::sleep(backoff).await;
            // After the wait: a call aborted during it has not waited it all.
            waited_ms += backoff;
            progress.waited_ms.store(waited_ms, Ordering::Relaxed);
        }
    }

    /// Learns the server's clock from an answer's `Date`, as the SDK does: when it differs from the
    /// corrected local clock by [`SKEW_THRESHOLD_MS`] or more, the offset is replaced. Every answer
    /// counts, so a clock that was behind and has since been fixed is followed back. Returns
    /// whether the offset changed.
    fn sample_server_clock(&self, resp: &HttpResponse) -> bool {
        let Some(server_ms) = resp.header("date").and_then(platform::parse_http_date_ms) else { return false };
        let offset = server_ms - platform::now_millis();
        let moved = (offset - self.clock_offset_ms()).abs() >= SKEW_THRESHOLD_MS;
        if moved {
            self.clock_offset_ms.store(offset, Ordering::Relaxed);
        }
        moved
    }

    /// What an answer's `Retry-After` asks to wait, in milliseconds: seconds, or an HTTP date
    /// (on the server's clock, as learned).
    fn retry_after_ms(&self, resp: &HttpResponse) -> u64 {
        let Some(value) = resp.header("retry-after").map(str::trim) else { return 0 };
        match value.parse::<u32>() {
            Ok(seconds) => u64::from(seconds) * 1000,
            Err(_) => platform::parse_http_date_ms(value).map_or(0, |at| (at - platform::now_millis() - self.clock_offset_ms()).max(0) as u64),
        }
    }

    /// The request of one attempt, signed with the current credentials.
    async fn signed_request(&self, region: &str, url: &str, operation: &str, body: &[u8]) -> Result<HttpRequest> {
        let credentials = match &self.config.credentials {
            Some(p) => p.credentials().await?,
            None => return Err(Error::config("credentials", "no credentials configured (give them, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for fromEnv to read)")),
        };
        let target = format!("{TARGET_PREFIX}{operation}");
        let unsigned = [("content-type", CONTENT_TYPE), ("x-amz-target", target.as_str())];
        let now = platform::now_millis() + self.clock_offset_ms();
        let signed = sign_request(&SignableKmsRequest { url, headers: &unsigned, body }, &credentials, region, now)?;
        let mut headers: Vec<(String, String)> = unsigned.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        headers.extend(signed);
        Ok(HttpRequest { url: url.to_owned(), headers, body: body.to_vec() })
    }
}

/// Credentials from `provider` for a caller of its own (not a client's call, which retries a
/// failed fetch in its own loop): a passing failure of STS or Cognito (5xx, throttling,
/// `IDPCommunicationError`, out of reach or too slow) is fetched again after `retry`'s backoff,
/// up to `retry.max_attempts` fetches, as the SDK's providers retry on STS and Cognito clients of
/// their own. An error after several fetches counts them.
pub async fn credentials_with_retries(provider: &dyn crate::credentials::CredentialsProvider, retry: crate::config::RetryConfig) -> Result<crate::credentials::Credentials> {
    let mut fetches = 1;
    let mut waited_ms = 0;
    loop {
        let err = match provider.credentials().await {
            Ok(credentials) => return Ok(credentials),
            Err(err) => err,
        };
        // A configuration error fetched nothing; one fetch's error counts it already.
        if fetches >= retry.max_attempts || !is_retryable(&err) {
            return Err(if fetches > 1 { err.with_attempts(fetches, waited_ms) } else { err });
        }
        let backoff = retry_delay_ms(retry, &err, fetches);
        platform::sleep(backoff).await;
        waited_ms += backoff;
        fetches += 1;
    }
}

/// The backoff before retrying after `err` on try `tries`: full jitter from the base, five
/// times the base for throttling.
fn retry_delay_ms(retry: crate::config::RetryConfig, err: &Error, tries: u32) -> u64 {
    let base = if is_throttling(err) { retry.base_delay_ms.saturating_mul(THROTTLING_BASE_FACTOR) } else { retry.base_delay_ms };
    backoff_ms(base, retry.max_delay_ms, tries)
}

/// Full-jitter backoff: uniform in `[0, min(max, base * 2^(attempt-1)))`.
fn backoff_ms(base: u64, max: u64, attempt: u32) -> u64 {
    let cap = base.saturating_mul(1u64 << (attempt - 1).min(20)).min(max);
    if cap == 0 {
        0
    } else {
        platform::random_u64() % cap
    }
}

/// How far the server's `Date` may be from the corrected local clock before the offset is
/// re-learned (the SDK's 4 minutes; AWS refuses signatures 5 minutes off).
const SKEW_THRESHOLD_MS: i64 = 240_000;

/// Error codes retried with backoff: of the SDK's throttling and transient codes (standard mode),
/// those KMS, STS and Cognito answer with (the rest name other services' limits).
const THROTTLING_CODES: &[&str] = &["ThrottlingException", "Throttling", "TooManyRequestsException", "LimitExceededException"];
/// (`IDPCommunicationError`: STS could not reach a web identity's provider, a passing fault.)
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException", "IDPCommunicationError"];

/// Throttling answers back off from this many times the base (the SDK's standard mode: 500 ms
/// against 100 ms).
const THROTTLING_BASE_FACTOR: u64 = 5;

/// Whether `err` is a throttling answer (429 or one of the throttling codes).
fn is_throttling(err: &Error) -> bool {
    err.http_status() == Some(429) || THROTTLING_CODES.contains(&err.name())
}

/// Network faults, timeouts, throttling, the transient codes, and the statuses the SDK's standard
/// mode retries (429 and 500/502/503/504; not 501 or 505, which no retry fixes).
pub(crate) fn is_retryable(err: &Error) -> bool {
    match err.kind() {
        ErrorKind::Network => !err.code().is_some_and(is_tls_refusal),
        ErrorKind::Timeout => true,
        // Credentials: STS or Cognito refusing while the call fetched them.
        ErrorKind::Service | ErrorKind::Credentials => matches!(err.http_status(), Some(500 | 502 | 503 | 504)) || is_throttling(err) || TRANSIENT_CODES.contains(&err.name()),
        _ => false,
    }
}

/// Whether a network failure's code (Node's) is a TLS refusal, which the same certificate or
/// protocol meets however often it is tried (nor does the SDK retry them): OpenSSL's verdicts on
/// a certificate (Node's X509 error codes: `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`,
/// `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `INVALID_CA`, …), Node's `ERR_TLS_CERT_ALTNAME_INVALID`,
/// and OpenSSL's refusals of a protocol, a version or the offered ciphers (an `https` endpoint
/// that speaks plain HTTP: `ERR_SSL_WRONG_VERSION_NUMBER`; `…_ALERT_HANDSHAKE_FAILURE`,
/// `…_ALERT_UNKNOWN_CA`). Other OpenSSL failures may pass (a server's `internal_error` alert, a
/// record garbled in transit), and a reset or a handshake timeout has a code of its own: retried.
fn is_tls_refusal(code: &str) -> bool {
    let has = |part| crate::find_str(code, part).is_some();
    ["CERT", "CRL", "VERSION", "PROTOCOL", "HANDSHAKE_FAILURE", "UNKNOWN_CA"].into_iter().any(has)
        || code.starts_with("UNABLE_TO_")
        || matches!(code, "INVALID_CA" | "PATH_LENGTH_EXCEEDED" | "INVALID_PURPOSE" | "HOSTNAME_MISMATCH")
}

/// Attempts begun and milliseconds of backoff so far, of a call that may be dropped unfinished.
#[derive(Default)]
pub(crate) struct Progress {
    attempts: std::sync::atomic::AtomicU32,
    waited_ms: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// `e` with the attempts and backoff so far (an abort stops a call wherever it is).
    pub(crate) fn stamp(&self, e: Error) -> Error {
        e.with_attempts(self.attempts.load(Ordering::Relaxed), self.waited_ms.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse { status, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn throttling_backs_off_from_five_times_the_base_other_faults_from_the_base() {
        for (status, name, throttling) in [(400, "ThrottlingException", true), (429, "TooManyRequests", true), (400, "LimitExceededException", true), (500, "KMSInternalException", false), (400, "RequestTimeoutException", false), (503, "ServiceUnavailable", false)] {
            let e = decode_error(&resp(status, &[], &format!(r#"{{"__type":"{name}"}}"#)));
            assert!(is_retryable(&e), "{name}");
            assert_eq!(is_throttling(&e), throttling, "{name}");
        }
    }

    #[test]
    fn json_error_type_loses_its_namespace() {
        let e = decode_error(&resp(400, &[("x-amzn-requestid", "rid-1")], r#"{"__type":"com.amazonaws.kms#NotFoundException","message":"Key 'x' does not exist"}"#));
        assert_eq!((e.name(), e.message(), e.http_status(), e.request_id()), ("NotFoundException", "Key 'x' does not exist", Some(400), Some("rid-1")));
    }

    #[test]
    fn error_type_header_wins_and_is_cleaned() {
        let e = decode_error(&resp(400, &[("x-amzn-ErrorType", "DisabledException:http://internal.amazon.com/")], r#"{"__type":"NotFoundException","Message":"disabled"}"#));
        assert_eq!((e.name(), e.message()), ("DisabledException", "disabled"));
        // An empty header names nothing: the body's code, then its __type, as the SDK reads them.
        let e = decode_error(&resp(400, &[("x-amzn-ErrorType", "")], r#"{"__type":"NotFoundException","code":"KMSInvalidStateException"}"#));
        assert_eq!(e.name(), "KMSInvalidStateException");
        let e = decode_error(&resp(400, &[("x-amzn-ErrorType", " ")], r#"{"__type":"com.amazonaws.kms#NotFoundException"}"#));
        assert_eq!(e.name(), "NotFoundException");
    }

    #[test]
    fn xml_and_html_bodies_become_clear_errors() {
        let e = decode_error(&resp(403, &[], "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>"));
        assert_eq!((e.name(), e.http_status()), ("InvalidClientTokenId", Some(403)));
        let e = decode_error(&resp(502, &[], "<html><body>Bad gateway</body></html>"));
        assert_eq!(e.name(), "BadGateway");
        assert!(e.message().contains("non-JSON"));
        assert_eq!(e.fault(), "server");
        let e = decode_error(&resp(500, &[], ""));
        assert!(e.message().contains("empty body"));
        let e = decode_error(&resp(400, &[], r#"{"__type": "InvalidCiphertextException"}"#));
        assert_eq!((e.name(), e.message()), ("InvalidCiphertextException", "HTTP 400 without an error message"));
    }

    #[test]
    fn retry_classification_follows_the_sdks_standard_mode() {
        let status = |code: u16| is_retryable(&decode_error(&resp(code, &[], "")));
        assert!([429, 500, 502, 503, 504].into_iter().all(status));
        assert!(![400, 403, 404, 501, 505].into_iter().any(status));
        let code = |name: &str| is_retryable(&decode_error(&resp(400, &[], &format!(r#"{{"__type":"{name}"}}"#))));
        assert!(["ThrottlingException", "Throttling", "TooManyRequestsException", "LimitExceededException", "RequestTimeoutException"].into_iter().all(code));
        assert!(!["ValidationException", "NotFoundException", "InvalidSignatureException"].into_iter().any(code));
        // The status decides, whatever the body names: a gateway's 429 `SlowDown` is throttling too.
        let named = |code: u16| is_retryable(&decode_error(&resp(code, &[], r#"{"__type":"SlowDown","message":"Please reduce your request rate."}"#)));
        assert!([429, 500, 502, 503, 504].into_iter().all(named));
        assert!(is_retryable(&Error::network("reset")));
        for code in ["ECONNRESET", "ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EPROTO", "UND_ERR_SOCKET", "ERR_TLS_HANDSHAKE_TIMEOUT", "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR", "ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC"] {
            assert!(is_retryable(&Error::network("x").with_code(code)), "{code}");
        }
        for code in ["CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "ERR_TLS_CERT_ALTNAME_INVALID", "ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", "ERR_SSL_UNSUPPORTED_PROTOCOL", "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "INVALID_CA", "CRL_HAS_EXPIRED", "HOSTNAME_MISMATCH", "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY", "PATH_LENGTH_EXCEEDED"] {
            assert!(!is_retryable(&Error::network("x").with_code(code)), "{code}");
        }
        assert!(is_retryable(&Error::timeout(5)));
        assert!(!is_retryable(&Error::aborted()));
    }

    #[test]
    fn debug_output_shows_neither_bodies_nor_credentials() {
        let request = HttpRequest {
            url: "https://kms.us-east-1.amazonaws.com/".into(),
            headers: vec![("authorization".into(), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/…, Signature=f00d".into()), ("X-Amz-Security-Token".into(), "session-secret".into()), ("x-amz-target".into(), "TrentService.Encrypt".into())],
            body: br#"{"Plaintext":"c2VjcmV0"}"#.to_vec(),
        };
        let shown = format!("{request:?}");
        assert!(shown.contains("TrentService.Encrypt") && shown.contains("body_len: 24"), "{shown}");
        for secret in ["f00d", "session-secret", "c2VjcmV0"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let shown = format!("{:?}", resp(200, &[("x-amzn-requestid", "rid")], r#"{"Plaintext":"c2VjcmV0"}"#));
        assert!(shown.contains("rid") && !shown.contains("c2VjcmV0"), "{shown}");
    }

    #[test]
    fn the_server_clock_is_learned_from_any_answer_that_is_minutes_off() {
        let transport = Transport::with_http_client(Config::builder().region("us-east-1").build().unwrap(), default_http_client());
        let dated = |offset_ms: i64| {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis((platform::now_millis() + offset_ms) as u64);
            resp(200, &[("date", &httpdate::fmt_http_date(t))], "{}")
        };
        assert!(!transport.sample_server_clock(&dated(60_000)), "a minute off is within what AWS accepts");
        assert_eq!(transport.clock_offset_ms(), 0);
        assert!(transport.sample_server_clock(&dated(-3_600_000)));
        assert!((transport.clock_offset_ms() + 3_600_000).abs() < 2_000, "{}", transport.clock_offset_ms());
        assert!(!transport.sample_server_clock(&dated(-3_600_000)));
        assert!(!transport.sample_server_clock(&resp(200, &[], "{}")), "no Date, nothing learned");
        // The local clock was fixed meanwhile: the server's Date now agrees with it.
        assert!(transport.sample_server_clock(&dated(0)));
        assert!(transport.clock_offset_ms().abs() < 2_000);
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        for attempt in 1..30 {
            assert!(backoff_ms(100, 2000, attempt) < 2000);
        }
        assert!(backoff_ms(100, 20_000, 1) < 100);
        // Full jitter: spread over [0, cap), so clients refused together do not retry together.
        // (500 uniform draws all within a quarter of the range: odds below 1e-290.)
        let delays: Vec<u64> = (0..500).map(|_| backoff_ms(100, 20_000, 3)).collect();
        assert!(delays.iter().all(|&d| d < 400), "{delays:?}");
        let (min, max) = (*delays.iter().min().unwrap(), *delays.iter().max().unwrap());
        assert!(max - min >= 100, "delays from {min} to {max} ms only");
    }

    #[test]
    fn http_dates_parse() {
        assert_eq!(platform::parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777000));
        assert_eq!(platform::parse_http_date_ms("yesterday"), None);
    }
}
