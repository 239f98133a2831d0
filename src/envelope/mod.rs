//! Envelope encryption in the AWS Encryption SDK message format, version 2.
//!
//! Messages are encrypted under a fresh data key from a [`Keyring`] (AWS
//! KMS, a raw AES key, or several of them) with the committing suites 0x0478
//! or 0x0578 (the default, adding an ECDSA P-384 signature), framed with a
//! configurable frame length (65536 by default). They decrypt with the
//! official SDKs and `aws-encryption-cli`, and theirs decrypt here.
//!
//! Layers, each in its own module: [`format`](mod@format) (bytes only), [`context`]
//! (encryption context rules), [`crypto`] (derivation, frame AES-GCM,
//! signatures), [`keyring`] and the keyrings, [`stream`] (chunked
//! encryptor/decryptor); the one-shot [`encrypt`] and [`decrypt`] are thin
//! wrappers over the stream types.
//!
//! # Error names
//! Failures are [`Error`](crate::Error)s of kind `Envelope` with one of these names:
//! - `MalformedMessageError`: the bytes are not a well-formed message (truncated,
//!   trailing bytes, bad lengths, frame length 0, frames out of order).
//! - `AuthenticationError`: a frame tag, the header tag or the key commitment does not verify.
//! - `SignatureError`: the footer signature of a signing suite does not verify.
//! - `CommitmentPolicyError`: the suite is not allowed by the commitment policy.
//! - `UnsupportedSuiteError`: unknown (or unimplemented) algorithm suite id.
//! - `EncryptionContextError`: reserved `aws-crypto-` key on encrypt, an expected
//!   pair missing or different on decrypt, or a context too large to serialize.
//! - `TooManyEncryptedDataKeysError`: more EDKs than `max_encrypted_data_keys`.
//! - `LimitExceededError`: a frame length or non-framed body above `max_frame_length`.
//! - `NoUsableKeyError`: no EDK the keyring may use, or every unwrap attempt
//!   failed (the message lists the KMS error names, never key material). An
//!   attempt that failed for a reason that is no verdict on the message or the
//!   key (the network, a timeout, throttling, a server fault, credentials) is
//!   reported as itself instead (`keyring::is_verdict`).
//! - `KeyringError`: a keyring is misused (discovery keyring on encrypt) or
//!   KMS answered with something unusable.
//!
//! Invalid options are `ValidationError`s; KMS failures while encrypting
//! keep their KMS exception names (e.g. `DisabledException`).

pub mod context;
pub mod crypto;
pub mod format;
pub mod keyring;
pub mod kms_keyring;
pub mod multi;
pub mod raw_aes;
pub mod stream;
pub mod suite;

use zeroize::Zeroizing;

pub use context::EncryptionContext;
pub use crypto::{AesGcmCipher, ContentKey, FrameCipher};
pub use format::{ContentType, EncryptedDataKey, MessageHeader};
pub use keyring::{DataKey, DecryptionMaterials, EncryptionMaterials, Keyring};
pub use kms_keyring::{DiscoveryFilter, KmsKeyring};
pub use multi::MultiKeyring;
pub use raw_aes::RawAesKeyring;
pub use stream::{Decryptor, Encryptor};
pub use suite::{AlgorithmSuite, CommitmentPolicy, SignatureAlgorithm};

use crate::error::Result;

/// Default plaintext bytes per frame.
pub const DEFAULT_FRAME_LENGTH: u32 = 65536;

/// Options of [`encrypt`] and [`Encryptor::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptOptions {
    /// Algorithm suite: 0x0578 (default) or 0x0478.
    pub suite: AlgorithmSuite,
    /// Plaintext bytes per frame, 1 to 2^32−1 (default 65536).
    pub frame_length: u64,
    /// The caller's encryption context (no `aws-crypto-` keys).
    pub encryption_context: EncryptionContext,
    /// Commitment policy (default: require on encrypt and decrypt).
    pub commitment_policy: CommitmentPolicy,
    /// Refuse to write a message with more encrypted data keys than this
    /// (`TooManyEncryptedDataKeysError`), as the spec's encrypt does with the client's maximum.
    pub max_encrypted_data_keys: Option<usize>,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        EncryptOptions {
            suite: AlgorithmSuite::default(),
            frame_length: DEFAULT_FRAME_LENGTH as u64,
            encryption_context: EncryptionContext::new(),
            commitment_policy: CommitmentPolicy::default(),
            max_encrypted_data_keys: None,
        }
    }
}

/// Options of [`decrypt`] and [`Decryptor::new`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecryptOptions {
    /// Commitment policy (default: only committing suites).
    pub commitment_policy: CommitmentPolicy,
    /// Refuse messages with more encrypted data keys than this (default: no limit below the format's 65535).
    pub max_encrypted_data_keys: Option<usize>,
    /// Refuse framed messages whose frame length exceeds this, before any KMS
    /// call, and non-framed bodies longer than this, once their length (which
    /// follows the header) is read (default: no limit). A streaming decryptor
    /// buffers up to one frame, so this bounds its memory against hostile messages.
    pub max_frame_length: Option<u64>,
    /// Pairs the message's encryption context must contain (`EncryptionContextError` otherwise).
    pub encryption_context: EncryptionContext,
}

/// Result of [`encrypt`].
#[derive(Clone, Debug)]
pub struct EncryptOutput {
    /// The complete message.
    pub ciphertext: Vec<u8>,
    /// Its header.
    pub header: MessageHeader,
}

/// Result of [`decrypt`]. The plaintext is zeroized on drop.
pub struct DecryptOutput {
    /// The plaintext.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The message header (its encryption context is the authenticated one).
    pub header: MessageHeader,
}

impl std::fmt::Debug for DecryptOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptOutput").field("plaintext", &format_args!("{} bytes", self.plaintext.len())).field("header", &self.header).finish()
    }
}

/// Encrypts `plaintext` into one message.
pub async fn encrypt<K: Keyring + ?Sized>(keyring: &K, plaintext: &[u8], options: &EncryptOptions) -> Result<EncryptOutput> {
    let mut enc = Encryptor::new(keyring, options).await?;
    let header = enc.header().clone();
    let mut ciphertext = Vec::with_capacity(plaintext.len() + plaintext.len() / options.frame_length.max(1) as usize * 32 + 1024);
    enc.update_into(plaintext, &mut ciphertext)?;
    ciphertext.extend_from_slice(&enc.finish()?);
    Ok(EncryptOutput { ciphertext, header })
}

/// Decrypts a whole message. Releases nothing unless every tag, the key
/// commitment and (for 0x0578) the signature verify.
pub async fn decrypt<K: Keyring + ?Sized>(keyring: &K, ciphertext: &[u8], options: &DecryptOptions) -> Result<DecryptOutput> {
    let mut dec = Decryptor::new(keyring, options.clone());
    let mut plaintext = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    dec.update_into(ciphertext, &mut plaintext).await?;
    let header = dec.header().cloned();
    let rest = dec.finish()?;
    plaintext.extend_from_slice(&rest);
    Ok(DecryptOutput { plaintext, header: header.expect("header verified when finish succeeds") })
}
