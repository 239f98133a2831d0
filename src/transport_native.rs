//! HTTP through reqwest: the native client (and, behind the `reqwest-wasm`
//! feature, the wasm32 size experiment the README reports).

use crate::error::{Error, Result};
use crate::platform::BoxFuture;
use crate::transport::{HttpClient, HttpRequest, HttpResponse};

/// reqwest-backed [`HttpClient`].
pub struct ReqwestClient {
    client: reqwest::Client,
}

impl ReqwestClient {
    /// A client with rustls (ring) and the platform's trust roots.
    pub fn new() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        {
            // Installing twice is harmless; the first provider stays.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        // Redirects are answers, not followed (transport::decode_error says why).
        #[cfg(not(target_arch = "wasm32"))]
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client without custom TLS settings builds");
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::Client::new(); // the size experiment only
        ReqwestClient { client }
    }
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
            let body = resp.bytes().await.map_err(|e| classify(e, timeout_ms))?.to_vec();
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
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        Error::network(msg)
    }
}
