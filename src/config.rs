//! Client configuration: region, endpoint, credentials, retries, timeout.
//!
//! Built explicitly with [`Config::builder`] or read from an environment map
//! with [`Config::from_env`] (the variables the AWS CLI and SDKs read). Every
//! problem is reported as a [`ErrorKind::Config`](crate::ErrorKind::Config)
//! error naming the field or variable.

use std::fmt;
use std::sync::Arc;

use crate::credentials::{Credentials, CredentialsProvider, SharedCredentialsProvider};
use crate::error::{Error, Result};

/// Variables only native builds read (the web identity token file: wasm has no files).
#[cfg(not(target_arch = "wasm32"))]
const READ_NATIVE: [&str; 4] = ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL_STS"];
#[cfg(target_arch = "wasm32")]
const READ_NATIVE: [&str; 0] = [];

/// A web identity token file named in the environment (`AWS_WEB_IDENTITY_TOKEN_FILE`,
/// `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`), as the SDK's default chain reads it: the
/// credentials of a configuration given none, assumed with STS at `sts_endpoint` or the
/// region's, the file read again at each refresh. Native builds only.
#[cfg(not(target_arch = "wasm32"))]
struct WebIdentityFromEnv {
    file: String,
    role_arn: String,
    session: Option<String>,
    sts_endpoint: Option<(String, &'static str)>,
}

#[cfg(not(target_arch = "wasm32"))]
impl WebIdentityFromEnv {
    fn provider(self, region: &str, fips: bool) -> Result<SharedCredentialsProvider> {
        use crate::credentials::{CachingProvider, TokenFile, WebIdentityProvider};
        let session = self.session.unwrap_or_else(|| format!("kms-wasm-{}", crate::platform::now_millis()));
        let relabel = |name: &'static str| move |e: Error| Error::config(name, e.detail());
        let mut provider = WebIdentityProvider::with_token_source(region, self.role_arn, session, Arc::new(TokenFile(self.file.into()))).map_err(|e| match e.field() {
            Some("roleArn") => relabel("AWS_ROLE_ARN")(e),
            Some("roleSessionName") => relabel("AWS_ROLE_SESSION_NAME")(e),
            _ => e,
        })?;
        provider = match self.sts_endpoint {
            Some((url, name)) => provider.endpoint(&url).map_err(relabel(name))?,
            None => provider.use_fips_endpoint(fips),
        };
        Ok(Arc::new(CachingProvider::new(Arc::new(provider))))
    }
}

/// Retry policy: capped exponential backoff with full jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    /// Total attempts including the first (at least 1). Default 3.
    pub max_attempts: u32,
    /// Backoff base: attempt `n` waits a random time in `[0, min(max, base * 2^n))`. Default 100 ms.
    /// Throttling answers wait from five times this base (500 ms by default), as the SDK's
    /// standard mode: retrying them soon only adds to the load that caused them.
    pub base_delay_ms: u64,
    /// Upper bound of a single backoff. Default 20 s.
    pub max_delay_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig { max_attempts: 3, base_delay_ms: 100, max_delay_ms: 20_000 }
    }
}

/// Where requests go: scheme, authority and path prefix of the KMS endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
    host: String,
}

