//! The cryptography of a message: key derivation and commitment, frame IVs
//! and AADs, the pluggable AES-GCM of frames, and the ECDSA footer (P-384; P-256
//! for legacy messages of suite 0x0214, verified only).
//!
//! IV and AAD construction are pure functions so an asynchronous backend
//! (WebCrypto) can build frames itself with several in flight; the AES-GCM
//! seal/open behind [`FrameCipher`] is what such a backend replaces.

use std::fmt;

use hkdf::Hkdf;
use kms_wasm_gcm::GcmError;
use p384::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p384::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::suite::{AlgorithmSuite, Kdf, SignatureAlgorithm};
use crate::error::{Error, Result};
use crate::platform::{self, MaybeSend, MaybeSync};

/// AES-GCM IV length of every suite.
pub const IV_LEN: usize = 12;
/// AES-GCM tag length of every suite.
pub const TAG_LEN: usize = 16;
/// Length of the commit key stored as v2 "algorithm suite data".
pub const COMMIT_KEY_LEN: usize = 32;

fn auth_error(msg: &str) -> Error {
    Error::envelope("AuthenticationError", msg.to_owned())
}

/// A derived AES content key (16, 24 or 32 bytes). Zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct ContentKey(Zeroizing<Vec<u8>>);

impl ContentKey {
    /// Wraps key bytes (for backends and tests).
    #[doc(hidden)]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        ContentKey(Zeroizing::new(bytes.to_vec()))
    }
    /// The key bytes, e.g. to import into WebCrypto.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentKey(** {} bytes redacted **)", self.0.len())
    }
}

/// Derives the content key and, for committing suites, the commit key from
/// the plaintext data key (`framework/transitive-requirements.md`).
pub fn derive_keys(suite: AlgorithmSuite, data_key: &[u8], message_id: &[u8]) -> Result<(ContentKey, Option<Zeroizing<[u8; COMMIT_KEY_LEN]>>)> {
    if data_key.len() != suite.key_len() {
        // A keyring's fault (its data key does not fit the suite), not the message's or the key's.
        return Err(Error::envelope("KeyringError", format!("the keyring's data key is {} bytes; the suite needs {}", data_key.len(), suite.key_len())));
    }
    let mut key = Zeroizing::new(vec![0u8; suite.key_len()]);
    let expand_err = |_| Error::envelope("AuthenticationError", "key derivation failed");
    // Legacy suites: no salt, info = suite id || message id.
    let mut legacy_info = suite.id().to_be_bytes().to_vec();
    legacy_info.extend_from_slice(message_id);
    match suite.kdf() {
        Kdf::Identity => {
            key.copy_from_slice(data_key);
            Ok((ContentKey(key), None))
        }
        Kdf::HkdfSha256 => {
            let hk = Hkdf::<Sha256>::new(None, data_key);
            let expanded = hk.expand(&legacy_info, &mut key);
            // SAFETY: see `wipe_hkdf`; Hkdf<Sha256> is SHA-256 block states.
            unsafe { wipe_hkdf(hk) };
            expanded.map_err(expand_err)?;
            Ok((ContentKey(key), None))
        }
        Kdf::HkdfSha384 => {
            let hk = Hkdf::<Sha384>::new(None, data_key);
            let expanded = hk.expand(&legacy_info, &mut key);
            // SAFETY: see `wipe_hkdf`; Hkdf<Sha384> is SHA-512 block states.
            unsafe { wipe_hkdf(hk) };
            expanded.map_err(expand_err)?;
            Ok((ContentKey(key), None))
        }
        Kdf::HkdfSha512Commit => {
            // One extract (salt = message id), two expands, as the spec recommends.
            let (mut prk, hk) = Hkdf::<Sha512>::extract(Some(message_id), data_key);
            zeroize::Zeroize::zeroize(&mut prk[..]);
            let mut info = suite.id().to_be_bytes().to_vec();
            info.extend_from_slice(b"DERIVEKEY");
            let mut commit = Zeroizing::new([0u8; COMMIT_KEY_LEN]);
            let expanded = hk.expand(&info, &mut key).and(hk.expand(b"COMMITKEY", &mut commit[..]));
            // SAFETY: see `wipe_hkdf`; Hkdf<Sha512> is SHA-512 block states.
            unsafe { wipe_hkdf(hk) };
            expanded.map_err(expand_err)?;
            Ok((ContentKey(key), Some(commit)))
        }
    }
}

