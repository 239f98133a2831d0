//! AWS credentials and where they come from.
//!
//! Secrets live in [`SecretString`], which redacts itself in `Debug` and is
//! zeroized on drop. A [`CredentialsProvider`] hands out [`Credentials`]; the
//! client asks it before every request, so providers that refresh (web
//! identity, Cognito) plug in without the client knowing.

use std::fmt;
use std::sync::Arc;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};
use crate::platform::{BoxFuture, MaybeSend, MaybeSync};

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
    /// Long-term (or explicitly given temporary) credentials.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>, session_token: Option<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::new(secret_access_key),
            session_token: session_token.map(SecretString::new),
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