impl Endpoint {
    /// Parses and checks an endpoint URL. `https` is always accepted; `http`
    /// only for local hosts (loopback, `localhost`, private IPv4 ranges and
    /// single-label names such as a container called `moto`), because KMS
    /// requests carry key material. A path (for a same-origin proxy such as
    /// `/kms`) is kept; query and fragment are rejected.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self> {
        let raw = raw.trim();
        // First, so no message below echoes a password: an `@` anywhere (a path has no use for one).
        if raw.contains('@') {
            return Err(Error::config(field, "an endpoint cannot carry user info"));
        }
        let uri: http::Uri = raw.parse().map_err(|_| Error::config(field, format!("`{raw}` is not a URL")))?;
        let scheme = uri.scheme_str().ok_or_else(|| Error::config(field, format!("`{raw}` has no scheme (https://…)")))?;
        // As fetch and reqwest send it: lower case (signed otherwise, the request would not verify).
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| Error::config(field, format!("`{raw}` has no host")))?.to_ascii_lowercase();
        // URL parsers read `134744072`, `0x8080808` or `127.1` as IPv4 addresses: neither the
        // local-host rule nor the signature could follow that.
        if ends_in_number(&host) && ipv4_octets(&host).is_none() {
            return Err(Error::config(field, format!("`{host}` is an IPv4 address in another notation: write it as four decimal numbers")));
        }
        let host = host.as_str();
        match scheme {
            "https" => {}
            "http" if is_local_host(host) => {}
            "http" => return Err(Error::config(field, format!("plain http is only allowed for a local endpoint, not `{host}`"))),
            other => return Err(Error::config(field, format!("scheme `{other}` is not http(s)"))),
        }
        if uri.query().is_some() || raw.contains('#') {
            return Err(Error::config(field, "an endpoint cannot have a query or fragment"));
        }
        // What fetch takes for no URL at all (a network error, retried) is a configuration error.
        let written_port = uri.authority().and_then(|a| a.as_str().rsplit_once(':')).map(|(_, p)| p).filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if let Some(port) = written_port.filter(|_| !matches!(uri.port_u16(), Some(1..))) {
            return Err(Error::config(field, format!("port {port} is not one from 1 to 65535")));
        }
        // Refused natively too, so that a configuration means the same in every runtime.
        if let Some(port) = uri.port_u16().filter(|p| FETCH_BAD_PORTS.binary_search(p).is_ok()) {
            return Err(Error::config(field, format!("port {port} is one that fetch refuses to connect to (the Fetch standard's bad ports, in browsers and Node): use another")));
        }
        let authority = uri.authority().map_or_else(|| host.to_owned(), |a| a.as_str().to_ascii_lowercase());
        let path = uri.path().trim_end_matches('/');
        Ok(Endpoint { url: format!("{scheme}://{authority}{path}/"), host: host.to_owned() })
    }

    /// The public KMS endpoint of `region`.
    pub fn for_region(region: &str) -> Self {
        Self::for_region_with(region, EndpointVariant::default())
    }

    /// The KMS endpoint of `region` in the given variant, as KMS's endpoint rules build it:
    /// `kms[-fips].<region>.<suffix>`, the suffix being the partition's DNS suffix, or its
    /// dual-stack one.
    pub fn for_region_with(region: &str, variant: EndpointVariant) -> Self {
        Self::public("kms", region, variant)
    }

    /// `https://<service>[-fips].<region>.<partition's suffix>/`. Every partition offers both
    /// variants today (botocore's partitions.json).
    pub(crate) fn public(service: &str, region: &str, variant: EndpointVariant) -> Self {
        let (standard, dual_stack) = partition_suffixes(region);
        let suffix = if variant.dual_stack { dual_stack } else { standard };
        let fips = if variant.fips { "-fips" } else { "" };
        // concat, not format!: smaller in wasm
        let host = [service, fips, ".", region, ".", suffix].concat();
        Endpoint { url: ["https://", &host, "/"].concat(), host }
    }

    /// The URL requests are POSTed to (always ends with `/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Host name without port.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// Which of a region's public endpoints to use (the SDKs' `useFipsEndpoint` and
/// `useDualstackEndpoint`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointVariant {
    /// FIPS 140 validated endpoint (`kms-fips.…`).
    pub fips: bool,
    /// Endpoint answering over IPv4 and IPv6 (the partition's dual-stack domain).
    pub dual_stack: bool,
}