/// Wipes an HKDF once its keys are expanded: it holds HMAC states keyed by the PRK, enough to
/// rebuild them, and does not wipe itself (sha2's `zeroize` feature would, for every hasher in
/// the module: +0.5 KB).
///
/// # Safety
/// `T` must be plain data: integers and arrays only, no pointers, all-zero valid (an `Hkdf`
/// over a SHA-2 hash is two block states). It is neither used nor dropped afterwards.
unsafe fn wipe_hkdf<T>(hk: T) {
    let mut hk = std::mem::ManuallyDrop::new(hk);
    zeroize::zeroize_flat_type(&mut *hk as *mut T);
}

/// Constant-time equality of two byte strings of public length.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The IV of frame `seq`: eight zero bytes then the big-endian sequence number.
pub fn frame_iv(seq: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    iv[8..].copy_from_slice(&seq.to_be_bytes());
    iv
}

/// Which content string a body AAD carries (`data-format/message-body-aad.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyAadKind {
    /// A regular frame: `AWSKMSEncryptionClient Frame`.
    Frame,
    /// The final frame: `AWSKMSEncryptionClient Final Frame`.
    FinalFrame,
    /// A non-framed body: `AWSKMSEncryptionClient Single Block`.
    SingleBlock,
}

impl BodyAadKind {
    fn content_string(self) -> &'static [u8] {
        match self {
            BodyAadKind::Frame => b"AWSKMSEncryptionClient Frame",
            BodyAadKind::FinalFrame => b"AWSKMSEncryptionClient Final Frame",
            BodyAadKind::SingleBlock => b"AWSKMSEncryptionClient Single Block",
        }
    }
}

/// The AAD of a frame: `messageId || contentString || u32 seq || u64 plaintextLength`.
pub fn body_aad(message_id: &[u8], kind: BodyAadKind, seq: u32, len: u64) -> Vec<u8> {
    let s = kind.content_string();
    let mut aad = Vec::with_capacity(message_id.len() + s.len() + 12);
    aad.extend_from_slice(message_id);
    aad.extend_from_slice(s);
    aad.extend_from_slice(&seq.to_be_bytes());
    aad.extend_from_slice(&len.to_be_bytes());
    aad
}

