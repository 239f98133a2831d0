//! A 0x0478 message built by hand from the crate's public building blocks, shared by the
//! envelope tests that need messages our encryptor never writes (with valid tags).
// Each test binary uses only some of the builders.
#![allow(dead_code)]

use kms_wasm::envelope::crypto::{self, BodyAadKind, ContentKey};
use kms_wasm::envelope::format::{self, ContentType, MessageHeader};
use kms_wasm::envelope::{AlgorithmSuite, EncryptionContext, EncryptionMaterials, Keyring, RawAesKeyring};

/// `frames`: (sequence number, final?, plaintext) each; a non-framed body takes the first
/// one's plaintext. `commitment_delta` is XORed into the commitment (0: a valid message).
pub async fn handmade(kr: &RawAesKeyring, commitment_delta: u8, frames: &[(u32, bool, &[u8])], frame_length: u32, content_type: ContentType) -> Vec<u8> {
    handmade_with_context(kr, &EncryptionContext::new(), commitment_delta, frames, frame_length, content_type).await
}

/// [`handmade`] with `context` in the header (and bound to the data key), reserved keys included.
pub async fn handmade_with_context(
    kr: &RawAesKeyring,
    context: &EncryptionContext,
    commitment_delta: u8,
    frames: &[(u32, bool, &[u8])],
    frame_length: u32,
    content_type: ContentType,
) -> Vec<u8> {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
    let m = kr.on_encrypt(EncryptionMaterials { suite, encryption_context: context.clone(), data_key: None, encrypted_data_keys: vec![] }).await.unwrap();
    let message_id = vec![0x42u8; 32];
    let (key, commit) = crypto::derive_keys(suite, m.data_key.as_ref().unwrap().expose(), &message_id).unwrap();
    let mut commitment = *commit.unwrap();
    commitment[0] ^= commitment_delta;
    let header = MessageHeader {
        version: 2,
        suite,
        message_id: message_id.clone(),
        encryption_context: context.clone(),
        encrypted_data_keys: m.encrypted_data_keys,
        content_type,
        frame_length,
        commitment: Some(commitment),
    };
    let mut out = header.serialize_v2().unwrap();
    let tag = crypto::header_auth_tag(&crypto::AesGcmCipher, &key, &out, &[0; 12]).unwrap();
    out.extend_from_slice(&tag);
    write_body(&mut out, &key, &message_id, frames, content_type);
    out
}

/// A framed message in the version-1 layout (type byte, reserved bytes, IV length, header IV;
/// no commit key) but naming the committing suite 0x0478 and its 32-byte message id: what a
/// parser that took the suite's word over the version would read as a committed message.
/// Valid tags throughout, empty context.
pub async fn handmade_v1_layout(kr: &RawAesKeyring, frames: &[(u32, bool, &[u8])], frame_length: u32) -> Vec<u8> {
    let suite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
    let m = kr.on_encrypt(EncryptionMaterials { suite, encryption_context: EncryptionContext::new(), data_key: None, encrypted_data_keys: vec![] }).await.unwrap();
    let message_id = vec![0x42u8; 32];
    let (key, _) = crypto::derive_keys(suite, m.data_key.as_ref().unwrap().expose(), &message_id).unwrap();
    let mut out = vec![1u8, 0x80];
    out.extend_from_slice(&suite.id().to_be_bytes());
    out.extend_from_slice(&message_id);
    out.extend_from_slice(&0u16.to_be_bytes()); // empty context
    out.extend_from_slice(&(m.encrypted_data_keys.len() as u16).to_be_bytes());
    for edk in &m.encrypted_data_keys {
        for field in [edk.provider_id.as_bytes(), &edk.provider_info, &edk.ciphertext] {
            out.extend_from_slice(&(field.len() as u16).to_be_bytes());
            out.extend_from_slice(field);
        }
    }
    out.push(2); // framed
    out.extend_from_slice(&[0, 0, 0, 0]); // reserved
    out.push(12); // IV length
    out.extend_from_slice(&frame_length.to_be_bytes());
    let iv = [7u8; 12];
    let tag = crypto::header_auth_tag(&crypto::AesGcmCipher, &key, &out, &iv).unwrap();
    out.extend_from_slice(&iv);
    out.extend_from_slice(&tag);
    write_body(&mut out, &key, &message_id, frames, ContentType::Framed);
    out
}

fn write_body(out: &mut Vec<u8>, key: &ContentKey, message_id: &[u8], frames: &[(u32, bool, &[u8])], content_type: ContentType) {
    if content_type == ContentType::NonFramed {
        let pt = frames[0].2;
        let iv = [9u8; 12];
        let aad = crypto::body_aad(message_id, BodyAadKind::SingleBlock, 1, pt.len() as u64);
        let mut ct = pt.to_vec();
        let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, key, &iv, &aad, &mut ct).unwrap();
        out.extend_from_slice(&iv);
        out.extend_from_slice(&(pt.len() as u64).to_be_bytes());
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
        return;
    }
    for &(seq, is_final, pt) in frames {
        let iv = crypto::frame_iv(seq);
        let kind = if is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
        let aad = crypto::body_aad(message_id, kind, seq, pt.len() as u64);
        let mut ct = pt.to_vec();
        let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, key, &iv, &aad, &mut ct).unwrap();
        format::write_frame(out, seq, is_final, &iv, &ct, &tag);
    }
}
