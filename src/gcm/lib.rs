//! AES-GCM (12-byte IV, 16-byte tag) over raw 128/192/256-bit key bytes, in place.
//!
//! Why a crate of its own: `aes-gcm` is generic, so its hot loops (CTR keystream, GHASH
//! blocks) are compiled in the crate that names the concrete cipher, at that crate's
//! opt-level, whatever the profile says for `aes-gcm` itself. kms-wasm builds at opt-level
//! "z" for size, where AES-GCM in wasm ran at 22 MB/s. Naming the ciphers here lets this
//! crate have its own opt-level: "s" doubles that speed for 0.3 KB of gzipped wasm (2 and 3
//! triple it, for 3.4 and 4.3 KB, which the package's size budget has no room for).

#![forbid(unsafe_code)]

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;

/// Why a seal or open failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcmError {
    /// The key is not 16, 24 or 32 bytes.
    KeyLength(usize),
    /// Opening: the tag does not verify (the buffer is left as it was). Sealing: the input is too long for GCM.
    Failed,
}

macro_rules! with_cipher {
    ($key:expr, |$c:ident| $body:expr) => {
        match $key.len() {
            16 => {
                let $c = AesGcm::<Aes128, U12>::new_from_slice($key).map_err(|_| GcmError::KeyLength(16))?;
                $body
            }
            24 => {
                let $c = AesGcm::<Aes192, U12>::new_from_slice($key).map_err(|_| GcmError::KeyLength(24))?;
                $body
            }
            32 => {
                let $c = AesGcm::<Aes256, U12>::new_from_slice($key).map_err(|_| GcmError::KeyLength(32))?;
                $body
            }
            n => Err(GcmError::KeyLength(n)),
        }
    };
}

/// Encrypts `in_out` in place under `key` and returns the tag.
#[inline(never)]
pub fn seal(key: &[u8], iv: &[u8; 12], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; 16], GcmError> {
    with_cipher!(key, |c| c.encrypt_inout_detached(&(*iv).into(), aad, in_out.into()).map(Into::into).map_err(|_| GcmError::Failed))
}

/// Checks `tag` and decrypts `in_out` in place; on `Err` the buffer holds no plaintext.
#[inline(never)]
pub fn open(key: &[u8], iv: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &[u8; 16]) -> Result<(), GcmError> {
    with_cipher!(key, |c| c.decrypt_inout_detached(&(*iv).into(), aad, in_out.into(), &(*tag).into()).map_err(|_| GcmError::Failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    // NIST SP 800-38D / McGrew–Viega test case 16 (AES-256, 60-byte plaintext, 20-byte AAD).
    #[test]
    fn known_answer_and_tamper() {
        let hex = |s: &str| (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let plaintext = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        let mut buf = plaintext.clone();
        let tag = seal(&key, &iv, &aad, &mut buf).unwrap();
        assert_eq!(buf, hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"));
        assert_eq!(tag.to_vec(), hex("76fc6ece0f4e1768cddf8853bb2d551b"));
        let mut bad_tag = tag;
        bad_tag[0] ^= 1;
        let mut tampered = buf.clone();
        assert_eq!(open(&key, &iv, &aad, &mut tampered, &bad_tag), Err(GcmError::Failed));
        open(&key, &iv, &aad, &mut buf, &tag).unwrap();
        assert_eq!(buf, plaintext);
        assert_eq!(seal(&key[..20], &iv, &aad, &mut []), Err(GcmError::KeyLength(20)));
        for len in [16, 24] {
            let mut empty = [];
            let tag = seal(&key[..len], &iv, b"", &mut empty).unwrap();
            open(&key[..len], &iv, b"", &mut empty, &tag).unwrap();
        }
    }
}
