//! The KMS API: a client with one typed async method per operation.
//!
//! Every operation is described once, in the generated [`model`] (from
//! botocore's model): its request and response types plus one line of
//! wiring in the `kms_operations!` call at the end of that file. All calls go
//! through [`KmsClient::call_json`], which validates the input, signs and
//! sends it, and reports to the audit hook; the JavaScript binding uses that
//! same entry point with per-operation conversion tables, so the wasm module
//! does not carry a serde implementation of all 56 operations.

pub mod model;
pub mod paginate;
pub mod validate;
pub mod wire;

use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::platform;
use crate::transport::{HttpClient, ResponseMetadata, Transport};

pub use model::*;
pub use wire::{Blob, SecretBytes, Timestamp};

/// One KMS operation: its wire name and its input and output types.
pub trait Operation {
    /// Name on the wire (`X-Amz-Target: TrentService.<NAME>`).
    const NAME: &'static str;
    /// Request type.
    type Input: Serialize;
    /// Response type.
    type Output: DeserializeOwned;
}

/// Output of operations that answer with nothing but metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyOutput {}

/// What the audit hook receives after every KMS call. Never holds secrets or plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Operation name, e.g. `Encrypt`.
    pub operation: String,
    /// The key the call named (request `KeyId`/`DestinationKeyId`) or, if none, the one the answer named.
    pub key_id: Option<String>,
    /// `x-amzn-RequestId` of the final answer.
    pub request_id: Option<String>,
    /// HTTP status of the final answer (absent when nothing was answered).
    pub http_status: Option<u16>,
    /// Attempts made.
    pub attempts: u32,
    /// Wall time of the call including retries, in milliseconds.
    pub duration_ms: u64,
    /// Error name when the call failed.
    pub error_name: Option<String>,
}

/// Receives an [`AuditEvent`] after every call.
pub type AuditHook = Arc<dyn Fn(&AuditEvent) + Send + Sync>;

/// A KMS client. Cheap to clone; clones share connection state and clock-skew correction.
#[derive(Clone)]
pub struct KmsClient {
    transport: Arc<Transport>,
    audit: Option<AuditHook>,
}

impl std::fmt::Debug for KmsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsClient").field("config", self.transport.config()).finish()
    }
}

impl KmsClient {
    /// A client for `config` over the host's HTTP client.
    pub fn new(config: Config) -> Self {
        KmsClient { transport: Arc::new(Transport::new(config)), audit: None }
    }

    /// A client configured from an environment map (see [`Config::from_env`]).
    pub fn from_env<K: AsRef<str>, V: AsRef<str>>(vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        Ok(Self::new(Config::from_env(vars)?))
    }

    /// A client over a caller-supplied HTTP client.
    pub fn with_http_client(config: Config, http: Arc<dyn HttpClient>) -> Self {
        KmsClient { transport: Arc::new(Transport::with_http_client(config, http)), audit: None }
    }

    /// Calls `hook` after every KMS call with what happened (never secrets).
    pub fn with_audit_hook(mut self, hook: AuditHook) -> Self {
        self.audit = Some(hook);
        self
    }

    /// The configuration of this client.
    pub fn config(&self) -> &Config {
        self.transport.config()
    }

    /// Sends any operation with a typed input and output.
    pub async fn send<O: Operation>(&self, input: &O::Input) -> Result<O::Output> {
        Ok(self.send_with_metadata::<O>(input).await?.0)
    }

    /// Like [`send`](Self::send), also returning the response metadata.
    pub async fn send_with_metadata<O: Operation>(&self, input: &O::Input) -> Result<(O::Output, ResponseMetadata)> {
        let body = serde_json::to_value(input).map_err(|e| Error::validation(O::NAME, format!("cannot serialize the request: {}", crate::error::json_problem(&e))))?;
        let (bytes, meta) = self.call_json(O::NAME, body).await?;
        let bytes = zeroize::Zeroizing::new(bytes); // a Decrypt's or GenerateDataKey's answer carries plaintext
        let output = decode_output::<O::Output>(O::NAME, &bytes).map_err(|e| e.with_attempts(meta.attempts, meta.total_retry_delay_ms))?;
        Ok((output, meta))
    }

