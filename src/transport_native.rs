//! HTTP through reqwest: the native client (and, behind the `reqwest-wasm`
//! feature, the wasm32 size experiment the README reports).

use crate::error::{Error, Result};
use crate::platform::BoxFuture;
use crate::transport_http::{answer_too_large, HttpClient, HttpRequest, HttpResponse, MAX_ANSWER_BYTES};

/// reqwest-backed [`HttpClient`].
pub struct ReqwestClient {
    client: reqwest::Client,
}

impl ReqwestClient {
    /// A client with rustls and the platform's trust roots. Its crypto provider is the one the
    /// application installed as the process default, if any, else ring for this client alone:
    /// a library does not choose the process's provider.
    pub fn new() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = native_client();
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::Client::new(); // the size experiment only
        ReqwestClient { client }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn native_client() -> reqwest::Client {
    use rustls_platform_verifier::BuilderVerifierExt;
    // Redirects are answers, not followed (transport::decode_error says why).
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let builder = if rustls::crypto::CryptoProvider::get_default().is_some() {
        builder // reqwest builds its TLS config with the application's provider
    } else {
        let ring = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(ring).with_safe_default_protocol_versions().and_then(|b| b.with_platform_verifier());
        match config {
            Ok(config) => builder.tls_backend_preconfigured(config.with_no_client_auth()),
            // No trust roots to be had this way: let reqwest build it, with ring as the default.
            Err(_) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                builder
            }
        }
    };
    builder.build().expect("a client without custom TLS settings builds")
}

impl Default for ReqwestClient {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClient for ReqwestClient {
    fn send(&self, request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        Box::pin(async move {
            let mut builder = self.client.post(&request.url).body(request.body);
            for (k, v) in &request.headers {
                builder = builder.header(k.as_str(), v.as_str());
            }
            #[cfg(not(target_arch = "wasm32"))]
            {
                builder = builder.timeout(std::time::Duration::from_millis(timeout_ms));
            }
            #[cfg(target_arch = "wasm32")]
            let _ = timeout_ms;
            let resp = builder.send().await.map_err(|e| classify(e, timeout_ms))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().iter().filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))).collect();
            if resp.content_length().is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
                return Err(answer_too_large(status));
            }
            // Taken over without a copy when reqwest's buffer is ours alone (a Decrypt answer
            // carries plaintext: one copy fewer left unwiped); hyper's read buffers stay hyper's.
            let body = Vec::from(resp.bytes().await.map_err(|e| classify(e, timeout_ms))?);
            if body.len() > MAX_ANSWER_BYTES {
                return Err(answer_too_large(status));
            }
            Ok(HttpResponse { status, headers, body })
        })
    }
}

fn classify(e: reqwest::Error, timeout_ms: u64) -> Error {
    if e.is_timeout() {
        Error::timeout(timeout_ms)
    } else {
        // reqwest's Display names the URL and cause, never headers or body.
        let mut msg = e.to_string();
        let mut code = None;
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            code = code.or_else(|| tls_refusal_code_of(s));
            source = s.source();
        }
        let err = Error::network(msg);
        match code {
            Some(code) => err.with_code(code),
            None => err,
        }
    }
}

/// [`tls_refusal_code`] of the rustls error `s` is, or wraps.
#[cfg(not(target_arch = "wasm32"))]
fn tls_refusal_code_of(s: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    // tokio-rustls wraps rustls's error in an io::Error (and hyper in another), whose source()
    // skips what it wraps.
    let mut inner = s;
    while let Some(wrapped) = inner.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        inner = wrapped;
    }
    inner.downcast_ref::<rustls::Error>().and_then(tls_refusal_code)
}

/// The size experiment has no rustls.
#[cfg(target_arch = "wasm32")]
fn tls_refusal_code_of(_: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    None
}

/// Node's code for a TLS refusal rustls reports (a certificate it does not accept, a protocol
/// or version the peer does not speak), so that natively too it is not retried (the same
/// certificate meets the same verdict) and a caller can tell it by `Error::code()`. Faults that
/// may pass (a garbled record, a reset) get none.
#[cfg(not(target_arch = "wasm32"))]
fn tls_refusal_code(e: &rustls::Error) -> Option<&'static str> {
    use rustls::{AlertDescription as Alert, CertificateError as Cert, Error as Tls};
    Some(match e {
        Tls::InvalidCertificate(c) => match c {
            Cert::Expired | Cert::ExpiredContext { .. } => "CERT_HAS_EXPIRED",
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => "CERT_NOT_YET_VALID",
            Cert::Revoked => "CERT_REVOKED",
            Cert::UnknownIssuer => "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => "ERR_TLS_CERT_ALTNAME_INVALID",
            Cert::InvalidPurpose | Cert::InvalidPurposeContext { .. } => "INVALID_PURPOSE",
            _ => "CERT_REJECTED",
        },
        Tls::NoCertificatesPresented | Tls::UnsupportedNameType | Tls::InvalidCertRevocationList(_) => "CERT_REJECTED",
        Tls::PeerIncompatible(_) => "ERR_SSL_UNSUPPORTED_PROTOCOL",
        Tls::AlertReceived(Alert::HandshakeFailure) => "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
        Tls::AlertReceived(Alert::ProtocolVersion) => "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
        Tls::AlertReceived(Alert::UnknownCA) => "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
        // An https:// endpoint that answers in plain HTTP: its first bytes read as no TLS record.
        Tls::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => "ERR_SSL_WRONG_VERSION_NUMBER",
        _ => return None,
    })
}
