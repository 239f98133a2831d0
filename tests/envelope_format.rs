//! Envelope round trips and bad input with the raw AES keyring: no KMS needed.

use std::sync::Arc;

mod handmade;
use handmade::{handmade, handmade_v1_layout, handmade_with_context};

use kms_wasm::envelope::crypto::{self, BodyAadKind};
use kms_wasm::envelope::format::{self, ContentType};
use kms_wasm::envelope::{
    decrypt, encrypt, AlgorithmSuite, CommitmentPolicy, DecryptOptions, DecryptionMaterials, Decryptor, EncryptOptions, EncryptionContext, Encryptor, Keyring, MultiKeyring,
    RawAesKeyring,
};

const S0478: AlgorithmSuite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
const S0578: AlgorithmSuite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384;

fn keyring(name: &str, key: &[u8]) -> RawAesKeyring {
    RawAesKeyring::new("test-ns", name, key).unwrap()
}

fn opts(suite: AlgorithmSuite, frame_length: u64) -> EncryptOptions {
    EncryptOptions { suite, frame_length, ..Default::default() }
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + 7) as u8).collect()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

fn header_len(msg: &[u8]) -> usize {
    format::parse_header(msg, 100).unwrap().unwrap().total_len
}

#[tokio::test]
async fn round_trips_both_suites_all_sizes() {
    let kr = keyring("k", &[1u8; 32]);
    for suite in [S0478, S0578] {
        for frame in [1u64, 100, 65536] {
            let f = frame as usize;
            let mut sizes = vec![0, 1, f.saturating_sub(1), f, f + 1, 3 * f + 5];
            if frame == 65536 {
                sizes = vec![0, 1, f - 1, f, f + 1, 2 * f + 3];
            }
            for n in sizes {
                let pt = data(n);
                let out = encrypt(&kr, &pt, &opts(suite, frame)).await.unwrap();
                let hl = header_len(&out.ciphertext);
                // Frames: full frames are regular; the final frame is short (empty on exact multiples).
                let regular = n / f;
                let final_len = n % f;
                let footer = if suite == S0578 { out.ciphertext.len() - (hl + regular * (f + 32) + final_len + 40) } else { 0 };
                assert_eq!(out.ciphertext.len(), hl + regular * (f + 32) + final_len + 40 + footer, "suite {suite:?} frame {frame} size {n}");
                if suite == S0578 {
                    assert!((100..=106).contains(&footer), "footer {footer}");
                }
                let dec = decrypt(&kr, &out.ciphertext, &DecryptOptions::default()).await.unwrap();
                assert_eq!(&dec.plaintext[..], &pt[..]);
                assert_eq!(dec.header, out.header);
                assert_eq!(dec.header.content_type, ContentType::Framed);
            }
        }
    }
}

#[tokio::test]
async fn default_options_are_0578_and_65536() {
    let kr = keyring("k", &[1u8; 16]);
    let out = encrypt(&kr, b"hi", &EncryptOptions::default()).await.unwrap();
    assert_eq!(out.ciphertext[0], 2);
    assert_eq!(&out.ciphertext[1..3], &[0x05, 0x78]);
    assert_eq!(out.header.frame_length, 65536);
    assert!(out.header.encryption_context.contains_key("aws-crypto-public-key"));
}

#[tokio::test]
async fn raw_aes_key_sizes() {
    for len in [16usize, 24, 32] {
        let kr = keyring("k", &vec![9u8; len]);
        let out = encrypt(&kr, b"x", &opts(S0478, 10)).await.unwrap();
        assert_eq!(&decrypt(&kr, &out.ciphertext, &DecryptOptions::default()).await.unwrap().plaintext[..], b"x");
    }
    assert_eq!(RawAesKeyring::new("n", "k", &[0u8; 20]).unwrap_err().name(), "ValidationError");
}

#[tokio::test]
async fn streaming_matches_one_shot_with_odd_chunks() {
    let kr = keyring("k", &[2u8; 32]);
    let pt = data(10_000);
    for suite in [S0478, S0578] {
        for frame in [1000u64, 4096] {
            for enc_chunk in [1usize, 7, 999, 1000, 4093, 20_000] {
                let mut enc = Encryptor::new(&kr, &opts(suite, frame)).await.unwrap();
                let mut msg = Vec::new();
                for c in pt.chunks(enc_chunk) {
                    msg.extend(enc.update(c).unwrap());
                }
                msg.extend(enc.finish().unwrap());
                let one_shot = encrypt(&kr, &pt, &opts(suite, frame)).await.unwrap();
                let fixed = if suite == S0578 { 0 } else { 1 };
                if fixed == 1 {
                    assert_eq!(msg.len(), one_shot.ciphertext.len());
                }
                let expected = decrypt(&kr, &one_shot.ciphertext, &DecryptOptions::default()).await.unwrap();
                for dec_chunk in [1usize, 13, 5000, 1 << 20] {
                    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
                    let mut got = Vec::new();
                    for c in msg.chunks(dec_chunk) {
                        got.extend_from_slice(&dec.update(c).await.unwrap());
                    }
                    got.extend_from_slice(&dec.finish().unwrap());
                    assert_eq!(got, pt);
                    assert_eq!(&expected.plaintext[..], &pt[..]);
                }
            }
        }
    }
}

#[tokio::test]
async fn a_large_frame_in_small_chunks_reserves_nothing_until_it_completes() {
    // Each call reserves what it may release, so no reallocation leaves plaintext behind. Before
    // the frame it is reading completes it releases nothing: were it to reserve (and wipe on
    // drop) as much as is buffered each time, a frame of F bytes in chunks of c would cost F²/2c.
    let kr = keyring("k", &[3u8; 32]);
    let pt = data(1 << 20);
    for suite in [S0478, S0578] {
        let msg = encrypt(&kr, &pt, &opts(suite, 1 << 20)).await.unwrap().ciphertext;
        let mut dec = Decryptor::new(&kr, DecryptOptions::default());
        let (mut got, mut reserved) = (Vec::new(), 0);
        for c in msg.chunks(4096) {
            let out = dec.update(c).await.unwrap();
            reserved += out.capacity();
            got.extend_from_slice(&out);
        }
        got.extend_from_slice(&dec.finish().unwrap());
        assert_eq!(got, pt);
        assert!(reserved <= 3 * msg.len(), "{suite:?}: {reserved} bytes reserved for a {}-byte message", msg.len());
    }
}

