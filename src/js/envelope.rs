//! wasm-bindgen glue for envelope encryption: keyrings, one-shot and
//! chunked encrypt/decrypt. The JS entry (`core.js`) builds the
//! `@aws-crypto/client-browser`-shaped API and the TransformStreams on these.

use std::sync::Arc;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use zeroize::Zeroizing;

use super::{get, js_err, string_pairs, WasmKms};
use crate::envelope::{
    AlgorithmSuite, CommitmentPolicy, DecryptOptions, DecryptionMaterials, Decryptor, DiscoveryFilter, EncryptOptions, EncryptedDataKey, EncryptionContext, EncryptionMaterials, Encryptor, Keyring,
    KmsKeyring, MessageHeader, MultiKeyring, RawAesKeyring,
};
use crate::error::Error;
use crate::platform::{unless_aborted, BoxFuture};

fn context_from_js(value: Option<JsValue>, field: &'static str) -> Result<EncryptionContext, Error> {
    let mut ctx = EncryptionContext::new();
    for (k, v) in value.map_or(Ok(Vec::new()), |v| string_pairs(&v, field))? {
        ctx.insert(k, v); // inserts, not collect(): a map's collect sorts (~3 KB of wasm)
    }
    Ok(ctx)
}

fn context_to_js(ctx: &EncryptionContext) -> JsValue {
    // `Object.fromEntries` defines own properties: a key `__proto__` stays a key, where an
    // assignment would go to the prototype setter and vanish.
    let pairs = Array::new();
    for (k, v) in ctx {
        pairs.push(&Array::of2(&k.into(), &v.into()));
    }
    Object::from_entries(&pairs).map(JsValue::from).unwrap_or_else(|_| Object::new().into())
}

fn policy_from_js(value: Option<JsValue>) -> Result<CommitmentPolicy, Error> {
    let name = match value {
        None => None,
        Some(v) => Some(v.as_string().ok_or_else(|| Error::validation("commitmentPolicy", "must be a policy name such as REQUIRE_ENCRYPT_REQUIRE_DECRYPT"))?),
    };
    match name.as_deref() {
        None | Some("REQUIRE_ENCRYPT_REQUIRE_DECRYPT") => Ok(CommitmentPolicy::RequireEncryptRequireDecrypt),
        Some("REQUIRE_ENCRYPT_ALLOW_DECRYPT") => Ok(CommitmentPolicy::RequireEncryptAllowDecrypt),
        Some("FORBID_ENCRYPT_ALLOW_DECRYPT") => Ok(CommitmentPolicy::ForbidEncryptAllowDecrypt),
        Some(other) => Err(Error::validation("commitmentPolicy", format!("unknown policy {other}"))),
    }
}

/// `maxEncryptedDataKeys` of encrypt or decrypt options: a positive integer, or absent.
fn max_edks(opts: &JsValue) -> Result<Option<usize>, Error> {
    get(opts, "maxEncryptedDataKeys")
        .map(|n| n.as_f64().filter(|n| n.fract() == 0.0 && *n >= 1.0).map(|n| n as usize).ok_or_else(|| Error::validation("maxEncryptedDataKeys", "must be a positive integer")))
        .transpose()
}

fn encrypt_options(opts: &JsValue) -> Result<EncryptOptions, Error> {
    let mut o = EncryptOptions { encryption_context: context_from_js(get(opts, "encryptionContext"), "encryptionContext")?, max_encrypted_data_keys: max_edks(opts)?, ..Default::default() };
    if let Some(id) = get(opts, "suiteId") {
        let id = id.as_f64().filter(|n| n.fract() == 0.0 && (0.0..65536.0).contains(n)).ok_or_else(|| Error::validation("suiteId", "must be a suite number such as 0x0578"))?;
        o.suite = AlgorithmSuite::from_id(id as u16)?;
    }
    if let Some(n) = get(opts, "frameLength") {
        o.frame_length = n.as_f64().filter(|n| n.fract() == 0.0 && *n >= 0.0).ok_or_else(|| Error::validation("frameLength", "must be a positive integer"))? as u64;
    }
    o.commitment_policy = policy_from_js(get(opts, "commitmentPolicy"))?;
    Ok(o)
}

