//! Streaming encryption and decryption: chunks in, message bytes out, with
//! memory bounded by the frame length.
//!
//! The [`Encryptor`] emits each frame as soon as it has a frame length of
//! plaintext, so it holds less than one frame; the final frame is therefore
//! empty when the plaintext is a multiple of the frame length (the form
//! aws-encryption-cli 4.3.0 requires).
//!
//! The [`Decryptor`] releases a frame's plaintext only after that frame's tag
//! verified. For signing suites (0x0578) it withholds the final frame until
//! the footer signature verified; earlier frames are released before the
//! signature is checked, as the spec allows, so a caller that must not act on
//! unsigned data should wait for [`Decryptor::finish`] (or use one-shot
//! [`super::decrypt`], which releases nothing unless everything verifies).
//! A non-framed body (read only) is necessarily buffered whole.

use zeroize::Zeroizing;

use super::context::{self, PUBLIC_KEY_FIELD};
use super::crypto::{self, AesGcmCipher, BodyAadKind, ContentKey, FrameCipher, MessageSigner, MessageVerifier, IV_LEN, TAG_LEN};
use super::format::{self, ContentType, MessageHeader, NON_FRAMED_PREFIX_LEN};
use super::suite::{AlgorithmSuite, SignatureAlgorithm};
use super::keyring::{DecryptionMaterials, EncryptionMaterials, Keyring};
use super::{DecryptOptions, EncryptOptions};
use crate::error::{Error, Result};
use crate::platform;

fn malformed(msg: impl Into<String>) -> Error {
    Error::envelope("MalformedMessageError", msg)
}

/// A call the encryptor or decryptor cannot take in its state (failed, finished, cut off).
fn stream_state(msg: &'static str) -> Error {
    Error::envelope("StreamStateError", msg)
}

/// Encrypts a stream of plaintext chunks into one message.
pub struct Encryptor {
    header: MessageHeader,
    header_bytes: Vec<u8>,
    header_emitted: bool,
    key: ContentKey,
    cipher: Box<dyn FrameCipher>,
    signer: Option<MessageSigner>,
    pending: Zeroizing<Vec<u8>>,
    frame_len: usize,
    seq: u32,
    /// An update failed: the message cannot be completed.
    failed: bool,
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encryptor").field("header", &self.header).field("frames", &self.seq).finish_non_exhaustive()
    }
}