/// Region prefix, DNS suffix and dual-stack DNS suffix of each partition other than `aws`,
/// from botocore's partitions.json. A region no prefix matches is in `aws`, as there.
/// (`us-gov-` regions share `aws`'s suffixes.)
const PARTITIONS: [(&str, &str, &str); 6] = [
    ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    ("eusc-", "amazonaws.eu", "api.amazonwebservices.eu"),
    ("us-iso-", "c2s.ic.gov", "api.aws.ic.gov"),
    ("us-isob-", "sc2s.sgov.gov", "api.aws.scloud"),
    ("eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ("us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
];

fn partition_suffixes(region: &str) -> (&'static str, &'static str) {
    PARTITIONS.iter().find(|(prefix, ..)| region.starts_with(prefix)).map_or(("amazonaws.com", "api.aws"), |&(_, standard, dual_stack)| (standard, dual_stack))
}

/// The Fetch standard's "bad ports" (sorted): fetch fails at once for them, every time, which a
/// client would otherwise take for a network fault and retry.
const FETCH_BAD_PORTS: [u16; 83] = [
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111,
    113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548,
    554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
    6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

/// Whether a URL parser takes `host` for an IPv4 address (WHATWG URL: its last label is a
/// decimal or `0x` hexadecimal number).
fn ends_in_number(host: &str) -> bool {
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or_default();
    let hex = last.strip_prefix("0x").map(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    !last.is_empty() && (hex == Some(true) || last.bytes().all(|b| b.is_ascii_digit()))
}

fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.ends_with(".localhost") || host == "::1" || !host.contains('.') && !host.contains(':') {
        return true;
    }
    // Loopback, or a private range (RFC 1918).
    matches!(ipv4_octets(host), Some([127, ..] | [10, ..] | [192, 168, ..]) | Some([172, 16..=31, ..]))
}

/// The numbers of a dotted-quad IPv4 address, read as std's `Ipv4Addr` parser reads them (no
/// leading zeros), whose code would add 0.6 KB gzip to the wasm module.
fn ipv4_octets(host: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?.as_bytes();
        if part.is_empty() || part.len() > 3 || part.len() > 1 && part[0] == b'0' || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *octet = u8::try_from(part.iter().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'))).ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// Whether `region` is spelled as a region name (lowercase letters, digits, dashes). Endpoint
/// host names are built from it, so nothing else may reach them.
pub(crate) fn is_region_name(region: &str) -> bool {
    !region.is_empty() && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a region name. A FIPS pseudo-region (`fips-us-east-1`, `us-east-1-fips`) names
/// the region and asks for its FIPS endpoint, as the AWS SDK for JavaScript reads it: gives
/// the region and whether it was one.
fn check_region(field: &'static str, region: &str) -> Result<(String, bool)> {
    let region = region.trim();
    if region.is_empty() {
        return Err(Error::config(field, "is empty"));
    }
    let (region, fips) = match region.strip_prefix("fips-").or_else(|| region.strip_suffix("-fips")) {
        Some(real) => (real, true),
        None => (region, false),
    };
    if !is_region_name(region) || region.len() > 64 {
        return Err(Error::config(field, format!("`{region}` is not a region name like us-east-1")));
    }
    Ok((region.to_owned(), fips))
}

/// Reads a boolean setting from the environment: `true` or `false`, in any case.
fn env_flag(name: &'static str, value: &str) -> Result<bool> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(Error::config(name, "must be true or false"))
    }
}

/// Everything a [`KmsClient`](crate::kms::KmsClient) needs.
#[derive(Clone)]
pub struct Config {
    pub(crate) region: String,
    pub(crate) endpoint: Endpoint,
    /// The variant the endpoint was derived from the region with; `None` for a custom endpoint.
    pub(crate) region_endpoint: Option<EndpointVariant>,
    pub(crate) credentials: Option<SharedCredentialsProvider>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout_ms: u64,
}

impl Config {
    /// Starts an explicit configuration.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads the configuration from an environment map: `AWS_REGION` (or
    /// `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY`
    /// (+ `AWS_SESSION_TOKEN`), and the endpoint from `AWS_ENDPOINT_URL_KMS`,
    /// `AWS_KMS_ENDPOINT` or `AWS_ENDPOINT_URL`, in that order.
    /// `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT` (`true`/`false`) choose the
    /// region's endpoint variant. As the SDK reads them: `AWS_MAX_ATTEMPTS` (unless
    /// [`ConfigBuilder::max_attempts`] set it), and `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
    /// ignores the endpoint variables. Natively, with no keys: the role of a web identity token
    /// file (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`; STS at
    /// `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL`), as the SDK's default chain.
    pub fn from_env<K: AsRef<str>, V: AsRef<str>>(vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        Self::builder().env(vars)?.build()
    }

    /// Region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }
    /// Endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    /// Retry policy.
    pub fn retry(&self) -> RetryConfig {
        self.retry
    }
    /// Per-attempt timeout in milliseconds.
    pub fn timeout_ms(&self) -> u64 {
        self.timeout_ms
    }

    /// The region and endpoint for a key of another `region`: that region's endpoint (same
    /// variant) if this one was derived from the region; a custom endpoint as it is (a local
    /// emulator serves every region, told apart by the signature's scope). Refuses a malformed
    /// region name, which may come from a message's key ARN.
    pub fn in_region(&self, region: &str) -> Result<(String, Endpoint)> {
        let (region, _) = check_region("region", region)?;
        let endpoint = match self.region_endpoint {
            Some(variant) => Endpoint::for_region_with(&region, variant),
            None => self.endpoint.clone(),
        };
        Ok((region, endpoint))
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials.as_ref().map(|_| "<provider>"))
            .field("retry", &self.retry)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

/// Builder for [`Config`]; [`build`](ConfigBuilder::build) checks every field.
#[derive(Default)]
pub struct ConfigBuilder {
    region: Option<(String, &'static str)>,
    endpoint: Option<(String, &'static str)>,
    // Each with the field or variable that set it, for errors.
    fips: Option<(bool, &'static str)>,
    dual_stack: Option<(bool, &'static str)>,
    credentials: Option<SharedCredentialsProvider>,
    retry: RetryConfig,
    max_attempts_given: bool,
    timeout_ms: Option<u64>,
    /// Credentials for a configuration given none, resolved by `build` (with the final region).
    #[cfg(not(target_arch = "wasm32"))]
    web_identity: Option<WebIdentityFromEnv>,
}

impl ConfigBuilder {
    /// AWS region, e.g. `eu-west-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some((region.into(), "region"));
        self
    }
    /// Endpoint override: a VPC endpoint, a proxy or a local emulator.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some((url.into(), "endpoint"));
        self
    }
    /// Sends to the region's FIPS endpoint (`kms-fips.…`). Cannot be combined with
    /// [`endpoint`](Self::endpoint).
    pub fn use_fips_endpoint(mut self, on: bool) -> Self {
        self.fips = Some((on, "useFipsEndpoint"));
        self
    }
    /// Sends to the region's dual-stack (IPv4 and IPv6) endpoint. Cannot be combined with
    /// [`endpoint`](Self::endpoint).
    pub fn use_dual_stack_endpoint(mut self, on: bool) -> Self {
        self.dual_stack = Some((on, "useDualstackEndpoint"));
        self
    }
    /// Static credentials.
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.credentials_provider(Arc::new(credentials))
    }
    /// Any credentials provider (refreshing ones included).
    pub fn credentials_provider(mut self, provider: Arc<dyn CredentialsProvider>) -> Self {
        self.credentials = Some(provider);
        self
    }
    /// Total attempts per call, including the first.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts;
        self.max_attempts_given = true;
        self
    }
    /// Full retry policy (its `max_attempts` wins over `AWS_MAX_ATTEMPTS`, as
    /// [`max_attempts`](Self::max_attempts) does).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self.max_attempts_given = true;
        self
    }
    /// Backoff base of the retry policy (see [`RetryConfig::base_delay_ms`]).
    pub fn retry_base_delay_ms(mut self, millis: u64) -> Self {
        self.retry.base_delay_ms = millis;
        self
    }
    /// Per-attempt timeout in milliseconds (default 30 000).
    pub fn timeout_ms(mut self, millis: u64) -> Self {
        self.timeout_ms = Some(millis);
        self
    }

    /// Fills fields not set yet from environment variables (see [`Config::from_env`]).
    pub fn env<K: AsRef<str>, V: AsRef<str>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        // Only the variables read here are copied (a process's environment holds other secrets),
        // and the copies are wiped when dropped: the secret key and session token are among them.
        const READ: [&str; 12] = [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL_KMS",
            "AWS_KMS_ENDPOINT",
            "AWS_ENDPOINT_URL",
            "AWS_USE_FIPS_ENDPOINT",
            "AWS_USE_DUALSTACK_ENDPOINT",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_MAX_ATTEMPTS",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        ];
        let mut values: [Option<zeroize::Zeroizing<String>>; READ.len() + READ_NATIVE.len()] = Default::default();
        #[cfg(target_arch = "wasm32")]
        let position = |k: &str| READ.iter().position(|n| *n == k);
        #[cfg(not(target_arch = "wasm32"))]
        let position = |k: &str| READ.iter().chain(READ_NATIVE.iter()).position(|n| *n == k);
        for (k, v) in vars {
            if let Some(i) = position(k.as_ref()) {
                values[i] = Some(zeroize::Zeroizing::new(v.as_ref().to_owned()));
            }
        }
        let value = |k: &str| position(k).and_then(|i| values[i].as_deref()).map(String::as_str);
        let get = |k: &'static str| value(k).map(str::trim).filter(|v| !v.is_empty()).map(|v| (v.to_owned(), k));
        if self.region.is_none() {
            self.region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        }
        let ignore_endpoints = match get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
            Some((value, name)) => env_flag(name, &value)?,
            None => false,
        };
        if self.endpoint.is_none() && !ignore_endpoints {
            self.endpoint = get("AWS_ENDPOINT_URL_KMS").or_else(|| get("AWS_KMS_ENDPOINT")).or_else(|| get("AWS_ENDPOINT_URL"));
        }
        for (slot, name) in [(&mut self.fips, "AWS_USE_FIPS_ENDPOINT"), (&mut self.dual_stack, "AWS_USE_DUALSTACK_ENDPOINT")] {
            match get(name) {
                Some((value, _)) if slot.is_none() => *slot = Some((env_flag(name, &value)?, name)),
                _ => {}
            }
        }
        match get("AWS_MAX_ATTEMPTS") {
            Some((value, name)) if !self.max_attempts_given => {
                self.retry.max_attempts = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| Error::config(name, "must be a positive integer"))?;
            }
            _ => {}
        }
        if self.credentials.is_none() {
            if let Some(c) = Credentials::from_env(value)? {
                self.credentials = Some(Arc::new(c));
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        if let (None, Some((file, _)), Some((role_arn, _))) = (&self.credentials, get("AWS_WEB_IDENTITY_TOKEN_FILE"), get("AWS_ROLE_ARN")) {
            let sts_endpoint = if ignore_endpoints { None } else { get("AWS_ENDPOINT_URL_STS").or_else(|| get("AWS_ENDPOINT_URL")) };
            self.web_identity = Some(WebIdentityFromEnv { file, role_arn, session: get("AWS_ROLE_SESSION_NAME").map(|(s, _)| s), sts_endpoint });
        }
        Ok(self)
    }

    /// Checks every field and returns the configuration.
    pub fn build(self) -> Result<Config> {
        let (region, region_field) = self.region.ok_or_else(|| Error::config("region", "is required (give it, or set AWS_REGION for fromEnv to read)"))?;
        let (region, fips_region) = check_region(region_field, &region)?;
        let fips = match self.fips {
            Some((true, field)) => Some(field),
            _ if fips_region => Some(region_field),
            _ => None,
        };
        let dual_stack = self.dual_stack.filter(|(on, _)| *on).map(|(_, field)| field);
        let (endpoint, region_endpoint) = match (self.endpoint, fips.or(dual_stack)) {
            // As KMS's endpoint rules: a custom endpoint is taken as it is, so a variant asked
            // for beside it would be silently dropped.
            (Some(_), Some(variant)) => return Err(Error::config(variant, "cannot be combined with a custom endpoint")),
            (Some((url, field)), None) => (Endpoint::parse(field, &url)?, None),
            (None, _) => {
                let variant = EndpointVariant { fips: fips.is_some(), dual_stack: dual_stack.is_some() };
                (Endpoint::for_region_with(&region, variant), Some(variant))
            }
        };
        if self.retry.max_attempts == 0 {
            return Err(Error::config("maxAttempts", "must be at least 1"));
        }
        let timeout_ms = self.timeout_ms.unwrap_or(30_000);
        if timeout_ms == 0 {
            return Err(Error::config("requestTimeout", "must be greater than 0 (milliseconds)"));
        }
        #[cfg(not(target_arch = "wasm32"))]
        let credentials = match (self.credentials, self.web_identity) {
            (None, Some(web_identity)) => Some(web_identity.provider(&region, fips.is_some())?),
            (given, _) => given,
        };
        #[cfg(target_arch = "wasm32")]
        let credentials = self.credentials;
        Ok(Config { region, endpoint, region_endpoint, credentials, retry: self.retry, timeout_ms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_map_gives_region_endpoint_and_keys() {
        let c = Config::from_env([("AWS_DEFAULT_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:5000"), ("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "s")]).unwrap();
        assert_eq!(c.region(), "eu-west-1");
        assert_eq!(c.endpoint().url(), "http://127.0.0.1:5000/");
        assert!(c.credentials.is_some());
    }

    #[test]
    fn service_specific_endpoint_wins() {
        let c = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", "https://a.example"), ("AWS_KMS_ENDPOINT", "https://b.example"), ("AWS_ENDPOINT_URL_KMS", "https://c.example/kms/")]).unwrap();
        assert_eq!(c.endpoint().url(), "https://c.example/kms/");
        let c = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", "https://a.example"), ("AWS_KMS_ENDPOINT", "https://b.example")]).unwrap();
        assert_eq!(c.endpoint().url(), "https://b.example/");
    }

    #[test]
    fn max_attempts_and_ignoring_endpoints_from_the_environment_as_the_sdk_reads_them() {
        let env = [("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_KMS", "https://c.example/"), ("AWS_MAX_ATTEMPTS", " 7 ")];
        let c = Config::from_env(env).unwrap();
        assert_eq!((c.retry().max_attempts, c.endpoint().url()), (7, "https://c.example/"));
        // Set in code, it wins (by max_attempts or by a whole retry policy).
        assert_eq!(Config::builder().max_attempts(2).env(env).unwrap().build().unwrap().retry().max_attempts, 2);
        assert_eq!(Config::builder().retry(RetryConfig::default()).env(env).unwrap().build().unwrap().retry().max_attempts, 3);
        assert_eq!(Config::builder().retry_base_delay_ms(5).env(env).unwrap().build().unwrap().retry(), RetryConfig { max_attempts: 7, base_delay_ms: 5, max_delay_ms: 20_000 });
        for bad in ["0", "-1", "2.5", "many"] {
            let e = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_MAX_ATTEMPTS", bad)]).unwrap_err();
            assert_eq!(e.field(), Some("AWS_MAX_ATTEMPTS"), "{bad}");
        }
        let c = Config::from_env([("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_KMS", "https://c.example/"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")]).unwrap();
        assert_eq!(c.endpoint().url(), "https://kms.eu-west-1.amazonaws.com/");
        let c = Config::from_env([("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL", "https://c.example/"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")]).unwrap();
        assert_eq!(c.endpoint().url(), "https://c.example/");
        let e = Config::from_env([("AWS_REGION", "eu-west-1"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "1")]).unwrap_err();
        assert_eq!(e.field(), Some("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
        // An endpoint given in code is not a configured one: kept.
        let c = Config::builder().endpoint("https://d.example").env([("AWS_REGION", "eu-west-1"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]).unwrap().build().unwrap();
        assert_eq!(c.endpoint().url(), "https://d.example/");
    }

    #[test]
    fn missing_region_names_the_field() {
        let e = Config::from_env([("AWS_ACCESS_KEY_ID", "x")].into_iter().take(0)).unwrap_err();
        assert_eq!(e.field(), Some("region"));
    }

    #[test]
    fn half_a_key_pair_names_the_missing_half() {
        let e = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "AKID")]).unwrap_err();
        assert_eq!(e.field(), Some("AWS_SECRET_ACCESS_KEY"));
        let e = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_SECRET_ACCESS_KEY", "s")]).unwrap_err();
        assert_eq!(e.field(), Some("AWS_ACCESS_KEY_ID"));
        assert!(!e.to_string().contains('s') || !e.to_string().contains("=s"));
    }

    #[test]
    fn malformed_endpoints_are_rejected_with_their_field() {
        for bad in ["not a url", "ftp://x.example", "http://kms.example.com", "https://x.example/?a=b", "kms.example.com"] {
            let e = Config::builder().region("us-east-1").endpoint(bad).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{bad}");
        }
        let e = Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_KMS_ENDPOINT", "http://kms.example.com")]).unwrap_err();
        assert_eq!(e.field(), Some("AWS_KMS_ENDPOINT"));
    }

    #[test]
    fn endpoint_hosts_are_taken_as_fetch_sends_them() {
        // Lower case, as sent: the host is signed, so a capital would fail every signature.
        let c = Config::builder().region("us-east-1").endpoint("http://LocalHost:4566/Kms").build().unwrap();
        assert_eq!((c.endpoint().url(), c.endpoint().host()), ("http://localhost:4566/Kms/", "localhost"));
        let c = Config::builder().region("us-east-1").endpoint("https://KMS.eu-west-1.amazonaws.com").build().unwrap();
        assert_eq!(c.endpoint().url(), "https://kms.eu-west-1.amazonaws.com/");
        // IPv4 addresses in other notations (8.8.8.8 and 127.0.0.1 here) are refused: over plain
        // http one would pass for a local name, and none would be signed as it is sent.
        for other in ["http://134744072/", "http://0x08080808/", "https://0x7f.1/", "http://127.1:4566", "https://2130706433/", "http://8.8.8.010/"] {
            let e = Config::builder().region("us-east-1").endpoint(other).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{other}");
            assert!(e.message().contains("four decimal numbers"), "{other}: {e}");
        }
        for fine in ["http://moto:5000", "https://kms.example.com.", "https://a1.example", "https://0xcafe.example"] {
            Config::builder().region("us-east-1").endpoint(fine).build().unwrap_or_else(|e| panic!("{fine}: {e}"));
        }
    }

    #[test]
    fn dotted_quads_are_read_as_std_reads_them() {
        let mut hosts: Vec<String> = ["0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "01.2.3.4", "1.2.3.04", "1.2.3.-4", "1.2.3.4.", " 1.2.3.4", "1.2.3.1000", "a.b.c.d", ""]
            .iter()
            .map(|h| h.to_string())
            .collect();
        for a in ["0", "7", "00", "10", "99", "255", "256", "099", "999"] {
            hosts.push(format!("{a}.{a}.1.{a}"));
        }
        for host in &hosts {
            assert_eq!(ipv4_octets(host), host.parse::<std::net::Ipv4Addr>().ok().map(|ip| ip.octets()), "{host:?}");
        }
    }

    #[test]
    fn ports_fetch_refuses_are_a_config_error_not_a_retried_network_error() {
        for bad in ["http://127.0.0.1:6000", "https://kms.example.com:22/", "http://localhost:10080/kms", "https://kms.example.com:6665"] {
            let e = Config::builder().region("us-east-1").endpoint(bad).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{bad}");
            assert!(e.message().contains("bad ports"), "{bad}: {e}");
        }
        for out_of_range in ["http://127.0.0.1:99999", "https://kms.example.com:0/", "http://[::1]:65536"] {
            let e = Config::builder().region("us-east-1").endpoint(out_of_range).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{out_of_range}");
            assert!(e.message().contains("from 1 to 65535"), "{out_of_range}: {e}");
        }
        for fine in ["http://127.0.0.1:5999", "https://kms.example.com:443", "http://localhost:4566", "https://kms.example.com:8443", "http://[::1]:65535", "https://kms.example.com:/"] {
            Config::builder().region("us-east-1").endpoint(fine).build().unwrap_or_else(|e| panic!("{fine}: {e}"));
        }
    }

    #[test]
    fn http_is_accepted_for_local_hosts() {
        for ok in ["http://127.0.0.1:4566", "http://localhost:5000", "http://moto:5000", "http://10.0.0.5", "http://[::1]:80"] {
            Config::builder().region("us-east-1").endpoint(ok).build().unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn plain_http_to_a_public_address_is_refused_naming_the_endpoint() {
        // Requests carry signatures and plaintext data keys: cleartext only to this machine or a
        // private network. IPv6 gets only ::1 (the doc lists private IPv4 ranges, not ULAs).
        for public in ["http://8.8.8.8/", "http://203.0.113.7:4566", "http://172.32.0.1/", "http://[2001:db8::1]/", "http://[fd00::1]:80"] {
            let e = Config::builder().region("us-east-1").endpoint(public).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{public}");
            assert!(e.to_string().contains("plain http"), "{public}: {e}");
        }
        for local in ["http://127.0.0.2:4566", "http://192.168.1.10", "http://172.16.0.1", "http://172.31.255.254"] {
            Config::builder().region("us-east-1").endpoint(local).build().unwrap_or_else(|e| panic!("{local}: {e}"));
        }
        // The same addresses over https are fine: TLS protects them.
        assert_eq!(Config::builder().region("us-east-1").endpoint("https://8.8.8.8").build().unwrap().endpoint().url(), "https://8.8.8.8/");
    }

    #[test]
    fn user_info_in_an_endpoint_is_refused_without_echoing_the_password() {
        // Kept, it would be part of the URL and so of Config's Debug and of logs.
        // Malformed ones too: their messages used to quote the URL whole ("has no scheme", "is not a URL").
        for bad in ["https://user:hunter2pass@kms.example/", "http://user:hunter2pass@127.0.0.1:4566", "https://hunter2pass@kms.example/kms", "u:hunter2pass@kms.example", "https://u:hunter2pass@", "https://u:hunter2pass@ kms"] {
            let e = Config::builder().region("us-east-1").endpoint(bad).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{bad}");
            assert!(!format!("{e} {e:?}").contains("hunter2pass"), "{bad}: {e:?}");
        }
    }

    #[test]
    fn a_fragment_in_an_endpoint_is_refused_not_dropped() {
        // http::Uri drops a fragment silently; the user meant something by it.
        for bad in ["https://kms.example/#frag", "https://kms.example/kms#x", "http://127.0.0.1:4566#"] {
            let e = Config::builder().region("us-east-1").endpoint(bad).build().unwrap_err();
            assert_eq!(e.field(), Some("endpoint"), "{bad}");
        }
    }

    #[test]
    fn default_endpoint_follows_region_and_partition() {
        assert_eq!(Config::builder().region("eu-central-1").build().unwrap().endpoint().url(), "https://kms.eu-central-1.amazonaws.com/");
        assert_eq!(Config::builder().region("cn-north-1").build().unwrap().endpoint().url(), "https://kms.cn-north-1.amazonaws.com.cn/");
        assert_eq!(Config::builder().region("us-isob-east-1").build().unwrap().endpoint().url(), "https://kms.us-isob-east-1.sc2s.sgov.gov/");
    }

    #[test]
    fn fips_and_dual_stack_come_from_options_env_or_a_fips_pseudo_region() {
        let url = |c: Result<Config>| c.unwrap().endpoint().url().to_owned();
        assert_eq!(url(Config::builder().region("us-west-2").use_fips_endpoint(true).build()), "https://kms-fips.us-west-2.amazonaws.com/");
        assert_eq!(url(Config::from_env([("AWS_REGION", "eu-west-1"), ("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")])), "https://kms.eu-west-1.api.aws/");
        assert_eq!(url(Config::from_env([("AWS_REGION", "eu-west-1"), ("AWS_USE_FIPS_ENDPOINT", "false")])), "https://kms.eu-west-1.amazonaws.com/");
        // An explicit setting wins over the environment.
        assert_eq!(
            url(Config::builder().use_fips_endpoint(false).env([("AWS_REGION", "eu-west-1"), ("AWS_USE_FIPS_ENDPOINT", "true")]).unwrap().build()),
            "https://kms.eu-west-1.amazonaws.com/"
        );
        for pseudo in ["us-east-1-fips", "fips-us-east-1"] {
            let c = Config::builder().region(pseudo).build().unwrap();
            assert_eq!((c.region(), c.endpoint().url()), ("us-east-1", "https://kms-fips.us-east-1.amazonaws.com/"), "{pseudo}");
        }
        assert_eq!(url(Config::builder().region("cn-north-1-fips").use_dual_stack_endpoint(true).build()), "https://kms-fips.cn-north-1.api.amazonwebservices.com.cn/");
    }

    #[test]
    fn a_variant_beside_a_custom_endpoint_or_a_bad_flag_is_refused_by_name() {
        let field = |c: Result<Config>| c.unwrap_err().field().map(str::to_owned);
        assert_eq!(field(Config::builder().region("us-east-1").endpoint("https://vpce.example").use_fips_endpoint(true).build()).as_deref(), Some("useFipsEndpoint"));
        assert_eq!(field(Config::builder().region("us-east-1").endpoint("https://vpce.example").use_dual_stack_endpoint(true).build()).as_deref(), Some("useDualstackEndpoint"));
        assert_eq!(field(Config::from_env([("AWS_REGION", "us-east-1-fips"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")])).as_deref(), Some("AWS_REGION"));
        assert_eq!(
            field(Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"), ("AWS_USE_FIPS_ENDPOINT", "true")])).as_deref(),
            Some("AWS_USE_FIPS_ENDPOINT")
        );
        assert_eq!(field(Config::from_env([("AWS_REGION", "us-east-1"), ("AWS_USE_DUALSTACK_ENDPOINT", "yes")])).as_deref(), Some("AWS_USE_DUALSTACK_ENDPOINT"));
        assert_eq!(field(Config::builder().region("-fips").build()).as_deref(), Some("region"));
        // Off is off: a custom endpoint with the variants turned off explicitly is fine.
        Config::builder().region("us-east-1").endpoint("https://vpce.example").use_fips_endpoint(false).use_dual_stack_endpoint(false).build().unwrap();
    }

    #[test]
    fn another_region_derives_only_a_derived_endpoint() {
        let fips = Config::builder().region("us-east-1").use_fips_endpoint(true).build().unwrap();
        let (region, endpoint) = fips.in_region("eu-west-1").unwrap();
        assert_eq!((region.as_str(), endpoint.url()), ("eu-west-1", "https://kms-fips.eu-west-1.amazonaws.com/"));
        let local = Config::builder().region("us-east-1").endpoint("http://127.0.0.1:4566").build().unwrap();
        let (region, endpoint) = local.in_region("ap-south-1").unwrap();
        assert_eq!((region.as_str(), endpoint.url()), ("ap-south-1", "http://127.0.0.1:4566/"));
        for bad in ["evil.example.com/", "", "EU-WEST-1"] {
            assert_eq!(local.in_region(bad).unwrap_err().field(), Some("region"), "{bad:?}");
        }
    }

    #[test]
    fn debug_output_has_no_secret() {
        let c = Config::builder().region("us-east-1").credentials(Credentials::new("AKIDEXAMPLE", "topsecretvalue", Some("tokentoken".into()))).build().unwrap();
        let dbg = format!("{c:?} {:?}", Credentials::new("AKIDEXAMPLE", "topsecretvalue", Some("tokentoken".into())));
        assert!(!dbg.contains("topsecretvalue") && !dbg.contains("tokentoken"), "{dbg}");
    }
}