fn decrypt_options(opts: &JsValue) -> Result<DecryptOptions, Error> {
    let mut o = DecryptOptions { encryption_context: context_from_js(get(opts, "encryptionContext"), "encryptionContext")?, ..Default::default() };
    o.commitment_policy = policy_from_js(get(opts, "commitmentPolicy"))?;
    o.max_encrypted_data_keys = max_edks(opts)?;
    if let Some(n) = get(opts, "maxFrameLength") {
        o.max_frame_length = Some(n.as_f64().filter(|n| n.fract() == 0.0 && *n >= 1.0).ok_or_else(|| Error::validation("maxFrameLength", "must be a positive integer"))? as u64);
    }
    Ok(o)
}

/// The message header as `@aws-crypto/client-*` reports it.
fn header_to_js(h: &MessageHeader) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&o, &k.into(), &v);
    };
    set("version", h.version.into());
    set("suiteId", h.suite.id().into());
    set("messageId", Uint8Array::from(h.message_id.as_slice()).into());
    set("encryptionContext", context_to_js(&h.encryption_context));
    let edks = Array::new();
    for edk in &h.encrypted_data_keys {
        let e = Object::new();
        let _ = Reflect::set(&e, &"providerId".into(), &edk.provider_id.as_str().into());
        // As client-node: the text, lossy where the bytes are not UTF-8 (a raw AES key's IV), and the bytes.
        let _ = Reflect::set(&e, &"providerInfo".into(), &String::from_utf8_lossy(&edk.provider_info).into_owned().into());
        let _ = Reflect::set(&e, &"rawInfo".into(), &Uint8Array::from(edk.provider_info.as_slice()).into());
        let _ = Reflect::set(&e, &"encryptedDataKey".into(), &Uint8Array::from(edk.ciphertext.as_slice()).into());
        edks.push(&e);
    }
    set("encryptedDataKeys", edks.into());
    set("contentType", (if matches!(h.content_type, crate::envelope::ContentType::Framed) { 2 } else { 1 }).into());
    set("frameLength", h.frame_length.into());
    o.into()
}

/// A keyring usable from JS; what `KmsKeyring`, `RawAesKeyring` and `MultiKeyring` wrap.
#[wasm_bindgen]
pub struct WasmKeyring {
    inner: Arc<dyn Keyring>,
}

#[wasm_bindgen]
impl WasmKeyring {
    /// KMS keyring: `generatorKeyId` → GenerateDataKey, `keyIds` → Encrypt of the same data key;
    /// with `discovery`, decrypts with any key the optional filter `{ partition, accountIds }` allows.
    pub fn kms(client: &WasmKms, generator: Option<String>, key_ids: Vec<String>, discovery: bool, filter: JsValue, grant_tokens: Vec<String>) -> Result<WasmKeyring, JsValue> {
        let client = client.client().clone();
        let keyring = if discovery {
            if generator.is_some() || !key_ids.is_empty() {
                return Err(js_err(Error::config("discovery", "a discovery keyring takes no generatorKeyId or keyIds")));
            }
            let filter = match get(&filter, "partition") {
                None => None,
                Some(p) => {
                    let accounts = get(&filter, "accountIds").map(|a| Array::from(&a).iter().filter_map(|v| v.as_string()).collect()).unwrap_or_default();
                    Some(DiscoveryFilter { partition: p.as_string().unwrap_or_default(), account_ids: accounts })
                }
            };
            KmsKeyring::discovery(client, filter).map_err(js_err)?
        } else {
            KmsKeyring::new(client, generator, key_ids).map_err(js_err)?
        };
        Ok(WasmKeyring { inner: Arc::new(keyring.with_grant_tokens(grant_tokens)) })
    }

    /// Raw AES keyring with a 16-, 24- or 32-byte wrapping key.
    #[wasm_bindgen(js_name = rawAes)]
    pub fn raw_aes(key_namespace: String, key_name: String, wrapping_key: &[u8]) -> Result<WasmKeyring, JsValue> {
        Ok(WasmKeyring { inner: Arc::new(RawAesKeyring::new(key_namespace, key_name, wrapping_key).map_err(js_err)?) })
    }

