//! Byte layout of an AWS Encryption SDK message, as implemented here.
//!
//! This module only serializes and parses; it holds no keys and does no
//! cryptography (that is [`super::crypto`]) and knows nothing of chunked
//! input (that is [`super::stream`]). Everything is big-endian; `uN` is an
//! unsigned integer of N bits.
//!
//! ```text
//! Message     := Header || Body || [Footer]               -- Footer iff the suite signs
//! Header      := HeaderBody || HeaderAuth
//!
//! HeaderBody (version 2, written and read):
//!   u8    version            = 0x02
//!   u16   suite id           = 0x0478 | 0x0578
//!   [32]  message id         -- CSPRNG; the HKDF salt
//!   u16   context length     -- 0 for an empty context, then no bytes follow
//!   [..]  context            -- u16 count || (u16 len || key || u16 len || value)*, keys sorted by UTF-8 bytes
//!   u16   EDK count          -- >= 1, at most the reader's configured maximum
//!   EDK*  := u16 len || provider id (UTF-8) || u16 len || provider info || u16 len || ciphertext
//!   u8    content type       = 0x02 framed (we write only this) | 0x01 non-framed (read)
//!   u32   frame length       -- > 0 when framed, 0 when non-framed
//!   [32]  suite data         -- the commit key
//! HeaderAuth (version 2) := [16] tag            -- AES-GCM(contentKey, IV = 0^12, AAD = HeaderBody, "")
//!
//! HeaderBody (version 1, read only, under a relaxed commitment policy):
//!   u8 version = 0x01 || u8 type = 0x80 || u16 suite || [16] message id || context (as above)
//!   || EDKs (as above) || u8 content type || u32 reserved = 0 || u8 IV length = 12 || u32 frame length
//! HeaderAuth (version 1) := [12] IV || [16] tag
//!
//! Framed body (content type 0x02):
//!   Frame      := u32 seq || [12] IV || [frameLength] ciphertext || [16] tag      -- seq = 1, 2, 3, ...
//!   FinalFrame := u32 0xFFFFFFFF || u32 seq || [12] IV || u32 len || [len] ciphertext || [16] tag
//!                 -- exactly one, last; 0 <= len <= frameLength. We write len < frameLength
//!                 -- (an empty final frame after an exact multiple) because aws-encryption-cli
//!                 -- 4.3.0 rejects len == frameLength; we read both forms.
//!   IV  = 0^8 || u32 seq                          -- written so; read as written (below)
//!   AAD = messageId || "AWSKMSEncryptionClient Frame" | "... Final Frame" || u32 seq || u64 plaintext length
//!
//! Non-framed body (content type 0x01, read only):
//!   [12] IV || u64 len || [len] ciphertext || [16] tag
//!   AAD = messageId || "AWSKMSEncryptionClient Single Block" || u32 1 || u64 len
//!
//! Footer := u16 len || [len] DER ECDSA-Sig-Value { r, s }
//!   -- ECDSA P-384 over SHA-384(Header || Body) (legacy 0x0214: P-256 over SHA-256);
//!   -- the verification key is base64(SEC1 compressed point) under "aws-crypto-public-key"
//!   -- in the context.
//! ```
//!
//! Parsers take a buffer that may hold only a prefix of the item and return
//! `Ok(None)` when more bytes are needed, so the streaming layer can feed
//! them chunk by chunk; they return `MalformedMessageError` for bytes that
//! can never become valid.
//!
//! A frame is opened with the IV it carries, as the other SDKs open it (the spec asks only that
//! IVs be unique within a message; the official commitment test vectors use other IVs). Checking
//! it against the sequence number would add nothing against whoever holds the key: the sequence
//! number is in the frame's AAD, and who can seal under another IV can seal under the expected
//! one. It would refuse the messages of a faulty writer that repeats an IV, whose unsigned
//! messages anyone can then forge (GCM's nonce reuse); the other SDKs accept those too.

use super::context::{self, EncryptionContext};
use super::crypto::{IV_LEN, TAG_LEN};
use super::suite::{AlgorithmSuite, SignatureAlgorithm};
use crate::error::{Error, Result};