impl Encryptor {
    /// Gets a data key from `keyring` and prepares the header.
    ///
    /// Errors: `CommitmentPolicyError` for a non-committing suite,
    /// `ValidationError` for a frame length of 0 or above 2^32−1,
    /// `EncryptionContextError` for reserved keys, and whatever the keyring fails with.
    pub async fn new<K: Keyring + ?Sized>(keyring: &K, options: &EncryptOptions) -> Result<Self> {
        let suite = options.suite;
        options.commitment_policy.check_encrypt(suite)?;
        let frame_length = u32::try_from(options.frame_length)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| Error::validation("frameLength", format!("must be between 1 and {} bytes, not {}", u32::MAX, options.frame_length)))?;
        context::check_no_reserved(&options.encryption_context)?;
        // Before the keyring runs (a KMS keyring would call GenerateDataKey first), as decrypt refuses it.
        if options.max_encrypted_data_keys == Some(0) {
            return Err(Error::validation("maxEncryptedDataKeys", "must be at least 1"));
        }
        let mut ctx = options.encryption_context.clone();
        let signer = if suite.is_signing() {
            let s = MessageSigner::generate()?;
            ctx.insert(PUBLIC_KEY_FIELD.to_owned(), s.public_key_base64());
            Some(s)
        } else {
            None
        };
        // Fail on an oversized context before calling the keyring.
        context::serialize(&ctx)?;
        let asked = ctx.clone();
        let m = keyring.on_encrypt(EncryptionMaterials { suite, encryption_context: ctx, data_key: None, encrypted_data_keys: Vec::new() }).await?;
        // The header carries the context the keyring hands back: one that changed it (a keyring
        // of the caller's) would write a message bound to pairs the caller never gave.
        if m.encryption_context != asked {
            return Err(Error::envelope("KeyringError", "the keyring changed the encryption context (a keyring must leave it as it is)"));
        }
        let data_key = m.data_key.ok_or_else(|| Error::envelope("KeyringError", "the keyring produced no data key"))?;
        if m.encrypted_data_keys.is_empty() {
            return Err(Error::envelope("KeyringError", "the keyring produced no encrypted data key"));
        }
        // As the spec's encrypt requires: a client that would refuse the message on decrypt does not write it.
        if let Some(max) = options.max_encrypted_data_keys.filter(|max| m.encrypted_data_keys.len() > *max) {
            return Err(Error::envelope("TooManyEncryptedDataKeysError", format!("the keyring made {} encrypted data keys; at most {max} are allowed", m.encrypted_data_keys.len())));
        }
        let mut message_id = vec![0u8; suite.message_id_len()];
        platform::fill_random(&mut message_id)?;
        let (key, commitment) = crypto::derive_keys(suite, data_key.expose(), &message_id)?;
        let header = MessageHeader {
            version: 2,
            suite,
            message_id,
            encryption_context: m.encryption_context,
            encrypted_data_keys: m.encrypted_data_keys,
            content_type: ContentType::Framed,
            frame_length,
            commitment: commitment.map(|c| *c),
        };
        let cipher: Box<dyn FrameCipher> = Box::new(AesGcmCipher);
        let mut header_bytes = header.serialize_v2()?;
        let tag = crypto::header_auth_tag(cipher.as_ref(), &key, &header_bytes, &[0u8; IV_LEN])?;
        header_bytes.extend_from_slice(&tag);
        let mut signer = signer;
        if let Some(s) = signer.as_mut() {
            s.update(&header_bytes);
        }
        Ok(Encryptor { header, header_bytes, header_emitted: false, key, cipher, signer, pending: Zeroizing::new(Vec::new()), frame_len: frame_length as usize, seq: 0, failed: false })
    }

    /// Replaces the AES-GCM backend of the frames (the header tag is already computed).
    pub fn with_frame_cipher(mut self, cipher: Box<dyn FrameCipher>) -> Self {
        self.cipher = cipher;
        self
    }

    /// The header of the message being written.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Encrypts `chunk`, returning the message bytes ready so far (the header first).
    pub fn update(&mut self, chunk: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(chunk.len() + 64);
        self.update_into(chunk, &mut out)?;
        Ok(out)
    }

    /// Like [`update`](Self::update), appending to `out`. After an error (a frame cipher that
    /// failed, too many frames) the encryptor refuses to go on: `StreamStateError`.
    pub fn update_into(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if self.failed {
            return Err(stream_state("the encryptor already failed"));
        }
        let mark = out.len();
        let r = self.seal_chunk(chunk, out);
        if r.is_err() {
            // A frame is lost (its sequence number taken): what follows could not be decrypted.
            self.failed = true;
            zeroize::Zeroize::zeroize(&mut *self.pending);
            out.truncate(mark);
        }
        r
    }

    fn seal_chunk(&mut self, mut chunk: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.emit_header(out);
        if !self.pending.is_empty() {
            let take = (self.frame_len - self.pending.len()).min(chunk.len());
            extend_wiping(&mut self.pending, &chunk[..take]);
            chunk = &chunk[take..];
            if self.pending.len() == self.frame_len {
                let mut pending = std::mem::take(&mut self.pending);
                self.seal_frame(&pending, false, out)?;
                zeroize::Zeroize::zeroize(&mut *pending); // keeps the allocation for the next frame
                self.pending = pending;
            }
        }
        while chunk.len() >= self.frame_len {
            let (frame, rest) = chunk.split_at(self.frame_len);
            self.seal_frame(frame, false, out)?;
            chunk = rest;
        }
        extend_wiping(&mut self.pending, chunk);
        Ok(())
    }

    /// Writes the final frame (holding whatever is pending, possibly nothing) and the footer.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        if self.failed {
            return Err(stream_state("the encryptor already failed"));
        }
        let mut out = Vec::with_capacity(self.pending.len() + 200);
        self.emit_header(&mut out);
        let pending = std::mem::take(&mut self.pending);
        self.seal_frame(&pending, true, &mut out)?;
        if let Some(s) = self.signer.take() {
            out.extend_from_slice(&s.footer()?);
        }
        Ok(out)
    }

    fn emit_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_emitted {
            out.extend_from_slice(&self.header_bytes);
            self.header_emitted = true;
        }
    }

    fn seal_frame(&mut self, plaintext: &[u8], is_final: bool, out: &mut Vec<u8>) -> Result<()> {
        // Regular frames may use 1..2^32-2; 0xFFFFFFFF marks the final frame.
        let seq =
            self.seq.checked_add(1).filter(|&s| is_final || s < format::SEQUENCE_NUMBER_END).ok_or_else(|| Error::validation("plaintext", "too many frames for one message"))?;
        self.seq = seq;
        let start = out.len();
        let iv = crypto::frame_iv(seq);
        let kind = if is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
        let aad = crypto::body_aad(&self.header.message_id, kind, seq, plaintext.len() as u64);
        format::write_frame_prefix(out, seq, is_final, &iv, plaintext.len() as u32);
        let ct_start = out.len();
        out.extend_from_slice(plaintext);
        let tag = self.cipher.seal(&self.key, &iv, &aad, &mut out[ct_start..])?;
        out.extend_from_slice(&tag);
        if let Some(s) = self.signer.as_mut() {
            s.update(&out[start..]);
        }
        Ok(())
    }

    /// The derived content key, for an external (WebCrypto) frame backend.
    #[doc(hidden)]
    pub fn content_key(&self) -> &ContentKey {
        &self.key
    }

    /// The most bytes the whole message takes for a `plaintext_len`-byte plaintext (a signed
    /// message's footer may come out a few bytes shorter), for a caller that writes it into
    /// one buffer.
    #[doc(hidden)]
    pub fn max_message_len(&self, plaintext_len: u64) -> u64 {
        let footer = if self.signer.is_some() { crypto::MAX_FOOTER_LEN } else { 0 };
        ((self.header_bytes.len() + footer) as u64).saturating_add(format::framed_body_len(self.header.frame_length, plaintext_len))
    }

    /// Header body and auth tag; marks the header as emitted, so a caller that
    /// writes frames itself gets it once.
    #[doc(hidden)]
    pub fn take_header_bytes(&mut self) -> Vec<u8> {
        self.header_emitted = true;
        self.header_bytes.clone()
    }

    /// Feeds frame bytes written by an external backend into the signature hash; call in message order.
    #[doc(hidden)]
    pub fn absorb_body_bytes(&mut self, bytes: &[u8]) {
        if let Some(s) = self.signer.as_mut() {
            s.update(bytes);
        }
    }

    /// The footer (empty for unsigned suites) after an external backend wrote all frames.
    #[doc(hidden)]
    pub fn external_footer(mut self) -> Result<Vec<u8>> {
        match self.signer.take() {
            Some(s) => s.footer(),
            None => Ok(Vec::new()),
        }
    }

    /// Like [`external_footer`](Self::external_footer), signing a SHA-384 of the message
    /// (header and every frame, in order) that the caller computed with a native hash.
    #[doc(hidden)]
    pub fn external_footer_for_digest(mut self, digest: &[u8]) -> Result<Vec<u8>> {
        match self.signer.take() {
            Some(s) => s.footer_for_digest(digest),
            None => Ok(Vec::new()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Header,
    Frames,
    NonFramed,
    /// A non-framed body handed to the external backend: its bytes pass through, unbuffered.
    NonFramedBody,
    Footer,
    /// Footer read; waiting for the caller's digest ([`Decryptor::finish_with_digest`]).
    AwaitingDigest,
    Done,
    Failed,
}

/// Appends plaintext `bytes` to `buf`; when `buf` must grow, its old allocation is wiped before
/// it is freed (a plain `extend` would leave a copy of the plaintext behind in freed memory).
fn extend_wiping(buf: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    if buf.capacity() - buf.len() < bytes.len() {
        let mut grown = Zeroizing::new(Vec::with_capacity((buf.len() + bytes.len()).max(2 * buf.capacity())));
        grown.extend_from_slice(buf);
        *buf = grown;
    }
    buf.extend_from_slice(bytes);
}

/// The most of a message a decryptor buffers at once: an element (header, frame, non-framed
/// body) begun in one chunk and not yet complete. In wasm, memory ends at 4 GiB and running out
/// traps instead of failing, so an element over this (from a hostile header stuffed with keys,
/// or a non-framed body or frame of gigabytes) is a `LimitExceededError`; natively, only memory
/// bounds it.
pub const MAX_BUFFERED: usize = if cfg!(target_arch = "wasm32") { 512 << 20 } else { usize::MAX };

/// An element over [`MAX_BUFFERED`].
fn over_max_buffered() -> Error {
    Error::envelope("LimitExceededError", "a header, frame or body over 512 MiB: more than wasm can buffer")
}

/// Appends `bytes` to what a decryptor buffers, failing when it would pass [`MAX_BUFFERED`].
fn buffer_more(buf: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_BUFFERED - buf.len() {
        return Err(over_max_buffered());
    }
    buf.extend_from_slice(bytes);
    Ok(())
}

/// Decrypts a message given in chunks of any size.
pub struct Decryptor<K: Keyring> {
    keyring: K,
    options: DecryptOptions,
    cipher: Box<dyn FrameCipher>,
    state: State,
    input: Vec<u8>,
    header: Option<MessageHeader>,
    key: Option<ContentKey>,
    verifier: Option<MessageVerifier>,
    next_seq: u32,
    held: Zeroizing<Vec<u8>>,
    /// `Some` when an external backend opens the frames (see [`Decryptor::with_external_frames`]).
    sealed: Option<Vec<SealedFrame>>,
    /// The caller hashes the signed bytes itself (see [`Decryptor::with_external_digest`]).
    external_digest: bool,
    /// Bytes from the start of the message known to be covered by the signature.
    signed_len: u64,
    /// Bytes from the start of the message parsed so far (what `input` holds comes after).
    consumed: u64,
    signature: Vec<u8>,
    /// How far a header arriving in pieces has been read.
    header_progress: format::HeaderProgress,
    /// Bytes of a non-framed body handed out (`NonFramedBody`) still to pass.
    body_left: u64,
    /// An update is under way (see [`Decryptor::update_into`]).
    busy: bool,
}

/// A parsed, not yet opened frame (or non-framed body), for an external AES-GCM backend (WebCrypto).
/// Sequence and order are already checked, and its bytes are already in the
/// signature hash; opening it is the backend's job. The backend still holds the
/// message bytes it fed in, so the frame says where its body is rather than copying it.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct SealedFrame {
    /// Frame IV.
    pub iv: [u8; IV_LEN],
    /// AES-GCM additional data.
    pub aad: Vec<u8>,
    /// Offset from the start of the message of the ciphertext, which the 16-byte tag follows.
    pub body_offset: u64,
    /// Length of the ciphertext and tag.
    pub body_len: usize,
    /// The final frame of a signed message: release it only after the signature verified ([`Decryptor::finish`]).
    pub hold_until_finished: bool,
}

impl<K: Keyring> std::fmt::Debug for Decryptor<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor").field("state", &self.state).field("header", &self.header).finish_non_exhaustive()
    }
}

