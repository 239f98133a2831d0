//! AWS credentials and where they come from.
//!
//! Secrets live in [`SecretString`], which redacts itself in `Debug` and is
//! zeroized on drop. A [`CredentialsProvider`] hands out [`Credentials`]; the
//! client asks it before every request, so providers that refresh (web
//! identity, Cognito) plug in without the client knowing.
//!
//! Providers: [`Credentials`] itself (static), [`EnvCredentialsProvider`]
//! (an environment map), [`FnCredentialsProvider`] (the caller's async
//! function), [`WebIdentityProvider`] (STS `AssumeRoleWithWebIdentity`),
//! [`CognitoIdentityProvider`] (identity pools), and [`CachingProvider`],
//! which caches any of them and refreshes 5 minutes before expiry with a
//! single request in flight.

use std::fmt;
use std::sync::Arc;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::config::{is_region_name, Endpoint, EndpointVariant};
use crate::error::{Error, Result};
use crate::platform::{BoxFuture, MaybeSend, MaybeSync};
use crate::transport_http::{decode_error, default_http_client, xml, HttpClient, HttpRequest, HttpResponse};

/// A string that must never be printed: redacted in `Debug`, wiped on drop.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }
    /// The secret itself, for the one place that needs it (the signer).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

/// An access key pair, with a session token for temporary credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id (not secret; shown in `Debug`).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: SecretString,
    /// Session token of temporary credentials.
    pub session_token: Option<SecretString>,
    /// When temporary credentials expire, in milliseconds since the epoch.
    pub expires_at_millis: Option<i64>,
}

impl Credentials {
    /// Long-term (or explicitly given temporary) credentials. An empty session token is none,
    /// as the SDK has it (sent, the empty header makes AWS refuse the request).
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>, session_token: Option<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::new(secret_access_key),
            session_token: session_token.filter(|t| !t.is_empty()).map(SecretString::new),
            expires_at_millis: None,
        }
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
    /// from `env`. `Ok(None)` when neither half is set; an error naming the
    /// missing variable when only one half is.
    pub fn from_env<'a>(env: impl Fn(&str) -> Option<&'a str>) -> Result<Option<Self>> {
        let nonempty = |k: &str| env(k).map(str::trim).filter(|v| !v.is_empty());
        match (nonempty("AWS_ACCESS_KEY_ID"), nonempty("AWS_SECRET_ACCESS_KEY")) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(Error::config("AWS_SECRET_ACCESS_KEY", "is missing while AWS_ACCESS_KEY_ID is set")),
            (None, Some(_)) => Err(Error::config("AWS_ACCESS_KEY_ID", "is missing while AWS_SECRET_ACCESS_KEY is set")),
            (Some(id), Some(secret)) => Ok(Some(Credentials::new(id, secret, nonempty("AWS_SESSION_TOKEN").map(str::to_owned)))),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .field("expires_at_millis", &self.expires_at_millis)
            .finish()
    }
}

/// Source of credentials, asked before every signed request.
pub trait CredentialsProvider: MaybeSend + MaybeSync {
    /// Current credentials; may fetch or refresh them.
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>>;
}

impl CredentialsProvider for Credentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        let c = self.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// A shareable credentials provider.
pub type SharedCredentialsProvider = Arc<dyn CredentialsProvider>;

impl serde::Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(SecretString)
    }
}

// ---------------------------------------------------------------------------
// Providers: environment map, caller's async function, STS web identity,
// Cognito identity pools, and the caching (single-flight) wrapper.
// ---------------------------------------------------------------------------

/// Margin before expiry at which [`CachingProvider`] refreshes: 5 minutes.
pub const DEFAULT_REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Per-request timeout of the STS and Cognito calls.
const PROVIDER_TIMEOUT_MS: u64 = 30_000;

/// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
/// from an environment map captured at construction (see [`Credentials::from_env`]).
pub struct EnvCredentialsProvider {
    // Only the three variables are kept, as secrets.
    vars: Vec<(&'static str, SecretString)>,
}

impl EnvCredentialsProvider {
    const NAMES: [&'static str; 3] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

    /// Captures the credential variables of `vars` (other variables are ignored).
    pub fn new<K: AsRef<str>, V: AsRef<str>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        let vars = vars
            .into_iter()
            .filter_map(|(k, v)| Self::NAMES.iter().find(|n| **n == k.as_ref()).map(|n| (*n, SecretString::new(v.as_ref()))))
            .collect();
        EnvCredentialsProvider { vars }
    }

    fn resolve(&self) -> Result<Credentials> {
        let get = |k: &str| self.vars.iter().rev().find(|(n, _)| *n == k).map(|(_, v)| v.expose());
        Credentials::from_env(get)?.ok_or_else(|| Error::credentials("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set in the environment map"))
    }
}

impl fmt::Debug for EnvCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvCredentialsProvider").field("variables", &self.vars.iter().map(|(n, _)| *n).collect::<Vec<_>>()).finish()
    }
}

