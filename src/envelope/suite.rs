//! Algorithm suites (`framework/algorithm-suites.md`) and the commitment policy.
//!
//! We encrypt only with the committing v2 suites 0x0478 and 0x0578. The
//! legacy v1 suites are known here so a caller who relaxes the commitment
//! policy can decrypt old messages, 0x0214 (ECDSA P-256) among them.

use crate::error::{Error, Result};

/// Key derivation of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// The data key is the content key (legacy suites 0x0014, 0x0046, 0x0078).
    Identity,
    /// HKDF-SHA256 without salt, info = suite id ‖ message id (legacy).
    HkdfSha256,
    /// HKDF-SHA384 without salt, info = suite id ‖ message id (legacy).
    HkdfSha384,
    /// HKDF-SHA512, salt = message id, with key commitment (v2 suites).
    HkdfSha512Commit,
}

/// An AWS Encryption SDK algorithm suite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlgorithmSuite {
    /// 0x0014: AES-128-GCM, no KDF (legacy, decrypt only).
    Aes128GcmIv12Tag16NoKdf,
    /// 0x0046: AES-192-GCM, no KDF (legacy, decrypt only).
    Aes192GcmIv12Tag16NoKdf,
    /// 0x0078: AES-256-GCM, no KDF (legacy, decrypt only).
    Aes256GcmIv12Tag16NoKdf,
    /// 0x0114: AES-128-GCM, HKDF-SHA256 (legacy, decrypt only).
    Aes128GcmIv12Tag16HkdfSha256,
    /// 0x0146: AES-192-GCM, HKDF-SHA256 (legacy, decrypt only).
    Aes192GcmIv12Tag16HkdfSha256,
    /// 0x0178: AES-256-GCM, HKDF-SHA256 (legacy, decrypt only).
    Aes256GcmIv12Tag16HkdfSha256,
    /// 0x0214: AES-128-GCM, HKDF-SHA256, ECDSA P-256 (legacy, decrypt only).
    Aes128GcmIv12Tag16HkdfSha256EcdsaP256,
    /// 0x0346: AES-192-GCM, HKDF-SHA384, ECDSA P-384 (legacy, decrypt only).
    Aes192GcmIv12Tag16HkdfSha384EcdsaP384,
    /// 0x0378: AES-256-GCM, HKDF-SHA384, ECDSA P-384 (legacy, decrypt only).
    Aes256GcmIv12Tag16HkdfSha384EcdsaP384,
    /// 0x0478: AES-256-GCM, HKDF-SHA512, key commitment.
    Aes256GcmHkdfSha512CommitKey,
    /// 0x0578: AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384 signature (the default).
    #[default]
    Aes256GcmHkdfSha512CommitKeyEcdsaP384,
}

impl AlgorithmSuite {
    /// The suite with this two-byte id; `UnsupportedSuiteError` for unknown ids.
    pub fn from_id(id: u16) -> Result<Self> {
        use AlgorithmSuite::*;
        Ok(match id {
            0x0014 => Aes128GcmIv12Tag16NoKdf,
            0x0046 => Aes192GcmIv12Tag16NoKdf,
            0x0078 => Aes256GcmIv12Tag16NoKdf,
            0x0114 => Aes128GcmIv12Tag16HkdfSha256,
            0x0146 => Aes192GcmIv12Tag16HkdfSha256,
            0x0178 => Aes256GcmIv12Tag16HkdfSha256,
            0x0214 => Aes128GcmIv12Tag16HkdfSha256EcdsaP256,
            0x0346 => Aes192GcmIv12Tag16HkdfSha384EcdsaP384,
            0x0378 => Aes256GcmIv12Tag16HkdfSha384EcdsaP384,
            0x0478 => Aes256GcmHkdfSha512CommitKey,
            0x0578 => Aes256GcmHkdfSha512CommitKeyEcdsaP384,
            other => return Err(Error::envelope("UnsupportedSuiteError", format!("unknown algorithm suite 0x{other:04x}"))),
        })
    }

