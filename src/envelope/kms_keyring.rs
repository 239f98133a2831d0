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
//!
//! Each call goes to the region its key names: a key ARN's (or alias ARN's) region, else the
//! client's own ([`KmsClient::call_value_in`]), so one keyring can wrap a data key under keys of
//! several regions, and a discovery keyring can unwrap with a key of any region. A discovery
//! keyring that cannot reach a region other than its client's fails on that key as on a refusal:
//! the message named the region, so it is no outage to wait out.
//!
//! KMS is called with untyped JSON ([`KmsClient::call_value`]): the typed
//! request/response (de)serializers would add kilobytes to the wasm module
//! for the three fields read here.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use zeroize::Zeroizing;

use super::format::EncryptedDataKey;
use super::keyring::{is_verdict, DataKey, DecryptionMaterials, EncryptionMaterials, Keyring};
use crate::error::{Error, Result};
use crate::kms::wire::take_base64;
use crate::kms::{arn_region, kms_arn_parts, KmsClient};
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
        let (partition, region, account, resource) = kms_arn_parts(arn)?;
        let key_id = resource.strip_prefix("key/").filter(|id| !id.is_empty())?;
        Some(KeyArn { partition, region, account, key_id })
    }
}

/// Whether `id` has a form KMS takes for a key. Anything else (a blank, another service's ARN,
/// `key/…` without its ARN, a stray space) KMS would refuse only at the first call, and on
/// decrypt it would match no message; the official SDKs refuse it when the keyring is made.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn is_key_identifier(id: &str) -> bool {
    let (resource, arn) = match kms_arn_parts(id) {
        Some((.., resource)) => (resource, true),
        None => (id, id.starts_with("arn:")),
    };
    // An alias name may have slashes; a key id, bare or in `key/…` of an ARN, has none.
    let (name, slashes) = match (resource.strip_prefix("alias/"), resource.strip_prefix("key/")) {
        (Some(alias), _) => (alias, true),
        (None, Some(key)) if arn => (key, false),
        _ if !arn => (resource, false),
        _ => return false,
    };
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (slashes && b == b'/'))
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
    /// them; on decrypt it uses only these keys. `ValidationError` when no key
    /// is given or one is empty or blank.
    pub fn new(client: KmsClient, generator: Option<String>, key_ids: Vec<String>) -> Result<Self> {
        if generator.is_none() && key_ids.is_empty() {
            return Err(Error::validation("generatorKeyId", "a KMS keyring needs a generator or at least one key id (or use discovery)"));
        }
        const FORMS: &str = "must be a key id, key ARN, alias name or alias ARN";
        // In wasm the JS glue has checked these forms already (it must: a keyring is made before
        // wasm may have loaded), so the module need not carry a second copy of the check.
        let well_formed = |id: &str| cfg!(target_arch = "wasm32") || is_key_identifier(id);
        if generator.as_deref().is_some_and(|id| !well_formed(id)) {
            return Err(Error::validation("generatorKeyId", FORMS));
        }
        if !key_ids.iter().all(|id| well_formed(id)) {
            return Err(Error::validation("keyIds", FORMS));
        }
        Ok(KmsKeyring { client, mode: Mode::Strict { generator, key_ids }, grant_tokens: Vec::new() })
    }

    /// A discovery keyring: decrypts with any KMS key the EDK names that the
    /// filter allows (all keys when `None`). It cannot encrypt. A filter must name a partition
    /// and at least one account: one that names none would match no key.
    pub fn discovery(client: KmsClient, filter: Option<DiscoveryFilter>) -> Result<Self> {
        if let Some(f) = &filter {
            if f.partition.trim().is_empty() || f.account_ids.is_empty() || f.account_ids.iter().any(|a| a.trim().is_empty()) {
                return Err(Error::validation("discoveryFilter", "must name a partition and at least one account id"));
            }
        }
        Ok(KmsKeyring { client, mode: Mode::Discovery(filter), grant_tokens: Vec::new() })
    }

    /// Grant tokens sent with every KMS call.
    pub fn with_grant_tokens(mut self, tokens: Vec<String>) -> Self {
        self.grant_tokens = tokens;
        self
    }

    /// Adds the fields every request carries: the encryption context (left
    /// out when empty, like the Python SDK) and the grant tokens.
    fn common_fields(&self, request: &mut Value, ctx: &super::context::EncryptionContext) {
        if !ctx.is_empty() {
            // Inserts, not `collect()`: a map's collect sorts, code the wasm module need not carry.
            let mut map = serde_json::Map::new();
            for (k, v) in ctx {
                map.insert(k.clone(), Value::from(v.as_str()));
            }
            request["EncryptionContext"] = map.into();
        }
        if !self.grant_tokens.is_empty() {
            request["GrantTokens"] = self.grant_tokens.iter().map(|t| Value::from(t.as_str())).collect();
        }
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

/// Takes the base64 field `name` out of a KMS answer and decodes it (`None`
/// when absent or not base64).
fn take_bytes(answer: &mut Value, name: &str) -> Option<Zeroizing<Vec<u8>>> {
    take_base64(answer, name)?.ok()
}

/// The answer's `KeyId` if it is a key ARN.
fn answered_arn(answer: &Value) -> Option<String> {
    answer["KeyId"].as_str().filter(|k| KeyArn::parse(k).is_some()).map(str::to_owned)
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
                    let mut request = object!{ "KeyId" => g, "NumberOfBytes" => key_len };
                    self.common_fields(&mut request, &m.encryption_context);
                    let mut out = self.client.call_value_in(arn_region(g), "GenerateDataKey", request).await?;
                    let plaintext = take_bytes(&mut out, "Plaintext").ok_or_else(|| bad_response("GenerateDataKey", "no plaintext"))?;
                    if plaintext.len() != key_len {
                        return Err(bad_response("GenerateDataKey", "a data key of the wrong length"));
                    }
                    let arn = answered_arn(&out).ok_or_else(|| bad_response("GenerateDataKey", "no key ARN"))?;
                    let blob = take_bytes(&mut out, "CiphertextBlob").ok_or_else(|| bad_response("GenerateDataKey", "no ciphertext"))?;
                    m.encrypted_data_keys.push(EncryptedDataKey { provider_id: PROVIDER_ID.into(), provider_info: arn.into_bytes(), ciphertext: blob.to_vec() });
                    m.data_key = Some(DataKey::new(plaintext.to_vec()));
                }
                (None, None) => return Err(Error::envelope("KeyringError", "no data key to wrap and this KMS keyring has no generator")),
                (Some(_), Some(g)) => wrap_with.push(g),
                (Some(_), None) => {}
            }
            wrap_with.extend(key_ids.iter());
            let data_key = m.data_key.clone().expect("set above");
            for key_id in wrap_with {
                let mut request = object!{ "KeyId" => key_id, "Plaintext" => STANDARD.encode(data_key.expose()) };
                self.common_fields(&mut request, &m.encryption_context);
                let mut out = self.client.call_value_in(arn_region(key_id), "Encrypt", request).await?;
                let arn = answered_arn(&out).ok_or_else(|| bad_response("Encrypt", "no key ARN"))?;
                let blob = take_bytes(&mut out, "CiphertextBlob").ok_or_else(|| bad_response("Encrypt", "no ciphertext"))?;
                m.encrypted_data_keys.push(EncryptedDataKey { provider_id: PROVIDER_ID.into(), provider_info: arn.into_bytes(), ciphertext: blob.to_vec() });
            }
            Ok(m)
        })
    }

    fn on_decrypt<'a>(&'a self, mut m: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>> {
        Box::pin(async move {
            if m.data_key.is_some() {
                return Ok(m);
            }
            let arn_of = |edk: &'a EncryptedDataKey| std::str::from_utf8(&edk.provider_info).ok().filter(|a| KeyArn::parse(a).is_some());
            let ours = |edk: &&EncryptedDataKey| edk.provider_id == PROVIDER_ID;
            // Checked before any call, as the spec's OnDecrypt filters first: an aws-kms key not
            // named by a key ARN makes the message bad wherever it sits.
            if edks.iter().filter(ours).any(|edk| arn_of(edk).is_none()) {
                return Err(Error::envelope("MalformedMessageError", "an aws-kms provider info is not a key ARN"));
            }
            let mut failures: Vec<String> = Vec::new();
            let mut outage = None;
            for edk in edks.iter().filter(ours) {
                let Some(arn) = arn_of(edk).filter(|arn| self.allows(arn)) else { continue };
                // A discovery keyring calls whatever region a message names: not reaching one
                // other than the client's own says nothing of an outage the caller could wait out
                // (the message's writer chose it), so it counts against the message.
                let region = arn_region(arn);
                let chosen_by_message = matches!(self.mode, Mode::Discovery(_)) && region != Some(self.client.config().region());
                let mut request = object!{ "CiphertextBlob" => STANDARD.encode(&edk.ciphertext), "KeyId" => arn };
                self.common_fields(&mut request, &m.encryption_context);
                match self.client.call_value_in(region, "Decrypt", request).await {
                    Ok(mut out) => {
                        // Taken out first: the base64 text is wiped as it is taken, whatever else is wrong.
                        let plaintext = take_bytes(&mut out, "Plaintext");
                        if out["KeyId"].as_str() != Some(arn) {
                            failures.push(format!("{arn}: KMS answered for another key"));
                            continue;
                        }
                        match plaintext {
                            Some(p) if p.len() == m.suite.key_len() => {
                                m.data_key = Some(DataKey::new(p.to_vec()));
                                return Ok(m);
                            }
                            _ => failures.push(format!("{arn}: KMS answered with a data key of the wrong length")),
                        }
                    }
                    Err(e) if !is_verdict(&e) && !chosen_by_message => outage = Some(e),
                    Err(e) => failures.push(format!("{arn}: {}: {}", e.name(), e.message())),
                }
            }
            Err(if let Some(e) = outage {
                e
            } else if failures.is_empty() {
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
    fn key_identifiers_of_the_forms_kms_takes() {
        for good in ["1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab", "alias/app", "alias/app/prod_1", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws-cn:kms:cn-north-1:111122223333:alias/app/x"] {
            assert!(is_key_identifier(good), "{good}");
        }
        for bad in ["", " ", " alias/app", "alias/app ", "alias/", "key/k1", "arn:aws:kms:us-east-1:111122223333:key/", "arn:aws:kms:us-east-1:111122223333:key/k1:extra", "arn:aws:s3:us-east-1:111122223333:key/k1", "arn:aws:kms::111122223333:key/k1", "arn:aws:kms:us-east-1:111122223333:k1", "arn:k1", "app:k1"] {
            assert!(!is_key_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn arns() {
        assert!(KeyArn::parse("arn:aws:kms:us-east-1:111122223333:key/abc:extra").is_none(), "a sixth colon");
        let a = KeyArn::parse("arn:aws:kms:us-east-1:111122223333:key/abc").unwrap();
        assert_eq!((a.partition, a.account, a.key_id), ("aws", "111122223333", "abc"));
        assert!(KeyArn::parse("arn:aws:kms:us-east-1:111122223333:alias/abc").is_none());
        assert!(KeyArn::parse("abc").is_none());
        assert!(KeyArn::parse("arn:aws:s3:us-east-1:111122223333:key/abc").is_none());
    }

    #[test]
    fn the_region_of_a_key_or_alias_arn() {
        assert_eq!(arn_region("arn:aws:kms:eu-west-1:111122223333:key/abc"), Some("eu-west-1"));
        assert_eq!(arn_region("arn:aws-cn:kms:cn-north-1:111122223333:alias/app"), Some("cn-north-1"));
        for none in ["alias/app", "1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:s3:us-east-1:1:key/abc", "arn:aws:kms::1:key/abc"] {
            assert_eq!(arn_region(none), None, "{none}");
        }
    }
}
