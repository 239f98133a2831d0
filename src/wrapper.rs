//! A KMS wrapper that records the key used with each blob.
//!
//! [`KmsWrapper::encrypt`] asks KMS for a fresh 256-bit data key
//! (`GenerateDataKey`), encrypts the plaintext locally with AES-256-GCM and
//! returns a self-describing blob naming the KMS key; [`KmsWrapper::decrypt`]
//! has KMS decrypt the data key with the key the blob names. So after the key
//! is rotated, or the wrapper is configured with another key, old blobs still
//! decrypt and new ones use the current key. A key named by ARN is called in
//! the ARN's region (as the KMS keyring does), so that key may live in another
//! region than the client's, and blobs keep decrypting after a move to a key
//! in another region.
//!
//! # Blob format, version 1
//!
//! All integers are big-endian.
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0 | 4 | magic `KMSW` |
//! | 4 | 1 | version, `0x01` |
//! | 5 | 2 | `n`, length of the key ARN |
//! | 7 | `n` | ARN of the KMS key that encrypted the data key (UTF-8) |
//! | 7+n | 2 | `m`, length of the encrypted data key |
//! | 9+n | `m` | the data key as KMS encrypted it (`CiphertextBlob` of `GenerateDataKey`) |
//! | 9+n+m | 12 | AES-256-GCM IV (random) |
//! | 21+n+m | rest | AES-256-GCM ciphertext of the plaintext, followed by the 16-byte tag |
//!
//! The GCM additional data is the header (bytes 0 to 21+n+m, IV included)
//! followed by the caller's `aad`, so neither the key ARN nor the encrypted
//! data key can be swapped without the tag failing. KMS is given the
//! encryption context `{"kms-wasm:wrapper": "1"}` for the data key, so a data
//! key from another application's `GenerateDataKey` does not decrypt here.
//!
//! # Key checks
//!
//! Only symmetric encryption keys (`SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`)
//! are accepted; this is checked with `DescribeKey` once per key and cached.
//! Before every encrypt and decrypt the key's state is checked as well
//! (re-using a `DescribeKey` answer younger than
//! [`key_state_ttl_ms`](KmsWrapper::key_state_ttl_ms), 0 by default): a
//! disabled key fails with a `DisabledException` error and a key pending
//! deletion (or otherwise unusable) with `KMSInvalidStateException` — the names
//! KMS itself uses, since some emulators do not enforce key state — while
//! [`describe`](KmsWrapper::describe) keeps working.
//!
//! Data keys live in zeroize-on-drop buffers and are wiped after use.
//!
//! KMS is spoken to in untyped JSON ([`KmsClient::call_value`]), so the
//! wasm module carries no typed request/response (de)serializers for the few
//! fields read here; [`describe`](KmsWrapper::describe) deserializes the
//! typed [`KeyMetadata`] on demand, [`describe_json`](KmsWrapper::describe_json) does not.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

use crate::config::Config;
use crate::credentials::{Credentials, SecretString};
use crate::error::{Error, Result};
use crate::kms::wire::take_base64;
use crate::kms::{arn_region, KeyMetadata, KmsClient};
use crate::platform;

/// First bytes of every blob.
pub const MAGIC: &[u8; 4] = b"KMSW";
/// Format version written by this module.
pub const VERSION: u8 = 1;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
const CONTEXT_KEY: &str = "kms-wasm:wrapper";

/// Error name of a value operation on a disabled key (as KMS names it).
pub const KEY_DISABLED: &str = "DisabledException";
/// Error name of a value operation on a key pending deletion or otherwise unusable (as KMS names it).
pub const KEY_INVALID_STATE: &str = "KMSInvalidStateException";

/// Whether `err` says the key is disabled or in a state that forbids encrypt/decrypt.
pub fn is_key_unavailable(err: &Error) -> bool {
    matches!(err.name(), KEY_DISABLED | KEY_INVALID_STATE)
}