impl CredentialsProvider for EnvCredentialsProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        let r = self.resolve();
        Box::pin(async move { r })
    }
}

/// Credentials from an async function the caller provides (a JavaScript
/// callback, a vault lookup, …). Wrap it in [`CachingProvider`] when the
/// function is expensive and returns expiring credentials.
pub struct FnCredentialsProvider<F> {
    f: F,
}

impl<F> FnCredentialsProvider<F>
where
    F: Fn() -> BoxFuture<'static, Result<Credentials>> + MaybeSend + MaybeSync,
{
    /// Calls `f` whenever credentials are needed.
    pub fn new(f: F) -> Self {
        FnCredentialsProvider { f }
    }
}

impl<F> fmt::Debug for FnCredentialsProvider<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnCredentialsProvider")
    }
}

impl<F> CredentialsProvider for FnCredentialsProvider<F>
where
    F: Fn() -> BoxFuture<'static, Result<Credentials>> + MaybeSend + MaybeSync,
{
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        (self.f)()
    }
}

/// Where a web identity (OIDC) token comes from: fixed, or fetched per refresh.
pub trait TokenSource: MaybeSend + MaybeSync {
    /// The current token.
    fn token(&self) -> BoxFuture<'_, Result<SecretString>>;
}

/// A web identity token read from a file before every STS call (`AWS_WEB_IDENTITY_TOKEN_FILE`:
/// Kubernetes and CI runners rotate the token in place). Native builds only.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct TokenFile(pub std::path::PathBuf);

#[cfg(not(target_arch = "wasm32"))]
impl TokenSource for TokenFile {
    fn token(&self) -> BoxFuture<'_, Result<SecretString>> {
        Box::pin(async move {
            let text = zeroize::Zeroizing::new(std::fs::read_to_string(&self.0).map_err(|e| Error::credentials(format!("cannot read the web identity token file {}: {e}", self.0.display())))?);
            Ok(SecretString::new(text.trim()))
        })
    }
}

impl TokenSource for SecretString {
    fn token(&self) -> BoxFuture<'_, Result<SecretString>> {
        let t = self.clone();
        Box::pin(async move { Ok(t) })
    }
}

/// A [`TokenSource`] over an async function (e.g. re-reading a projected token file).
pub struct FnTokenSource<F> {
    f: F,
}

impl<F> FnTokenSource<F>
where
    F: Fn() -> BoxFuture<'static, Result<SecretString>> + MaybeSend + MaybeSync,
{
    /// Calls `f` before every AssumeRoleWithWebIdentity call.
    pub fn new(f: F) -> Self {
        FnTokenSource { f }
    }
}

impl<F> TokenSource for FnTokenSource<F>
where
    F: Fn() -> BoxFuture<'static, Result<SecretString>> + MaybeSend + MaybeSync,
{
    fn token(&self) -> BoxFuture<'_, Result<SecretString>> {
        (self.f)()
    }
}

/// Temporary credentials from STS `AssumeRoleWithWebIdentity`: an OIDC token
/// (Google, GitHub Actions, a Kubernetes service account, Cognito user pools…)
/// is exchanged for role credentials. The call is unsigned, so it needs no
/// credentials of its own; it goes through the crate's [`HttpClient`]
/// (`fetch` on wasm32). Wrap it in [`CachingProvider`]: each call to
/// [`credentials`](CredentialsProvider::credentials) asks STS.
pub struct WebIdentityProvider {
    region: String,
    role_arn: String,
    role_session_name: String,
    token: Arc<dyn TokenSource>,
    duration_seconds: Option<u32>,
    policy: Option<String>,
    endpoint: Endpoint,
    http: Arc<dyn HttpClient>,
    timeout_ms: u64,
}

impl WebIdentityProvider {
    /// A provider assuming `role_arn` with `token`, calling the regional STS
    /// endpoint of `region`. Checks the ARN and session name (errors name the field).
    pub fn new(region: &str, role_arn: impl Into<String>, role_session_name: impl Into<String>, token: SecretString) -> Result<Self> {
        Self::with_token_source(region, role_arn, role_session_name, Arc::new(token))
    }

    /// Like [`new`](Self::new), asking `token` for a fresh token before every call.
    pub fn with_token_source(region: &str, role_arn: impl Into<String>, role_session_name: impl Into<String>, token: Arc<dyn TokenSource>) -> Result<Self> {
        let (role_arn, role_session_name) = (role_arn.into(), role_session_name.into());
        if !role_arn.starts_with("arn:") || role_arn.split(':').count() < 6 || crate::find_str(&role_arn, ":role/").is_none() {
            return Err(Error::config("roleArn", format!("`{role_arn}` is not a role ARN (arn:aws:iam::123456789012:role/name)")));
        }
        check_session_name(&role_session_name)?;
        let region = region.trim();
        if !is_region_name(region) {
            return Err(Error::config("region", format!("`{region}` is not a region name like us-east-1")));
        }
        let endpoint = Endpoint::public("sts", region, EndpointVariant::default());
        Ok(WebIdentityProvider {
            region: region.to_owned(),
            role_arn,
            role_session_name,
            token,
            duration_seconds: None,
            policy: None,
            endpoint,
            http: default_http_client(),
            timeout_ms: PROVIDER_TIMEOUT_MS,
        })
    }