/// AES-GCM (12-byte IV, 16-byte tag) over one frame, in place. The default is
/// [`AesGcmCipher`]; other backends must produce byte-identical output.
pub trait FrameCipher: MaybeSend + MaybeSync {
    /// Encrypts `in_out` in place and returns the tag.
    fn seal(&self, key: &ContentKey, iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; TAG_LEN]>;
    /// Checks `tag` and decrypts `in_out` in place; `AuthenticationError` when the tag does not verify.
    fn open(&self, key: &ContentKey, iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<()>;
}

/// [`FrameCipher`] backed by the `aes-gcm` crate (AES-128/192/256; handles empty plaintexts).
#[derive(Clone, Copy, Debug, Default)]
pub struct AesGcmCipher;

fn gcm_error(e: GcmError, failed: &str) -> Error {
    match e {
        GcmError::KeyLength(n) => Error::validation("key", format!("AES keys are 16, 24 or 32 bytes, not {n}")),
        GcmError::Failed => auth_error(failed),
    }
}

/// AES-GCM seal with raw key bytes (content keys and raw AES wrapping keys).
pub(crate) fn gcm_seal(key: &[u8], iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; TAG_LEN]> {
    kms_wasm_gcm::seal(key, iv, aad, in_out).map_err(|e| gcm_error(e, "AES-GCM encryption failed"))
}

/// AES-GCM open with raw key bytes.
pub(crate) fn gcm_open(key: &[u8], iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<()> {
    kms_wasm_gcm::open(key, iv, aad, in_out, tag).map_err(|e| gcm_error(e, "authentication tag does not verify"))
}

impl FrameCipher for AesGcmCipher {
    fn seal(&self, key: &ContentKey, iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        gcm_seal(key.expose(), iv, aad, in_out)
    }
    fn open(&self, key: &ContentKey, iv: &[u8; IV_LEN], aad: &[u8], in_out: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<()> {
        gcm_open(key.expose(), iv, aad, in_out, tag)
    }
}

/// The v2 header authentication tag: AES-GCM with a zero IV over an empty
/// plaintext, with the header body as AAD.
pub fn header_auth_tag(cipher: &dyn FrameCipher, key: &ContentKey, header_body: &[u8], iv: &[u8; IV_LEN]) -> Result<[u8; TAG_LEN]> {
    cipher.seal(key, iv, header_body, &mut [])
}

/// Length of a SHA-384 digest.
pub const SHA384_LEN: usize = 48;

/// The longest footer: `u16` length and a DER P-384 signature of at most 104 bytes.
pub const MAX_FOOTER_LEN: usize = 2 + 104;

/// An ephemeral ECDSA P-384 key pair for one message plus the running
/// SHA-384 of everything written before the footer.
pub struct MessageSigner {
    key: SigningKey,
    hash: Sha384,
}

impl fmt::Debug for MessageSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageSigner(** redacted **)")
    }
}

impl MessageSigner {
    /// A fresh key pair from the host CSPRNG.
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 48]);
        // Retry on the (2^-190 likely) draw of zero or a value >= the group order.
        loop {
            platform::fill_random(&mut seed[..])?;
            if let Ok(key) = SigningKey::from_slice(&seed[..]) {
                return Ok(MessageSigner { key, hash: Sha384::new() });
            }
        }
    }

    /// The SEC1 compressed verification key, base64 (the `aws-crypto-public-key` value).
    pub fn public_key_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.key.verifying_key().to_sec1_point(true).as_bytes())
    }

    /// Adds message bytes to the signed hash, in order.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
    }

    /// Signs the hash and returns the footer: `u16 length || DER signature`.
    pub fn footer(self) -> Result<Vec<u8>> {
        let digest = self.hash.clone().finalize();
        self.footer_for_digest(&digest)
    }

    /// Like [`footer`](Self::footer), for a SHA-384 `digest` of the message that the
    /// caller computed itself (a native hash is several times faster than one in wasm).
    pub fn footer_for_digest(self, digest: &[u8]) -> Result<Vec<u8>> {
        if digest.len() != SHA384_LEN {
            return Err(Error::validation("digest", "must be the 48-byte SHA-384 of the message"));
        }
        let sig: Signature = self.key.sign_prehash(digest).map_err(|_| Error::envelope("SignatureError", "signing failed"))?;
        let (r, s) = sig.split_bytes();
        let der = der_encode(&r, &s);
        let mut out = Vec::with_capacity(2 + der.len());
        out.extend_from_slice(&(der.len() as u16).to_be_bytes());
        out.extend_from_slice(&der);
        Ok(out)
    }
}

/// A footer signature for the caller's own ECDSA to check
/// ([`MessageVerifier::external_key_and_signature`]).
pub struct ExternalSignature {
    /// "P-384" (hash SHA-384) or "P-256" (SHA-256), as WebCrypto names the curves.
    pub curve: &'static str,
    /// SEC1 point.
    pub public_key: Vec<u8>,
    /// `r ‖ s`.
    pub signature: Vec<u8>,
}

/// Verifies the footer signature of a message against the running hash of its bytes
/// (SHA-384 for P-384 suites, SHA-256 for the legacy P-256 suite).
#[derive(Clone)]
pub struct MessageVerifier(Verifier);

#[derive(Clone)]
#[allow(clippy::large_enum_variant)] // one per message
enum Verifier {
    #[cfg(not(target_arch = "wasm32"))]
    P256(p256::ecdsa::VerifyingKey, Sha256),
    /// In wasm the legacy P-256 signature (suite 0x0214) is the host's to check, with
    /// WebCrypto over the whole signed message ([`MessageVerifier::external_key_and_signature`]):
    /// P-256 arithmetic in the module cost 10.6 KB of gzip for a legacy suite. The SEC1 key as
    /// the message gives it.
    #[cfg(target_arch = "wasm32")]
    P256Host(Vec<u8>),
    P384(p384::ecdsa::VerifyingKey, Sha384),
}

