//! The keyring interface (`framework/keyring-interface.md`) and the
//! materials it fills in: a keyring generates or unwraps the data key and
//! wraps it into encrypted data keys.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::context::EncryptionContext;
use super::format::EncryptedDataKey;
use super::suite::AlgorithmSuite;
use crate::error::{Error, ErrorKind, Result};
use crate::platform::{BoxFuture, MaybeSend, MaybeSync};

/// A plaintext data key. Zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct DataKey(Zeroizing<Vec<u8>>);

impl DataKey {
    /// Wraps key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        DataKey(Zeroizing::new(bytes))
    }
    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey(** {} bytes redacted **)", self.0.len())
    }
}

/// What keyrings fill in on encrypt.
#[derive(Clone, Debug)]
pub struct EncryptionMaterials {
    /// Suite of the message being written.
    pub suite: AlgorithmSuite,
    /// The full context (with `aws-crypto-public-key` for signing suites); it is
    /// what KMS and raw keyrings bind the data key to.
    pub encryption_context: EncryptionContext,
    /// The data key, once a generator has produced it.
    pub data_key: Option<DataKey>,
    /// Encrypted copies of the data key, one per wrapping key.
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
}

/// What keyrings fill in on decrypt.
#[derive(Clone, Debug)]
pub struct DecryptionMaterials {
    /// Suite of the message being read.
    pub suite: AlgorithmSuite,
    /// The message's context.
    pub encryption_context: EncryptionContext,
    /// The data key, once a keyring has unwrapped one.
    pub data_key: Option<DataKey>,
}

/// Whether a failure to unwrap a data key is a verdict on the message or the key (malformed,
/// naming a region that is none, refused by KMS, the wrong key), rather than a failure that
/// says nothing of them: the network, a timeout, throttling, a server fault, credentials, an
/// abort. A keyring that unwrapped nothing passes on the last failure of the second sort as it
/// is, so a caller can tell an outage it may retry from a message it cannot decrypt.
pub(crate) fn is_verdict(e: &Error) -> bool {
    match e.kind() {
        // Config: at call time only a region named by the message can be one.
        ErrorKind::Envelope | ErrorKind::Validation | ErrorKind::Config => true,
        ErrorKind::Service => !crate::transport::is_retryable(e) && !REFUSED_CALLER.contains(&e.name()),
        _ => false,
    }
}

/// Answers that refuse the caller's credentials or signature, not the key: no EDK can fare
/// better, and the fix is the caller's (KMS's names, then STS-style ones emulators send).
const REFUSED_CALLER: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
];

/// Generates, wraps and unwraps data keys.
///
/// `on_encrypt` must leave a data key and at least one more encrypted data
/// key in the materials (or fail); `on_decrypt` returns the materials
/// unchanged when they already hold a key, else tries `edks` and fails with
/// `NoUsableKeyError` if none of them can be unwrapped, or with the failure
/// itself if one attempt failed for a reason that says nothing of the message or the key
/// (the network, a timeout, throttling, a server fault, the caller's credentials, an abort).
pub trait Keyring: MaybeSend + MaybeSync {
    /// Adds a data key (if missing) and its encrypted copies.
    fn on_encrypt<'a>(&'a self, materials: EncryptionMaterials) -> BoxFuture<'a, Result<EncryptionMaterials>>;
    /// Unwraps one of `edks` into the materials.
    fn on_decrypt<'a>(&'a self, materials: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>>;
}

impl<K: Keyring + ?Sized> Keyring for Arc<K> {
    fn on_encrypt<'a>(&'a self, materials: EncryptionMaterials) -> BoxFuture<'a, Result<EncryptionMaterials>> {
        (**self).on_encrypt(materials)
    }
    fn on_decrypt<'a>(&'a self, materials: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>> {
        (**self).on_decrypt(materials, edks)
    }
}

impl<K: Keyring + ?Sized> Keyring for &K {
    fn on_encrypt<'a>(&'a self, materials: EncryptionMaterials) -> BoxFuture<'a, Result<EncryptionMaterials>> {
        (**self).on_encrypt(materials)
    }
    fn on_decrypt<'a>(&'a self, materials: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>> {
        (**self).on_decrypt(materials, edks)
    }
}