    /// Multi-keyring: the generator makes the data key, every child wraps it too.
    pub fn multi(generator: Option<WasmKeyring>, children: Vec<WasmKeyring>) -> Result<WasmKeyring, JsValue> {
        let inner = MultiKeyring::new(generator.map(|g| g.inner), children.into_iter().map(|c| c.inner).collect()).map_err(js_err)?;
        Ok(WasmKeyring { inner: Arc::new(inner) })
    }

    /// A second handle on the same keyring (to pass it into `multi`); with `aborted`, one whose
    /// calls stop (`AbortError`) once it settles: a stream's, so that a cancel ends the KMS call
    /// for its data key.
    #[wasm_bindgen(js_name = clone)]
    pub fn clone_handle(&self, aborted: Option<Promise>) -> WasmKeyring {
        let inner = self.inner.clone();
        WasmKeyring { inner: if let Some(aborted) = aborted { Arc::new(Abortable { inner, aborted }) } else { inner } }
    }
}

/// Encrypts a whole plaintext: `{ result: Uint8Array, messageHeader }`.
#[wasm_bindgen(js_name = encryptMessage)]
pub async fn encrypt_message(keyring: &WasmKeyring, plaintext: Vec<u8>, options: JsValue) -> Result<JsValue, JsValue> {
    let opts = encrypt_options(&options).map_err(js_err)?;
    let out = crate::envelope::encrypt(keyring.inner.as_ref(), &plaintext, &opts).await.map_err(js_err)?;
    let o = Object::new();
    let _ = Reflect::set(&o, &"result".into(), &Uint8Array::from(out.ciphertext.as_slice()).into());
    let _ = Reflect::set(&o, &"messageHeader".into(), &header_to_js(&out.header));
    Ok(o.into())
}

/// Decrypts a whole message: `{ plaintext, messageHeader }`. Nothing is released unless everything verifies.
#[wasm_bindgen(js_name = decryptMessage)]
pub async fn decrypt_message(keyring: &WasmKeyring, ciphertext: Vec<u8>, options: JsValue) -> Result<JsValue, JsValue> {
    // Through the same `Decryptor<Arc<dyn Keyring>>` as the streams rather than
    // `envelope::decrypt`, so the wasm carries one copy of the decryptor, not two.
    let opts = decrypt_options(&options).map_err(js_err)?;
    let mut dec = Decryptor::new(keyring.inner.clone(), opts);
    let mut plaintext = dec.update(&ciphertext).await.map_err(js_err)?;
    let header = dec.header().map(header_to_js).unwrap_or(JsValue::UNDEFINED);
    plaintext.extend_from_slice(&dec.finish().map_err(js_err)?);
    let o = Object::new();
    let _ = Reflect::set(&o, &"plaintext".into(), &Uint8Array::from(plaintext.as_slice()).into());
    let _ = Reflect::set(&o, &"messageHeader".into(), &header);
    Ok(o.into())
}

/// What a call on a finished (or failed) encryptor or decryptor gets.
fn finished(what: &str) -> JsValue {
    js_err(Error::envelope("StreamStateError", ["the ", what, " is finished"].concat()))
}

/// Chunked encryption; memory bounded by the frame length.
#[wasm_bindgen]
pub struct WasmEncryptor {
    inner: Option<Encryptor>,
}

#[wasm_bindgen]
impl WasmEncryptor {
    /// Obtains the data key from the keyring and prepares the header.
    pub async fn create(keyring: &WasmKeyring, options: JsValue) -> Result<WasmEncryptor, JsValue> {
        let opts = encrypt_options(&options).map_err(js_err)?;
        let enc = Encryptor::new(keyring.inner.as_ref(), &opts).await.map_err(js_err)?;
        Ok(WasmEncryptor { inner: Some(enc) })
    }