#[tokio::test]
async fn streaming_decrypt_holds_back_final_frame_until_signature() {
    let kr = keyring("k", &[2u8; 32]);
    let pt = data(250);
    let msg = encrypt(&kr, &pt, &opts(S0578, 100)).await.unwrap().ciphertext;
    // Feed everything but the last byte: two regular frames are out, the final frame is held.
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let got = dec.update(&msg[..msg.len() - 1]).await.unwrap();
    assert_eq!(*got, &pt[..200]);
    assert!(dec.header().is_some());
    let rest = dec.update(&msg[msg.len() - 1..]).await.unwrap();
    assert_eq!(*rest, &pt[200..]);
    assert!(dec.finish().unwrap().is_empty());

    // A bad signature: the held frame is never released and the stream errors.
    let mut bad = msg.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let got = dec.update(&bad[..bad.len() - 1]).await.unwrap();
    assert_eq!(*got, &pt[..200]);
    let err = dec.update(&bad[bad.len() - 1..]).await.unwrap_err();
    assert_eq!(err.name(), "SignatureError");
    assert!(dec.finish().is_err());
}

/// The digest a caller computes itself (Node's native SHA-384): the same bytes as the wasm hash.
fn sha384(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha384::digest(bytes).to_vec()
}

#[tokio::test]
async fn caller_hashed_signature_matches_and_tampering_fails() {
    let kr = keyring("k", &[3u8; 32]);
    let pt = data(250);
    // Encrypt: the caller hashes header and frames and the footer signs that digest.
    let mut enc = Encryptor::new(&kr, &opts(S0578, 100)).await.unwrap();
    let mut body = enc.take_header_bytes();
    for (seq, chunk) in pt.chunks(100).enumerate() {
        let seq = seq as u32 + 1;
        let is_final = seq == 3;
        let mut frame = Vec::new();
        format::write_frame_prefix(&mut frame, seq, is_final, &crypto::frame_iv(seq), chunk.len() as u32);
        let start = frame.len();
        frame.extend_from_slice(chunk);
        let kind = if is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
        let aad = crypto::body_aad(&enc.header().message_id, kind, seq, chunk.len() as u64);
        let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, enc.content_key(), &crypto::frame_iv(seq), &aad, &mut frame[start..]).unwrap();
        frame.extend_from_slice(&tag);
        body.extend_from_slice(&frame);
    }
    let digest = sha384(&body);
    assert!(Encryptor::new(&kr, &opts(S0578, 100)).await.unwrap().external_footer_for_digest(&digest[..47]).is_err());
    let mut msg = body.clone();
    msg.extend_from_slice(&enc.external_footer_for_digest(&digest).unwrap());
    // Anyone's decryptor (hashing in Rust) accepts it.
    assert_eq!(*decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap().plaintext, pt);

    // Decrypt: the caller hashes the first `signed_len` bytes; the final frame waits for it.
    for split in [1, 60, msg.len() - 1] {
        let mut dec = Decryptor::new(&kr, DecryptOptions::default()).with_external_digest();
        let mut got = dec.update(&msg[..split]).await.unwrap();
        got.extend_from_slice(&dec.update(&msg[split..]).await.unwrap());
        assert_eq!(*got, &pt[..200], "the final frame is withheld until the digest is checked");
        assert_eq!(dec.signed_len(), body.len() as u64);
        got.extend_from_slice(&dec.finish_with_digest(&sha384(&msg[..body.len()])).unwrap());
        assert_eq!(*got, pt);
    }
    // A wrong digest or none: SignatureError and the withheld frame never comes out.
    let mut dec = Decryptor::new(&kr, DecryptOptions::default()).with_external_digest();
    dec.update(&msg).await.unwrap();
    assert_eq!(dec.finish_with_digest(&sha384(&msg[..body.len() - 1])).unwrap_err().name(), "SignatureError");
    let mut dec = Decryptor::new(&kr, DecryptOptions::default()).with_external_digest();
    dec.update(&msg).await.unwrap();
    assert_eq!(dec.finish().unwrap_err().name(), "SignatureError");
}

#[tokio::test]
async fn external_frames_locate_their_bodies_in_the_callers_bytes() {
    // What the WebCrypto backend relies on: each handed-out frame says where its ciphertext and
    // tag are in the message fed in, for any chunking, and only the final frame of a signed
    // message is marked to wait for the signature.
    let kr = keyring("k", &[4u8; 32]);
    for suite in [S0478, S0578] {
        let pt = data(1000);
        let msg = encrypt(&kr, &pt, &opts(suite, 96)).await.unwrap().ciphertext;
        // Chunks shorter than a frame, and longer ones (the rest of a chunk is parsed in place
        // once the frame buffered from the previous one is complete).
        for chunk in [1, 7, 100, 300, 1001, msg.len()] {
            let mut dec = Decryptor::new(&kr, DecryptOptions::default()).with_external_frames();
            let mut got = Vec::new();
            // Each `pending_end` reported while a frame or the footer is incomplete is where it ends.
            let (mut fed, mut promised, mut element_ends) = (0usize, Vec::new(), vec![msg.len()]);
            for piece in msg.chunks(chunk) {
                assert!(dec.update(piece).await.unwrap().is_empty(), "framed bodies are left to the backend");
                fed += piece.len();
                if let Some(end) = dec.pending_end() {
                    assert!(end as usize > fed && end as usize <= msg.len(), "pending end {end} after {fed} bytes");
                    promised.push(end as usize);
                }
                for f in dec.take_sealed_frames() {
                    element_ends.push(f.body_offset as usize + f.body_len);
                    let start = f.body_offset as usize;
                    let (ct, tag) = msg[start..start + f.body_len].split_at(f.body_len - 16);
                    let mut plain = ct.to_vec();
                    let key = dec.content_key().unwrap();
                    crypto::FrameCipher::open(&crypto::AesGcmCipher, key, &f.iv, &f.aad, &mut plain, tag.try_into().unwrap()).unwrap();
                    assert_eq!(f.hold_until_finished, suite == S0578 && got.len() + plain.len() == pt.len());
                    got.extend_from_slice(&plain);
                }
            }
            assert_eq!(got, pt, "suite {:04x}, chunks of {chunk}", suite.id());
            assert!(promised.iter().all(|end| element_ends.contains(end)), "pending ends {promised:?} are element ends {element_ends:?}");
            assert_eq!(promised.is_empty(), chunk == msg.len(), "chunks of {chunk} leave frames pending");
            assert_eq!(dec.consumed(), msg.len() as u64);
            dec.finish().unwrap();
        }
    }
}