/// Sequence number field value that marks the final frame.
pub const SEQUENCE_NUMBER_END: u32 = 0xFFFF_FFFF;
/// Largest non-framed body the AES-GCM limit allows (2^36 - 32 bytes).
pub const MAX_NON_FRAMED_LEN: u64 = (1 << 36) - 32;

fn malformed(msg: impl Into<String>) -> Error {
    Error::envelope("MalformedMessageError", msg)
}

/// One encrypted copy of the data key.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedDataKey {
    /// Key provider id, e.g. `aws-kms` or a raw keyring's namespace.
    pub provider_id: String,
    /// Key provider info, e.g. the KMS key ARN.
    pub provider_info: Vec<u8>,
    /// The wrapped data key.
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for EncryptedDataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedDataKey")
            .field("provider_id", &self.provider_id)
            .field("provider_info", &String::from_utf8_lossy(&self.provider_info))
            .field("ciphertext", &format_args!("{} bytes", self.ciphertext.len()))
            .finish()
    }
}

/// How the body is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentType {
    /// One AES-GCM block (0x01); read only.
    NonFramed,
    /// A sequence of frames (0x02).
    Framed,
}

/// The parsed header of a message (everything but the authentication tag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHeader {
    /// Message format version: 1 or 2.
    pub version: u8,
    /// Algorithm suite.
    pub suite: AlgorithmSuite,
    /// Message id (32 bytes in v2, 16 in v1).
    pub message_id: Vec<u8>,
    /// Encryption context, including `aws-crypto-public-key` for signing suites.
    pub encryption_context: EncryptionContext,
    /// Encrypted data keys.
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
    /// Body layout.
    pub content_type: ContentType,
    /// Plaintext bytes per regular frame (0 for non-framed).
    pub frame_length: u32,
    /// The v2 commit key ("algorithm suite data"); `None` in v1.
    pub commitment: Option<[u8; 32]>,
}

/// A parsed header plus the facts the decryptor needs about its bytes.
#[derive(Clone, Debug)]
pub struct ParsedHeader {
    /// The header fields.
    pub header: MessageHeader,
    /// Length of the header body (the header-auth AAD).
    pub body_len: usize,
    /// IV of the header authentication (zero in v2).
    pub auth_iv: [u8; IV_LEN],
    /// Header authentication tag.
    pub auth_tag: [u8; TAG_LEN],
    /// Length of header body plus header authentication.
    pub total_len: usize,
}

impl MessageHeader {
    /// Serializes a version 2 header body. `MalformedMessageError` for
    /// fields that do not fit their length prefixes.
    pub fn serialize_v2(&self) -> Result<Vec<u8>> {
        let commitment = match (self.version, self.commitment) {
            (2, Some(c)) if self.suite.message_version() == 2 && self.message_id.len() == 32 => c,
            _ => return Err(malformed("only version 2 headers with a commit key and 32-byte message id are written")),
        };
        let kv = context::serialize(&self.encryption_context)?;
        let mut out = Vec::with_capacity(256 + kv.len());
        out.push(2);
        out.extend_from_slice(&self.suite.id().to_be_bytes());
        out.extend_from_slice(&self.message_id);
        out.extend_from_slice(&(kv.len() as u16).to_be_bytes());
        out.extend_from_slice(&kv);
        let n = u16::try_from(self.encrypted_data_keys.len()).ok().filter(|&n| n > 0).ok_or_else(|| malformed("a message needs 1 to 65535 encrypted data keys"))?;
        out.extend_from_slice(&n.to_be_bytes());
        for edk in &self.encrypted_data_keys {
            for field in [edk.provider_id.as_bytes(), &edk.provider_info, &edk.ciphertext] {
                let len = u16::try_from(field.len()).map_err(|_| malformed("encrypted data key field exceeds 65535 bytes"))?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(field);
            }
        }
        out.push(match self.content_type {
            ContentType::NonFramed => 1,
            ContentType::Framed => 2,
        });
        out.extend_from_slice(&self.frame_length.to_be_bytes());
        out.extend_from_slice(&commitment);
        Ok(out)
    }
}

/// Reads from a buffer that may end early: `Ok(None)` means "need more bytes".
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Internal: a short read (need more input) or a real error.
enum Short {
    More,
    Bad(Error),
}