    /// Sends the STS call to `url` instead (a proxy, a local emulator).
    pub fn endpoint(mut self, url: &str) -> Result<Self> {
        self.endpoint = Endpoint::parse("stsEndpoint", url)?;
        Ok(self)
    }

    /// Sends the STS call to the region's FIPS endpoint (or back to the standard one), as STS's
    /// endpoint rules give it: `sts-fips.<region>.…`, and in AWS GovCloud (US) the regional
    /// endpoint, which is FIPS there. Replaces an [`endpoint`](Self::endpoint) given before.
    pub fn use_fips_endpoint(mut self, on: bool) -> Self {
        let fips = on && !self.region.starts_with("us-gov-");
        self.endpoint = Endpoint::public("sts", &self.region, EndpointVariant { fips, dual_stack: false });
        self
    }

    /// Where the STS call goes.
    pub fn endpoint_url(&self) -> &str {
        self.endpoint.url()
    }

    /// Requested lifetime of the credentials, 900 to 43 200 seconds (STS default 3600).
    pub fn duration_seconds(mut self, seconds: u32) -> Result<Self> {
        if !(900..=43_200).contains(&seconds) {
            return Err(Error::config("durationSeconds", format!("must be between 900 and 43200, got {seconds}")));
        }
        self.duration_seconds = Some(seconds);
        Ok(self)
    }

    /// An inline session policy further restricting the role.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// Uses `http` instead of the host's default HTTP client.
    pub fn http_client(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.http = http;
        self
    }

    /// Per-request timeout in milliseconds (default 30 000).
    pub fn timeout_ms(mut self, millis: u64) -> Self {
        self.timeout_ms = millis.max(1);
        self
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = self.token.token().await?;
        if token.expose().trim().is_empty() {
            return Err(Error::credentials("the web identity token is empty"));
        }
        let mut params: Vec<(&str, &str)> = vec![
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", &self.role_arn),
            ("RoleSessionName", &self.role_session_name),
            ("WebIdentityToken", token.expose()),
        ];
        let duration = self.duration_seconds.map(|d| d.to_string());
        if let Some(d) = &duration {
            params.push(("DurationSeconds", d));
        }
        if let Some(p) = &self.policy {
            params.push(("Policy", p));
        }
        let body = form_urlencode(&params);
        let request = HttpRequest {
            url: self.endpoint.url().to_owned(),
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded; charset=utf-8".into()), ("accept".into(), "text/xml".into())],
            body: body.into_bytes(),
        };
        let answer = sent_once(self.http.send(request, self.timeout_ms).await).map_err(|mut e| {
            e.redact(token.expose());
            e
        })?;
        parse_assume_role_response(&answer)
    }
}

impl fmt::Debug for WebIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityProvider")
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("endpoint", &self.endpoint)
            .field("token", &"** redacted **")
            .finish()
    }
}

impl CredentialsProvider for WebIdentityProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }
}