/// Checking a legacy P-256 signature in wasm without the host (no WebCrypto).
#[cfg(target_arch = "wasm32")]
fn p256_needs_host() -> Error {
    Error::envelope("UnsupportedSuiteError", "suite 0x0214's P-256 signature is checked with WebCrypto, which this runtime lacks here")
}

impl fmt::Debug for MessageVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageVerifier")
    }
}

impl MessageVerifier {
    /// From the base64 SEC1 public key of the `aws-crypto-public-key` context entry, for the
    /// suite's signature algorithm.
    pub fn from_public_key_base64(algorithm: SignatureAlgorithm, b64: &str) -> Result<Self> {
        use base64::Engine as _;
        let curve = match algorithm {
            SignatureAlgorithm::EcdsaP256Sha256 => "P-256",
            SignatureAlgorithm::EcdsaP384Sha384 => "P-384",
        };
        let bad = || Error::envelope("MalformedMessageError", format!("aws-crypto-public-key is not a {curve} public key"));
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()).map_err(|_| bad())?;
        // SEC1 compressed, as every SDK writes it and the official ones insist on reading it: a
        // tag byte and x (as long as the digest, on both curves).
        let compressed_len = algorithm.digest_len() + 1;
        if bytes.len() != compressed_len || !matches!(bytes.first(), Some(2 | 3)) {
            return Err(Error::envelope("MalformedMessageError", format!("aws-crypto-public-key is not a compressed {curve} point")));
        }
        Ok(MessageVerifier(match algorithm {
            #[cfg(not(target_arch = "wasm32"))]
            SignatureAlgorithm::EcdsaP256Sha256 => Verifier::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| bad())?, Sha256::new()),
            // Only its shape is checked here (above); WebCrypto refuses a point off the curve.
            #[cfg(target_arch = "wasm32")]
            SignatureAlgorithm::EcdsaP256Sha256 => Verifier::P256Host(bytes),
            SignatureAlgorithm::EcdsaP384Sha384 => Verifier::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| bad())?, Sha384::new()),
        }))
    }

    /// Adds message bytes to the hash, in order.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            #[cfg(not(target_arch = "wasm32"))]
            Verifier::P256(_, hash) => hash.update(bytes),
            #[cfg(target_arch = "wasm32")]
            Verifier::P256Host(_) => {} // the host hashes the whole message as it verifies
            Verifier::P384(_, hash) => hash.update(bytes),
        }
    }

    /// Checks the DER signature (the footer without its length); `SignatureError` on failure.
    pub fn verify(self, der: &[u8]) -> Result<()> {
        let digest = match &self.0 {
            #[cfg(not(target_arch = "wasm32"))]
            Verifier::P256(_, hash) => hash.clone().finalize().to_vec(),
            #[cfg(target_arch = "wasm32")]
            Verifier::P256Host(_) => return Err(p256_needs_host()),
            Verifier::P384(_, hash) => hash.clone().finalize().to_vec(),
        };
        self.verify_digest(&digest, der)
    }

    /// Like [`verify`](Self::verify), for a digest of the signed bytes that the caller
    /// computed itself with the suite's hash.
    pub fn verify_digest(self, digest: &[u8], der: &[u8]) -> Result<()> {
        if digest.len() != self.algorithm().digest_len() {
            return Err(signature_error());
        }
        let verified = match self.0 {
            #[cfg(target_arch = "wasm32")]
            Verifier::P256Host(_) => return Err(p256_needs_host()),
            #[cfg(not(target_arch = "wasm32"))]
            Verifier::P256(key, _) => {
                let sig = der_decode::<32>(der).and_then(|rs| p256::ecdsa::Signature::from_slice(&rs).ok()).ok_or_else(signature_error)?;
                key.verify_prehash(digest, &sig)
            }
            Verifier::P384(key, _) => {
                let sig = der_decode::<48>(der).and_then(|rs| Signature::from_slice(&rs).ok()).ok_or_else(signature_error)?;
                key.verify_prehash(digest, &sig)
            }
        };
        verified.map_err(|_| signature_error())
    }

    /// For a caller that verifies the signature with its own ECDSA (WebCrypto), over the signed
    /// bytes with the curve's hash: the curve ("P-384", or in wasm "P-256"), the public key as
    /// a SEC1 point (P-384 uncompressed, P-256 as the message gives it) and the DER signature
    /// `der` as `r ‖ s`. `None` for a native P-256 verifier, which checks here only;
    /// `SignatureError` when `der` is malformed.
    pub fn external_key_and_signature(&self, der: &[u8]) -> Result<Option<ExternalSignature>> {
        match &self.0 {
            Verifier::P384(key, _) => {
                Ok(Some(ExternalSignature { curve: "P-384", public_key: key.to_sec1_point(false).as_bytes().to_vec(), signature: der_decode::<48>(der).ok_or_else(signature_error)? }))
            }
            #[cfg(target_arch = "wasm32")]
            Verifier::P256Host(key) => Ok(Some(ExternalSignature { curve: "P-256", public_key: key.clone(), signature: der_decode::<32>(der).ok_or_else(signature_error)? })),
            #[cfg(not(target_arch = "wasm32"))]
            Verifier::P256(..) => Ok(None),
        }
    }

    /// The signature algorithm this verifier checks.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self.0 {
            #[cfg(not(target_arch = "wasm32"))]
            Verifier::P256(..) => SignatureAlgorithm::EcdsaP256Sha256,
            #[cfg(target_arch = "wasm32")]
            Verifier::P256Host(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Verifier::P384(..) => SignatureAlgorithm::EcdsaP384Sha384,
        }
    }
}