#[tokio::test]
async fn max_message_len_is_exact_unsigned_and_a_bound_signed() {
    // The WebCrypto glue writes a one-shot message into a buffer of this size.
    let kr = keyring("k", &[5u8; 32]);
    for suite in [S0478, S0578] {
        for n in [0usize, 1, 99, 100, 101, 300, 1234] {
            let mut enc = Encryptor::new(&kr, &opts(suite, 100)).await.unwrap();
            let max = enc.max_message_len(n as u64) as usize;
            let mut msg = enc.update(&data(n)).unwrap();
            msg.extend(enc.finish().unwrap());
            if suite == S0478 {
                assert_eq!(msg.len(), max, "{n} bytes");
            } else {
                assert!(msg.len() <= max && msg.len() + 8 >= max, "{n} bytes: {} of at most {max}", msg.len());
            }
        }
    }
}

#[tokio::test]
async fn encryption_context_rules() {
    let kr = keyring("k", &[3u8; 32]);
    let bad = EncryptOptions { encryption_context: ctx(&[("aws-crypto-public-key", "x")]), ..Default::default() };
    assert_eq!(encrypt(&kr, b"x", &bad).await.unwrap_err().name(), "EncryptionContextError");
    let bad = EncryptOptions { encryption_context: ctx(&[("aws-crypto-anything", "x")]), ..Default::default() };
    assert_eq!(encrypt(&kr, b"x", &bad).await.unwrap_err().name(), "EncryptionContextError");

    let c = ctx(&[("purpose", "test"), ("Zebra", "x"), ("b key", "ü")]);
    for suite in [S0478, S0578] {
        let o = EncryptOptions { suite, encryption_context: c.clone(), ..Default::default() };
        let msg = encrypt(&kr, b"secret", &o).await.unwrap().ciphertext;
        let dec = decrypt(&kr, &msg, &DecryptOptions { encryption_context: ctx(&[("purpose", "test")]), ..Default::default() }).await.unwrap();
        for (k, v) in &c {
            assert_eq!(dec.header.encryption_context.get(k), Some(v));
        }
        assert_eq!(dec.header.encryption_context.contains_key("aws-crypto-public-key"), suite == S0578);
        for expected in [ctx(&[("purpose", "prod")]), ctx(&[("missing", "x")]), ctx(&[("purpose", "test"), ("Zebra", "y")])] {
            let e = decrypt(&kr, &msg, &DecryptOptions { encryption_context: expected.clone(), ..Default::default() }).await.unwrap_err();
            assert_eq!(e.name(), "EncryptionContextError");
            // Streaming: no plaintext either.
            let mut dec = Decryptor::new(&kr, DecryptOptions { encryption_context: expected, ..Default::default() });
            assert_eq!(dec.update(&msg).await.unwrap_err().name(), "EncryptionContextError");
        }
    }
}

#[tokio::test]
async fn options_are_validated() {
    let kr = keyring("k", &[3u8; 32]);
    for frame in [0u64, 1 << 32] {
        assert_eq!(encrypt(&kr, b"x", &opts(S0478, frame)).await.unwrap_err().name(), "ValidationError");
    }
    assert_eq!(encrypt(&kr, b"x", &opts(S0478, u32::MAX as u64)).await.map(|_| ()).map_err(|e| e.name().to_owned()), Ok(()));
    let legacy = EncryptOptions { commitment_policy: CommitmentPolicy::ForbidEncryptAllowDecrypt, ..Default::default() };
    assert_eq!(encrypt(&kr, b"x", &legacy).await.unwrap_err().name(), "CommitmentPolicyError");
}

async fn expect_err(kr: &dyn Keyring, msg: &[u8], name: &str) -> kms_wasm::Error {
    let e = decrypt(kr, msg, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), name, "{e}");
    e
}

#[tokio::test]
async fn truncated_at_every_length() {
    let kr = keyring("k", &[4u8; 32]);
    for suite in [S0478, S0578] {
        let msg = encrypt(&kr, &data(10), &opts(suite, 4)).await.unwrap().ciphertext;
        for cut in 0..msg.len() {
            let e = decrypt(&kr, &msg[..cut], &DecryptOptions::default()).await.unwrap_err();
            assert_eq!(e.name(), "MalformedMessageError", "cut at {cut}: {e}");
            // Streaming: finish reports the truncation.
            let mut dec = Decryptor::new(&kr, DecryptOptions::default());
            let r = dec.update(&msg[..cut]).await;
            assert!(r.is_err() || dec.finish().is_err(), "cut at {cut}");
        }
        let mut longer = msg.clone();
        longer.push(0);
        expect_err(&kr, &longer, "MalformedMessageError").await;
    }
}

