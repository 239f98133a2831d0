//! The HTTP layer under every AWS call: a request and its answer, the client that sends it (reqwest
//! natively, the global `fetch` on wasm32, or one the caller supplies) and the decoding of an
//! AWS error answer. KMS calls ([`crate::transport`]) and the credential providers' STS and
//! Cognito calls ([`crate::credentials`]) both go through it, so it sits below them. (Named
//! beside the transport modules: the wasm build orders functions by name, and its code then
//! compresses with theirs.)

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::platform::{BoxFuture, MaybeSend, MaybeSync};

/// The largest answer a transport reads: KMS, STS and Cognito answer in kilobytes. A larger
/// one (a broken proxy, a hostile endpoint) is refused rather than read into memory; in wasm,
/// gigabytes would run the module out of memory, which traps.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// What a transport reports for an answer over [`MAX_ANSWER_BYTES`]: unreadable, like any
/// answer that is not what the service sends (not retried; the call may have taken effect).
pub fn answer_too_large(status: u16) -> Error {
    Error::service("SerializationException", "an answer over 16 MiB", status, None)
}

/// An HTTP request as the transport sends it. Its `Debug` leaves out the body (an Encrypt's
/// plaintext) and the values of the credential headers.
#[derive(Clone)]
pub struct HttpRequest {
    /// Absolute URL.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// An HTTP answer. Header names are lower-case. Its `Debug` leaves out the body (a Decrypt's
/// plaintext).
#[derive(Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// The headers the transport needs (`x-amzn-requestid`, `x-amzn-errortype`, `date`); others may be absent.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |name: &str| name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("x-amz-security-token");
        let headers: Vec<_> = self.headers.iter().map(|(k, v)| (k, if secret(k) { "<redacted>" } else { v })).collect();
        f.debug_struct("HttpRequest").field("url", &self.url).field("headers", &headers).field("body_len", &self.body.len()).finish()
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse").field("status", &self.status).field("headers", &self.headers).field("body_len", &self.body.len()).finish()
    }
}