    /// Calls `operation` with a JSON request body as the wire carries it;
    /// returns the raw JSON answer. Validates the input first (see [`validate`]).
    pub fn call_json<'a>(&'a self, operation: &'a str, body: serde_json::Value) -> impl Future<Output = Result<(Vec<u8>, ResponseMetadata)>> + 'a {
        self.call_json_in(None, operation, body)
    }

    /// Like [`call_json`](Self::call_json), sent to `region` if given and not the client's
    /// own (keys named by ARN live in their region; see [`Config::in_region`]).
    pub fn call_json_in<'a>(&'a self, region: Option<&'a str>, operation: &'a str, body: serde_json::Value) -> impl Future<Output = Result<(Vec<u8>, ResponseMetadata)>> + 'a {
        self.call_json_abortable(region, operation, body, None, None)
    }

    /// [`call_json_in`](Self::call_json_in) that gives up when `abort` resolves (the JS binding's
    /// `abortSignal`): the request in flight is cancelled, no retry follows, and the audit hook
    /// sees an `AbortError`. Rust callers cancel by dropping the future instead. `timeout_ms`
    /// bounds each attempt instead of the client's timeout (the binding's per-call `requestTimeout`).
    pub(crate) async fn call_json_abortable(&self, region: Option<&str>, operation: &str, body: serde_json::Value, abort: Option<platform::Abort>, timeout_ms: Option<u64>) -> Result<(Vec<u8>, ResponseMetadata)> {
        // An Encrypt or ReEncrypt request carries plaintext: wiped when the call ends, or when
        // its future is dropped part-way (cancelled).
        struct WipedOnDrop(serde_json::Value);
        impl Drop for WipedOnDrop {
            fn drop(&mut self) {
                platform::wipe_strings(&mut self.0);
            }
        }
        let body = WipedOnDrop(body);
        self.call_json_inner(region, operation, &body.0, abort, timeout_ms).await
    }

    async fn call_json_inner(&self, region: Option<&str>, operation: &str, body: &serde_json::Value, abort: Option<platform::Abort>, timeout_ms: Option<u64>) -> Result<(Vec<u8>, ResponseMetadata)> {
        validate::check(operation, body)?;
        let started = platform::now_millis();
        let bytes = serde_json::to_vec(body).map_err(|e| Error::validation(operation.to_owned(), format!("cannot serialize the request: {}", crate::error::json_problem(&e))))?;
        let progress = crate::transport::Progress::default();
        let result = platform::unless_aborted(self.transport.call_counted(region, operation, bytes, &progress, timeout_ms), abort).await;
        // An abort drops the call wherever it was: what was sent still counts (and is audited).
        let result = result.map_err(|e| if e.kind() == crate::ErrorKind::Aborted { progress.stamp(e) } else { e });
        // KMS's own exceptions carry the fault its model declares, whatever status carried them.
        #[cfg(not(target_arch = "wasm32"))]
        let result = result.map_err(|e| match EXCEPTIONS.iter().find(|(name, ..)| *name == e.name()) {
            Some(&(_, _, fault)) if e.kind() == crate::ErrorKind::Service => e.with_model_fault(fault),
            _ => e,
        });
        if let Some(hook) = &self.audit {
            hook(&audit_event(operation, body, &result, platform::now_millis() - started));
        }
        result
    }

    /// Like [`call_json`](Self::call_json), answering with the parsed JSON
    /// (`{}` for an empty or `null` answer). Read fields by name
    /// (`v["KeyMetadata"]["KeyState"].as_str()`): unlike [`send`](Self::send)
    /// this instantiates no typed (de)serializer, which keeps the wasm module
    /// small. The raw answer is wiped once parsed (it may carry plaintext);
    /// wiping secret fields of the returned value is the caller's job.
    pub fn call_value<'a>(&'a self, operation: &'a str, input: serde_json::Value) -> impl Future<Output = Result<serde_json::Value>> + 'a {
        self.call_value_in(None, operation, input)
    }

    /// Like [`call_value`](Self::call_value), sent to `region` as [`call_json_in`](Self::call_json_in) is.
    pub async fn call_value_in(&self, region: Option<&str>, operation: &str, input: serde_json::Value) -> Result<serde_json::Value> {
        let (mut bytes, meta) = self.call_json_in(region, operation, input).await?;
        let parsed = decode_output::<serde_json::Value>(operation, &bytes).map_err(|e| e.with_attempts(meta.attempts, meta.total_retry_delay_ms));
        zeroize::Zeroize::zeroize(&mut bytes);
        parsed
    }
}