    /// The header of the message being written.
    #[wasm_bindgen(js_name = messageHeader)]
    pub fn message_header(&self) -> JsValue {
        self.inner.as_ref().map(|e| header_to_js(e.header())).unwrap_or(JsValue::UNDEFINED)
    }

    /// Encrypts a chunk; returns the message bytes now complete (header first, then whole frames).
    pub fn update(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.enc_mut()?.update(chunk).map_err(js_err)
    }

    /// The final frame and footer.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        self.take()?.finish().map_err(js_err)
    }

    // External framing: JS seals frames with WebCrypto (several in flight) and this
    // object supplies the header, per-frame IV/AAD/prefix, the signature hash and footer,
    // so the bytes are those the Rust path writes.

    /// Header body and auth tag; from here on JS writes the frames.
    #[wasm_bindgen(js_name = externalHeader)]
    pub fn external_header(&mut self) -> Result<Vec<u8>, JsValue> {
        Ok(self.enc_mut()?.take_header_bytes())
    }

    /// The most bytes the message takes for a `plaintextLength`-byte plaintext (a signed
    /// message may come out a few bytes shorter).
    #[wasm_bindgen(js_name = maxMessageLength)]
    pub fn max_message_length(&self, plaintext_length: f64) -> Result<f64, JsValue> {
        Ok(self.enc()?.max_message_len(plaintext_length as u64) as f64)
    }

    /// A copy of the derived content key, for `crypto.subtle.importKey`; the caller wipes it after import.
    #[wasm_bindgen(js_name = contentKey)]
    pub fn content_key(&self) -> Result<Vec<u8>, JsValue> {
        Ok(self.enc()?.content_key().expose().to_vec())
    }

    /// Whether the suite signs (JS must then `absorb` every body byte in order).
    #[wasm_bindgen(getter)]
    pub fn signing(&self) -> bool {
        self.inner.as_ref().is_some_and(|e| e.header().suite.is_signing())
    }

    /// Frame bytes before the ciphertext: `[0xFFFFFFFF] seq IV [u32 length]`.
    #[wasm_bindgen(js_name = framePrefix)]
    pub fn frame_prefix(seq: u32, is_final: bool, len: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(24);
        crate::envelope::format::write_frame_prefix(&mut out, seq, is_final, &crate::envelope::crypto::frame_iv(seq), len);
        out
    }

    /// IV of frame `seq`.
    #[wasm_bindgen(js_name = frameIv)]
    pub fn frame_iv(seq: u32) -> Vec<u8> {
        crate::envelope::crypto::frame_iv(seq).to_vec()
    }

    /// AES-GCM additional data of a frame.
    #[wasm_bindgen(js_name = frameAad)]
    pub fn frame_aad(&self, seq: u32, is_final: bool, len: u32) -> Result<Vec<u8>, JsValue> {
        use crate::envelope::crypto::{body_aad, BodyAadKind};
        let kind = if is_final { BodyAadKind::FinalFrame } else { BodyAadKind::Frame };
        Ok(body_aad(&self.enc()?.header().message_id, kind, seq, len as u64))
    }

    /// A whole frame sealed by the aes-gcm crate (for what WebCrypto cannot do everywhere: empty frames).
    #[wasm_bindgen(js_name = sealFrame)]
    pub fn seal_frame(&self, seq: u32, is_final: bool, plaintext: &[u8]) -> Result<Vec<u8>, JsValue> {
        use crate::envelope::crypto::{AesGcmCipher, FrameCipher};
        let enc = self.enc()?;
        let mut out = Self::frame_prefix(seq, is_final, plaintext.len() as u32);
        let start = out.len();
        out.extend_from_slice(plaintext);
        let aad = self.frame_aad(seq, is_final, plaintext.len() as u32)?;
        let tag = AesGcmCipher.seal(enc.content_key(), &crate::envelope::crypto::frame_iv(seq), &aad, &mut out[start..]).map_err(js_err)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Feeds body bytes written by JS into the signature hash, in message order.
    pub fn absorb(&mut self, bytes: &[u8]) {
        if let Some(e) = self.inner.as_mut() {
            e.absorb_body_bytes(bytes);
        }
    }

    /// The footer (empty for unsigned suites); ends the message.
    #[wasm_bindgen(js_name = externalFooter)]
    pub fn external_footer(&mut self) -> Result<Vec<u8>, JsValue> {
        self.take()?.external_footer().map_err(js_err)
    }

    /// The footer for a SHA-384 `digest` of the header and frames that JS computed with a
    /// native hash (Node's `createHash`).
    #[wasm_bindgen(js_name = externalFooterForDigest)]
    pub fn external_footer_for_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.take()?.external_footer_for_digest(digest).map_err(js_err)
    }

    /// Plaintext bytes per frame.
    #[wasm_bindgen(getter, js_name = frameLength)]
    pub fn frame_length(&self) -> u32 {
        self.inner.as_ref().map_or(0, |e| e.header().frame_length)
    }
}