#[test]
fn every_flipped_bit_is_rejected() {
    let kr = Arc::new(keyring("k", &[5u8; 32]));
    for suite in [S0478, S0578] {
        let pt = data(10);
        let msg = block_on(encrypt(&*kr, &pt, &opts(suite, 4))).unwrap().ciphertext;
        let hl = header_len(&msg);
        // Two threads: the machine has two cores and signature checks dominate.
        let bits: Vec<usize> = (0..msg.len() * 8).collect();
        let failures: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = bits
                .chunks(bits.len() / 2 + 1)
                .map(|part| {
                    let (kr, msg) = (kr.clone(), &msg);
                    s.spawn(move || {
                        block_on(async move {
                            let mut bad = Vec::new();
                            for &bit in part {
                                let mut m = msg.clone();
                                m[bit / 8] ^= 1 << (bit % 8);
                                match decrypt(&*kr, &m, &DecryptOptions::default()).await {
                                    Ok(_) => bad.push(format!("bit {bit} (byte {}) accepted", bit / 8)),
                                    Err(e) if e.kind() != kms_wasm::ErrorKind::Envelope => bad.push(format!("bit {bit}: {e}")),
                                    Err(_) => {}
                                }
                            }
                            bad
                        })
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        assert!(failures.is_empty(), "{suite:?} (header {hl} of {} bytes): {failures:?}", msg.len());
    }
}

#[tokio::test]
async fn typed_errors_for_header_tampering() {
    let kr = keyring("k", &[6u8; 32]);
    let msg = encrypt(&kr, &data(10), &opts(S0478, 4)).await.unwrap().ciphertext;
    // Unknown suite.
    let mut m = msg.clone();
    m[1..3].copy_from_slice(&[0x09, 0x99]);
    expect_err(&kr, &m, "UnsupportedSuiteError").await;
    // Unknown version.
    let mut m = msg.clone();
    m[0] = 3;
    expect_err(&kr, &m, "MalformedMessageError").await;
    // Frame length 0.
    let hl = header_len(&msg);
    let fl_at = hl - 16 - 32 - 4;
    assert_eq!(&msg[fl_at..fl_at + 4], &4u32.to_be_bytes());
    let mut m = msg.clone();
    m[fl_at..fl_at + 4].copy_from_slice(&[0, 0, 0, 0]);
    expect_err(&kr, &m, "MalformedMessageError").await;
    // Commit key changed: fails (the commitment is checked before the header tag).
    let mut m = msg.clone();
    m[hl - 20] ^= 0x40;
    let e = decrypt(&kr, &m, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "AuthenticationError");
    assert!(e.message().contains("commitment"), "{e}");
    // Header tag changed.
    let mut m = msg.clone();
    m[hl - 1] ^= 1;
    expect_err(&kr, &m, "AuthenticationError").await;
}

#[tokio::test]
async fn frames_out_of_order() {
    let kr = keyring("k", &[7u8; 32]);
    let msg = encrypt(&kr, &data(10), &opts(S0478, 4)).await.unwrap().ciphertext;
    let hl = header_len(&msg);
    let f = 4 + 12 + 4 + 16;
    let mut m = msg[..hl].to_vec();
    m.extend_from_slice(&msg[hl + f..hl + 2 * f]);
    m.extend_from_slice(&msg[hl..hl + f]);
    m.extend_from_slice(&msg[hl + 2 * f..]);
    let e = decrypt(&kr, &m, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "MalformedMessageError");
    assert!(e.message().contains("expected"), "{e}");
    // A dropped frame is out of order too.
    let mut m = msg[..hl].to_vec();
    m.extend_from_slice(&msg[hl + f..]);
    expect_err(&kr, &m, "MalformedMessageError").await;
}

#[tokio::test]
async fn handmade_messages() {
    let kr = keyring("k", &[8u8; 32]);
    let ok = handmade(&kr, 0, &[(1, false, b"abcd"), (2, true, b"ef")], 4, ContentType::Framed).await;
    assert_eq!(&decrypt(&kr, &ok, &DecryptOptions::default()).await.unwrap().plaintext[..], b"abcdef");
    // Final frame exactly the frame length (the JS SDK's form) is accepted.
    let full = handmade(&kr, 0, &[(1, false, b"abcd"), (2, true, b"efgh")], 4, ContentType::Framed).await;
    assert_eq!(&decrypt(&kr, &full, &DecryptOptions::default()).await.unwrap().plaintext[..], b"abcdefgh");
    // Wrong commitment with a valid header tag.
    let bad = handmade(&kr, 1, &[(1, true, b"ab")], 4, ContentType::Framed).await;
    let e = decrypt(&kr, &bad, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!((e.name(), e.message().contains("commitment")), ("AuthenticationError", true), "{e}");
    // Frames with valid tags but out of order.
    let swapped = handmade(&kr, 0, &[(2, false, b"efgh"), (1, false, b"abcd"), (3, true, b"")], 4, ContentType::Framed).await;
    expect_err(&kr, &swapped, "MalformedMessageError").await;
    // Sequence starting at 0.
    let zero = handmade(&kr, 0, &[(0, true, b"ab")], 4, ContentType::Framed).await;
    expect_err(&kr, &zero, "MalformedMessageError").await;
    // A final frame longer than the frame length.
    let long_final = handmade(&kr, 0, &[(1, false, b"abcd"), (2, true, b"efghi")], 4, ContentType::Framed).await;
    let e = expect_err(&kr, &long_final, "MalformedMessageError").await;
    assert!(e.message().contains("exceeds the frame length"), "{e}");
    // Non-framed body (read only).
    let nf = handmade(&kr, 0, &[(1, true, b"non-framed body")], 0, ContentType::NonFramed).await;
    assert_eq!(&decrypt(&kr, &nf, &DecryptOptions::default()).await.unwrap().plaintext[..], b"non-framed body");
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let mut got = Vec::new();
    for c in nf.chunks(3) {
        got.extend_from_slice(&dec.update(c).await.unwrap());
    }
    got.extend_from_slice(&dec.finish().unwrap());
    assert_eq!(got, b"non-framed body");
    // With an external backend (the JS glue's native AES), the body is handed out as one frame.
    let mut dec = Decryptor::new(&kr, DecryptOptions::default()).with_external_frames();
    for c in nf.chunks(3) {
        assert!(dec.update(c).await.unwrap().is_empty(), "left to the backend");
    }
    let frames = dec.take_sealed_frames();
    assert_eq!(frames.len(), 1);
    let f = &frames[0];
    let start = f.body_offset as usize;
    assert_eq!(start + f.body_len, nf.len(), "the body (ciphertext and tag) ends the message");
    let (ct, tag) = nf[start..start + f.body_len].split_at(f.body_len - 16);
    let mut plain = ct.to_vec();
    crypto::FrameCipher::open(&crypto::AesGcmCipher, dec.content_key().unwrap(), &f.iv, &f.aad, &mut plain, tag.try_into().unwrap()).unwrap();
    assert_eq!(plain, b"non-framed body");
    assert!(dec.finish().unwrap().is_empty());
    // A non-framed body claiming more than AES-GCM may seal under one IV (2^36 - 32 bytes) is
    // refused from its length alone.
    let mut too_long = nf.clone();
    let length_at = nf.len() - 16 - b"non-framed body".len() - 8;
    assert_eq!(too_long[length_at..length_at + 8], (b"non-framed body".len() as u64).to_be_bytes());
    too_long[length_at..length_at + 8].copy_from_slice(&((1u64 << 36) - 31).to_be_bytes());
    let e = expect_err(&kr, &too_long, "MalformedMessageError").await;
    assert!(e.message().contains("non-framed body exceeds"), "{e}");
}

/// Decrypts `msg` one-shot and streamed into a caller's buffer: each must fail with `name`,
/// releasing nothing.
async fn refused_releasing_nothing(kr: &RawAesKeyring, msg: &[u8], options: &DecryptOptions, name: &str) -> kms_wasm::Error {
    let e = decrypt(kr, msg, options).await.map(|d| d.plaintext.to_vec()).unwrap_err();
    assert_eq!(e.name(), name, "{e}");
    let mut dec = Decryptor::new(kr, options.clone());
    let mut out = Vec::new();
    assert_eq!(dec.update_into(msg, &mut out).await.unwrap_err().name(), name);
    assert!(out.is_empty(), "streamed plaintext: {out:?}");
    e
}

#[tokio::test]
async fn a_version_1_layout_naming_a_committing_suite_is_malformed() {
    // The v1 layout has no commit key, and the decryptor compares commit keys only when the
    // header has one: a committing suite read from it would pass every policy unchecked.
    let kr = keyring("k", &[8u8; 32]);
    let msg = handmade_v1_layout(&kr, &[(1, false, b"abcd"), (2, true, b"ef")], 4).await;
    for policy in [CommitmentPolicy::RequireEncryptRequireDecrypt, CommitmentPolicy::RequireEncryptAllowDecrypt] {
        let options = DecryptOptions { commitment_policy: policy, ..Default::default() };
        let e = refused_releasing_nothing(&kr, &msg, &options, "MalformedMessageError").await;
        assert!(e.message().contains("0x0478"), "{e}");
    }
}

#[tokio::test]
async fn an_unsigned_message_carrying_a_verification_key_is_malformed() {
    // A public key in the context says the sender signed; under an unsigned suite nothing would
    // check it, so the message is refused rather than read as unsigned.
    let kr = keyring("k", &[8u8; 32]);
    let public_key = crypto::MessageSigner::generate().unwrap().public_key_base64();
    let c = ctx(&[("aws-crypto-public-key", &public_key)]);
    let msg = handmade_with_context(&kr, &c, 0, &[(1, true, b"ab")], 4, ContentType::Framed).await;
    let e = refused_releasing_nothing(&kr, &msg, &DecryptOptions::default(), "MalformedMessageError").await;
    assert!(e.message().contains("aws-crypto-public-key"), "{e}");
}

#[tokio::test]
async fn update_into_leaves_the_callers_buffer_as_it_was_on_error() {
    // Its promise: nothing is appended on error, even when frames that verified precede the
    // failing one in the same call (their plaintext was already written to the buffer).
    let kr = keyring("k", &[2u8; 32]);
    let pt = data(250);
    let msg = encrypt(&kr, &pt, &opts(S0478, 100)).await.unwrap().ciphertext;
    let mut bad = msg.clone();
    let at = bad.len() - 20; // the final frame's ciphertext
    bad[at] ^= 1;
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let mut out = b"caller's bytes".to_vec();
    assert_eq!(dec.update_into(&bad, &mut out).await.unwrap_err().name(), "AuthenticationError");
    assert_eq!(out, b"caller's bytes", "nothing appended on error");
    // What an earlier call appended stays; only the failing call's bytes go.
    let hl = header_len(&msg);
    let first = hl + 4 + 12 + 100 + 16;
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let mut out = b"caller's bytes".to_vec();
    dec.update_into(&bad[..first], &mut out).await.unwrap();
    let kept = out.clone();
    assert_eq!(&kept[14..], &pt[..100]);
    assert_eq!(dec.update_into(&bad[first..], &mut out).await.unwrap_err().name(), "AuthenticationError");
    assert_eq!(out, kept, "nothing appended on error");
}

#[tokio::test]
async fn a_frame_is_opened_with_the_iv_it_carries_as_the_other_sdks_do() {
    // The spec asks only that IVs be unique within a message, and the official commitment test
    // vectors carry IVs other than the sequence number, which client-node and the Python SDK open.
    // A frame sealed under another IV then decrypts, one-shot and streamed; a changed IV byte
    // that nobody re-sealed fails the frame's tag.
    let kr = keyring("k", &[0x15; 32]);
    let pt = data(10);
    let msg = encrypt(&kr, &pt, &opts(S0478, 4)).await.unwrap().ciphertext;
    let parsed = format::parse_header(&msg, 100).unwrap().unwrap();
    let h = &parsed.header;
    // The content key as the writer derives it: unwrap the EDK, then the format's HKDF.
    let materials = DecryptionMaterials { suite: h.suite, encryption_context: h.encryption_context.clone(), data_key: None };
    let data_key = kr.on_decrypt(materials, &h.encrypted_data_keys).await.unwrap().data_key.unwrap();
    let (key, _) = crypto::derive_keys(h.suite, data_key.expose(), &h.message_id).unwrap();
    // Frame 2 (plaintext bytes 4..8) sealed under an IV whose first bytes are set.
    let (hl, f) = (parsed.total_len, 4 + 12 + 4 + 16);
    let mut iv = crypto::frame_iv(2);
    iv[..8].fill(0xff);
    let mut ct = pt[4..8].to_vec();
    let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, &key, &iv, &crypto::body_aad(&h.message_id, BodyAadKind::Frame, 2, 4), &mut ct).unwrap();
    let mut other_iv = msg[..hl + f].to_vec();
    format::write_frame(&mut other_iv, 2, false, &iv, &ct, &tag);
    other_iv.extend_from_slice(&msg[hl + 2 * f..]);
    assert_eq!(other_iv.len(), msg.len());
    assert_ne!(other_iv, msg);
    assert_eq!(*decrypt(&kr, &other_iv, &DecryptOptions::default()).await.unwrap().plaintext, pt);
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let mut streamed = dec.update(&other_iv[..hl + f + 7]).await.unwrap().to_vec();
    streamed.extend_from_slice(&dec.update(&other_iv[hl + f + 7..]).await.unwrap());
    dec.finish().unwrap();
    assert_eq!(streamed, pt);
    // The same IV byte changed without re-sealing.
    let mut changed = msg.clone();
    changed[hl + f + 4] ^= 1;
    expect_err(&kr, &changed, "AuthenticationError").await;
}

#[tokio::test]
async fn signature_swapped_or_missing() {
    let kr = keyring("k", &[9u8; 32]);
    let a = encrypt(&kr, b"same", &opts(S0578, 100)).await.unwrap().ciphertext;
    let b = encrypt(&kr, b"same", &opts(S0578, 100)).await.unwrap().ciphertext;
    let footer = |m: &[u8]| {
        let hl = header_len(m);
        hl + (4 + 4 + 12 + 4 + 4 + 16)
    };
    let (fa, fb) = (footer(&a), footer(&b));
    // a's body with b's footer: a valid signature of another message.
    let mut m = a[..fa].to_vec();
    m.extend_from_slice(&b[fb..]);
    expect_err(&kr, &m, "SignatureError").await;
    // Footer cut off entirely.
    expect_err(&kr, &a[..fa], "MalformedMessageError").await;
    // Empty signature.
    let mut m = a[..fa].to_vec();
    m.extend_from_slice(&[0, 0]);
    expect_err(&kr, &m, "SignatureError").await;
}

#[tokio::test]
async fn edk_limits_and_unusable_keys() {
    let k1: Arc<dyn Keyring> = Arc::new(keyring("k1", &[1u8; 32]));
    let k2: Arc<dyn Keyring> = Arc::new(keyring("k2", &[2u8; 32]));
    let k3: Arc<dyn Keyring> = Arc::new(keyring("k3", &[3u8; 32]));
    let multi = MultiKeyring::new(Some(k1.clone()), vec![k2.clone(), k3.clone()]).unwrap();
    let msg = encrypt(&multi, b"three keys", &opts(S0578, 100)).await.unwrap();
    assert_eq!(msg.header.encrypted_data_keys.len(), 3);
    let msg = msg.ciphertext;
    for k in [&k1, &k2, &k3] {
        assert_eq!(&decrypt(&**k, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..], b"three keys");
    }
    let limited = |n| DecryptOptions { max_encrypted_data_keys: Some(n), ..Default::default() };
    assert_eq!(decrypt(&*k3, &msg, &limited(2)).await.unwrap_err().name(), "TooManyEncryptedDataKeysError");
    assert!(decrypt(&*k3, &msg, &limited(3)).await.is_ok());
    // Streaming fails as soon as the count is read.
    let mut dec = Decryptor::new(&*k3, limited(1));
    assert_eq!(dec.update(&msg[..200]).await.unwrap_err().name(), "TooManyEncryptedDataKeysError");
    // On encrypt the limit refuses to write such a message at all (one-shot and streaming).
    let at_most = |n| EncryptOptions { max_encrypted_data_keys: Some(n), ..opts(S0578, 100) };
    assert_eq!(encrypt(&multi, b"three keys", &at_most(2)).await.unwrap_err().name(), "TooManyEncryptedDataKeysError");
    assert_eq!(Encryptor::new(&multi, &at_most(2)).await.err().map(|e| e.name().to_owned()).as_deref(), Some("TooManyEncryptedDataKeysError"));
    assert_eq!(encrypt(&multi, b"three keys", &at_most(3)).await.unwrap().header.encrypted_data_keys.len(), 3);

    // Keyrings the message was not encrypted for.
    expect_err(&keyring("other", &[1u8; 32]), &msg, "NoUsableKeyError").await;
    expect_err(&keyring("k1", &[7u8; 32]), &msg, "NoUsableKeyError").await;
    let ns = RawAesKeyring::new("other-ns", "k1", &[1u8; 32]).unwrap();
    expect_err(&ns, &msg, "NoUsableKeyError").await;
    let wrong = MultiKeyring::new(None, vec![Arc::new(keyring("x", &[1u8; 32])), Arc::new(keyring("y", &[1u8; 32]))]).unwrap();
    let e = decrypt(&wrong, &msg, &DecryptOptions::default()).await.unwrap_err();
    assert_eq!(e.name(), "NoUsableKeyError");
    // Multi-keyring decrypt falls through to a child that works.
    let good = MultiKeyring::new(None, vec![Arc::new(keyring("x", &[1u8; 32])), k2.clone()]).unwrap();
    assert!(decrypt(&good, &msg, &DecryptOptions::default()).await.is_ok());
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let kr = keyring("k", &[0xAB; 32]);
    assert!(!format!("{kr:?}").contains("171"));
    let out = encrypt(&kr, b"TOPSECRETPLAINTEXT", &EncryptOptions::default()).await.unwrap();
    let dec = decrypt(&kr, &out.ciphertext, &DecryptOptions::default()).await.unwrap();
    assert!(!format!("{dec:?}").contains("TOPSECRET"));
    let enc = Encryptor::new(&kr, &EncryptOptions::default()).await.unwrap();
    let dbg = format!("{enc:?} {:?}", enc.content_key());
    assert!(dbg.contains("redacted") || !dbg.contains("content_key"));
}

#[tokio::test]
async fn policy_on_decrypt() {
    // A legacy v1 suite is refused under the default policy before any key use.
    let kr = keyring("k", &[1u8; 32]);
    let mut m = vec![1u8, 0x80, 0x01, 0x78];
    m.extend_from_slice(&[0u8; 16]);
    m.extend_from_slice(&[0, 0, 0, 1, 0, 1, b'n', 0, 1, b'k', 0, 1, 0, 2, 0, 0, 0, 0, 12, 0, 0, 0, 4]);
    m.extend_from_slice(&[0u8; 28]);
    expect_err(&kr, &m, "CommitmentPolicyError").await;
    let relaxed = DecryptOptions { commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt, ..Default::default() };
    assert_eq!(decrypt(&kr, &m, &relaxed).await.unwrap_err().name(), "NoUsableKeyError");
}

/// A second AES-GCM backend (delegating, counting calls) stands in for WebCrypto.
struct CountingCipher(std::sync::atomic::AtomicU32);

impl crypto::FrameCipher for CountingCipher {
    fn seal(&self, key: &crypto::ContentKey, iv: &[u8; 12], aad: &[u8], in_out: &mut [u8]) -> kms_wasm::Result<[u8; 16]> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        crypto::AesGcmCipher.seal(key, iv, aad, in_out)
    }
    fn open(&self, key: &crypto::ContentKey, iv: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &[u8; 16]) -> kms_wasm::Result<()> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        crypto::AesGcmCipher.open(key, iv, aad, in_out, tag)
    }
}

#[tokio::test]
async fn pluggable_frame_cipher_and_external_frames() {
    let kr = keyring("k", &[0x11; 32]);
    let pt = data(2500);
    for suite in [S0478, S0578] {
        // A custom backend through the Encryptor and Decryptor.
        let enc = Encryptor::new(&kr, &opts(suite, 1000)).await.unwrap();
        let mut enc = enc.with_frame_cipher(Box::new(CountingCipher(Default::default())));
        let mut msg = enc.update(&pt).unwrap();
        msg.extend(enc.finish().unwrap());
        let mut dec = Decryptor::new(&kr, DecryptOptions::default()).with_frame_cipher(Box::new(CountingCipher(Default::default())));
        let mut got = dec.update(&msg).await.unwrap();
        got.extend_from_slice(&dec.finish().unwrap());
        assert_eq!(*got, pt);

        // Frames built outside the Encryptor from the exposed pieces (what a
        // WebCrypto layer with several frames in flight does).
        let frames = |key: &crypto::ContentKey, message_id: &[u8]| -> Vec<Vec<u8>> {
            let chunks: Vec<&[u8]> = pt.chunks(1000).collect();
            let n = chunks.len();
            chunks
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let seq = i as u32 + 1;
                    let is_final = i + 1 == n && c.len() < 1000;
                    let kind = if is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
                    let iv = crypto::frame_iv(seq);
                    let mut ct = c.to_vec();
                    let tag = crypto::FrameCipher::seal(&crypto::AesGcmCipher, key, &iv, &crypto::body_aad(message_id, kind, seq, c.len() as u64), &mut ct).unwrap();
                    let mut frame = Vec::new();
                    format::write_frame(&mut frame, seq, is_final, &iv, &ct, &tag);
                    frame
                })
                .collect()
        };
        // Byte-identical to the Encryptor's own frames for the same key and message id.
        let mut enc = Encryptor::new(&kr, &opts(suite, 1000)).await.unwrap();
        let ext: Vec<u8> = frames(enc.content_key(), &enc.header().message_id.clone()).concat();
        let hl = enc.take_header_bytes().len();
        let mut internal = enc.update(&pt).unwrap();
        internal.extend(enc.finish().unwrap());
        assert_eq!(&internal[..ext.len()], &ext[..]);
        assert!(hl > 0);
        // And with the signature fed in order, a valid message.
        let mut enc = Encryptor::new(&kr, &opts(suite, 1000)).await.unwrap();
        let (key, message_id) = (enc.content_key().clone(), enc.header().message_id.clone());
        let mut external = enc.take_header_bytes();
        for frame in frames(&key, &message_id) {
            enc.absorb_body_bytes(&frame);
            external.extend(frame);
        }
        external.extend(enc.external_footer().unwrap());
        let dec = decrypt(&kr, &external, &DecryptOptions::default()).await.unwrap();
        assert_eq!(&dec.plaintext[..], &pt[..]);
    }
}