/// Settings of [`KmsWrapper::from_config`]; each field falls back to an
/// environment variable, then to a default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrapperConfig {
    /// Region; else `AWS_REGION`, else `AWS_DEFAULT_REGION`. Required.
    pub region: Option<String>,
    /// Access key id; else `AWS_ACCESS_KEY_ID`. Required.
    pub access_key: Option<String>,
    /// Secret access key; else `AWS_SECRET_ACCESS_KEY`. Required.
    pub secret_key: Option<SecretString>,
    /// Session token; else `AWS_SESSION_TOKEN` (only when the access key also comes from the environment).
    pub session_token: Option<SecretString>,
    /// Key id, ARN or alias used to encrypt; else `AWSKMS_WRAPPER_KEY_ID`. Required.
    pub key_id: Option<String>,
    /// Endpoint URL; else `AWS_KMS_ENDPOINT`, `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL`; else the region's KMS endpoint.
    pub endpoint: Option<String>,
}

/// What the wrapper's audit callback receives after every encrypt and decrypt.
/// Never holds plaintext, data keys or credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrapperAuditEvent {
    /// `"kms.encrypt"` or `"kms.decrypt"`.
    pub action: &'static str,
    /// The key used (ARN when known, else the configured id).
    pub key_id: Option<String>,
    /// Whether the operation succeeded.
    pub ok: bool,
    /// Error name when it failed.
    pub error_name: Option<String>,
}

/// Receives a [`WrapperAuditEvent`] after every encrypt and decrypt.
pub type WrapperAuditHook = Arc<dyn Fn(&WrapperAuditEvent) + Send + Sync>;

/// What the key checks need of a `KeyMetadata`.
#[derive(Clone, Debug)]
struct KeyInfo {
    key_id: String,
    arn: Option<String>,
    /// `KeySpec`, else `CustomerMasterKeySpec`, else `SYMMETRIC_DEFAULT`.
    spec: String,
    /// `KeyUsage`, else `ENCRYPT_DECRYPT`.
    usage: String,
    state: Option<String>,
    enabled: Option<bool>,
}

impl KeyInfo {
    fn of(m: &Value) -> Self {
        let s = |k: &str| m[k].as_str().map(str::to_owned);
        KeyInfo {
            key_id: s("KeyId").unwrap_or_default(),
            arn: s("Arn"),
            spec: s("KeySpec").or_else(|| s("CustomerMasterKeySpec")).unwrap_or_else(|| "SYMMETRIC_DEFAULT".to_owned()),
            usage: s("KeyUsage").unwrap_or_else(|| "ENCRYPT_DECRYPT".to_owned()),
            state: s("KeyState"),
            enabled: m["Enabled"].as_bool(),
        }
    }

    /// The ARN, else the key id.
    fn arn_or_id(&self) -> &str {
        self.arn.as_deref().unwrap_or(&self.key_id)
    }
}

struct CachedKey {
    key_id: String,
    info: KeyInfo,
    fetched_at: i64,
}

/// Envelope encryption with one KMS key, recording the key in every blob.
pub struct KmsWrapper {
    client: KmsClient,
    key_id: String,
    // A few keys at most (the configured one and those old blobs name): a
    // list, which is less wasm code than a HashMap instance of its own.
    keys: Mutex<Vec<CachedKey>>,
    state_ttl_ms: i64,
    audit: Option<WrapperAuditHook>,
}

impl fmt::Debug for KmsWrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsWrapper").field("key_id", &self.key_id).field("client", &self.client).finish()
    }
}