impl WasmEncryptor {
    fn enc(&self) -> Result<&Encryptor, JsValue> {
        self.inner.as_ref().ok_or_else(|| finished("encryptor"))
    }

    fn enc_mut(&mut self) -> Result<&mut Encryptor, JsValue> {
        self.inner.as_mut().ok_or_else(|| finished("encryptor"))
    }

    /// Ends the encryptor: later calls get `StreamStateError`.
    fn take(&mut self) -> Result<Encryptor, JsValue> {
        self.inner.take().ok_or_else(|| finished("encryptor"))
    }
}

/// Chunked decryption: a frame's plaintext is released only after its tag verifies;
/// for signed suites `finish` checks the signature and fails if it does not verify.
#[wasm_bindgen]
pub struct WasmDecryptor {
    inner: Option<Decryptor<Arc<dyn Keyring>>>,
}

impl WasmDecryptor {
    fn dec(&self) -> Result<&Decryptor<Arc<dyn Keyring>>, JsValue> {
        self.inner.as_ref().ok_or_else(|| finished("decryptor"))
    }

    fn dec_mut(&mut self) -> Result<&mut Decryptor<Arc<dyn Keyring>>, JsValue> {
        self.inner.as_mut().ok_or_else(|| finished("decryptor"))
    }

    /// Ends the decryptor: later calls get `StreamStateError`.
    fn take(&mut self) -> Result<Decryptor<Arc<dyn Keyring>>, JsValue> {
        self.inner.take().ok_or_else(|| finished("decryptor"))
    }
}

#[wasm_bindgen]
impl WasmDecryptor {
    /// A decryptor that asks `keyring` for the data key once the header arrives.
    #[wasm_bindgen(constructor)]
    pub fn new(keyring: &WasmKeyring, options: JsValue) -> Result<WasmDecryptor, JsValue> {
        let opts = decrypt_options(&options).map_err(js_err)?;
        Ok(WasmDecryptor { inner: Some(Decryptor::new(keyring.inner.clone(), opts)) })
    }

    /// Whether a message starting with `prefix` may be signed over SHA-384
    /// (`format::may_be_signed_over_sha384`): lets JS skip starting a hash worker.
    #[wasm_bindgen(js_name = mayNeedSha384)]
    pub fn may_need_sha384(prefix: &[u8]) -> bool {
        crate::envelope::format::may_be_signed_over_sha384(prefix)
    }

    /// The verified header, once parsed.
    #[wasm_bindgen(js_name = messageHeader)]
    pub fn message_header(&self) -> JsValue {
        self.inner.as_ref().and_then(|d| d.header()).map(header_to_js).unwrap_or(JsValue::UNDEFINED)
    }

    /// A copy of the content key once the header verified, for `crypto.subtle.importKey`; wiped by the caller.
    #[wasm_bindgen(js_name = contentKey)]
    pub fn content_key(&self) -> Option<Vec<u8>> {
        self.inner.as_ref().and_then(|d| d.content_key()).map(|k| k.expose().to_vec())
    }

    /// Leaves the AES-GCM of framed bodies to JS (WebCrypto): `update` then returns no
    /// plaintext for frames, and `takeSealedFrames` hands them out, checked and in order.
    #[wasm_bindgen(js_name = useExternalFrames)]
    pub fn use_external_frames(&mut self) {
        self.inner = self.inner.take().map(Decryptor::with_external_frames);
    }

