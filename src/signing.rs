//! SigV4 signing of KMS requests, through the `aws-sigv4` crate.
//!
//! We build no canonical request ourselves: this module only maps our
//! request and credentials onto `aws-sigv4` and returns the headers it adds
//! (`authorization`, `x-amz-date`, `x-amz-security-token`). The time comes in
//! from the caller, already corrected for clock skew.

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::credentials::Credentials;
use crate::error::{Error, Result};

/// Signing name of KMS.
pub const SERVICE: &str = "kms";

/// A request about to be signed.
pub struct SignableKmsRequest<'a> {
    /// Full URL, e.g. `https://kms.us-east-1.amazonaws.com/`.
    pub url: &'a str,
    /// Headers that will be sent and must be signed (besides `host`, which
    /// is derived from the URL).
    pub headers: &'a [(&'a str, &'a str)],
    /// Body bytes.
    pub body: &'a [u8],
}

/// Signs `request` for `region` at `time_millis` (Unix epoch milliseconds)
/// and returns the headers to add, lower-cased as `aws-sigv4` writes them.
pub fn sign_request(request: &SignableKmsRequest<'_>, credentials: &Credentials, region: &str, time_millis: i64) -> Result<Vec<(String, String)>> {
    // Both are sent in headers as they are: a space, control or non-ASCII character makes the
    // request unsendable, a fault of the configuration (not of the network, not to retry).
    let token = credentials.session_token.as_ref().map_or("", |t| t.expose());
    for (field, value) in [("credentials.accessKeyId", credentials.access_key_id.as_str()), ("credentials.sessionToken", token)] {
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config(field, "must be printable ASCII without spaces"));
        }
    }
    let identity = aws_smithy_runtime_api::client::identity::Identity::new(
        aws_credential_types::Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.expose().to_owned(),
            credentials.session_token.as_ref().map(|t| t.expose().to_owned()),
            None,
            "kms-wasm",
        ),
        None,
    );
    let time = SystemTime::UNIX_EPOCH + Duration::from_millis(time_millis.max(0) as u64);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Error::credentials(format!("cannot sign: {e}")))?
        .into();
    let signable = SignableRequest::new("POST", request.url, request.headers.iter().copied(), SignableBody::Bytes(request.body))
        .map_err(|e| Error::config("endpoint", format!("cannot sign a request to this URL: {e}")))?;
    let (instructions, _signature) = sign(signable, &params).map_err(|e| Error::credentials(format!("cannot sign: {e}")))?.into_parts();
    let (headers, _query) = instructions.into_parts();
    Ok(headers.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect())
}