/// Something that can POST a request and return the answer, or fail with a
/// [`ErrorKind::Network`](crate::ErrorKind::Network) / [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error.
pub trait HttpClient: MaybeSend + MaybeSync {
    /// Sends `request`, giving up after `timeout_ms`.
    fn send(&self, request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>>;
}

/// Turns an error answer into an [`Error`], whatever its body: JSON
/// (`{"__type": "ns#Name", "message": "…"}`), XML, HTML or nothing.
pub fn decode_error(resp: &HttpResponse) -> Error {
    let request_id = resp.header("x-amzn-requestid").map(str::to_owned);
    // Never followed (the clients are built so): the session token and the body (plaintext, a
    // web identity token) would go to another origin, and its answer be taken for KMS's. A
    // browser shows a redirect fetched with `redirect: "manual"` as status 0.
    if resp.status == 0 || (300..400).contains(&resp.status) {
        let status = if resp.status == 0 { String::new() } else { format!(" (HTTP {})", resp.status) };
        return Error::service("Redirect", format!("the endpoint answered with a redirect{status}, which is not followed: configure the endpoint it names"), resp.status, request_id);
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let field = |names: &[&str]| -> Option<String> {
        let obj = json.as_ref()?.as_object()?;
        names.iter().find_map(|n| obj.get(*n)?.as_str().map(str::to_owned))
    };
    // As the SDK reads it: the header, then the body's `code`, then its `__type`; one that
    // names nothing (an empty header) gives way to the next.
    let named = |raw: Option<String>| raw.as_deref().map(clean_error_type).filter(|n| !n.is_empty()).map(str::to_owned);
    let name = named(resp.header("x-amzn-errortype").map(str::to_owned))
        .or_else(|| named(field(&["code", "__type", "Code"])))
        .or_else(|| xml_tag(&resp.body, "Code"));
    let message = field(&["message", "Message", "errorMessage"]).or_else(|| xml_tag(&resp.body, "Message"));
    let name = name.unwrap_or_else(|| fallback_name(resp.status).to_owned());
    let message = message.unwrap_or_else(|| {
        if resp.body.is_empty() {
            format!("HTTP {} with an empty body", resp.status)
        } else if json.is_some() {
            format!("HTTP {} without an error message", resp.status)
        } else {
            format!("HTTP {} with a non-JSON body ({} bytes)", resp.status, resp.body.len())
        }
    });
    Error::service(name, message, resp.status, request_id)
}

/// `"com.amazonaws.kms#NotFoundException"` and `"NotFoundException:http://…"` → `"NotFoundException"`.
fn clean_error_type(raw: &str) -> &str {
    let after_hash = raw.rsplit('#').next().unwrap_or(raw);
    after_hash.split(':').next().unwrap_or(after_hash).trim()
}

fn fallback_name(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 | 403 => "AccessDeniedException",
        404 => "NotFound",
        429 => "ThrottlingException",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        s if s >= 500 => "ServerError",
        _ => "UnknownError",
    }
}

/// Text of the first `<tag>…</tag>` in an XML body, for the XML auth errors some endpoints send.
fn xml_tag(body: &[u8], tag: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let open = format!("<{tag}>");
    let start = crate::find_str(text, &open)? + open.len();
    let end = crate::find_str(&text[start..], &format!("</{tag}>"))? + start;
    let raw = text[start..end].trim();
    // STS writes `Couldn&apos;t`: read as the text it stands for (kept as it is if malformed).
    Some(xml::unescape(raw).unwrap_or_else(|| raw.to_owned())).filter(|s| !s.is_empty())
}

/// The host's default HTTP client (reqwest natively, `fetch` on wasm32).
#[cfg(not(target_arch = "wasm32"))]
pub fn default_http_client() -> Arc<dyn HttpClient> {
    Arc::new(crate::transport_native::ReqwestClient::new())
}

/// The host's default HTTP client (`fetch` on wasm32).
#[cfg(all(target_arch = "wasm32", not(feature = "reqwest-wasm")))]
pub fn default_http_client() -> Arc<dyn HttpClient> {
    Arc::new(crate::transport_fetch::FetchClient)
}

/// The host's default HTTP client (reqwest's wasm backend in the size experiment).
#[cfg(all(target_arch = "wasm32", feature = "reqwest-wasm"))]
pub fn default_http_client() -> Arc<dyn HttpClient> {
    Arc::new(crate::transport_native::ReqwestClient::new())
}

/// A tiny extractor for the flat, attribute-free XML that AWS query APIs answer with.
/// Not a general parser: it finds elements by name and unescapes their text.
pub(crate) mod xml {
    /// Inner text of the first `<name>` element (`<name attr="…">` accepted,
    /// `<name/>` gives `""`), or `None`. Names must match whole: `<Credentials>`
    /// is not found inside `<CredentialsX>`.
    pub fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
        let mut from = 0;
        while let Some(pos) = xml[from..].find('<') {
            let start = from + pos + 1;
            let rest = &xml[start..];
            if rest.starts_with("!--") {
                // Skip comments: a commented-out element must not be found.
                from = start + crate::find_str(rest, "-->")? + 3;
                continue;
            }
            let after = match rest.strip_prefix(name) {
                Some(after) => after,
                None => {
                    from = start;
                    continue;
                }
            };
            // The name must end here, checked before looking for the tag's end: else each
            // `<nameX` would scan ahead to the next `>`, quadratic in a hostile answer.
            let first = after.chars().next()?;
            if !(first == '>' || first == '/' || first.is_ascii_whitespace()) {
                from = start;
                continue;
            }
            let tag_end = after.find('>')?;
            if after[..tag_end].ends_with('/') {
                return Some("");
            }
            let content_start = start + name.len() + tag_end + 1;
            let close = format!("</{name}>");
            let content_end = content_start + crate::find_str(&xml[content_start..], &close)?;
            return Some(&xml[content_start..content_end]);
        }
        None
    }

    /// Replaces the five predefined entities and numeric references; `None`
    /// for an unknown entity or nested markup. A `CDATA` section is taken verbatim.
    pub fn unescape(raw: &str) -> Option<String> {
        let raw = raw.trim();
        if let Some(inner) = raw.strip_prefix("<![CDATA[").and_then(|r| r.strip_suffix("]]>")) {
            return Some(inner.to_owned());
        }
        if raw.contains('<') {
            return None;
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let semi = rest[amp..].find(';')? + amp;
            let entity = &rest[amp + 1..semi];
            let c = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                e if e.starts_with("#x") || e.starts_with("#X") => char::from_u32(u32::from_str_radix(&e[2..], 16).ok()?)?,
                e if e.starts_with('#') => char::from_u32(e[1..].parse().ok()?)?,
                _ => return None,
            };
            out.push(c);
            rest = &rest[semi + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}
