//! AWS KMS keyring (`framework/aws-kms/aws-kms-keyring.md` and the discovery keyring).
//!
//! Encrypt: the generator key makes the data key with GenerateDataKey and
//! each additional key wraps the same data key with Encrypt. Every EDK has
//! provider id `aws-kms`, provider info = the key ARN KMS answered with, and
//! the KMS `CiphertextBlob` as ciphertext. The full encryption context
//! (including `aws-crypto-public-key`) goes to KMS.
//!
//! Decrypt: only EDKs with provider id `aws-kms` whose provider info is a KMS
//! key ARN the keyring may use are tried, in order, with Decrypt naming that
//! ARN as `KeyId`; the first success wins. A strict keyring may use exactly
//! its configured identifiers (so configure key ARNs to decrypt: an alias
//! or bare key id never equals an EDK's ARN); a discovery keyring may use
//! any key, optionally limited to one partition and a set of accounts.

use std::fmt;

use super::format::EncryptedDataKey;
use super::keyring::{DataKey, DecryptionMaterials, EncryptionMaterials, Keyring};
use crate::error::{Error, Result};
use crate::kms::{Blob, DecryptRequest, EncryptRequest, GenerateDataKeyRequest, KmsClient, SecretBytes};
use crate::platform::BoxFuture;

/// Provider id of every KMS EDK.
pub const PROVIDER_ID: &str = "aws-kms";

/// Limits a discovery keyring to keys of one partition and a set of accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveryFilter {
    /// Partition, e.g. `aws`.
    pub partition: String,
    /// Allowed account ids.
    pub account_ids: Vec<String>,
}

/// The parts of a KMS key ARN `arn:<partition>:kms:<region>:<account>:key/<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyArn<'a> {
    /// Partition.
    pub partition: &'a str,
    /// Region.
    pub region: &'a str,
    /// Account id.
    pub account: &'a str,
    /// Key id.
    pub key_id: &'a str,
}

impl<'a> KeyArn<'a> {
    /// Parses a KMS key ARN; `None` for anything else (aliases included).
    pub fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (prefix, partition, service, region, account, resource) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let key_id = resource.strip_prefix("key/")?;
        if prefix != "arn" || service != "kms" || [partition, region, account, key_id].iter().any(|s| s.is_empty()) {
            return None;
        }
        Some(KeyArn { partition, region, account, key_id })
    }
}

enum Mode {
    Strict { generator: Option<String>, key_ids: Vec<String> },
    Discovery(Option<DiscoveryFilter>),
}

/// A keyring backed by AWS KMS keys.
pub struct KmsKeyring {
    client: KmsClient,
    mode: Mode,
    grant_tokens: Vec<String>,
}

impl fmt::Debug for KmsKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("KmsKeyring");
        match &self.mode {
            Mode::Strict { generator, key_ids } => d.field("generator", generator).field("key_ids", key_ids),
            Mode::Discovery(filter) => d.field("discovery", &true).field("filter", filter),
        }
        .finish()
    }
}

impl KmsKeyring {
    /// A strict keyring: `generator` makes data keys, `key_ids` also wrap
    /// them; on decrypt it uses only these keys. `ValidationError` when no key is given.
    pub fn new(client: KmsClient, generator: Option<String>, key_ids: Vec<String>) -> Result<Self> {
        if generator.is_none() && key_ids.is_empty() {
            return Err(Error::validation("generatorKeyId", "a KMS keyring needs a generator or at least one key id (or use discovery)"));
        }
        Ok(KmsKeyring { client, mode: Mode::Strict { generator, key_ids }, grant_tokens: Vec::new() })
    }

    /// A discovery keyring: decrypts with any KMS key the EDK names that the
    /// filter allows (all keys when `None`). It cannot encrypt.
    pub fn discovery(client: KmsClient, filter: Option<DiscoveryFilter>) -> Self {
        KmsKeyring { client, mode: Mode::Discovery(filter), grant_tokens: Vec::new() }
    }

    /// Grant tokens sent with every KMS call.
    pub fn with_grant_tokens(mut self, tokens: Vec<String>) -> Self {
        self.grant_tokens = tokens;
        self
    }

    fn grant_tokens(&self) -> Option<Vec<String>> {
        (!self.grant_tokens.is_empty()).then(|| self.grant_tokens.clone())
    }

    /// Whether this keyring may try the key `arn`.
    fn allows(&self, arn: &str) -> bool {
        let Some(parsed) = KeyArn::parse(arn) else { return false };
        match &self.mode {
            Mode::Strict { generator, key_ids } => generator.as_deref() == Some(arn) || key_ids.iter().any(|k| k == arn),
            Mode::Discovery(None) => true,
            Mode::Discovery(Some(f)) => parsed.partition == f.partition && f.account_ids.iter().any(|a| a == parsed.account),
        }
    }
}

fn bad_response(op: &str, what: &str) -> Error {
    Error::envelope("KeyringError", format!("KMS {op} answered with {what}"))
}

fn context_for_kms(ctx: &super::context::EncryptionContext) -> Option<std::collections::BTreeMap<String, String>> {
    // Like the Python SDK, leave the field out when the context is empty.
    (!ctx.is_empty()).then(|| ctx.clone())
}