    /// JS hashes the signed bytes itself: the first `signedLength` bytes of the message,
    /// and ends with `finishWithDigest`.
    #[wasm_bindgen(js_name = useExternalDigest)]
    pub fn use_external_digest(&mut self) {
        self.inner = self.inner.take().map(Decryptor::with_external_digest);
    }

    /// Bytes from the start of the message parsed so far; input before this can be dropped
    /// once the frames were taken.
    #[wasm_bindgen(getter)]
    pub fn consumed(&self) -> f64 {
        self.inner.as_ref().map_or(0.0, |d| d.consumed() as f64)
    }

    /// Where the frame (or footer) begun in the bytes fed so far but not complete ends, from the
    /// start of the message; `undefined` when nothing is pending or its length is not known yet.
    #[wasm_bindgen(getter, js_name = pendingEnd)]
    pub fn pending_end(&self) -> Option<f64> {
        self.inner.as_ref().and_then(|d| d.pending_end()).map(|end| end as f64)
    }

    /// Whether the message is signed over SHA-384 (JS must then hash it, if it took that on
    /// with `useExternalDigest`); `undefined` until the header is read.
    #[wasm_bindgen(getter, js_name = needsSha384)]
    pub fn needs_sha384(&self) -> Option<bool> {
        self.inner.as_ref().and_then(|d| d.header()).map(|h| h.suite.signs_over_sha384())
    }

    /// Whether a message starting with `prefix` may be signed with P-256 (legacy suite
    /// 0x0214), whose signature JS checks over the whole message (`needsWholeMessage`).
    #[wasm_bindgen(js_name = mayNeedWholeMessage)]
    pub fn may_need_whole_message(prefix: &[u8]) -> bool {
        crate::envelope::format::may_be_signed_over_p256(prefix)
    }

    /// Whether JS must check the signature over the whole signed message, with
    /// `externalSignature` once the footer is read (legacy P-256); `undefined` before the header.
    #[wasm_bindgen(getter, js_name = needsWholeMessage)]
    pub fn needs_whole_message(&self) -> Option<bool> {
        self.inner.as_ref().and_then(|d| d.needs_whole_message())
    }

    /// Bytes from the start of the message known so far to be under the signature.
    #[wasm_bindgen(getter, js_name = signedLength)]
    pub fn signed_length(&self) -> f64 {
        self.inner.as_ref().map_or(0.0, |d| d.signed_len() as f64)
    }

