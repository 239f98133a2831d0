//! The one error type of the crate.
//!
//! Every failure — bad configuration, input rejected before sending, a KMS
//! exception, a network fault, a message that fails to parse or authenticate —
//! becomes an [`Error`] with a stable [`Error::name`]. For KMS exceptions the
//! name is the exception name exactly as KMS spells it (`NotFoundException`),
//! so JavaScript callers can switch on `err.name` as they do with the AWS SDK.
//!
//! Errors never carry secrets: messages are built from field names, lengths
//! and server-provided text, never from keys, tokens or plaintext.

use std::borrow::Cow;
use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client configuration is unusable (missing region, malformed endpoint, half a key pair).
    Config,
    /// A request was rejected locally before anything was sent.
    Validation,
    /// KMS (or the endpoint standing in for it) answered with an error.
    Service,
    /// The request could not be sent or its answer not read.
    Network,
    /// The request did not complete within the configured timeout.
    Timeout,
    /// An encrypted message is malformed, fails authentication, or does not match what the caller expects.
    Envelope,
    /// Obtaining credentials failed.
    Credentials,
    /// The caller gave up on the call (an `AbortSignal` in JavaScript) before it completed.
    Aborted,
}

impl ErrorKind {
    /// The variant's name (`"Service"`, `"Timeout"`, …), as the JS binding's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "Config",
            ErrorKind::Validation => "Validation",
            ErrorKind::Service => "Service",
            ErrorKind::Network => "Network",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Envelope => "Envelope",
            ErrorKind::Credentials => "Credentials",
            ErrorKind::Aborted => "Aborted",
        }
    }
}

/// Error returned by every fallible operation of the crate.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    name: Cow<'static, str>,
    message: String,
    field: Option<Cow<'static, str>>,
    http_status: Option<u16>,
    origin: Origin,
    // Sized to fit in what was padding: a larger Error made every Result carrying one larger,
    // and the wasm 4.7 KB larger (11.7 KB with a u64, which aligns it to 8 bytes).
    attempts: u16,
    total_retry_delay_ms: u32,
    /// Whether the KMS model declares this exception a server fault (`None`: not one of KMS's),
    /// set by the KMS client. Natively only: on wasm32 the JS binding's exception classes carry
    /// the fault, and the module need not.
    #[cfg(not(target_arch = "wasm32"))]
    model_server_fault: Option<bool>,
}