/// Partition, region, account and resource of a KMS ARN (`arn:<partition>:kms:<region>:<account>:<resource>`),
/// the first three non-empty.
pub(crate) fn kms_arn_parts(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    // Exactly five colons (the spec's valid KMS ARN): none in the resource.
    if prefix != "arn" || service != "kms" || [partition, region, account].iter().any(|s| s.is_empty()) || resource.contains(':') {
        return None;
    }
    Some((partition, region, account, resource))
}

/// The region a key identifier names, if it is a KMS ARN (of a key or an alias).
pub(crate) fn arn_region(key_id: &str) -> Option<&str> {
    kms_arn_parts(key_id).map(|(_, region, ..)| region)
}

fn decode_output<T: DeserializeOwned>(operation: &str, bytes: &[u8]) -> Result<T> {
    // Operations without output answer with nothing, or (moto) with `null`.
    let trimmed = bytes.trim_ascii();
    let bytes = if trimmed.is_empty() || trimmed == b"null" { &b"{}"[..] } else { bytes };
    // The message says what is wrong and where, never the value.
    serde_json::from_slice(bytes).map_err(|e| Error::service("SerializationException", format!("cannot parse the {operation} answer: {}", crate::error::json_problem(&e)), 200, None))
}

fn audit_event(operation: &str, request: &serde_json::Value, result: &Result<(Vec<u8>, ResponseMetadata)>, duration_ms: i64) -> AuditEvent {
    let from_request = ["KeyId", "DestinationKeyId", "TargetKeyId"].iter().find_map(|k| request.get(*k)?.as_str().map(str::to_owned));
    let mut event = AuditEvent {
        operation: operation.to_owned(),
        key_id: from_request,
        request_id: None,
        http_status: None,
        attempts: 0,
        duration_ms: duration_ms.max(0) as u64,
        error_name: None,
    };
    match result {
        Ok((bytes, meta)) => {
            if event.key_id.is_none() {
                // The answer names the key for Decrypt (KeyId) and CreateKey (KeyMetadata.KeyId).
                let mut answer: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
                event.key_id = [&answer["KeyId"], &answer["KeyMetadata"]["KeyId"]].iter().find_map(|v| v.as_str().map(str::to_owned));
                platform::wipe_strings(&mut answer); // a Decrypt's answer carries the plaintext too
            }
            event.request_id = meta.request_id.clone();
            event.http_status = Some(meta.http_status);
            event.attempts = meta.attempts;
        }
        Err(e) => {
            event.request_id = e.request_id().map(str::to_owned);
            event.http_status = e.http_status();
            event.attempts = e.attempts();
            event.error_name = Some(e.name().to_owned());
        }
    }
    event
}

/// Declares the operations: a marker type per operation in [`ops`] and a typed method on [`KmsClient`].
#[macro_export]
#[doc(hidden)]
macro_rules! kms_operations {
    ($($doc:literal $name:ident => $method:ident($input:ident) -> $output:ident;)*) => {
        /// Marker types, one per operation, for [`KmsClient::send`](crate::kms::KmsClient::send).
        pub mod ops {
            $(
                #[doc = $doc]
                #[derive(Clone, Copy, Debug)]
                pub struct $name;
                impl $crate::kms::Operation for $name {
                    const NAME: &'static str = stringify!($name);
                    type Input = super::$input;
                    type Output = super::$output;
                }
            )*
            /// Wire names of every operation, sorted.
            pub const ALL: &[&str] = &[$(stringify!($name)),*];
        }
        impl $crate::kms::KmsClient {
            $(
                #[doc = $doc]
                pub async fn $method(&self, input: $input) -> $crate::Result<$output> {
                    self.send::<ops::$name>(&input).await
                }
            )*
        }
    };
}