    /// The two-byte suite id written in the header.
    pub fn id(self) -> u16 {
        use AlgorithmSuite::*;
        match self {
            Aes128GcmIv12Tag16NoKdf => 0x0014,
            Aes192GcmIv12Tag16NoKdf => 0x0046,
            Aes256GcmIv12Tag16NoKdf => 0x0078,
            Aes128GcmIv12Tag16HkdfSha256 => 0x0114,
            Aes192GcmIv12Tag16HkdfSha256 => 0x0146,
            Aes256GcmIv12Tag16HkdfSha256 => 0x0178,
            Aes128GcmIv12Tag16HkdfSha256EcdsaP256 => 0x0214,
            Aes192GcmIv12Tag16HkdfSha384EcdsaP384 => 0x0346,
            Aes256GcmIv12Tag16HkdfSha384EcdsaP384 => 0x0378,
            Aes256GcmHkdfSha512CommitKey => 0x0478,
            Aes256GcmHkdfSha512CommitKeyEcdsaP384 => 0x0578,
        }
    }

    /// Message format version the suite belongs to (1 or 2).
    pub fn message_version(self) -> u8 {
        if self.is_committing() {
            2
        } else {
            1
        }
    }

    /// Whether the suite commits to its data key (the v2 suites).
    pub fn is_committing(self) -> bool {
        matches!(self.kdf(), Kdf::HkdfSha512Commit)
    }

    /// How messages of this suite are signed in their footer, if they are.
    pub fn signature(self) -> Option<SignatureAlgorithm> {
        use AlgorithmSuite::*;
        match self {
            Aes128GcmIv12Tag16HkdfSha256EcdsaP256 => Some(SignatureAlgorithm::EcdsaP256Sha256),
            Aes192GcmIv12Tag16HkdfSha384EcdsaP384 | Aes256GcmIv12Tag16HkdfSha384EcdsaP384 | Aes256GcmHkdfSha512CommitKeyEcdsaP384 => Some(SignatureAlgorithm::EcdsaP384Sha384),
            _ => None,
        }
    }

    /// Whether messages of this suite end with a signature footer.
    pub fn is_signing(self) -> bool {
        self.signature().is_some()
    }

    /// Whether the footer signs a SHA-384 digest: the one hash a caller may compute outside
    /// the decryptor (JS: a hash worker, `node:crypto`, WebCrypto's ECDSA).
    pub fn signs_over_sha384(self) -> bool {
        self.signature() == Some(SignatureAlgorithm::EcdsaP384Sha384)
    }

    /// Key derivation function.
    pub fn kdf(self) -> Kdf {
        use AlgorithmSuite::*;
        match self {
            Aes128GcmIv12Tag16NoKdf | Aes192GcmIv12Tag16NoKdf | Aes256GcmIv12Tag16NoKdf => Kdf::Identity,
            Aes128GcmIv12Tag16HkdfSha256 | Aes192GcmIv12Tag16HkdfSha256 | Aes256GcmIv12Tag16HkdfSha256 | Aes128GcmIv12Tag16HkdfSha256EcdsaP256 => Kdf::HkdfSha256,
            Aes192GcmIv12Tag16HkdfSha384EcdsaP384 | Aes256GcmIv12Tag16HkdfSha384EcdsaP384 => Kdf::HkdfSha384,
            Aes256GcmHkdfSha512CommitKey | Aes256GcmHkdfSha512CommitKeyEcdsaP384 => Kdf::HkdfSha512Commit,
        }
    }

    /// Length of the AES content key, which is also the data key length.
    pub fn key_len(self) -> usize {
        use AlgorithmSuite::*;
        match self {
            Aes128GcmIv12Tag16NoKdf | Aes128GcmIv12Tag16HkdfSha256 | Aes128GcmIv12Tag16HkdfSha256EcdsaP256 => 16,
            Aes192GcmIv12Tag16NoKdf | Aes192GcmIv12Tag16HkdfSha256 | Aes192GcmIv12Tag16HkdfSha384EcdsaP384 => 24,
            _ => 32,
        }
    }