impl From<Error> for Short {
    fn from(e: Error) -> Self {
        Short::Bad(e)
    }
}

type R<T> = std::result::Result<T, Short>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(Short::More)?;
        if end > self.buf.len() {
            return Err(Short::More);
        }
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> R<u16> {
        Ok(u16::from_be_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> R<u32> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> R<u64> {
        Ok(u64::from_be_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn array<const N: usize>(&mut self) -> R<[u8; N]> {
        Ok(self.take(N)?.try_into().unwrap())
    }
}

fn finish<T>(r: R<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Short::More) => Ok(None),
        Err(Short::Bad(e)) => Err(e),
    }
}

/// Whether a message starting with `prefix` may be signed over a SHA-384 digest: false once
/// its version and suite id say it is not (unsigned, or the legacy P-256 suite, which the
/// decryptor hashes itself), or that it is no message at all; true while too few bytes are
/// known. Lets a caller skip preparing a SHA-384 it will not need.
pub fn may_be_signed_over_sha384(prefix: &[u8]) -> bool {
    may_be_signed_with(prefix, AlgorithmSuite::signs_over_sha384)
}

/// Like [`may_be_signed_over_sha384`], for the legacy P-256 signature (suite 0x0214).
pub fn may_be_signed_over_p256(prefix: &[u8]) -> bool {
    may_be_signed_with(prefix, |s| s.signature() == Some(SignatureAlgorithm::EcdsaP256Sha256))
}

fn may_be_signed_with(prefix: &[u8], signs: impl Fn(AlgorithmSuite) -> bool) -> bool {
    let id = match prefix {
        [2, a, b, ..] | [1, _, a, b, ..] => u16::from_be_bytes([*a, *b]),
        [1 | 2, ..] | [] => return true,
        _ => return false,
    };
    AlgorithmSuite::from_id(id).is_ok_and(signs)
}

/// Parses a header (v1 or v2) from the start of `buf`. Fails with
/// `TooManyEncryptedDataKeysError` as soon as the EDK count exceeds `max_edks`.
pub fn parse_header(buf: &[u8], max_edks: usize) -> Result<Option<ParsedHeader>> {
    parse_header_resuming(buf, max_edks, &mut HeaderProgress::default())
}

/// How far an incomplete header's encrypted data keys were read: the length fields skipped
/// and where the next one starts. A header arriving in small pieces is read again with each
/// piece; resuming here keeps that linear in its size, where starting over would walk every
/// key read before (thousands of keys fed a byte at a time took seconds).
#[derive(Debug, Default, Clone, Copy)]
pub struct HeaderProgress {
    fields_skipped: usize,
    next_field_at: usize,
}

/// [`parse_header`] for a header given in growing prefixes: `progress` starts as
/// `HeaderProgress::default()` and must then only see longer prefixes of the same bytes.
pub fn parse_header_resuming(buf: &[u8], max_edks: usize, progress: &mut HeaderProgress) -> Result<Option<ParsedHeader>> {
    finish(parse_header_inner(buf, max_edks, progress))
}

fn parse_header_inner(buf: &[u8], max_edks: usize, progress: &mut HeaderProgress) -> R<ParsedHeader> {
    let mut r = Reader { buf, pos: 0 };
    let version = r.u8()?;
    if version != 1 && version != 2 {
        // A message in base64 starts with "AY" (v1) or "Ag" (v2): say so, as the spec asks.
        let hint = if version == b'A' { " (the input looks base64-encoded: decode it first)" } else { "" };
        return Err(malformed(format!("unsupported message format version {version}{hint}")).into());
    }
    if version == 1 && r.u8()? != 0x80 {
        return Err(malformed("unsupported v1 message type").into());
    }
    let suite = AlgorithmSuite::from_id(r.u16()?)?;
    if suite.message_version() != version {
        return Err(malformed(format!("suite 0x{:04x} is not valid in message format version {version}", suite.id())).into());
    }
    let message_id = r.take(suite.message_id_len())?.to_vec();
    let kv_len = r.u16()? as usize;
    let context_bytes = r.take(kv_len)?;
    let edk_count = r.u16()? as usize;
    if edk_count == 0 {
        return Err(malformed("message has no encrypted data keys").into());
    }
    if edk_count > max_edks {
        return Err(Error::envelope("TooManyEncryptedDataKeysError", format!("message has {edk_count} encrypted data keys; at most {max_edks} are allowed")).into());
    }
    // Skipped now, copied out below once the whole header is here: a header arriving in pieces
    // is read again from its start with each piece, so an incomplete one must cost only its
    // length fields, not a copy of megabytes of keys each time.
    let edks_at = r.pos;
    if progress.fields_skipped > 0 {
        r.pos = progress.next_field_at;
    }
    for field in progress.fields_skipped..edk_count * 3 {
        let len = r.u16()?;
        r.take(len.into())?;
        *progress = HeaderProgress { fields_skipped: field + 1, next_field_at: r.pos };
    }
    let content_type = match r.u8()? {
        1 => ContentType::NonFramed,
        2 => ContentType::Framed,
        t => return Err(malformed(format!("unknown content type {t}")).into()),
    };
    if version == 1 {
        if r.u32()? != 0 {
            return Err(malformed("reserved header bytes are not zero").into());
        }
        if r.u8()? as usize != IV_LEN {
            return Err(malformed("header IV length is not 12").into());
        }
    }
    let frame_length = r.u32()?;
    match (content_type, frame_length) {
        (ContentType::Framed, 0) => return Err(malformed("frame length is 0").into()),
        (ContentType::NonFramed, n) if n != 0 => return Err(malformed("non-framed message with a frame length").into()),
        _ => {}
    }
    let commitment = if version == 2 { Some(r.array::<32>()?) } else { None };
    let body_len = r.pos;
    let auth_iv = if version == 1 { r.array::<IV_LEN>()? } else { [0u8; IV_LEN] };
    let auth_tag = r.array::<TAG_LEN>()?;
    let encryption_context = context::parse(context_bytes)?;
    let mut edks = Reader { buf, pos: edks_at };
    let mut encrypted_data_keys = Vec::with_capacity(edk_count);
    for _ in 0..edk_count {
        let mut field = || -> R<Vec<u8>> {
            let len = edks.u16()? as usize;
            Ok(edks.take(len)?.to_vec())
        };
        let provider_id = String::from_utf8(field()?).map_err(|_| malformed("key provider id is not UTF-8"))?;
        encrypted_data_keys.push(EncryptedDataKey { provider_id, provider_info: field()?, ciphertext: field()? });
    }
    let header = MessageHeader { version, suite, message_id, encryption_context, encrypted_data_keys, content_type, frame_length, commitment };
    Ok(ParsedHeader { header, body_len, auth_iv, auth_tag, total_len: r.pos })
}

/// A frame of a framed body, borrowing its ciphertext from the input buffer.
#[derive(Debug)]
pub struct FrameRef<'a> {
    /// Sequence number.
    pub seq: u32,
    /// Whether this is the final frame.
    pub is_final: bool,
    /// IV as written.
    pub iv: [u8; IV_LEN],
    /// Encrypted content.
    pub ciphertext: &'a [u8],
    /// Authentication tag.
    pub tag: [u8; TAG_LEN],
}