/// What identifies where a failure came from: the request id of an answer, or the runtime's
/// code for a network failure, which has no answer. One slot for the two keeps an `Error` the
/// size it was without a code (see above).
#[derive(Clone, PartialEq, Eq)]
enum Origin {
    Unknown,
    RequestId(String),
    Code(Box<str>),
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: ErrorKind, name: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::build(kind, name.into(), message.into())
    }

    // The generic constructors convert their arguments and call these, so each
    // call site carries a conversion, not a copy of the construction (wasm size).
    #[inline(never)]
    fn build(kind: ErrorKind, name: Cow<'static, str>, message: String) -> Self {
        Error {
            kind,
            name,
            message,
            field: None,
            http_status: None,
            origin: Origin::Unknown,
            attempts: 0,
            total_retry_delay_ms: 0,
            #[cfg(not(target_arch = "wasm32"))]
            model_server_fault: None,
        }
    }

    /// `"<field>: <message>"` without `format!`: `&str` and `String` messages
    /// reach here through `ToString`'s specializations, no formatting machinery.
    #[inline(never)]
    fn with_field(kind: ErrorKind, name: &'static str, field: Cow<'static, str>, message: String) -> Self {
        let mut text = String::with_capacity(field.len() + 2 + message.len());
        text.push_str(&field);
        text.push_str(": ");
        text.push_str(&message);
        let mut e = Self::build(kind, Cow::Borrowed(name), text);
        e.field = Some(field);
        e
    }

    /// A configuration problem with the named field.
    pub fn config(field: impl Into<Cow<'static, str>>, message: impl fmt::Display) -> Self {
        Self::with_field(ErrorKind::Config, "ConfigError", field.into(), message.to_string())
    }

    /// Input rejected before sending, naming the offending field.
    pub fn validation(field: impl Into<Cow<'static, str>>, message: impl fmt::Display) -> Self {
        Self::with_field(ErrorKind::Validation, "ValidationError", field.into(), message.to_string())
    }

    /// An error answered by the service. `name` is the KMS exception name.
    pub fn service(name: impl Into<Cow<'static, str>>, message: impl Into<String>, http_status: u16, request_id: Option<String>) -> Self {
        let mut e = Self::new(ErrorKind::Service, name, message);
        e.http_status = Some(http_status);
        e.origin = request_id.map_or(Origin::Unknown, Origin::RequestId);
        e
    }

    /// A transport failure (connection refused, reset, unreadable body).
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Network, "NetworkError", message)
    }

    /// This network failure with the runtime's code for it (Node's `ECONNREFUSED`).
    pub fn with_code(mut self, code: impl Into<Box<str>>) -> Self {
        self.origin = Origin::Code(code.into());
        self
    }

    /// The request exceeded its per-attempt timeout.
    pub fn timeout(millis: u64) -> Self {
        Self::new(ErrorKind::Timeout, "TimeoutError", format!("request did not complete within {millis} ms"))
    }

    /// The caller aborted the call before it completed; what was in flight was cancelled.
    pub fn aborted() -> Self {
        Self::new(ErrorKind::Aborted, "AbortError", "the request was aborted")
    }

    /// A message-format or authentication failure; `name` says which (e.g. `AuthenticationError`).
    pub fn envelope(name: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Envelope, name, message)
    }

    /// Credentials could not be obtained.
    pub fn credentials(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Credentials, "CredentialsProviderError", message)
    }

    /// This error as a failure to get credentials: STS or Cognito refusing keeps the name of its
    /// refusal (`InvalidIdentityToken`), its status and request id, but is not a KMS exception.
    pub(crate) fn into_credentials_failure(mut self) -> Self {
        self.kind = ErrorKind::Credentials;
        self
    }

    /// Replaces each `secret` in the message, for a server whose refusal echoes what it was
    /// sent (a web identity token, a login).
    pub(crate) fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut redacted = String::new();
        let mut rest = self.message.as_str();
        while let Some(at) = crate::find_str(rest, secret) {
            redacted.push_str(&rest[..at]);
            redacted.push_str("** redacted **");
            rest = &rest[at + secret.len()..];
        }
        redacted.push_str(rest);
        self.message = redacted;
    }

    /// Records how many attempts were made before this error was returned, and how many
    /// milliseconds were waited between them.
    pub fn with_attempts(mut self, attempts: u32, total_retry_delay_ms: u64) -> Self {
        self.attempts = u16::try_from(attempts).unwrap_or(u16::MAX);
        self.total_retry_delay_ms = u32::try_from(total_retry_delay_ms).unwrap_or(u32::MAX);
        self
    }

    /// Kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Stable name: the KMS exception name for service errors, else e.g. `ConfigError`, `NetworkError`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Human-readable message (free of secrets).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The input or configuration field at fault, when known.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
    /// The message without its `<field>: ` prefix, for re-labelling it with another name.
    pub(crate) fn detail(&self) -> &str {
        self.field().and_then(|f| self.message.strip_prefix(f)?.strip_prefix(": ")).unwrap_or(&self.message)
    }
    /// HTTP status of the answer, for service errors.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }
    /// `x-amzn-RequestId` of the answer, when the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        match &self.origin {
            Origin::RequestId(id) => Some(id),
            _ => None,
        }
    }
    /// The runtime's code for a network failure, when it gave one: Node's fetch names the
    /// system error (`ECONNREFUSED`, `ENOTFOUND`) or the TLS refusal (`CERT_HAS_EXPIRED`,
    /// `ERR_SSL_WRONG_VERSION_NUMBER`); browsers say nothing of why a fetch failed.
    pub fn code(&self) -> Option<&str> {
        match &self.origin {
            Origin::Code(code) => Some(code),
            _ => None,
        }
    }
    /// Number of attempts made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.attempts.into()
    }
    /// Milliseconds waited between attempts (the SDK's `totalRetryDelay`).
    pub fn total_retry_delay_ms(&self) -> u64 {
        self.total_retry_delay_ms.into()
    }
    /// The AWS SDK's `$fault`: for an exception the KMS model declares, returned by a
    /// [`KmsClient`](crate::KmsClient) call (the KMS keyring, the wrapper and provisioning make
    /// theirs through one), the model's fault whatever status carried it; else `"server"` for
    /// 5xx answers and transport failures, and `"client"` for the rest (an error made with
    /// [`Error::service`], or decoded by the transport below the client, goes by its status). On
    /// wasm32 the model's part is left to the JS binding, whose exception classes carry it: the
    /// module then need not carry the model's exception table too.
    pub fn fault(&self) -> &'static str {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(server) = self.model_server_fault {
            return if server { "server" } else { "client" };
        }
        match (self.kind, self.http_status) {
            (_, Some(s)) if s >= 500 => "server",
            (ErrorKind::Network | ErrorKind::Timeout, _) => "server",
            _ => "client",
        }
    }

    /// Notes the `$fault` a service model declares for this error's name (the KMS client does,
    /// for KMS's exceptions).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn with_model_fault(mut self, fault: &str) -> Self {
        self.model_server_fault = Some(fault == "server");
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)?;
        if let Some(s) = self.http_status {
            write!(f, " (HTTP {s}")?;
            if let Some(id) = self.request_id() {
                write!(f, ", request id {id}")?;
            }
            write!(f, ")")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("message", &self.message)
            .field("field", &self.field)
            .field("http_status", &self.http_status)
            .field("request_id", &self.request_id())
            .field("code", &self.code())
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl std::error::Error for Error {}

/// What is wrong with a JSON text or value, said without serde_json's `Display` (which links
/// the text of every `std::io` error kind, for a case a text in memory never has).
pub(crate) fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "malformed JSON",
        Category::Eof => "JSON cut short",
        Category::Data => "a value of the wrong type or shape",
        Category::Io => "an I/O error",
    };
    if e.line() == 0 {
        what.to_owned()
    } else {
        format!("{what} at line {} column {}", e.line(), e.column())
    }
}

#[cfg(test)]
mod json_problem_tests {
    use super::json_problem;

    #[test]
    fn json_problems_say_what_and_where() {
        let syntax = serde_json::from_slice::<serde_json::Value>(b"{\"a\": 1,,}").unwrap_err();
        assert_eq!(json_problem(&syntax), "malformed JSON at line 1 column 9");
        let cut = serde_json::from_slice::<serde_json::Value>(b"{\"a\": [1").unwrap_err();
        assert_eq!(json_problem(&cut), "JSON cut short at line 1 column 8");
        let shape = serde_json::from_value::<u32>(serde_json::json!("x")).unwrap_err();
        assert_eq!(json_problem(&shape), "a value of the wrong type or shape");
    }
}