/// First non-empty value of `names` in `env`, with the name it came from.
fn env_value<'a>(env: &'a BTreeMap<String, String>, names: &[&'static str]) -> Option<(&'static str, &'a str)> {
    names.iter().find_map(|n| env.get(*n).map(|v| v.trim()).filter(|v| !v.is_empty()).map(|v| (*n, v)))
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl KmsWrapper {
    /// Builds a wrapper from `config`, falling back field by field to `env`
    /// (see [`WrapperConfig`]). Errors name the field or variable at fault.
    pub fn from_config<K: AsRef<str>, V: AsRef<str>>(config: WrapperConfig, env_vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        // Inserts, not `collect()`: no sort routine for the wasm module to carry.
        let mut env = BTreeMap::new();
        for (k, v) in env_vars {
            env.insert(k.as_ref().to_owned(), v.as_ref().to_owned());
        }
        let result = Self::build(&config, &env);
        for v in env.values_mut() {
            v.zeroize();
        }
        result
    }

    fn build(config: &WrapperConfig, env: &BTreeMap<String, String>) -> Result<Self> {
        let mut builder = Config::builder();
        // Values from the environment go through `env`, so errors name the variable. (A
        // `Vec<(String, String)>` as the JS client passes: one `env` instance in the wasm module.)
        builder = match given(&config.region) {
            Some(r) => builder.region(r),
            None => match env_value(env, &["AWS_REGION", "AWS_DEFAULT_REGION"]) {
                Some((name, v)) => builder.env(vec![(name.to_owned(), v.to_owned())])?,
                None => return Err(Error::config("region", "is required (set it, AWS_REGION or AWS_DEFAULT_REGION)")),
            },
        };
        builder = match given(&config.endpoint) {
            Some(e) => builder.endpoint(e),
            None => match env_value(env, &["AWS_KMS_ENDPOINT", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL"]) {
                Some((name, v)) => builder.env(vec![(name.to_owned(), v.to_owned())])?,
                None => builder,
            },
        };
        let variants: Vec<_> = ["AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"].iter().filter_map(|name| env_value(env, &[name])).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        builder = builder.env(variants)?;
        let from_env_key = given(&config.access_key).is_none();
        let access = given(&config.access_key).map(|v| ("accessKey", v)).or_else(|| env_value(env, &["AWS_ACCESS_KEY_ID"]));
        let secret = config.secret_key.as_ref().map(|v| v.expose().trim()).filter(|v| !v.is_empty()).map(|v| ("secretKey", v)).or_else(|| env_value(env, &["AWS_SECRET_ACCESS_KEY"]));
        let token = config.session_token.as_ref().map(|v| v.expose().trim()).filter(|v| !v.is_empty()).or_else(|| if from_env_key { env_value(env, &["AWS_SESSION_TOKEN"]).map(|(_, v)| v) } else { None });
        let credentials = match (access, secret) {
            (Some((_, a)), Some((_, s))) => Ok(Credentials::new(a, s, token.map(str::to_owned))),
            (None, None) => Err(Error::config("accessKey", "is required (set accessKey/secretKey or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")),
            (Some((field, _)), None) => Err(Error::config("secretKey", format!("is missing while {field} is set (set it or AWS_SECRET_ACCESS_KEY)"))),
            (None, Some((field, _))) => Err(Error::config("accessKey", format!("is missing while {field} is set (set it or AWS_ACCESS_KEY_ID)"))),
        };
        let key_id = given(&config.key_id)
            .or_else(|| env_value(env, &["AWSKMS_WRAPPER_KEY_ID"]).map(|(_, v)| v))
            .map(str::to_owned)
            .ok_or_else(|| Error::config("keyId", "is required (set it or AWSKMS_WRAPPER_KEY_ID)"));
        // Report fields in order: region and endpoint, then credentials, then the key.
        let config = match credentials {
            Ok(c) => builder.credentials(c).build()?,
            Err(e) => {
                builder.build()?;
                return Err(e);
            }
        };
        let key_id = key_id?;
        let client = KmsClient::new(config);
        Ok(Self::new(client, key_id))
    }

    /// A wrapper over an existing client (any credentials provider, custom HTTP client).
    pub fn new(client: KmsClient, key_id: impl Into<String>) -> Self {
        KmsWrapper { client, key_id: key_id.into(), keys: Mutex::new(Vec::new()), state_ttl_ms: 0, audit: None }
    }

    /// Calls `hook` after every encrypt and decrypt (`kms.encrypt` / `kms.decrypt`).
    pub fn with_audit_hook(mut self, hook: WrapperAuditHook) -> Self {
        self.audit = Some(hook);
        self
    }

    /// Re-uses a key's `DescribeKey` answer for its state check for up to
    /// `millis` (default 0: the state is read before every operation).
    pub fn key_state_ttl_ms(mut self, millis: u64) -> Self {
        self.state_ttl_ms = millis.min(i64::MAX as u64) as i64;
        self
    }

    /// The configured key id (as given: id, ARN or alias).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The underlying KMS client.
    pub fn client(&self) -> &KmsClient {
        &self.client
    }

    /// Metadata of the configured key, whatever its state.
    pub async fn describe(&self) -> Result<KeyMetadata> {
        let m = self.describe_json().await?;
        KeyMetadata::deserialize(&m).map_err(|e| Error::service("SerializationException", format!("cannot parse the DescribeKey answer: {}", crate::error::json_problem(&e)), 200, None))
    }

    /// Like [`describe`](Self::describe), as the wire JSON of `KeyMetadata`
    /// (timestamps in epoch seconds); carries no typed deserializer.
    pub async fn describe_json(&self) -> Result<Value> {
        let m = self.describe_raw(&self.key_id).await?;
        self.remember(&self.key_id, KeyInfo::of(&m));
        Ok(m)
    }

    /// ARN of the key a blob names, without calling KMS.
    pub fn key_id_of(blob: &[u8]) -> Result<String> {
        Ok(Header::parse(blob)?.key_arn.to_owned())
    }

    /// Encrypts `plaintext` under a fresh data key from the configured KMS
    /// key; `aad` (if any) must be given again to decrypt.
    pub async fn encrypt(&self, plaintext: &[u8], aad: Option<&[u8]>) -> Result<Vec<u8>> {
        let mut used_key = None;
        let result = self.encrypt_inner(plaintext, aad.unwrap_or(&[]), &mut used_key).await;
        self.audit("kms.encrypt", used_key.unwrap_or_else(|| self.key_id.clone()), &result);
        result
    }

    /// Decrypts a blob from [`encrypt`](Self::encrypt) with the key it names; the plaintext is wiped on drop.
    pub async fn decrypt(&self, blob: &[u8], aad: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>> {
        let mut used_key = None;
        let result = self.decrypt_inner(blob, aad.unwrap_or(&[]), &mut used_key).await;
        self.audit("kms.decrypt", used_key.unwrap_or_default(), &result);
        result
    }

    fn audit<T>(&self, action: &'static str, key_id: String, result: &Result<T>) {
        if let Some(hook) = &self.audit {
            hook(&WrapperAuditEvent {
                action,
                key_id: (!key_id.is_empty()).then_some(key_id),
                ok: result.is_ok(),
                error_name: result.as_ref().err().map(|e| e.name().to_owned()),
            });
        }
    }

    async fn encrypt_inner(&self, plaintext: &[u8], aad: &[u8], used_key: &mut Option<String>) -> Result<Vec<u8>> {
        let meta = self.usable_key(&self.key_id).await?;
        let arn = meta.arn_or_id().to_owned();
        *used_key = Some(arn.clone());
        let mut dk = self.client.call_value_in(arn_region(&arn), "GenerateDataKey", object!{ "KeyId" => arn, "KeySpec" => "AES_256", "EncryptionContext" => context() }).await?;
        let data_key = take_secret(&mut dk, "GenerateDataKey", "Plaintext")?;
        let encrypted_key = take_secret(&mut dk, "GenerateDataKey", "CiphertextBlob")?.to_vec();
        let key_arn = dk["KeyId"].as_str().map_or(arn, str::to_owned);
        *used_key = Some(key_arn.clone());
        // Blobs name their key by ARN; one written with a bare id could never be read back.
        if !key_arn.starts_with("arn:") {
            return Err(Error::service("SerializationException", "no key ARN in the answer", 200, None));
        }
        if data_key.len() != 32 {
            return Err(Error::service("SerializationException", format!("GenerateDataKey returned a {}-byte data key, not 32", data_key.len()), 200, None));
        }
        let mut iv = [0u8; IV_LEN];
        platform::fill_random(&mut iv)?;
        let header = Header { key_arn: &key_arn, encrypted_key: &encrypted_key, iv }.encode()?;
        let mut full_aad = header.clone();
        full_aad.extend_from_slice(aad);
        let mut out = header;
        let body_start = out.len();
        out.extend_from_slice(plaintext);
        let tag = kms_wasm_gcm::seal(&data_key, &iv, &full_aad, &mut out[body_start..]).map_err(|_| Error::envelope("AuthenticationError", "AES-GCM encryption failed"))?;
        drop(data_key);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    async fn decrypt_inner(&self, blob: &[u8], aad: &[u8], used_key: &mut Option<String>) -> Result<Zeroizing<Vec<u8>>> {
        let header = Header::parse(blob)?;
        *used_key = Some(header.key_arn.to_owned());
        self.usable_key(header.key_arn).await?;
        let mut dec = self
            .client
            .call_value_in(arn_region(header.key_arn), "Decrypt", object!{ "CiphertextBlob" => STANDARD.encode(header.encrypted_key), "KeyId" => header.key_arn, "EncryptionContext" => context() })
            .await?;
        let data_key = take_secret(&mut dec, "Decrypt", "Plaintext")?;
        if dec["KeyId"].as_str() != Some(header.key_arn) {
            return Err(Error::service("SerializationException", "Decrypt answered for another key", 200, None));
        }
        let header_len = header.len();
        let body = &blob[header_len..];
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let mut full_aad = blob[..header_len].to_vec();
        full_aad.extend_from_slice(aad);
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        if data_key.len() != 32 {
            return Err(Error::envelope("AuthenticationError", "KMS returned a data key that is not 32 bytes"));
        }
        let tag: [u8; TAG_LEN] = tag.try_into().expect("split at TAG_LEN");
        let opened = kms_wasm_gcm::open(&data_key, &header.iv, &full_aad, &mut plain, &tag);
        drop(data_key);
        if opened.is_err() {
            return Err(Error::envelope("AuthenticationError", "the blob does not authenticate (wrong aad, or the blob was altered)"));
        }
        Ok(plain)
    }

    /// `KeyMetadata` of a DescribeKey answer (an object with a `KeyId`).
    async fn describe_raw(&self, key_id: &str) -> Result<Value> {
        let mut answer = self.client.call_value_in(arn_region(key_id), "DescribeKey", object!{ "KeyId" => key_id }).await?;
        match answer.get_mut("KeyMetadata").map(Value::take) {
            Some(m) if m["KeyId"].is_string() => Ok(m),
            _ => Err(missing("DescribeKey", "KeyMetadata")),
        }
    }

    fn remember(&self, key_id: &str, info: KeyInfo) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.retain(|c| c.key_id != key_id);
        keys.push(CachedKey { key_id: key_id.to_owned(), info, fetched_at: platform::now_millis() });
    }

    /// What the key checks read of the key, if it is a symmetric encryption key in the Enabled state.
    async fn usable_key(&self, key_id: &str) -> Result<KeyInfo> {
        let cached = {
            let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            keys.iter().find(|c| c.key_id == key_id).map(|c| (c.info.clone(), platform::now_millis() - c.fetched_at))
        };
        let meta = match cached {
            // Spec and usage never change, so a cached refusal needs no new call.
            Some((m, _)) if check_symmetric(key_id, &m).is_err() => m,
            Some((m, age)) if age < self.state_ttl_ms => m,
            _ => {
                let m = KeyInfo::of(&self.describe_raw(key_id).await?);
                self.remember(key_id, m.clone());
                m
            }
        };
        check_symmetric(key_id, &meta)?;
        check_state(&meta)?;
        Ok(meta)
    }
}

fn context() -> Value {
    object!{ CONTEXT_KEY => VERSION.to_string() }
}

fn missing(op: &str, field: &str) -> Error {
    Error::service("SerializationException", format!("{op} answered without {field}"), 200, None)
}

/// Takes the base64 field `name` out of `answer` and decodes it; the base64
/// text is wiped, the bytes come back in a wipe-on-drop buffer.
fn take_secret(answer: &mut Value, op: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    take_base64(answer, name)
        .ok_or_else(|| missing(op, name))?
        .map_err(|()| Error::service("SerializationException", format!("{op} answered with {name} that is not base64"), 200, None))
}

fn check_symmetric(key_id: &str, m: &KeyInfo) -> Result<()> {
    let (spec, usage) = (&m.spec, &m.usage);
    if spec != "SYMMETRIC_DEFAULT" || usage != "ENCRYPT_DECRYPT" {
        return Err(Error::validation("keyId", format!("{key_id} is a {spec} {usage} key; the wrapper accepts only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)")));
    }
    Ok(())
}

fn check_state(m: &KeyInfo) -> Result<()> {
    let arn = m.arn_or_id();
    match m.state.as_deref() {
        Some("Enabled") => Ok(()),
        None if m.enabled != Some(false) => Ok(()),
        Some("Disabled") | None => Err(Error::service(KEY_DISABLED, format!("{arn} is disabled: encrypt and decrypt are refused (describe still works)"), 400, None)),
        Some(state) => Err(Error::service(KEY_INVALID_STATE, format!("{arn} is {state}: encrypt and decrypt are refused (describe still works)"), 400, None)),
    }
}

/// The parsed header of a version-1 blob (borrowing from the blob).
struct Header<'a> {
    key_arn: &'a str,
    encrypted_key: &'a [u8],
    iv: [u8; IV_LEN],
}

impl<'a> Header<'a> {
    fn len(&self) -> usize {
        MAGIC.len() + 1 + 2 + self.key_arn.len() + 2 + self.encrypted_key.len() + IV_LEN
    }

    fn encode(&self) -> Result<Vec<u8>> {
        let arn_len = u16::try_from(self.key_arn.len()).map_err(|_| Error::validation("keyId", "the key ARN is longer than 65535 bytes"))?;
        let key_len = u16::try_from(self.encrypted_key.len()).map_err(|_| Error::validation("CiphertextBlob", "the encrypted data key is longer than 65535 bytes"))?;
        let mut out = Vec::with_capacity(self.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&arn_len.to_be_bytes());
        out.extend_from_slice(self.key_arn.as_bytes());
        out.extend_from_slice(&key_len.to_be_bytes());
        out.extend_from_slice(self.encrypted_key);
        out.extend_from_slice(&self.iv);
        Ok(out)
    }

    fn parse(blob: &'a [u8]) -> Result<Self> {
        let bad = |what: &str| Error::envelope("MalformedMessageError", format!("not a kms-wasm wrapper blob: {what}"));
        if blob.len() < 5 || &blob[..4] != MAGIC {
            return Err(bad("wrong magic bytes"));
        }
        if blob[4] != VERSION {
            return Err(bad(&format!("unsupported version {}", blob[4])));
        }
        let mut pos = 5;
        let mut take = |n: usize| -> Result<&'a [u8]> {
            let s = blob.get(pos..pos + n).ok_or_else(|| bad("truncated header"))?;
            pos += n;
            Ok(s)
        };
        let arn_len = u16::from_be_bytes(take(2)?.try_into().expect("2 bytes")) as usize;
        let key_arn = std::str::from_utf8(take(arn_len)?).map_err(|_| bad("the key ARN is not UTF-8"))?;
        if !key_arn.starts_with("arn:") {
            return Err(bad("the key field is not an ARN"));
        }
        let key_len = u16::from_be_bytes(take(2)?.try_into().expect("2 bytes")) as usize;
        let encrypted_key = take(key_len)?;
        if encrypted_key.is_empty() {
            return Err(bad("empty encrypted data key"));
        }
        let iv: [u8; IV_LEN] = take(IV_LEN)?.try_into().expect("IV_LEN bytes");
        // Refused here, before any KMS call: a blob too short to hold the tag cannot authenticate.
        if blob.len() < pos + TAG_LEN {
            return Err(bad("truncated (no authentication tag)"));
        }
        Ok(Header { key_arn, encrypted_key, iv })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_rejections() {
        let h = Header { key_arn: "arn:aws:kms:us-east-1:111122223333:key/k", encrypted_key: &[1, 2, 3], iv: [7; 12] };
        let header = h.encode().unwrap();
        assert_eq!(header.len(), h.len());
        // A blob: the header, an empty body and its tag.
        let bytes = [header.as_slice(), &[0u8; TAG_LEN]].concat();
        let p = Header::parse(&bytes).unwrap();
        assert_eq!((p.key_arn, p.encrypted_key, p.iv), (h.key_arn, &[1u8, 2, 3][..], [7; 12]));
        assert_eq!(KmsWrapper::key_id_of(&bytes).unwrap(), h.key_arn);
        // Cut anywhere short of a whole tag: refused from the header alone, before any KMS call.
        for bad in [&b"XXXX\x01"[..], &b"KMSW\x02\x00"[..], &bytes[..bytes.len() - 1], &header, &header[..header.len() - 1], b""] {
            assert_eq!(Header::parse(bad).err().map(|e| e.name().to_owned()).as_deref(), Some("MalformedMessageError"));
        }
    }

    #[test]
    fn config_precedence_and_field_names() {
        let env = [("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "AKENV"), ("AWS_SECRET_ACCESS_KEY", "envsecret"), ("AWSKMS_WRAPPER_KEY_ID", "alias/env"), ("AWS_KMS_ENDPOINT", "http://127.0.0.1:2")];
        let w = KmsWrapper::from_config(WrapperConfig::default(), env).unwrap();
        assert_eq!((w.key_id(), w.client().config().region(), w.client().config().endpoint().url()), ("alias/env", "eu-west-1", "http://127.0.0.1:2/"));
        let w = KmsWrapper::from_config(WrapperConfig { region: Some("us-west-2".into()), key_id: Some("alias/cfg".into()), endpoint: Some("https://kms.example".into()), ..Default::default() }, env).unwrap();
        assert_eq!((w.key_id(), w.client().config().region(), w.client().config().endpoint().url()), ("alias/cfg", "us-west-2", "https://kms.example/"));
        let w = KmsWrapper::from_config(WrapperConfig::default(), [("AWS_DEFAULT_REGION", "ap-south-1"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s"), ("AWSKMS_WRAPPER_KEY_ID", "k")]).unwrap();
        assert_eq!(w.client().config().endpoint().url(), "https://kms.ap-south-1.amazonaws.com/");
        let w = KmsWrapper::from_config(WrapperConfig::default(), [("AWS_REGION", "ca-west-1"), ("AWS_USE_FIPS_ENDPOINT", "true"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s"), ("AWSKMS_WRAPPER_KEY_ID", "k")]).unwrap();
        assert_eq!(w.client().config().endpoint().url(), "https://kms-fips.ca-west-1.amazonaws.com/");

        let err = |c: WrapperConfig, env: &[(&str, &str)]| KmsWrapper::from_config(c, env.iter().copied()).unwrap_err();
        assert_eq!(err(WrapperConfig::default(), &[]).field(), Some("region"));
        assert_eq!(err(WrapperConfig::default(), &[("AWS_REGION", "Not A Region")]).field(), Some("AWS_REGION"));
        assert_eq!(err(WrapperConfig { region: Some("BAD".into()), ..Default::default() }, &[]).field(), Some("region"));
        assert_eq!(err(WrapperConfig::default(), &[("AWS_REGION", "us-east-1")]).field(), Some("accessKey"));
        let e = err(WrapperConfig { access_key: Some("AK".into()), ..Default::default() }, &[("AWS_REGION", "us-east-1")]);
        assert_eq!(e.field(), Some("secretKey"));
        assert_eq!(err(WrapperConfig::default(), &[("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s")]).field(), Some("keyId"));
        let e = err(WrapperConfig { key_id: Some("k".into()), ..Default::default() }, &[("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "topsecret"), ("AWS_KMS_ENDPOINT", "http://kms.example.com")]);
        assert_eq!(e.field(), Some("AWS_KMS_ENDPOINT"));
        assert!(!e.to_string().contains("topsecret"));
        let dbg = format!("{:?}", WrapperConfig { secret_key: Some(SecretString::new("topsecret")), session_token: Some(SecretString::new("tokentoken")), ..Default::default() });
        assert!(!dbg.contains("topsecret") && !dbg.contains("tokentoken"));
    }
}