/// Whether the caller checks this suite's signature over the whole message: in wasm, the
/// legacy P-256 one (the module carries no P-256; see [`crypto::MessageVerifier`]).
fn host_checks_whole_message(suite: AlgorithmSuite) -> bool {
    cfg!(target_arch = "wasm32") && suite.signature() == Some(SignatureAlgorithm::EcdsaP256Sha256)
}

impl<K: Keyring> Decryptor<K> {
    /// A decryptor that will unwrap the data key with `keyring`.
    pub fn new(keyring: K, options: DecryptOptions) -> Self {
        Decryptor {
            keyring,
            options,
            cipher: Box::new(AesGcmCipher),
            state: State::Header,
            input: Vec::new(),
            header: None,
            key: None,
            verifier: None,
            next_seq: 1,
            held: Zeroizing::new(Vec::new()),
            sealed: None,
            external_digest: false,
            signed_len: 0,
            consumed: 0,
            signature: Vec::new(),
            header_progress: format::HeaderProgress::default(),
            body_left: 0,
            busy: false,
        }
    }

    /// For suites signed over SHA-384: the caller computes the SHA-384 of the signed bytes
    /// itself (the first [`signed_len`](Self::signed_len) bytes of the message) and ends with
    /// [`finish_with_digest`](Self::finish_with_digest). Withheld plaintext stays withheld until then.
    /// A message of the legacy P-256 suite (SHA-256) is hashed by the decryptor as usual, and
    /// `finish_with_digest` ignores the digest for it, as for an unsigned message.
    #[doc(hidden)]
    pub fn with_external_digest(mut self) -> Self {
        self.external_digest = true;
        self
    }