#[tokio::test]
async fn frame_length_limit_on_decrypt() {
    let kr = keyring("k", &[0x12; 32]);
    let msg = encrypt(&kr, &data(300), &opts(S0578, 100)).await.unwrap().ciphertext;
    let limit = |n| DecryptOptions { max_frame_length: Some(n), ..Default::default() };
    assert_eq!(decrypt(&kr, &msg, &limit(99)).await.unwrap_err().name(), "LimitExceededError");
    assert!(decrypt(&kr, &msg, &limit(100)).await.is_ok());
    let nf = handmade(&kr, 0, &[(1, true, b"0123456789")], 0, ContentType::NonFramed).await;
    assert_eq!(decrypt(&kr, &nf, &limit(9)).await.unwrap_err().name(), "LimitExceededError");
    assert!(decrypt(&kr, &nf, &limit(10)).await.is_ok());
    let zero = DecryptOptions { max_encrypted_data_keys: Some(0), ..Default::default() };
    assert_eq!(decrypt(&kr, &msg, &zero).await.unwrap_err().name(), "ValidationError");
}

/// Native throughput, for the record: `cargo test --release --test envelope_format -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn throughput() {
    let kr = keyring("k", &[0x13; 32]);
    let pt = data(64 << 20);
    for suite in [S0478, S0578] {
        let t = std::time::Instant::now();
        let msg = encrypt(&kr, &pt, &opts(suite, 65536)).await.unwrap().ciphertext;
        let enc = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let dec = decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap();
        let dect = t.elapsed().as_secs_f64();
        assert_eq!(dec.plaintext.len(), pt.len());
        println!("{suite:?}: encrypt {:.0} MB/s, decrypt {:.0} MB/s (64 MiB)", 64.0 * 1.048576 / enc, 64.0 * 1.048576 / dect);
    }
}