fn check_session_name(name: &str) -> Result<()> {
    if !(2..=64).contains(&name.len()) {
        return Err(Error::config("roleSessionName", format!("must be 2 to 64 characters, got {}", name.len())));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c))) {
        return Err(Error::config("roleSessionName", format!("contains `{bad}`; only letters, digits and _+=,.@- are allowed")));
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` body: every byte outside the RFC 3986
/// unreserved set is percent-encoded (so `+` in tokens survives).
fn form_urlencode(params: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        for (j, part) in [k, v].iter().enumerate() {
            if j == 1 {
                out.push('=');
            }
            for b in part.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

/// The body of STS's or Cognito's answer to one request, wiped when dropped (it holds a secret
/// key and session token). A refusal is a credentials error named as the service names it. An
/// error counts that request (`attempts` 1), as the SDK's clients' errors do, for a provider
/// called by itself; a KMS call that fetched the credentials counts its fetches instead.
#[inline(always)] // as two copies the module gzips 55 B smaller than as one call
fn sent_once(sent: Result<HttpResponse>) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    match sent {
        Ok(resp) if (200..300).contains(&resp.status) => Ok(zeroize::Zeroizing::new(resp.body)),
        Ok(resp) => Err(decode_error(&resp).into_credentials_failure().with_attempts(1, 0)),
        Err(e) => Err(e.with_attempts(1, 0)),
    }
}

/// Parses the XML answer of `AssumeRole*`: the four `Credentials` fields.
fn parse_assume_role_response(body: &[u8]) -> Result<Credentials> {
    let bad = |what: &str| Error::credentials(format!("cannot read the STS answer: {what}"));
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let creds = xml::element(text, "Credentials").ok_or_else(|| bad("no <Credentials> element"))?;
    let field = |name: &'static str| -> Result<String> {
        let raw = xml::element(creds, name).ok_or_else(|| bad(&format!("no <{name}> in <Credentials>")))?;
        let value = zeroize::Zeroizing::new(xml::unescape(raw).ok_or_else(|| bad(&format!("malformed text in <{name}>")))?);
        if value.trim().is_empty() {
            return Err(bad(&format!("<{name}> is empty")));
        }
        Ok(value.trim().to_owned())
    };
    let expiration = field("Expiration")?;
    let expires = parse_iso8601_millis(&expiration).ok_or_else(|| bad("<Expiration> is not an ISO-8601 date"))?;
    let mut c = Credentials::new(field("AccessKeyId")?, field("SecretAccessKey")?, Some(field("SessionToken")?));
    c.expires_at_millis = Some(expires);
    Ok(c)
}

/// Parses an ISO-8601 / RFC 3339 date-time (`2026-11-23T10:35:08Z`,
/// `…08.123456Z`, `…08+02:00`, `…08+0200`) into milliseconds since the epoch.
/// `None` for anything else, including out-of-range fields.
pub fn parse_iso8601_millis(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        // Milliseconds from the first three digits; finer digits are truncated.
        let frac = &s[start..i.min(start + 3)];
        millis = frac.parse::<i64>().ok()? * 10i64.pow(3 - frac.len() as u32);
    }
    let offset_minutes = match &s[i..] {
        "Z" | "z" => 0,
        tz if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) && tz.as_bytes()[3] == b':' => tz_minutes(tz, num(i + 1..i + 3)?, num(i + 4..i + 6)?)?,
        tz if tz.len() == 5 && (tz.starts_with('+') || tz.starts_with('-')) => tz_minutes(tz, num(i + 1..i + 3)?, num(i + 3..i + 5)?)?,
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

fn tz_minutes(tz: &str, hours: i64, minutes: i64) -> Option<i64> {
    if hours > 23 || minutes > 59 {
        return None;
    }
    let m = hours * 60 + minutes;
    Some(if tz.starts_with('-') { -m } else { m })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Temporary credentials from a Cognito identity pool: `GetId` (once; the
/// identity id is remembered) then `GetCredentialsForIdentity`, both
/// unsigned JSON 1.1 calls through the crate's [`HttpClient`]. Without
/// logins the pool must allow unauthenticated identities. Wrap it in
/// [`CachingProvider`].
pub struct CognitoIdentityProvider {
    identity_pool_id: String,
    account_id: Option<String>,
    logins: Vec<(String, SecretString)>,
    /// Gives the logins as a JSON object, asked at every refresh (replaces `logins`).
    logins_source: Option<Arc<dyn TokenSource>>,
    custom_role_arn: Option<String>,
    identity_id: std::sync::Mutex<Option<String>>,
    endpoint: Endpoint,
    http: Arc<dyn HttpClient>,
    timeout_ms: u64,
}

impl CognitoIdentityProvider {
    /// A provider for `identity_pool_id` (`us-east-1:…`); the region comes from the id.
    pub fn new(identity_pool_id: impl Into<String>) -> Result<Self> {
        let identity_pool_id = identity_pool_id.into();
        let region = match identity_pool_id.split_once(':') {
            Some((region, id)) if is_region_name(region) && !id.is_empty() => region.to_owned(),
            _ => return Err(Error::config("identityPoolId", format!("`{identity_pool_id}` is not an identity pool id (<region>:<uuid>)"))),
        };
        let endpoint = Endpoint::public("cognito-identity", &region, EndpointVariant::default());
        Ok(CognitoIdentityProvider {
            identity_pool_id,
            account_id: None,
            logins: Vec::new(),
            logins_source: None,
            custom_role_arn: None,
            identity_id: std::sync::Mutex::new(None),
            endpoint,
            http: default_http_client(),
            timeout_ms: PROVIDER_TIMEOUT_MS,
        })
    }

    /// Identity provider tokens (`"accounts.google.com" → id token`, `"cognito-idp.<region>.amazonaws.com/<pool>" → id token`, …).
    pub fn logins<K: Into<String>>(mut self, logins: impl IntoIterator<Item = (K, SecretString)>) -> Self {
        self.logins = logins.into_iter().map(|(k, v)| (k.into(), v)).collect();
        self
    }

    /// Logins read at every refresh from `source`, which gives them as a JSON object of provider
    /// names to tokens: an ID token expires long before a process does, and a refresh with a
    /// stale one is refused. Replaces [`logins`](Self::logins).
    pub fn logins_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.logins_source = Some(source);
        self
    }

    /// The AWS account id, for pools that need it in `GetId`.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// A role to assume when the pool has several (`CustomRoleArn`).
    pub fn custom_role_arn(mut self, arn: impl Into<String>) -> Self {
        self.custom_role_arn = Some(arn.into());
        self
    }

    /// An identity id obtained earlier: `GetId` is skipped.
    pub fn identity_id(self, identity_id: impl Into<String>) -> Self {
        *self.identity_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(identity_id.into());
        self
    }

    /// Sends the Cognito calls to `url` instead (a proxy, a local emulator).
    pub fn endpoint(mut self, url: &str) -> Result<Self> {
        self.endpoint = Endpoint::parse("cognitoEndpoint", url)?;
        Ok(self)
    }

    /// Sends the Cognito calls to the region's FIPS endpoint, `cognito-identity-fips.<region>.…`
    /// (or back to the standard one), as Cognito Identity's endpoint rules give it. Replaces an
    /// [`endpoint`](Self::endpoint) given before.
    pub fn use_fips_endpoint(mut self, on: bool) -> Self {
        let region = self.identity_pool_id.split_once(':').map_or("", |(region, _)| region);
        self.endpoint = Endpoint::public("cognito-identity", region, EndpointVariant { fips: on, dual_stack: false });
        self
    }

    /// Where the Cognito calls go.
    pub fn endpoint_url(&self) -> &str {
        self.endpoint.url()
    }

    /// Uses `http` instead of the host's default HTTP client.
    pub fn http_client(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.http = http;
        self
    }

    /// Per-request timeout in milliseconds (default 30 000).
    pub fn timeout_ms(mut self, millis: u64) -> Self {
        self.timeout_ms = millis.max(1);
        self
    }

    /// The identity id, once `GetId` has run (or was given).
    pub fn current_identity_id(&self) -> Option<String> {
        self.identity_id.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn logins_json(&self) -> Option<serde_json::Value> {
        if self.logins.is_empty() {
            return None;
        }
        // Inserts, not `collect()`: a map's collect sorts, code the wasm module need not carry.
        let mut map = serde_json::Map::new();
        for (k, v) in &self.logins {
            map.insert(k.clone(), serde_json::Value::String(v.expose().to_owned()));
        }
        Some(serde_json::Value::Object(map))
    }

    async fn call(&self, operation: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let mut body = body;
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::credentials(format!("cannot serialize {operation}: {}", crate::error::json_problem(&e))));
        // The body holds the logins' tokens; the HTTP client owns the bytes from here.
        crate::platform::wipe_strings(&mut body);
        let request = HttpRequest {
            url: self.endpoint.url().to_owned(),
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("x-amz-target".into(), format!("AWSCognitoIdentityService.{operation}")),
            ],
            body: bytes?,
        };
        let answer = sent_once(self.http.send(request, self.timeout_ms).await)?;
        serde_json::from_slice(&answer).map_err(|e| Error::credentials(format!("cannot read the Cognito {operation} answer: {}", crate::error::json_problem(&e))))
    }

    async fn fetch(&self) -> Result<Credentials> {
        let mut logins = match &self.logins_source {
            Some(source) => Some(serde_json::from_slice(source.token().await?.expose().as_bytes()).map_err(|_| Error::config("logins", "the logins source must give a JSON object"))?),
            None => self.logins_json(),
        };
        // The logins hold the identity provider's tokens: kept out of a refusal that echoes
        // them, and wiped whether the calls worked or not.
        let mut result = self.fetch_with(logins.as_ref()).await;
        if let Some(l) = logins.as_mut() {
            if let (Err(e), Some(tokens)) = (&mut result, l.as_object()) {
                for token in tokens.values().filter_map(|t| t.as_str()) {
                    e.redact(token);
                }
            }
            crate::platform::wipe_strings(l);
        }
        result
    }

    async fn fetch_with(&self, logins: Option<&serde_json::Value>) -> Result<Credentials> {
        let identity_id = match self.current_identity_id() {
            Some(id) => id,
            None => {
                let mut req = object!{ "IdentityPoolId" => self.identity_pool_id };
                if let Some(a) = &self.account_id {
                    req["AccountId"] = a.clone().into();
                }
                if let Some(l) = logins {
                    req["Logins"] = l.clone(); // wiped with the request body
                }
                let answer = self.call("GetId", req).await?;
                let id = answer.get("IdentityId").and_then(|v| v.as_str()).filter(|s| !s.is_empty()).ok_or_else(|| Error::credentials("the Cognito GetId answer has no IdentityId"))?.to_owned();
                *self.identity_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.clone());
                id
            }
        };
        let mut req = object!{ "IdentityId" => identity_id };
        if let Some(l) = logins {
            req["Logins"] = l.clone();
        }
        if let Some(r) = &self.custom_role_arn {
            req["CustomRoleArn"] = r.clone().into();
        }
        let mut answer = self.call("GetCredentialsForIdentity", req).await?;
        let result = parse_cognito_credentials(&answer);
        // The answer holds the secret key and token: wipe our copy.
        crate::platform::wipe_strings(&mut answer);
        result
    }
}

fn parse_cognito_credentials(answer: &serde_json::Value) -> Result<Credentials> {
    let c = answer.get("Credentials").ok_or_else(|| Error::credentials("the Cognito answer has no Credentials"))?;
    let field = |k: &str| c.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty()).ok_or_else(|| Error::credentials(format!("the Cognito answer has no Credentials.{k}")));
    let mut creds = Credentials::new(field("AccessKeyId")?, field("SecretKey")?, Some(field("SessionToken")?.to_owned()));
    // Expiration is epoch seconds (a JSON number); accept an ISO string too. Anything else, or
    // a date past year 9999, is refused: read as "never expires", or as a date that cannot be.
    let bad_date = || Error::credentials("Credentials.Expiration is not a date");
    creds.expires_at_millis = match c.get("Expiration") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => Some(n.as_f64().filter(|s| (0.0..=crate::platform::MAX_DATE_MS as f64 / 1000.0).contains(s)).map(|s| (s * 1000.0).round() as i64).ok_or_else(bad_date)?),
        Some(serde_json::Value::String(s)) => Some(parse_iso8601_millis(s).ok_or_else(bad_date)?),
        Some(_) => return Err(bad_date()),
    };
    Ok(creds)
}

impl fmt::Debug for CognitoIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoIdentityProvider")
            .field("identity_pool_id", &self.identity_pool_id)
            .field("logins", &self.logins.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl CredentialsProvider for CognitoIdentityProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }
}

/// Whether a caller finding a fetch under way waits for it (the default) or fetches on its own.
static SHARED_FETCHES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// `false`: every [`CachingProvider`] caller that finds a fetch under way makes its own instead of
/// waiting for it (the cache still serves what any fetch got). For workerd, which cancels a
/// request waiting on what another request's fetch settles. Process-wide.
pub fn share_fetches(shared: bool) {
    SHARED_FETCHES.store(shared, std::sync::atomic::Ordering::Relaxed);
}

/// Caches another provider's credentials and refreshes them 5 minutes
/// before they expire (or halfway through their life, if they live less
/// than 10 minutes). However many callers ask during a refresh, only one
/// call to the inner provider is in flight; the others wait for its result
/// (its error too, so a failing source is not hammered), unless
/// [`share_fetches(false)`](share_fetches). If a fetch fails
/// while the cached credentials have not expired yet, those are used.
///
/// Built on `std` primitives only (a mutex never held across an `.await`, and
/// wakers), so it works on a single-threaded wasm executor as on tokio.
pub struct CachingProvider {
    inner: SharedCredentialsProvider,
    state: Arc<std::sync::Mutex<CacheState>>,
    margin_ms: i64,
    clock: fn() -> i64,
}

struct Cached {
    credentials: Credentials,
    fetched_at: i64,
}

#[derive(Default)]
struct CacheState {
    cached: Option<Cached>,
    refreshing: bool,
    /// Incremented when a refresh ends (successfully, failing, or abandoned).
    generation: u64,
    /// Outcome of the refresh that ended at `.0`, handed to its waiters.
    last: Option<(u64, Result<Credentials>)>,
    waiters: Vec<std::task::Waker>,
}

impl CacheState {
    fn finish(&mut self, outcome: Option<Result<Credentials>>) -> Vec<std::task::Waker> {
        self.refreshing = false;
        self.generation += 1;
        self.last = outcome.map(|o| (self.generation, o));
        std::mem::take(&mut self.waiters)
    }
}

impl CachingProvider {
    /// Caches `inner` with the default 5-minute refresh margin.
    pub fn new(inner: SharedCredentialsProvider) -> Self {
        CachingProvider { inner, state: Arc::default(), margin_ms: DEFAULT_REFRESH_MARGIN_MS, clock: crate::platform::now_millis }
    }

    /// Refreshes `margin_ms` before expiry instead of 5 minutes.
    pub fn refresh_margin_ms(mut self, margin_ms: i64) -> Self {
        self.margin_ms = margin_ms.max(0);
        self
    }

    /// Uses `clock` (epoch milliseconds) instead of the host clock (for tests).
    pub fn clock(mut self, clock: fn() -> i64) -> Self {
        self.clock = clock;
        self
    }

    /// Forgets the cached credentials, e.g. after the service rejected them.
    pub fn invalidate(&self) {
        self.lock().cached = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // A panic elsewhere cannot leave the cache inconsistent: recover it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_fresh(&self, c: &Cached, now: i64) -> bool {
        match c.credentials.expires_at_millis {
            None => true,
            Some(exp) => {
                // Saturating: an expiry from JS may be anywhere in i64.
                let margin = self.margin_ms.min(exp.saturating_sub(c.fetched_at).max(0) / 2);
                now < exp.saturating_sub(margin)
            }
        }
    }

    async fn get(&self) -> Result<Credentials> {
        // What a caller does when nothing fresh is cached.
        enum Turn {
            WaitFor(u64),
            Refresh,
            FetchAlone,
        }
        loop {
            let turn = {
                let mut st = self.lock();
                let now = (self.clock)();
                if let Some(c) = st.cached.as_ref().filter(|c| self.is_fresh(c, now)) {
                    return Ok(c.credentials.clone());
                }
                if !st.refreshing {
                    st.refreshing = true;
                    Turn::Refresh
                } else if SHARED_FETCHES.load(std::sync::atomic::Ordering::Relaxed) {
                    Turn::WaitFor(st.generation)
                } else {
                    Turn::FetchAlone
                }
            };
            match turn {
                Turn::FetchAlone => return self.fetch_alone().await,
                Turn::WaitFor(generation) => {
                    WaitForRefresh { state: &self.state, generation }.await;
                    let st = self.lock();
                    if let Some((g, outcome)) = &st.last {
                        if *g == generation + 1 {
                            return outcome.clone();
                        }
                    }
                    // The refresh was abandoned (its caller dropped the future): try again.
                }
                Turn::Refresh => return self.refresh().await,
            }
        }
    }

    /// A fetch of this caller's own while another is under way (see [`share_fetches`]); its
    /// outcome is kept as a refresh's is.
    async fn fetch_alone(&self) -> Result<Credentials> {
        let result = self.inner.credentials().await;
        self.keep(&mut self.lock(), result)
    }

    /// Caches what a fetch got; if it failed, falls back to cached credentials not yet expired.
    fn keep(&self, st: &mut CacheState, result: Result<Credentials>) -> Result<Credentials> {
        let now = (self.clock)();
        match result {
            Ok(c) => {
                st.cached = Some(Cached { credentials: c.clone(), fetched_at: now });
                Ok(c)
            }
            Err(e) => match st.cached.as_ref().filter(|c| c.credentials.expires_at_millis.is_none_or(|exp| now < exp)) {
                Some(still_valid) => Ok(still_valid.credentials.clone()),
                None => Err(e),
            },
        }
    }

    /// Runs the one refresh in flight; the guard releases waiters even if this future is dropped.
    async fn refresh(&self) -> Result<Credentials> {
        struct Guard<'a>(&'a std::sync::Mutex<CacheState>, bool);
        impl Drop for Guard<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    let wakers = self.0.lock().unwrap_or_else(|e| e.into_inner()).finish(None);
                    wakers.into_iter().for_each(|w| w.wake());
                }
            }
        }
        let mut guard = Guard(&self.state, false);
        let result = self.inner.credentials().await;
        let wakers;
        let outcome = {
            let mut st = self.lock();
            let outcome = self.keep(&mut st, result);
            wakers = st.finish(Some(outcome.clone()));
            outcome
        };
        guard.1 = true;
        wakers.into_iter().for_each(|w| w.wake());
        outcome
    }
}

/// Resolves once the refresh that was running at `generation` has ended.
struct WaitForRefresh<'a> {
    state: &'a std::sync::Mutex<CacheState>,
    generation: u64,
}

impl std::future::Future for WaitForRefresh<'_> {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.generation != self.generation || !st.refreshing {
            return std::task::Poll::Ready(());
        }
        if !st.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            st.waiters.push(cx.waker().clone());
        }
        std::task::Poll::Pending
    }
}

impl fmt::Debug for CachingProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("CachingProvider")
            .field("cached", &st.cached.as_ref().map(|c| c.credentials.expires_at_millis))
            .field("refreshing", &st.refreshing)
            .field("margin_ms", &self.margin_ms)
            .finish()
    }
}

impl CredentialsProvider for CachingProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.get())
    }
}

#[cfg(test)]
mod provider_tests {
    use super::*;

    #[test]
    fn iso8601_dates() {
        assert_eq!(parse_iso8601_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601_millis("2026-11-23T10:35:08Z"), Some(1_795_430_108_000));
        assert_eq!(parse_iso8601_millis("2026-11-23T10:35:08.123456Z"), Some(1_795_430_108_123));
        assert_eq!(parse_iso8601_millis("2026-11-23T10:35:08.5Z"), Some(1_795_430_108_500));
        assert_eq!(parse_iso8601_millis("2026-11-23T12:35:08+02:00"), Some(1_795_430_108_000));
        assert_eq!(parse_iso8601_millis("2026-11-23T05:35:08-0500"), Some(1_795_430_108_000));
        assert_eq!(parse_iso8601_millis("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        assert_eq!(parse_iso8601_millis("1969-12-31T23:59:59Z"), Some(-1000));
        for bad in ["", "2026-11-23", "2026-11-23T10:35:08", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:35:08.Z", "2026-11-23T10:35:08+2:00", "2026-11-23T10:35:0xZ", "２026-11-23T10:35:08Z"] {
            assert_eq!(parse_iso8601_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn xml_extractor() {
        let doc = "<R xmlns=\"x\"><CredentialsX>no</CredentialsX><!-- <Credentials>fake</Credentials> --><Credentials>\n <A>1 &amp; 2 &lt;3&gt; &#65;&#x42;</A><B/><C attr=\"1\">c</C></Credentials></R>";
        let c = xml::element(doc, "Credentials").unwrap();
        assert!(c.contains("<A>"));
        assert_eq!(xml::unescape(xml::element(c, "A").unwrap()).unwrap(), "1 & 2 <3> AB");
        assert_eq!(xml::element(c, "B"), Some(""));
        assert_eq!(xml::element(c, "C"), Some("c"));
        assert_eq!(xml::element(c, "D"), None);
        assert_eq!(xml::unescape("a &bogus; b"), None);
        assert_eq!(xml::unescape("<![CDATA[x<y]]>").unwrap(), "x<y");
        assert_eq!(xml::element("<A>unterminated", "A"), None);
    }

    #[test]
    fn sts_answer_parses() {
        let body = br#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn><AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE=</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;
        let c = parse_assume_role_response(body).unwrap();
        assert_eq!(c.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
        assert_eq!(c.secret_access_key.expose(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
        assert_eq!(c.session_token.as_ref().unwrap().expose(), "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE=");
        assert_eq!(c.expires_at_millis, Some(1_414_191_623_000));
        let e = parse_assume_role_response(b"<X><Credentials><AccessKeyId>a</AccessKeyId></Credentials></X>").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Credentials);
    }

    #[test]
    fn form_encoding_keeps_plus_and_slash() {
        assert_eq!(form_urlencode(&[("A", "b c+d/e="), ("X", "é")]), "A=b%20c%2Bd%2Fe%3D&X=%C3%A9");
    }

    #[test]
    fn cognito_answer_parses_epoch_seconds() {
        let v = serde_json::json!({"Credentials": {"AccessKeyId": "AK", "SecretKey": "SK", "SessionToken": "ST", "Expiration": 1795430108.5}, "IdentityId": "x"});
        let c = parse_cognito_credentials(&v).unwrap();
        assert_eq!(c.expires_at_millis, Some(1_795_430_108_500));
        assert!(parse_cognito_credentials(&serde_json::json!({"Credentials": {"AccessKeyId": "AK"}})).is_err());
        // No expiration: kept until invalidated. Any other kind of value, or a date past 9999,
        // is not read as "never expires" or as an impossible date.
        let with = |expiration: serde_json::Value| parse_cognito_credentials(&serde_json::json!({"Credentials": {"AccessKeyId": "AK", "SecretKey": "SK", "SessionToken": "ST", "Expiration": expiration}}));
        assert_eq!(with(serde_json::Value::Null).unwrap().expires_at_millis, None);
        assert_eq!(with(serde_json::json!("2026-12-06T10:00:00Z")).unwrap().expires_at_millis, Some(1_796_551_200_000));
        for bad in [serde_json::json!(true), serde_json::json!({"s": 1}), serde_json::json!([1]), serde_json::json!(1e300), serde_json::json!(-1e300), serde_json::json!(-5), serde_json::json!("soon")] {
            assert_eq!(with(bad.clone()).unwrap_err().message(), "Credentials.Expiration is not a date", "{bad}");
        }
    }

    #[test]
    fn xml_names_match_whole_and_a_run_of_longer_names_is_skipped_by_the_name_alone() {
        assert_eq!(xml::element("<CredentialsX>1</CredentialsX><Credentials>2</Credentials>", "Credentials"), Some("2"));
        assert_eq!(xml::element("<Credentials a=\"b\">3</Credentials>", "Credentials"), Some("3"));
        assert_eq!(xml::element("<Credentials/>", "Credentials"), Some(""));
        // Thousands of `<CredentialsX` with one `>` at the very end: none is the element.
        let hostile = format!("{}>", "<CredentialsX".repeat(50_000));
        assert_eq!(xml::element(&hostile, "Credentials"), None);
    }

    #[test]
    fn provider_arguments_are_checked() {
        let t = SecretString::new("eyJsecretjwt");
        assert_eq!(WebIdentityProvider::new("us-east-1", "role", "s1", t.clone()).unwrap_err().field(), Some("roleArn"));
        assert_eq!(WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "a b", t.clone()).unwrap_err().field(), Some("roleSessionName"));
        let p = WebIdentityProvider::new("us-east-1", "arn:aws:iam::123456789012:role/r", "s1", t).unwrap();
        assert_eq!(p.endpoint.url(), "https://sts.us-east-1.amazonaws.com/");
        assert!(!format!("{p:?}").contains("eyJsecretjwt"));
        assert_eq!(CognitoIdentityProvider::new("nopool").unwrap_err().field(), Some("identityPoolId"));
        let c = CognitoIdentityProvider::new("eu-west-1:1234").unwrap().logins([("accounts.google.com", SecretString::new("idtoken"))]);
        assert_eq!(c.endpoint.url(), "https://cognito-identity.eu-west-1.amazonaws.com/");
        assert!(!format!("{c:?}").contains("idtoken"));
    }

    #[test]
    fn env_provider_reads_the_map() {
        let p = EnvCredentialsProvider::new([("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "supersecret"), ("OTHER", "x")]);
        assert!(!format!("{p:?}").contains("supersecret"));
        let c = p.resolve().unwrap();
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(EnvCredentialsProvider::new([("A", "b")]).resolve().unwrap_err().kind(), crate::ErrorKind::Credentials);
    }
}