fn signature_error() -> Error {
    Error::envelope("SignatureError", "message signature does not verify")
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` of big-endian scalars. P-384 signatures are at
/// most 104 bytes, so every length is in short form.
fn der_encode(r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(102);
    for int in [r, s] {
        let start = int.iter().position(|&b| b != 0).unwrap_or(int.len() - 1);
        let digits = &int[start..];
        let pad = digits[0] & 0x80 != 0;
        body.push(0x02);
        body.push((digits.len() + pad as usize) as u8);
        if pad {
            body.push(0);
        }
        body.extend_from_slice(digits);
    }
    let mut out = vec![0x30, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

/// Strict DER decoding of a signature as [`der_encode`] writes it (minimal integers, no
/// trailing bytes, short-form lengths) into `r ‖ s`, each `N` bytes big-endian.
fn der_decode<const N: usize>(der: &[u8]) -> Option<Vec<u8>> {
    if der.len() < 2 || der[0] != 0x30 || der[1] as usize != der.len() - 2 || der[1] >= 0x80 {
        return None;
    }
    let mut rest = &der[2..];
    let mut rs = vec![0u8; 2 * N];
    for out in rs.chunks_exact_mut(N) {
        if rest.len() < 2 || rest[0] != 0x02 || rest[1] >= 0x80 {
            return None;
        }
        let len = rest[1] as usize;
        let int = rest.get(2..2 + len)?;
        rest = &rest[2 + len..];
        if int.is_empty() || int[0] & 0x80 != 0 {
            return None; // empty or negative
        }
        if int.len() > 1 && int[0] == 0 && int[1] & 0x80 == 0 {
            return None; // non-minimal
        }
        let digits = if int[0] == 0 { &int[1..] } else { int };
        if digits.len() > N {
            return None;
        }
        out[N - digits.len()..].copy_from_slice(digits);
    }
    rest.is_empty().then_some(rs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_stable_and_commits() {
        let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
        let (k1, c1) = derive_keys(suite, &[7u8; 32], &[1u8; 32]).unwrap();
        let (k2, c2) = derive_keys(suite, &[7u8; 32], &[2u8; 32]).unwrap();
        assert_ne!(k1.expose(), k2.expose());
        assert_ne!(&c1.unwrap()[..], &c2.unwrap()[..]);
        assert!(format!("{k1:?}").contains("redacted"));
        assert!(derive_keys(suite, &[7u8; 16], &[1u8; 32]).is_err());
    }

    #[test]
    fn iv_and_aad() {
        assert_eq!(frame_iv(1), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let aad = body_aad(&[9u8; 32], BodyAadKind::FinalFrame, 2, 5);
        assert_eq!(aad.len(), 32 + 34 + 12);
        assert_eq!(&aad[32..66], b"AWSKMSEncryptionClient Final Frame");
    }

    #[test]
    fn gcm_round_trip_including_empty_and_192() {
        for len in [16usize, 24, 32] {
            let key = ContentKey::from_bytes(&vec![3u8; len]);
            let mut buf = b"hello".to_vec();
            let tag = AesGcmCipher.seal(&key, &frame_iv(1), b"aad", &mut buf).unwrap();
            AesGcmCipher.open(&key, &frame_iv(1), b"aad", &mut buf, &tag).unwrap();
            assert_eq!(buf, b"hello");
            let tag = AesGcmCipher.seal(&key, &frame_iv(1), b"", &mut []).unwrap();
            assert!(AesGcmCipher.open(&key, &frame_iv(1), b"x", &mut [], &tag).is_err());
        }
    }

    #[test]
    fn signature_round_trip_and_strict_der() {
        let mut s = MessageSigner::generate().unwrap();
        let pk = s.public_key_base64();
        assert_eq!(pk.len(), 68);
        s.update(b"message");
        let footer = s.footer().unwrap();
        let der = &footer[2..];
        assert_eq!(u16::from_be_bytes([footer[0], footer[1]]) as usize, der.len());
        let mut v = MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP384Sha384, &pk).unwrap();
        v.update(b"message");
        v.clone().verify(der).unwrap();
        let mut longer = der.to_vec();
        longer.push(0);
        assert!(v.clone().verify(&longer).is_err());
        let mut w = MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP384Sha384, &pk).unwrap();
        w.update(b"messagf");
        assert_eq!(w.verify(der).unwrap_err().name(), "SignatureError");
        // A P-384 key is not a P-256 key, nor a P-384 signature a P-256 one.
        assert_eq!(MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP256Sha256, &pk).unwrap_err().name(), "MalformedMessageError");
        // The same key uncompressed is refused, as the official SDKs refuse it.
        use base64::Engine as _;
        let point = base64::engine::general_purpose::STANDARD.decode(&pk).unwrap();
        let uncompressed = p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap().to_sec1_point(false);
        let uncompressed = base64::engine::general_purpose::STANDARD.encode(uncompressed.as_bytes());
        let e = MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP384Sha384, &uncompressed).unwrap_err();
        assert_eq!(e.name(), "MalformedMessageError");
        assert!(e.message().contains("compressed"), "{e}");
    }

    #[test]
    fn p256_signatures_of_legacy_messages_verify() {
        use base64::Engine as _;
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pk = base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_sec1_point(true).as_bytes());
        let digest = Sha256::digest(b"legacy message");
        let sig: p256::ecdsa::Signature = key.sign_prehash(&digest).unwrap();
        let (r, s) = sig.split_bytes();
        let der = der_encode(&r, &s);
        let mut v = MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP256Sha256, &pk).unwrap();
        v.update(b"legacy ");
        v.update(b"message");
        v.clone().verify(&der).unwrap();
        v.clone().verify_digest(&digest, &der).unwrap();
        // A SHA-384 digest is the wrong length for P-256.
        assert_eq!(v.clone().verify_digest(&Sha384::digest(b"legacy message"), &der).unwrap_err().name(), "SignatureError");
        let mut w = MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP256Sha256, &pk).unwrap();
        w.update(b"legacy messagf");
        assert_eq!(w.verify(&der).unwrap_err().name(), "SignatureError");
        assert_eq!(MessageVerifier::from_public_key_base64(SignatureAlgorithm::EcdsaP384Sha384, &pk).unwrap_err().name(), "MalformedMessageError");
    }
}