#[tokio::test]
async fn oversized_context_is_rejected() {
    let kr = keyring("k", &[0x14; 32]);
    let big: EncryptionContext = (0..700).map(|i| (format!("key-{i:04}"), "v".repeat(90))).collect();
    let o = EncryptOptions { encryption_context: big, ..Default::default() };
    assert_eq!(encrypt(&kr, b"x", &o).await.unwrap_err().name(), "EncryptionContextError");
}

#[tokio::test]
async fn header_stays_readable_after_a_later_frame_fails() {
    let kr = keyring("k", &[2u8; 32]);
    let msg = encrypt(&kr, &data(250), &opts(S0478, 100)).await.unwrap().ciphertext;
    let mut bad = msg.clone();
    let at = bad.len() - 20; // the final frame's ciphertext
    bad[at] ^= 1;
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    let e = dec.update(&bad).await.unwrap_err();
    assert_eq!(e.name(), "AuthenticationError");
    let mut ok = Decryptor::new(&kr, DecryptOptions::default());
    ok.update(&msg).await.unwrap();
    assert_eq!(dec.header(), ok.header(), "the verified header, unchanged by the failure");
    assert!(dec.update(&[]).await.is_err(), "the decryptor stays failed");
}

#[tokio::test]
async fn a_multi_keyring_with_a_generator_refuses_materials_that_already_hold_a_data_key() {
    // Nested: the outer multi-keyring's generator makes the key, then hands it to a child that has
    // its own generator. The spec: that child MUST fail rather than replace or ignore the key.
    let inner: Arc<dyn Keyring> = Arc::new(MultiKeyring::new(Some(Arc::new(keyring("g2", &[2u8; 32]))), vec![]).unwrap());
    let outer = MultiKeyring::new(Some(Arc::new(keyring("g1", &[1u8; 32]))), vec![inner]).unwrap();
    assert_eq!(encrypt(&outer, b"x", &opts(S0578, 100)).await.unwrap_err().name(), "KeyringError");
    // Without its own generator the child wraps the key it is given.
    let child: Arc<dyn Keyring> = Arc::new(MultiKeyring::new(None, vec![Arc::new(keyring("c", &[3u8; 32]))]).unwrap());
    let ok = MultiKeyring::new(Some(Arc::new(keyring("g1", &[1u8; 32]))), vec![child]).unwrap();
    assert_eq!(encrypt(&ok, b"x", &opts(S0578, 100)).await.unwrap().header.encrypted_data_keys.len(), 2);
}