    /// Length of the message id: 16 bytes in v1, 32 in v2.
    pub fn message_id_len(self) -> usize {
        if self.message_version() == 2 {
            32
        } else {
            16
        }
    }
}

/// The footer signature of a signing suite: ECDSA over the hash of everything before the footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ECDSA P-256 over SHA-256 (legacy suite 0x0214).
    EcdsaP256Sha256,
    /// ECDSA P-384 over SHA-384 (0x0346, 0x0378, 0x0578).
    EcdsaP384Sha384,
}

impl SignatureAlgorithm {
    /// Length of the digest that is signed.
    pub fn digest_len(self) -> usize {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => 32,
            SignatureAlgorithm::EcdsaP384Sha384 => 48,
        }
    }
}

/// Which suites may be used to encrypt and decrypt (`client-apis/client.md#commitment-policy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CommitmentPolicy {
    /// Encrypt and decrypt only committing suites (the default).
    #[default]
    RequireEncryptRequireDecrypt,
    /// Encrypt with committing suites; also decrypt legacy non-committing messages.
    RequireEncryptAllowDecrypt,
    /// Official SDKs' migration policy: encrypt without commitment, decrypt anything.
    /// This crate never encrypts with a legacy suite, so `encrypt` refuses this policy.
    ForbidEncryptAllowDecrypt,
}

impl CommitmentPolicy {
    /// `CommitmentPolicyError` unless `suite` may encrypt under this policy.
    pub fn check_encrypt(self, suite: AlgorithmSuite) -> Result<()> {
        if self == CommitmentPolicy::ForbidEncryptAllowDecrypt {
            return Err(Error::envelope("CommitmentPolicyError", "encrypting with a non-committing suite is not supported; use a require-encrypt policy"));
        }
        if !suite.is_committing() {
            return Err(Error::envelope("CommitmentPolicyError", format!("suite 0x{:04x} does not commit to its key and cannot encrypt under this policy", suite.id())));
        }
        Ok(())
    }

    /// `CommitmentPolicyError` unless a message of `suite` may be decrypted under this policy.
    pub fn check_decrypt(self, suite: AlgorithmSuite) -> Result<()> {
        if self == CommitmentPolicy::RequireEncryptRequireDecrypt && !suite.is_committing() {
            return Err(Error::envelope(
                "CommitmentPolicyError",
                format!("message uses non-committing suite 0x{:04x}; the commitment policy requires a committing suite", suite.id()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in [0x0014u16, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378, 0x0478, 0x0578] {
            assert_eq!(AlgorithmSuite::from_id(id).unwrap().id(), id);
        }
        let p256 = AlgorithmSuite::from_id(0x0214).unwrap();
        assert_eq!((p256.key_len(), p256.kdf(), p256.signature()), (16, Kdf::HkdfSha256, Some(SignatureAlgorithm::EcdsaP256Sha256)));
        assert_eq!(AlgorithmSuite::from_id(0x0378).unwrap().signature(), Some(SignatureAlgorithm::EcdsaP384Sha384));
        assert_eq!(AlgorithmSuite::from_id(0x0178).unwrap().signature(), None);
        assert_eq!(AlgorithmSuite::from_id(0x1234).unwrap_err().name(), "UnsupportedSuiteError");
        assert_eq!(AlgorithmSuite::default().id(), 0x0578);
    }

    #[test]
    fn policy() {
        let legacy = AlgorithmSuite::from_id(0x0178).unwrap();
        assert!(CommitmentPolicy::default().check_decrypt(legacy).is_err());
        assert!(CommitmentPolicy::RequireEncryptAllowDecrypt.check_decrypt(legacy).is_ok());
        assert!(CommitmentPolicy::RequireEncryptAllowDecrypt.check_encrypt(legacy).is_err());
        assert!(CommitmentPolicy::default().check_encrypt(AlgorithmSuite::default()).is_ok());
    }
}
