//! Client configuration: region, endpoint, credentials, retries, timeout.
//!
//! Built explicitly with [`Config::builder`] or read from an environment map
//! with [`Config::from_env`] (the variables the AWS CLI and SDKs read). Every
//! problem is reported as a [`ErrorKind::Config`](crate::ErrorKind::Config)
//! error naming the field or variable.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::credentials::{Credentials, CredentialsProvider, SharedCredentialsProvider};
use crate::error::{Error, Result};

/// Retry policy: capped exponential backoff with full jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    /// Total attempts including the first (at least 1). Default 3.
    pub max_attempts: u32,
    /// Backoff base: attempt `n` waits a random time in `[0, min(max, base * 2^n))`. Default 100 ms.
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
        let uri: http::Uri = raw.parse().map_err(|_| Error::config(field, format!("`{raw}` is not a URL")))?;
        let scheme = uri.scheme_str().ok_or_else(|| Error::config(field, format!("`{raw}` has no scheme (https://…)")))?;
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| Error::config(field, format!("`{raw}` has no host")))?;
        match scheme {
            "https" => {}
            "http" if is_local_host(host) => {}
            "http" => return Err(Error::config(field, format!("plain http is only allowed for a local endpoint, not `{host}`"))),
            other => return Err(Error::config(field, format!("scheme `{other}` is not http(s)"))),
        }
        if uri.query().is_some() || raw.contains('#') {
            return Err(Error::config(field, "an endpoint cannot have a query or fragment"));
        }
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or(host);
        if authority.contains('@') {
            return Err(Error::config(field, "an endpoint cannot carry user info"));
        }
        let path = uri.path().trim_end_matches('/');
        Ok(Endpoint { url: format!("{scheme}://{authority}{path}/"), host: host.to_owned() })
    }

    /// The public KMS endpoint of `region`.
    pub fn for_region(region: &str) -> Self {
        let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        let host = format!("kms.{region}.{suffix}");
        Endpoint { url: format!("https://{host}/"), host }
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

fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.ends_with(".localhost") || host == "::1" || !host.contains('.') && !host.contains(':') {
        return true;
    }
    match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => ip.is_loopback() || ip.is_private(),
        Err(_) => false,
    }
}

fn check_region(field: &'static str, region: &str) -> Result<String> {
    let region = region.trim();
    if region.is_empty() {
        return Err(Error::config(field, "is empty"));
    }
    if !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') || region.len() > 64 {
        return Err(Error::config(field, format!("`{region}` is not a region name like us-east-1")));
    }
    Ok(region.to_owned())
}

/// Everything a [`KmsClient`](crate::kms::KmsClient) needs.
#[derive(Clone)]
pub struct Config {
    pub(crate) region: String,
    pub(crate) endpoint: Endpoint,
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
    credentials: Option<SharedCredentialsProvider>,
    retry: RetryConfig,
    timeout_ms: Option<u64>,
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
        self
    }
    /// Full retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Per-attempt timeout in milliseconds (default 30 000).
    pub fn timeout_ms(mut self, millis: u64) -> Self {
        self.timeout_ms = Some(millis);
        self
    }

    /// Fills fields not set yet from environment variables (see [`Config::from_env`]).
    pub fn env<K: AsRef<str>, V: AsRef<str>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        // Inserts, not `collect()`: a map's collect sorts, and that sort routine is ~3 KB of wasm.
        let mut map = BTreeMap::new();
        for (k, v) in vars {
            map.insert(k.as_ref().to_owned(), v.as_ref().to_owned());
        }
        let get = |k: &'static str| map.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()).map(|v| (v.to_owned(), k));
        if self.region.is_none() {
            self.region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        }
        if self.endpoint.is_none() {
            self.endpoint = get("AWS_ENDPOINT_URL_KMS").or_else(|| get("AWS_KMS_ENDPOINT")).or_else(|| get("AWS_ENDPOINT_URL"));
        }
        if self.credentials.is_none() {
            if let Some(c) = Credentials::from_env(|k| map.get(k).map(String::as_str))? {
                self.credentials = Some(Arc::new(c));
            }
        }
        Ok(self)
    }

    /// Checks every field and returns the configuration.
    pub fn build(self) -> Result<Config> {
        let (region, region_field) = self.region.ok_or_else(|| Error::config("region", "is required (set it or AWS_REGION)"))?;
        let region = check_region(region_field, &region)?;
        let endpoint = match self.endpoint {
            Some((url, field)) => Endpoint::parse(field, &url)?,
            None => Endpoint::for_region(&region),
        };
        if self.retry.max_attempts == 0 {
            return Err(Error::config("maxAttempts", "must be at least 1"));
        }
        let timeout_ms = self.timeout_ms.unwrap_or(30_000);
        if timeout_ms == 0 {
            return Err(Error::config("timeout", "must be greater than 0"));
        }
        Ok(Config { region, endpoint, credentials: self.credentials, retry: self.retry, timeout_ms })
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
    fn http_is_accepted_for_local_hosts() {
        for ok in ["http://127.0.0.1:4566", "http://localhost:5000", "http://moto:5000", "http://10.0.0.5", "http://[::1]:80"] {
            Config::builder().region("us-east-1").endpoint(ok).build().unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn default_endpoint_follows_region_and_partition() {
        assert_eq!(Config::builder().region("eu-central-1").build().unwrap().endpoint().url(), "https://kms.eu-central-1.amazonaws.com/");
        assert_eq!(Config::builder().region("cn-north-1").build().unwrap().endpoint().url(), "https://kms.cn-north-1.amazonaws.com.cn/");
    }

    #[test]
    fn debug_output_has_no_secret() {
        let c = Config::builder().region("us-east-1").credentials(Credentials::new("AKIDEXAMPLE", "topsecretvalue", Some("tokentoken".into()))).build().unwrap();
        let dbg = format!("{c:?} {:?}", Credentials::new("AKIDEXAMPLE", "topsecretvalue", Some("tokentoken".into())));
        assert!(!dbg.contains("topsecretvalue") && !dbg.contains("tokentoken"), "{dbg}");
    }
}