/// A keyring of the caller's own that counts its calls and gives data keys of `key_len` bytes.
struct CountingKeyring {
    key_len: usize,
    calls: std::sync::atomic::AtomicU32,
}

impl Keyring for CountingKeyring {
    fn on_encrypt<'a>(&'a self, mut m: kms_wasm::envelope::EncryptionMaterials) -> kms_wasm::platform::BoxFuture<'a, kms_wasm::Result<kms_wasm::envelope::EncryptionMaterials>> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            m.data_key = Some(kms_wasm::envelope::DataKey::new(vec![1; self.key_len]));
            m.encrypted_data_keys.push(kms_wasm::envelope::EncryptedDataKey { provider_id: "mine".into(), provider_info: vec![1], ciphertext: vec![1] });
            Ok(m)
        })
    }
    fn on_decrypt<'a>(&'a self, m: DecryptionMaterials, _edks: &'a [kms_wasm::envelope::EncryptedDataKey]) -> kms_wasm::platform::BoxFuture<'a, kms_wasm::Result<DecryptionMaterials>> {
        Box::pin(async move { Ok(m) })
    }
}

#[tokio::test]
async fn a_keyring_is_not_called_for_options_refused_anyway_and_its_misfit_data_key_is_a_keyring_error() {
    // A limit of 0 EDKs is refused before the keyring runs (a KMS keyring would call GenerateDataKey).
    let counting = CountingKeyring { key_len: 32, calls: Default::default() };
    let zero = EncryptOptions { max_encrypted_data_keys: Some(0), ..opts(S0578, 100) };
    let e = encrypt(&counting, b"x", &zero).await.unwrap_err();
    assert_eq!((e.name(), e.field()), ("ValidationError", Some("maxEncryptedDataKeys")), "{e}");
    assert_eq!(counting.calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(encrypt(&counting, b"x", &opts(S0578, 100)).await.is_ok());
    // A data key that does not fit the suite is the keyring's fault, not a verdict on a key.
    let short = CountingKeyring { key_len: 5, calls: Default::default() };
    let e = encrypt(&short, b"x", &opts(S0478, 100)).await.unwrap_err();
    assert_eq!(e.name(), "KeyringError", "{e}");
    assert!(e.message().contains("5 bytes"), "{e}");
}

/// A keyring that takes its time to unwrap, as a KMS keyring does; or that changes the context.
struct Slow(RawAesKeyring, bool);

impl Keyring for Slow {
    fn on_encrypt<'a>(&'a self, materials: kms_wasm::envelope::EncryptionMaterials) -> kms_wasm::platform::BoxFuture<'a, kms_wasm::Result<kms_wasm::envelope::EncryptionMaterials>> {
        Box::pin(async move {
            let mut m = self.0.on_encrypt(materials).await?;
            if self.1 {
                m.encryption_context.insert("tenant".into(), "someone else".into());
            }
            Ok(m)
        })
    }
    fn on_decrypt<'a>(&'a self, materials: DecryptionMaterials, edks: &'a [kms_wasm::envelope::EncryptedDataKey]) -> kms_wasm::platform::BoxFuture<'a, kms_wasm::Result<DecryptionMaterials>> {
        Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            self.0.on_decrypt(materials, edks).await
        })
    }
}