    /// Like `finish`, checking the signature against JS's SHA-384 of the first `signedLength` bytes.
    #[wasm_bindgen(js_name = finishWithDigest)]
    pub fn finish_with_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.take()?.finish_with_digest(digest).map(unwrapped).map_err(js_err)
    }

    /// After `useExternalDigest`, once the footer was read: `{ curve, publicKey, signature }`
    /// for WebCrypto's ECDSA verify over the first `signedLength` bytes ("P-384" with SHA-384,
    /// or "P-256" with SHA-256; a SEC1 point and `r ‖ s`); `undefined` when there is nothing
    /// for JS to check.
    #[wasm_bindgen(js_name = externalSignature)]
    pub fn external_signature(&self) -> Result<JsValue, JsValue> {
        Ok(match self.dec()?.external_signature().map_err(js_err)? {
            None => JsValue::UNDEFINED,
            Some(external) => {
                let o = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&o, &"curve".into(), &external.curve.into());
                let _ = js_sys::Reflect::set(&o, &"publicKey".into(), &js_sys::Uint8Array::from(&external.public_key[..]));
                let _ = js_sys::Reflect::set(&o, &"signature".into(), &js_sys::Uint8Array::from(&external.signature[..]));
                o.into()
            }
        })
    }

    /// Like `finish`, for a message whose `externalSignature` JS verified.
    #[wasm_bindgen(js_name = finishVerified)]
    pub fn finish_verified(&mut self) -> Result<Vec<u8>, JsValue> {
        self.take()?.finish_with_signature_verified().map(unwrapped).map_err(js_err)
    }

    /// Frames parsed so far, packed into one array (`unpackFrames` in core.js reads it): per
    /// frame its IV (12 bytes), its AAD's length (u16 LE) and AAD, then where its ciphertext‖tag
    /// is in the message bytes fed in, offset (f64 LE) and length (u32 LE), and 1 if the frame
    /// may be released only after `finish()` succeeded (the signature verified), else 0. One
    /// array rather than an object per frame built with five `Reflect.set`s across the boundary.
    #[wasm_bindgen(js_name = takeSealedFrames)]
    pub fn take_sealed_frames(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(d) = self.inner.as_mut() {
            for f in d.take_sealed_frames() {
                out.extend_from_slice(&f.iv);
                out.extend_from_slice(&(f.aad.len() as u16).to_le_bytes());
                out.extend_from_slice(&f.aad);
                out.extend_from_slice(&(f.body_offset as f64).to_le_bytes());
                out.extend_from_slice(&(f.body_len as u32).to_le_bytes());
                out.push(f.hold_until_finished as u8);
            }
        }
        out
    }

    /// Opens one frame handed out by `takeSealedFrames` with the aes-gcm crate, for keys
    /// WebCrypto lacks (AES-192 of legacy suites); `AuthenticationError` if its tag does not verify.
    #[wasm_bindgen(js_name = openFrame)]
    pub fn open_frame(&self, iv: &[u8], aad: &[u8], body: &[u8]) -> Result<Vec<u8>, JsValue> {
        use crate::envelope::crypto::{AesGcmCipher, IV_LEN, TAG_LEN};
        let bad = || js_err(Error::envelope("AuthenticationError", "frame authentication tag does not verify"));
        let key = self.inner.as_ref().and_then(|d| d.content_key()).ok_or_else(|| js_err(Error::envelope("StreamStateError", "no content key yet")))?;
        let iv: &[u8; IV_LEN] = iv.try_into().map_err(|_| bad())?;
        let split = body.len().checked_sub(TAG_LEN).ok_or_else(bad)?;
        let tag: &[u8; TAG_LEN] = body[split..].try_into().map_err(|_| bad())?;
        let mut plaintext = Vec::with_capacity(split);
        crate::envelope::stream::open_into(&AesGcmCipher, key, iv, aad, &body[..split], tag, &mut plaintext).map_err(|_| bad())?;
        Ok(plaintext)
    }

    /// Takes message bytes; returns the plaintext of frames that verified.
    /// After an error the decryptor stays failed (its secrets wiped), and keeps its verified header.
    pub async fn update(&mut self, chunk: Vec<u8>) -> Result<Vec<u8>, JsValue> {
        self.dec_mut()?.update(&chunk).await.map(unwrapped).map_err(js_err)
    }

    /// Checks the message is complete (and its signature); returns any last plaintext.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        self.take()?.finish().map(unwrapped).map_err(js_err)
    }
}

/// A keyring whose calls stop (`AbortError`) once `aborted` settles: a stream's, so that a
/// cancel ends the KMS call for its data key rather than leaving it to run and retry.
struct Abortable {
    inner: Arc<dyn Keyring>,
    aborted: Promise,
}

impl Keyring for Abortable {
    fn on_encrypt<'a>(&'a self, materials: EncryptionMaterials) -> BoxFuture<'a, crate::Result<EncryptionMaterials>> {
        Box::pin(unless_aborted(self.inner.on_encrypt(materials), Some(JsFuture::from(self.aborted.clone()))))
    }
    fn on_decrypt<'a>(&'a self, materials: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, crate::Result<DecryptionMaterials>> {
        Box::pin(unless_aborted(self.inner.on_decrypt(materials, edks), Some(JsFuture::from(self.aborted.clone()))))
    }
}

/// Plaintext handed to wasm-bindgen, which frees it once JS has its copy: the allocator wipes
/// it then (lib.rs).
fn unwrapped(mut plaintext: Zeroizing<Vec<u8>>) -> Vec<u8> {
    std::mem::take(&mut *plaintext)
}
