//! A 0x0478 message built by hand from the crate's public building blocks, shared by the
//! envelope tests that need messages our encryptor never writes (with valid tags).

use kms_wasm::envelope::crypto::{self, BodyAadKind};
use kms_wasm::envelope::format::{self, ContentType, MessageHeader};
use kms_wasm::envelope::{AlgorithmSuite, EncryptionContext, EncryptionMaterials, Keyring, RawAesKeyring};

/// `frames`: (sequence number, final?, plaintext) each; a non-framed body takes the first
/// one's plaintext. `commitment_delta` is XORed into the commitment (0: a valid message).
pub async fn handmade(kr: &RawAesKeyring, commitment_delta: u8, frames: &[(u32, bool, &[u8])], frame_length: u32, content_type: ContentType) -> Vec<u8> {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
    let m = kr.on_encrypt(EncryptionMaterials { suite, encryption_context: EncryptionContext::new(), data_key: None, encrypted_data_keys: vec![] }).await.unwrap();
    let message_id = vec![0x42u8; 32];
    let (key, commit) = crypto::derive_keys(suite, m.data_key.as_ref().unwrap().expose(), &message_id).unwrap();
    let mut commitment = *commit.unwrap();
    commitment[0] ^= commitment_delta;
    let header = MessageHeader {
        version: 2,
        suite,
        message_id: message_id.clone(),
        encryption_context: EncryptionContext::new(),
        encrypted_data_keys: m.encrypted_data_keys,
        content_type,
        frame_length,
        commitment: Some(commitment),
    };
    let mut out = header.serialize_v2().unwrap();
    let tag = crypto::header_auth_tag(&crypto::AesGcmCipher, &key, &out, &[0; 12]).unwrap();
    out.extend_from_slice(&tag);
    if content_type == ContentType::NonFramed {
        let pt = frames[0].2;
        let iv = [9u8; 12];
        let aad = crypto::body_aad(&message_id, BodyAadKind::SingleBlock, 1, pt.len() as u64);
        let mut ct = pt.to_vec();
        let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, &key, &iv, &aad, &mut ct).unwrap();
        out.extend_from_slice(&iv);
        out.extend_from_slice(&(pt.len() as u64).to_be_bytes());
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
        return out;
    }
    for &(seq, is_final, pt) in frames {
        let iv = crypto::frame_iv(seq);
        let kind = if is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
        let aad = crypto::body_aad(&message_id, kind, seq, pt.len() as u64);
        let mut ct = pt.to_vec();
        let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, &key, &iv, &aad, &mut ct).unwrap();
        format::write_frame(&mut out, seq, is_final, &iv, &ct, &tag);
    }
    out
}