/// A frame cipher that fails its `n`-th seal (as a failing external backend would).
struct FailingSeal(std::sync::atomic::AtomicUsize, usize);

impl crypto::FrameCipher for FailingSeal {
    fn seal(&self, key: &crypto::ContentKey, iv: &[u8; 12], aad: &[u8], in_out: &mut [u8]) -> kms_wasm::Result<[u8; 16]> {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == self.1 {
            return Err(kms_wasm::Error::envelope("BackendError", "the backend failed"));
        }
        crypto::AesGcmCipher.seal(key, iv, aad, in_out)
    }
    fn open(&self, key: &crypto::ContentKey, iv: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &[u8; 16]) -> kms_wasm::Result<()> {
        crypto::AesGcmCipher.open(key, iv, aad, in_out, tag)
    }
}

#[tokio::test]
async fn a_decryptor_whose_update_was_cancelled_or_failed_refuses_to_go_on_with_stream_state_error() {
    let kr = keyring("k", &[6u8; 32]);
    let msg = encrypt(&kr, &data(500), &opts(S0478, 128)).await.unwrap().ciphertext;
    let slow = Slow(keyring("k", &[6u8; 32]), false);
    // The header in two chunks; the second update is cancelled while the keyring works.
    let mut dec = Decryptor::new(&slow, DecryptOptions::default());
    let (first, rest) = msg.split_at(20);
    assert!(dec.update(first).await.unwrap().is_empty());
    assert!(tokio::time::timeout(std::time::Duration::from_millis(20), dec.update(rest)).await.is_err(), "cancelled part-way");
    let e = dec.update(rest).await.unwrap_err();
    assert_eq!(e.name(), "StreamStateError", "{e}");
    assert_eq!(dec.finish().unwrap_err().name(), "StreamStateError");
    // Uncancelled, the same chunks decrypt.
    let mut dec = Decryptor::new(&slow, DecryptOptions::default());
    let mut got = dec.update(first).await.unwrap().to_vec();
    got.extend_from_slice(&dec.update(rest).await.unwrap());
    got.extend_from_slice(&dec.finish().unwrap());
    assert_eq!(got, data(500));
    // After a failure, what follows says the decryptor failed, not that the message is bad.
    let mut dec = Decryptor::new(&kr, DecryptOptions::default());
    assert_eq!(dec.update(b"not a message at all").await.unwrap_err().name(), "MalformedMessageError");
    assert_eq!(dec.update(&msg).await.unwrap_err().name(), "StreamStateError");
}

#[tokio::test]
async fn an_encryptor_whose_frame_failed_refuses_to_go_on_and_a_keyring_may_not_change_the_context() {
    let kr = keyring("k", &[7u8; 32]);
    let mut enc = Encryptor::new(&kr, &opts(S0478, 100)).await.unwrap().with_frame_cipher(Box::new(FailingSeal(Default::default(), 2)));
    assert!(!enc.update(&data(100)).unwrap().is_empty(), "the header and frame 1");
    assert_eq!(enc.update(&data(100)).unwrap_err().name(), "BackendError", "frame 2's seal fails");
    assert_eq!(enc.update(&data(100)).unwrap_err().name(), "StreamStateError", "no frame 3 after a lost frame 2");
    assert_eq!(enc.finish().unwrap_err().name(), "StreamStateError");
    // A keyring that hands back another context: the message would be bound to pairs the caller never gave.
    let e = encrypt(&Slow(kr, true), &data(10), &EncryptOptions { encryption_context: ctx(&[("tenant", "t1")]), ..opts(S0478, 100) }).await.unwrap_err();
    assert_eq!(e.name(), "KeyringError", "{e}");
}