    /// How many bytes from the start of the message are known so far to be covered by the
    /// signature (header and complete frames); once the footer was read, all of them.
    #[doc(hidden)]
    pub fn signed_len(&self) -> u64 {
        self.signed_len
    }

    /// Bytes from the start of the message parsed so far; a caller opening frames itself may
    /// drop the input it holds before this point once it took the frames.
    #[doc(hidden)]
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Ends a message decrypted [`with_external_digest`](Self::with_external_digest): checks
    /// the signature against `digest` and returns the withheld plaintext. Unsigned messages
    /// ignore `digest`.
    #[doc(hidden)]
    pub fn finish_with_digest(mut self, digest: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        // Broken (an update cut off), it goes straight to `finish`, which refuses.
        if self.state == State::AwaitingDigest && !self.busy {
            let verifier = self.verifier.take().expect("signing suite");
            if let Err(e) = verifier.verify_digest(digest, &self.signature) {
                self.fail();
                return Err(e);
            }
            self.state = State::Done;
        }
        self.finish()
    }

    /// For a message decrypted [`with_external_digest`](Self::with_external_digest) whose
    /// footer was read: what a caller needs to check the signature with its own ECDSA over the
    /// first [`signed_len`](Self::signed_len) bytes — the curve, the public key as a SEC1
    /// point and the signature as `r ‖ s` ([`MessageVerifier::external_key_and_signature`]).
    /// `None` before the footer, and for messages that are unsigned or checked here.
    /// `SignatureError` for a malformed signature.
    #[doc(hidden)]
    pub fn external_signature(&self) -> Result<Option<crypto::ExternalSignature>> {
        match (&self.state, &self.verifier) {
            (State::AwaitingDigest, Some(verifier)) => verifier.external_key_and_signature(&self.signature),
            _ => Ok(None),
        }
    }

    /// Whether the signature is the caller's to check over the whole signed message (in wasm,
    /// the legacy P-256 of suite 0x0214: see [`MessageVerifier`]); `None` before the header.
    #[doc(hidden)]
    pub fn needs_whole_message(&self) -> Option<bool> {
        self.header.as_ref().map(|h| host_checks_whole_message(h.suite))
    }

