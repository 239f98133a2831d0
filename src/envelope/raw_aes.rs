//! Raw AES keyring (`framework/raw-aes-keyring.md`): wraps the data key
//! locally with a caller-supplied AES-128/192/256 key, in the official EDK
//! layout so messages interoperate with the other SDKs' raw AES keyrings:
//!
//! ```text
//! provider id   = key namespace
//! provider info = key name || u32 tag length in bits (128) || u32 IV length (12) || IV
//! ciphertext    = AES-GCM(wrappingKey, IV, AAD = serialized context, dataKey) || tag
//! ```

use std::fmt;

use zeroize::Zeroizing;

use super::context;
use super::crypto::{gcm_open, gcm_seal, IV_LEN, TAG_LEN};
use super::format::EncryptedDataKey;
use super::keyring::{DataKey, DecryptionMaterials, EncryptionMaterials, Keyring};
use crate::error::{Error, Result};
use crate::platform::{self, BoxFuture};

/// A keyring holding one local AES wrapping key.
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for RawAesKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAesKeyring").field("namespace", &self.namespace).field("name", &self.name).field("key", &format_args!("** {} bits redacted **", self.key.len() * 8)).finish()
    }
}

impl RawAesKeyring {
    /// A keyring for `wrapping_key` (16, 24 or 32 bytes) identified by
    /// `namespace` and `name`. `ValidationError` for other key sizes or the
    /// reserved namespace `aws-kms`.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>, wrapping_key: &[u8]) -> Result<Self> {
        let namespace = namespace.into();
        if ![16, 24, 32].contains(&wrapping_key.len()) {
            return Err(Error::validation("wrappingKey", format!("must be 128, 192 or 256 bits, not {}", wrapping_key.len() * 8)));
        }
        if namespace.starts_with("aws-kms") {
            return Err(Error::validation("keyNamespace", "the namespace aws-kms is reserved for KMS keyrings"));
        }
        Ok(RawAesKeyring { namespace, name: name.into(), key: Zeroizing::new(wrapping_key.to_vec()) })
    }

    fn wrap(&self, m: &EncryptionMaterials, data_key: &DataKey) -> Result<EncryptedDataKey> {
        let aad = context::serialize(&m.encryption_context)?;
        let mut iv = [0u8; IV_LEN];
        platform::fill_random(&mut iv)?;
        let mut ciphertext = data_key.expose().to_vec();
        let tag = gcm_seal(&self.key, &iv, &aad, &mut ciphertext)?;
        ciphertext.extend_from_slice(&tag);
        let mut info = self.name.as_bytes().to_vec();
        info.extend_from_slice(&((TAG_LEN * 8) as u32).to_be_bytes());
        info.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
        info.extend_from_slice(&iv);
        Ok(EncryptedDataKey { provider_id: self.namespace.clone(), provider_info: info, ciphertext })
    }

    /// The IV if `edk` is ours and well-formed (namespace, name, tag and IV lengths).
    fn our_iv(&self, edk: &EncryptedDataKey) -> Option<[u8; IV_LEN]> {
        if edk.provider_id != self.namespace {
            return None;
        }
        let rest = edk.provider_info.strip_prefix(self.name.as_bytes())?;
        if rest.len() != 8 + IV_LEN || rest[..4] != ((TAG_LEN * 8) as u32).to_be_bytes() || rest[4..8] != (IV_LEN as u32).to_be_bytes() {
            return None;
        }
        rest[8..].try_into().ok()
    }
}

impl Keyring for RawAesKeyring {
    fn on_encrypt<'a>(&'a self, mut m: EncryptionMaterials) -> BoxFuture<'a, Result<EncryptionMaterials>> {
        Box::pin(async move {
            let data_key = match &m.data_key {
                Some(k) => k.clone(),
                None => {
                    let mut k = Zeroizing::new(vec![0u8; m.suite.key_len()]);
                    platform::fill_random(&mut k)?;
                    DataKey::new(k.to_vec())
                }
            };
            let edk = self.wrap(&m, &data_key)?;
            m.encrypted_data_keys.push(edk);
            m.data_key = Some(data_key);
            Ok(m)
        })
    }

    fn on_decrypt<'a>(&'a self, mut m: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>> {
        Box::pin(async move {
            if m.data_key.is_some() {
                return Ok(m);
            }
            let aad = context::serialize(&m.encryption_context)?;
            let mut tried = 0;
            for edk in edks {
                let Some(iv) = self.our_iv(edk) else { continue };
                tried += 1;
                if edk.ciphertext.len() != m.suite.key_len() + TAG_LEN {
                    continue;
                }
                let (ct, tag) = edk.ciphertext.split_at(m.suite.key_len());
                let mut key = Zeroizing::new(ct.to_vec());
                if gcm_open(&self.key, &iv, &aad, &mut key, tag.try_into().unwrap()).is_ok() {
                    m.data_key = Some(DataKey::new(key.to_vec()));
                    return Ok(m);
                }
            }
            Err(Error::envelope(
                "NoUsableKeyError",
                format!("raw AES keyring {}/{}: {} of {} encrypted data keys matched it and none unwrapped", self.namespace, self.name, tried, edks.len()),
            ))
        })
    }
}