/// Parses the frame at the start of `buf` and returns it with its length in bytes.
pub fn parse_frame(buf: &[u8], frame_length: u32) -> Result<Option<(FrameRef<'_>, usize)>> {
    let mut r = Reader { buf, pos: 0 };
    finish((|| {
        let first = r.u32()?;
        let (seq, is_final) = if first == SEQUENCE_NUMBER_END { (r.u32()?, true) } else { (first, false) };
        let iv = r.array::<IV_LEN>()?;
        let len = if is_final {
            let len = r.u32()?;
            if len > frame_length {
                return Err(malformed(format!("final frame of {len} bytes exceeds the frame length {frame_length}")).into());
            }
            len
        } else {
            frame_length
        };
        let ciphertext = r.take(len as usize)?;
        let tag = r.array::<TAG_LEN>()?;
        Ok((FrameRef { seq, is_final, iv, ciphertext, tag }, r.pos))
    })())
}

/// Parses the prefix of a non-framed body: its IV and content length.
pub fn parse_non_framed_prefix(buf: &[u8]) -> Result<Option<([u8; IV_LEN], u64)>> {
    let mut r = Reader { buf, pos: 0 };
    finish((|| {
        let iv = r.array::<IV_LEN>()?;
        let len = r.u64()?;
        if len > MAX_NON_FRAMED_LEN {
            return Err(malformed("non-framed body exceeds the AES-GCM limit").into());
        }
        Ok((iv, len))
    })())
}