    /// Ends a message whose signature the caller checked itself, with what
    /// [`external_signature`](Self::external_signature) gave, and found valid: returns the
    /// withheld plaintext. Never call it for a signature that did not verify.
    #[doc(hidden)]
    pub fn finish_with_signature_verified(mut self) -> Result<Zeroizing<Vec<u8>>> {
        if self.state == State::AwaitingDigest && !self.busy {
            self.state = State::Done;
        }
        self.finish()
    }

    /// Hands the frames of a framed body (a non-framed body: as one frame) out through
    /// [`take_sealed_frames`](Self::take_sealed_frames) instead of opening them, so a backend can
    /// open several at once (WebCrypto).
    #[doc(hidden)]
    pub fn with_external_frames(mut self) -> Self {
        self.sealed = Some(Vec::new());
        self
    }

    /// Frames parsed since the last call, in message order (external mode only).
    #[doc(hidden)]
    pub fn take_sealed_frames(&mut self) -> Vec<SealedFrame> {
        self.sealed.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Replaces the AES-GCM backend of the frames.
    pub fn with_frame_cipher(mut self, cipher: Box<dyn FrameCipher>) -> Self {
        self.cipher = cipher;
        self
    }

    /// The authenticated header, once it has been read and verified; still given after a later
    /// part of the message failed (it was verified on its own).
    pub fn header(&self) -> Option<&MessageHeader> {
        self.header.as_ref()
    }

    /// The content key, once the header verified (for an external frame backend).
    #[doc(hidden)]
    pub fn content_key(&self) -> Option<&ContentKey> {
        self.key.as_ref()
    }

    /// Consumes `chunk` and returns the plaintext that is verified so far (wiped on drop).
    /// After an error the decryptor only returns errors.
    pub async fn update(&mut self, chunk: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        // Reserve the most this call can release, so no reallocation leaves plaintext copies
        // behind (the final frame a signature held comes out with the footer). What is buffered
        // of an incomplete header is no plaintext to release: a header stuffed with keys must
        // not make every call reserve as much again. Nor is anything released before the
        // element begun is complete: a frame of many MiB arriving in small chunks must not have
        // each call reserve, and wipe when dropped, as much as is buffered of it.
        let buffered = if self.state == State::Header { 0 } else { self.input.len() };
        let fed = buffered + chunk.len();
        let completes = self.state == State::Header || matches!(self.element_len(), Ok(n) | Err(n) if fed >= n);
        let mut out = Zeroizing::new(Vec::with_capacity(if completes { fed + self.held.len() } else { 0 }));
        let reserved = out.capacity();
        self.update_into(chunk, &mut out).await?;
        // Every test that streams a message checks the reservation.
        debug_assert_eq!(out.capacity(), reserved, "the output grew, leaving a copy of plaintext behind");
        Ok(out)
    }

    /// Like [`update`](Self::update), appending to `out` (nothing is appended on error).
    pub async fn update_into(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.refuse_if_broken()?;
        let mark = out.len();
        // Cleared once `process` returns: still set, an update was dropped (cancelled) part-way,
        // with the bytes it had taken in (a KMS call may have been under way).
        self.busy = true;
        let r = self.process(chunk, out).await;
        self.busy = false;
        if r.is_err() {
            self.fail();
            zeroize::Zeroize::zeroize(&mut out[mark..]);
            out.truncate(mark);
        }
        r
    }

    /// Ends the message: `MalformedMessageError` if it is incomplete; returns
    /// any plaintext still withheld (normally none; wiped on drop).
    pub fn finish(mut self) -> Result<Zeroizing<Vec<u8>>> {
        self.refuse_if_broken()?;
        match self.state {
            State::Done => Ok(std::mem::take(&mut self.held)),
            State::AwaitingDigest => {
                self.fail();
                Err(Error::envelope("SignatureError", "the signature was not checked: end with finish_with_digest"))
            }
            _ => {
                self.fail();
                Err(malformed("the message is truncated"))
            }
        }
    }

    /// Adds bytes of the signed region, in order, to the signature hash (or, when the
    /// caller hashes, to the count of bytes it must hash).
    fn sign_hash(&mut self, bytes: &[u8]) {
        self.signed_len += bytes.len() as u64;
        if !self.external_digest {
            if let Some(v) = self.verifier.as_mut() {
                v.update(bytes);
            }
        }
    }

    /// `StreamStateError` once the decryptor failed, or an update was cancelled part-way.
    fn refuse_if_broken(&mut self) -> Result<()> {
        if self.busy {
            self.fail();
            return Err(stream_state("an update was cancelled before it finished: the bytes it took are lost"));
        }
        if self.state == State::Failed {
            return Err(stream_state("the decryptor already failed"));
        }
        Ok(())
    }

    fn fail(&mut self) {
        self.state = State::Failed;
        if let Some(sealed) = self.sealed.as_mut() {
            sealed.clear();
        }
        self.key = None;
        zeroize::Zeroize::zeroize(&mut *self.held);
        self.held.clear();
        self.input.clear();
    }

    async fn process(&mut self, mut chunk: &[u8], out: &mut Vec<u8>) -> Result<()> {
        // An element (frame, footer) begun in an earlier chunk is completed with no more of this
        // one than it can need; the rest is parsed straight from `chunk`. Appending all of it to
        // the tail would copy each byte of a message fed in pieces once more.
        while !self.input.is_empty() && !chunk.is_empty() {
            let element = self.element_len();
            let wanted = element.unwrap_or_else(|bound| bound).saturating_sub(self.input.len()).max(1);
            let (head, rest) = chunk.split_at(wanted.min(chunk.len()));
            chunk = rest;
            let mut buf = std::mem::take(&mut self.input);
            // Once half of an element of known size is here, the buffer grows to exactly its
            // size: doubling would leave a 150 MiB non-framed body in 256 MiB (and both copies
            // at once while it moves). Not before: a length no bytes back yet may be a lie.
            if let Ok(len) = element {
                let more = len.saturating_sub(buf.len());
                if len / 2 <= buf.len() + head.len() && more <= MAX_BUFFERED - buf.len() {
                    buf.reserve_exact(more);
                }
            }
            buffer_more(&mut buf, head)?;
            let mut pos = 0usize;
            let r = self.process_buffered(&buf, &mut pos, out).await;
            self.consumed += pos as u64;
            buf.drain(..pos);
            self.input = buf;
            r?;
        }
        if chunk.is_empty() {
            return Ok(());
        }
        // Parse straight from the caller's bytes; keep only an incomplete tail.
        let mut pos = 0usize;
        let r = self.process_buffered(chunk, &mut pos, out).await;
        self.consumed += pos as u64;
        r?;
        buffer_more(&mut self.input, &chunk[pos..])
    }

    /// `Ok` with the length of the element that `input` begins (a frame, the footer, a
    /// non-framed body), or `Err` with how many bytes it must hold to tell (`usize::MAX` for
    /// the header, whose length the parser finds deep inside).
    fn element_len(&self) -> std::result::Result<usize, usize> {
        let have = &self.input;
        let u32_at = |at: usize| have.get(at..at + 4).map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")));
        match (&self.state, &self.header) {
            (State::Frames, Some(h)) => match u32_at(0) {
                None => Err(4),
                // A final frame: end marker, sequence number, IV, content length, content, tag.
                Some(format::SEQUENCE_NUMBER_END) => u32_at(8 + IV_LEN).map(|len| (len as usize).saturating_add(12 + IV_LEN + TAG_LEN)).ok_or(12 + IV_LEN),
                Some(_) => Ok((h.frame_length as usize).saturating_add(4 + IV_LEN + TAG_LEN)),
            },
            (State::Footer, _) => have.get(..2).map(|b| 2 + usize::from(u16::from_be_bytes([b[0], b[1]]))).ok_or(2),
            // With an external backend only the IV and content length are buffered (see process_buffered).
            (State::NonFramed, _) if self.sealed.is_some() => Ok(NON_FRAMED_PREFIX_LEN),
            (State::NonFramedBody, _) => Ok(usize::try_from(self.body_left).unwrap_or(usize::MAX)),
            // IV, content length, content, tag.
            (State::NonFramed, _) => have
                .get(IV_LEN..NON_FRAMED_PREFIX_LEN)
                .map(|b| usize::try_from(u64::from_be_bytes(b.try_into().expect("8 bytes"))).unwrap_or(usize::MAX).saturating_add(NON_FRAMED_PREFIX_LEN + TAG_LEN))
                .ok_or(NON_FRAMED_PREFIX_LEN),
            _ => Err(usize::MAX),
        }
    }

    /// Where (from the start of the message) the element begun but not yet complete ends, when
    /// that is known: a caller holding the message bytes can then gather that element in one
    /// buffer of the right size as its bytes arrive.
    #[doc(hidden)]
    pub fn pending_end(&self) -> Option<u64> {
        if self.input.is_empty() {
            return None;
        }
        self.element_len().ok().map(|len| self.consumed.saturating_add(len as u64))
    }

    async fn process_buffered(&mut self, data: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Result<()> {
        loop {
            let avail = &data[*pos..];
            match self.state {
                State::Header => {
                    let max = self.options.max_encrypted_data_keys.unwrap_or(u16::MAX as usize);
                    if max == 0 {
                        return Err(Error::validation("maxEncryptedDataKeys", "must be at least 1"));
                    }
                    let Some(parsed) = format::parse_header_resuming(avail, max, &mut self.header_progress)? else {
                        return Ok(());
                    };
                    self.start(parsed, data, pos).await?;
                }
                State::Frames => {
                    let header = self.header.as_ref().expect("header read");
                    let Some((frame, n)) = format::parse_frame(avail, header.frame_length)? else {
                        return Ok(());
                    };
                    if frame.seq != self.next_seq {
                        return Err(malformed(format!("frame {} arrived where frame {} was expected", frame.seq, self.next_seq)));
                    }
                    let kind = if frame.is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
                    let aad = crypto::body_aad(&header.message_id, kind, frame.seq, frame.ciphertext.len() as u64);
                    let hold = frame.is_final && header.suite.is_signing();
                    if let Some(sealed) = self.sealed.as_mut() {
                        // The body ends the frame: ciphertext, then tag.
                        let body_len = frame.ciphertext.len() + TAG_LEN;
                        let body_offset = self.consumed + (*pos + n - body_len) as u64;
                        sealed.push(SealedFrame { iv: frame.iv, aad, body_offset, body_len, hold_until_finished: hold });
                    } else {
                        let dst: &mut Vec<u8> = if hold { &mut self.held } else { out };
                        open_into(self.cipher.as_ref(), self.key.as_ref().expect("key derived"), &frame.iv, &aad, frame.ciphertext, &frame.tag, dst)?;
                    }
                    let is_final = frame.is_final;
                    self.sign_hash(&avail[..n]);
                    *pos += n;
                    if is_final {
                        self.body_done();
                    } else {
                        self.next_seq = self.next_seq.checked_add(1).ok_or_else(|| malformed("too many frames"))?;
                    }
                }
                State::NonFramed => {
                    let Some((iv, len)) = format::parse_non_framed_prefix(avail)? else {
                        return Ok(());
                    };
                    if self.options.max_frame_length.is_some_and(|limit| len > limit) {
                        return Err(Error::envelope("LimitExceededError", format!("non-framed body of {len} bytes exceeds the limit")));
                    }
                    let header = self.header.as_ref().expect("header read");
                    let aad = crypto::body_aad(&header.message_id, BodyAadKind::SingleBlock, 1, len);
                    let signing = header.suite.is_signing();
                    if let Some(sealed) = self.sealed.as_mut() {
                        // Opened by the external backend, as a frame is (natively, many times
                        // faster than here), from the bytes it holds: handed out now, and its
                        // bytes pass through here unbuffered (NonFramedBody).
                        let body_len = len + TAG_LEN as u64;
                        if body_len > (MAX_BUFFERED - TAG_LEN) as u64 {
                            return Err(over_max_buffered());
                        }
                        let body_offset = self.consumed + (*pos + NON_FRAMED_PREFIX_LEN) as u64;
                        sealed.push(SealedFrame { iv, aad, body_offset, body_len: body_len as usize, hold_until_finished: signing });
                        self.sign_hash(&avail[..NON_FRAMED_PREFIX_LEN]);
                        *pos += NON_FRAMED_PREFIX_LEN;
                        self.body_left = body_len;
                        self.state = State::NonFramedBody;
                        continue;
                    }
                    let total = NON_FRAMED_PREFIX_LEN as u64 + len + TAG_LEN as u64;
                    if (avail.len() as u64) < total {
                        return Ok(());
                    }
                    let total = total as usize;
                    let ct = &avail[NON_FRAMED_PREFIX_LEN..total - TAG_LEN];
                    let tag: [u8; TAG_LEN] = avail[total - TAG_LEN..total].try_into().unwrap();
                    let dst: &mut Vec<u8> = if signing { &mut self.held } else { out };
                    open_into(self.cipher.as_ref(), self.key.as_ref().expect("key derived"), &iv, &aad, ct, &tag, dst)?;
                    self.sign_hash(&avail[..total]);
                    *pos += total;
                    self.body_done();
                }
                State::NonFramedBody => {
                    let n = usize::try_from(self.body_left).map_or(avail.len(), |left| left.min(avail.len()));
                    if n == 0 {
                        return Ok(());
                    }
                    self.sign_hash(&avail[..n]);
                    *pos += n;
                    self.body_left -= n as u64;
                    if self.body_left == 0 {
                        self.body_done();
                    }
                }
                State::Footer => {
                    let Some((sig, n)) = format::parse_footer(avail)? else {
                        return Ok(());
                    };
                    if self.external_digest {
                        self.signature = sig.to_vec();
                        *pos += n;
                        self.state = State::AwaitingDigest;
                        continue;
                    }
                    self.verifier.take().expect("signing suite").verify(sig)?;
                    *pos += n;
                    self.state = State::Done;
                    out.extend_from_slice(&self.held);
                    zeroize::Zeroize::zeroize(&mut *self.held);
                    self.held.clear();
                }
                State::Done | State::AwaitingDigest => {
                    if avail.is_empty() {
                        return Ok(());
                    }
                    return Err(malformed("bytes follow the end of the message"));
                }
                State::Failed => return Err(stream_state("the decryptor already failed")),
            }
        }
    }

    fn body_done(&mut self) {
        self.state = if self.verifier.is_some() { State::Footer } else { State::Done };
    }

    /// Checks policy and context, unwraps the data key, verifies commitment and header tag.
    async fn start(&mut self, parsed: format::ParsedHeader, data: &[u8], pos: &mut usize) -> Result<()> {
        let h = &parsed.header;
        self.options.commitment_policy.check_decrypt(h.suite)?;
        if let Some(limit) = self.options.max_frame_length {
            if h.content_type == ContentType::Framed && u64::from(h.frame_length) > limit {
                return Err(Error::envelope("LimitExceededError", format!("frame length {} exceeds the limit of {limit} bytes", h.frame_length)));
            }
        }
        context::check_expected(&h.encryption_context, &self.options.encryption_context)?;
        let verifier = match (h.suite.signature(), h.encryption_context.get(PUBLIC_KEY_FIELD)) {
            (Some(algorithm), Some(pk)) => Some(MessageVerifier::from_public_key_base64(algorithm, pk)?),
            (Some(_), None) => return Err(malformed("signed message lacks aws-crypto-public-key")),
            (None, Some(_)) => return Err(malformed("unsigned message carries aws-crypto-public-key")),
            (None, None) => None,
        };
        // A caller's digest is a SHA-384: a message signed over another hash is hashed here,
        // except in wasm a P-256 one, which the caller checks whole.
        if !h.suite.signs_over_sha384() && !host_checks_whole_message(h.suite) {
            self.external_digest = false;
        }
        let m = DecryptionMaterials { suite: h.suite, encryption_context: h.encryption_context.clone(), data_key: None };
        let m = self.keyring.on_decrypt(m, &h.encrypted_data_keys).await?;
        let data_key = m.data_key.ok_or_else(|| Error::envelope("NoUsableKeyError", "the keyring returned no data key"))?;
        let (key, commitment) = crypto::derive_keys(h.suite, data_key.expose(), &h.message_id)?;
        if let (Some(expected), Some(derived)) = (h.commitment, commitment.as_ref()) {
            if !crypto::ct_eq(&expected, &derived[..]) {
                return Err(Error::envelope("AuthenticationError", "key commitment does not match the data key"));
            }
        }
        let header_body = &data[*pos..*pos + parsed.body_len];
        self.cipher
            .open(&key, &parsed.auth_iv, header_body, &mut [], &parsed.auth_tag)
            .map_err(|_| Error::envelope("AuthenticationError", "header authentication tag does not verify"))?;
        self.verifier = verifier;
        self.sign_hash(&data[*pos..*pos + parsed.total_len]);
        *pos += parsed.total_len;
        self.state = match h.content_type {
            ContentType::Framed => State::Frames,
            ContentType::NonFramed => State::NonFramed,
        };
        self.key = Some(key);
        self.header = Some(parsed.header);
        Ok(())
    }
}

/// Decrypts `ciphertext` onto the end of `dst`; on failure `dst` is left as it was.
pub(crate) fn open_into(cipher: &dyn FrameCipher, key: &ContentKey, iv: &[u8; IV_LEN], aad: &[u8], ciphertext: &[u8], tag: &[u8; TAG_LEN], dst: &mut Vec<u8>) -> Result<()> {
    let start = dst.len();
    dst.extend_from_slice(ciphertext);
    if let Err(e) = cipher.open(key, iv, aad, &mut dst[start..], tag) {
        zeroize::Zeroize::zeroize(&mut dst[start..]);
        dst.truncate(start);
        return Err(e);
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::envelope::{AlgorithmSuite, RawAesKeyring};

    #[tokio::test]
    async fn memory_stays_within_a_frame() {
        let kr = RawAesKeyring::new("ns", "k", &[1u8; 32]).unwrap();
        let frame = 4096usize;
        let pt: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        for suite in [AlgorithmSuite::Aes256GcmHkdfSha512CommitKey, AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384] {
            let opts = EncryptOptions { suite, frame_length: frame as u64, ..Default::default() };
            let mut enc = Encryptor::new(&kr, &opts).await.unwrap();
            let mut msg = Vec::new();
            for c in pt.chunks(777) {
                msg.extend(enc.update(c).unwrap());
                assert!(enc.pending.len() < frame);
            }
            msg.extend(enc.finish().unwrap());
            let mut dec = Decryptor::new(&kr, DecryptOptions::default());
            let mut got = Vec::new();
            for c in msg.chunks(1000) {
                got.extend_from_slice(&dec.update(c).await.unwrap());
                // An incomplete frame (plus at most one chunk) and the withheld final frame.
                assert!(dec.input.len() < frame + 40 + 1000, "{}", dec.input.len());
                assert!(dec.held.len() <= frame);
            }
            got.extend_from_slice(&dec.finish().unwrap());
            assert_eq!(got, pt);
        }
    }
}