impl Keyring for KmsKeyring {
    fn on_encrypt<'a>(&'a self, mut m: EncryptionMaterials) -> BoxFuture<'a, Result<EncryptionMaterials>> {
        Box::pin(async move {
            let Mode::Strict { generator, key_ids } = &self.mode else {
                return Err(Error::envelope("KeyringError", "a discovery KMS keyring cannot encrypt"));
            };
            let key_len = m.suite.key_len();
            let mut wrap_with: Vec<&String> = Vec::new();
            match (&m.data_key, generator) {
                (None, Some(g)) => {
                    let out = self
                        .client
                        .generate_data_key(GenerateDataKeyRequest {
                            key_id: g.clone(),
                            number_of_bytes: Some(key_len as i32),
                            encryption_context: context_for_kms(&m.encryption_context),
                            grant_tokens: self.grant_tokens(),
                            ..Default::default()
                        })
                        .await?;
                    let plaintext = out.plaintext.ok_or_else(|| bad_response("GenerateDataKey", "no plaintext"))?;
                    if plaintext.len() != key_len {
                        return Err(bad_response("GenerateDataKey", "a data key of the wrong length"));
                    }
                    let arn = out.key_id.filter(|k| KeyArn::parse(k).is_some()).ok_or_else(|| bad_response("GenerateDataKey", "no key ARN"))?;
                    let blob = out.ciphertext_blob.ok_or_else(|| bad_response("GenerateDataKey", "no ciphertext"))?;
                    m.encrypted_data_keys.push(EncryptedDataKey { provider_id: PROVIDER_ID.into(), provider_info: arn.into_bytes(), ciphertext: blob.0 });
                    m.data_key = Some(DataKey::new(plaintext.expose().to_vec()));
                }
                (None, None) => return Err(Error::envelope("KeyringError", "no data key to wrap and this KMS keyring has no generator")),
                (Some(_), Some(g)) => wrap_with.push(g),
                (Some(_), None) => {}
            }
            wrap_with.extend(key_ids.iter());
            let data_key = m.data_key.clone().expect("set above");
            for key_id in wrap_with {
                let out = self
                    .client
                    .encrypt(EncryptRequest {
                        key_id: key_id.clone(),
                        plaintext: SecretBytes::from(data_key.expose()),
                        encryption_context: context_for_kms(&m.encryption_context),
                        grant_tokens: self.grant_tokens(),
                        ..Default::default()
                    })
                    .await?;
                let arn = out.key_id.filter(|k| KeyArn::parse(k).is_some()).ok_or_else(|| bad_response("Encrypt", "no key ARN"))?;
                let blob = out.ciphertext_blob.ok_or_else(|| bad_response("Encrypt", "no ciphertext"))?;
                m.encrypted_data_keys.push(EncryptedDataKey { provider_id: PROVIDER_ID.into(), provider_info: arn.into_bytes(), ciphertext: blob.0 });
            }
            Ok(m)
        })
    }

    fn on_decrypt<'a>(&'a self, mut m: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>> {
        Box::pin(async move {
            if m.data_key.is_some() {
                return Ok(m);
            }
            let mut failures: Vec<String> = Vec::new();
            for edk in edks {
                if edk.provider_id != PROVIDER_ID {
                    continue;
                }
                let Ok(arn) = std::str::from_utf8(&edk.provider_info) else { continue };
                if !self.allows(arn) {
                    continue;
                }
                let result = self
                    .client
                    .decrypt(DecryptRequest {
                        ciphertext_blob: Some(Blob(edk.ciphertext.clone())),
                        encryption_context: context_for_kms(&m.encryption_context),
                        grant_tokens: self.grant_tokens(),
                        key_id: Some(arn.to_owned()),
                        ..Default::default()
                    })
                    .await;
                match result {
                    Ok(out) => {
                        if out.key_id.as_deref() != Some(arn) {
                            failures.push(format!("{arn}: KMS answered for another key"));
                            continue;
                        }
                        match out.plaintext {
                            Some(p) if p.len() == m.suite.key_len() => {
                                m.data_key = Some(DataKey::new(p.expose().to_vec()));
                                return Ok(m);
                            }
                            _ => failures.push(format!("{arn}: KMS answered with a data key of the wrong length")),
                        }
                    }
                    Err(e) => failures.push(format!("{arn}: {}: {}", e.name(), e.message())),
                }
            }
            Err(if failures.is_empty() {
                Error::envelope("NoUsableKeyError", format!("none of the {} encrypted data keys is for a KMS key this keyring may use", edks.len()))
            } else {
                Error::envelope("NoUsableKeyError", format!("no encrypted data key could be decrypted with KMS: {}", failures.join("; ")))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let a = KeyArn::parse("arn:aws:kms:us-east-1:111122223333:key/abc").unwrap();
        assert_eq!((a.partition, a.account, a.key_id), ("aws", "111122223333", "abc"));
        assert!(KeyArn::parse("arn:aws:kms:us-east-1:111122223333:alias/abc").is_none());
        assert!(KeyArn::parse("abc").is_none());
        assert!(KeyArn::parse("arn:aws:s3:us-east-1:111122223333:key/abc").is_none());
    }
}