/// Length of the non-framed body prefix (IV and u64 length).
pub const NON_FRAMED_PREFIX_LEN: usize = IV_LEN + 8;

/// Parses a footer; returns the DER signature and the footer length.
pub fn parse_footer(buf: &[u8]) -> Result<Option<(&[u8], usize)>> {
    let mut r = Reader { buf, pos: 0 };
    finish((|| {
        let len = r.u16()? as usize;
        let sig = r.take(len)?;
        Ok((sig, r.pos))
    })())
}

/// Serializes a frame; the final frame also carries the end marker and its content length.
pub fn write_frame(out: &mut Vec<u8>, seq: u32, is_final: bool, iv: &[u8; IV_LEN], ciphertext: &[u8], tag: &[u8; TAG_LEN]) {
    write_frame_prefix(out, seq, is_final, iv, ciphertext.len() as u32);
    out.extend_from_slice(ciphertext);
    out.extend_from_slice(tag);
}

/// Length of a framed body written by [`write_frame`]: whole frames of `frame_length`
/// bytes, then a final frame with the rest (empty when the plaintext fills its last frame).
/// Saturates at `u64::MAX`, which is also the answer for a frame length of 0 (no such body).
pub fn framed_body_len(frame_length: u32, plaintext_len: u64) -> u64 {
    let frame_length = u64::from(frame_length);
    let (Some(whole), Some(rest)) = (plaintext_len.checked_div(frame_length), plaintext_len.checked_rem(frame_length)) else {
        return u64::MAX;
    };
    let (iv, tag) = (IV_LEN as u64, TAG_LEN as u64);
    whole.saturating_mul(4 + iv + frame_length + tag).saturating_add(4 + 4 + iv + 4 + rest + tag)
}

/// The bytes of a frame before its ciphertext: `[0xFFFFFFFF] seq IV [u32 content length]`
/// (the bracketed parts only in the final frame).
pub fn write_frame_prefix(out: &mut Vec<u8>, seq: u32, is_final: bool, iv: &[u8; IV_LEN], content_len: u32) {
    if is_final {
        out.extend_from_slice(&SEQUENCE_NUMBER_END.to_be_bytes());
    }
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(iv);
    if is_final {
        out.extend_from_slice(&content_len.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base64_message_is_named_as_such() {
        for text in ["AYAAF...", "AgV4..."] {
            let e = parse_header(text.as_bytes(), 10).unwrap_err();
            assert_eq!(e.name(), "MalformedMessageError");
            assert!(e.message().contains("base64"), "{e}");
        }
    }

    #[test]
    fn framed_body_len_saturates_and_takes_a_zero_frame_length() {
        assert_eq!(framed_body_len(4, 8), 2 * (4 + 12 + 4 + 16) + (4 + 4 + 12 + 4 + 16));
        assert_eq!(framed_body_len(0, 10), u64::MAX);
        assert_eq!(framed_body_len(1, u64::MAX), u64::MAX);
        assert_eq!(framed_body_len(u32::MAX, u64::MAX), u64::MAX);
    }

    #[test]
    fn may_be_signed_over_sha384_reads_the_suite_once_it_is_there() {
        // v2: version, suite; v1: version, type, suite.
        for (prefix, expected) in [
            (&[][..], true),
            (&[2][..], true),
            (&[2, 0x05][..], true),
            (&[2, 0x05, 0x78][..], true),
            (&[2, 0x04, 0x78, 0xff][..], false),
            (&[1, 0x80, 0x03][..], true),
            (&[1, 0x80, 0x03, 0x78][..], true),
            (&[1, 0x80, 0x02, 0x14][..], false), // signed over SHA-256 (P-256): the decryptor hashes it
            (&[1, 0x80, 0x01, 0x78][..], false),
            (&[2, 0x12, 0x34][..], false), // unknown suite: decryption will refuse it
            (&[3, 0x05, 0x78][..], false), // no such version
        ] {
            assert_eq!(may_be_signed_over_sha384(prefix), expected, "{prefix:02x?}");
        }
    }

    fn header() -> MessageHeader {
        MessageHeader {
            version: 2,
            suite: AlgorithmSuite::Aes256GcmHkdfSha512CommitKey,
            message_id: vec![1; 32],
            encryption_context: [("a".to_string(), "b".to_string())].into(),
            encrypted_data_keys: vec![EncryptedDataKey { provider_id: "aws-kms".into(), provider_info: b"arn".to_vec(), ciphertext: vec![9; 5] }],
            content_type: ContentType::Framed,
            frame_length: 4096,
            commitment: Some([2; 32]),
        }
    }

    #[test]
    fn header_round_trips_and_reports_short_input() {
        let h = header();
        let mut bytes = h.serialize_v2().unwrap();
        bytes.extend_from_slice(&[7; 16]);
        for cut in 0..bytes.len() {
            assert!(parse_header(&bytes[..cut], 10).unwrap().is_none(), "prefix {cut}");
        }
        let p = parse_header(&bytes, 10).unwrap().unwrap();
        assert_eq!(p.header, h);
        assert_eq!(p.total_len, bytes.len());
        assert_eq!(p.body_len, bytes.len() - 16);
        assert_eq!(parse_header(&bytes, 0).unwrap_err().name(), "TooManyEncryptedDataKeysError");
    }

    #[test]
    fn a_header_read_in_growing_prefixes_resumes_after_the_keys_already_skipped() {
        let mut h = header();
        h.encrypted_data_keys = (0..50u8).map(|i| EncryptedDataKey { provider_id: "raw".into(), provider_info: vec![i; 3], ciphertext: vec![i; usize::from(i)] }).collect();
        let mut bytes = h.serialize_v2().unwrap();
        bytes.extend_from_slice(&[7; 16]);
        let edks_at = 1 + 2 + 32 + 2 + (2 + 2 + 1 + 2 + 1) + 2; // version, suite, id, context length, its one pair, key count
        // Where each length field starts, and the end of the last one's value.
        let mut field_starts = vec![edks_at];
        for edk in &h.encrypted_data_keys {
            for len in [edk.provider_id.len(), edk.provider_info.len(), edk.ciphertext.len()] {
                field_starts.push(field_starts.last().unwrap() + 2 + len);
            }
        }
        let mut progress = HeaderProgress::default();
        for cut in 0..bytes.len() {
            assert!(parse_header_resuming(&bytes[..cut], 100, &mut progress).unwrap().is_none(), "prefix {cut}");
            // Every field wholly inside the prefix is behind the resume point, so no later read walks it again.
            let complete = field_starts.iter().skip(1).filter(|&&end| end <= cut).count();
            assert_eq!(progress.fields_skipped, complete, "prefix {cut}");
            if complete > 0 {
                assert_eq!(progress.next_field_at, field_starts[complete], "prefix {cut}");
            }
        }
        let resumed = parse_header_resuming(&bytes, 100, &mut progress).unwrap().unwrap();
        assert_eq!(resumed.header, h);
        assert_eq!(resumed.total_len, bytes.len());
    }

    #[test]
    fn frames_round_trip() {
        let mut out = Vec::new();
        write_frame(&mut out, 1, false, &[0; 12], &[5; 4], &[6; 16]);
        write_frame(&mut out, 2, true, &[0; 12], &[5; 3], &[6; 16]);
        let (f, n) = parse_frame(&out, 4).unwrap().unwrap();
        assert!(!f.is_final && f.seq == 1 && n == 36);
        let (f, m) = parse_frame(&out[n..], 4).unwrap().unwrap();
        assert!(f.is_final && f.seq == 2 && f.ciphertext.len() == 3 && n + m == out.len());
        assert!(parse_frame(&out[n..], 2).is_err());
        assert!(parse_frame(&out[..n - 1], 4).unwrap().is_none());
    }
}
