//! The size floor (`tests/bench/size.mjs`): a wasm module with only what the crates kms-wasm
//! must use cost once linked (aws-sigv4 signing, HKDF-SHA512, AES-256-GCM, SHA-384 and P-384
//! ECDSA, serde_json, base64, getrandom, one `fetch` through wasm-bindgen, the same allocator,
//! profile and wasm-opt flags) and none of kms-wasm's own code: no KMS operations, envelope
//! format, keyrings, streams, credential providers or error types. What the pair of SDK
//! bundles weighs beyond this is all the room our own code could have. Built only for wasm32.
#![cfg(target_arch = "wasm32")]
use std::time::{Duration, SystemTime};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use base64::Engine;
use hkdf::Hkdf;
use p384::ecdsa::{signature::hazmat::PrehashVerifier, Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha384, Sha512};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Errors as one fixed word: kms-wasm's own messages are not part of the floor.
fn failed<E>(_: E) -> String {
    String::from("e")
}

#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

// Each export takes its inputs from JS, so nothing is folded away at build time.

/// SigV4-signs a POST; returns the headers it adds.
#[wasm_bindgen]
pub fn sigv4(url: &str, body: &[u8], akid: &str, secret: &str, token: Option<String>, region: &str, millis: f64) -> Result<String, String> {
    let identity = aws_smithy_runtime_api::client::identity::Identity::new(aws_credential_types::Credentials::new(akid.to_owned(), secret.to_owned(), token, None, "p"), None);
    let params = v4::SigningParams::builder().identity(&identity).region(region).name("kms").time(SystemTime::UNIX_EPOCH + Duration::from_millis(millis as u64)).settings(SigningSettings::default()).build().map_err(failed)?.into();
    let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", "TrentService.Encrypt")];
    let signable = SignableRequest::new("POST", url, headers.iter().copied(), SignableBody::Bytes(body)).map_err(failed)?;
    let (instructions, _) = sign(signable, &params).map_err(failed)?.into_parts();
    let (h, _) = instructions.into_parts();
    let mut joined = String::new();
    for h in h.iter() {
        joined.push_str(h.name());
        joined.push(':');
        joined.push_str(h.value());
        joined.push('\n');
    }
    Ok(joined)
}

/// HKDF-SHA512 derive + AES-256-GCM seal, then open.
#[wasm_bindgen]
pub fn aead(key: &[u8], salt: &[u8], data: &mut [u8]) -> Result<Vec<u8>, String> {
    let hk = Hkdf::<Sha512>::new(Some(salt), key);
    let mut k = [0u8; 32];
    hk.expand(b"DERIVEKEY", &mut k).map_err(|_| "hkdf")?;
    let tag = kms_wasm_gcm::seal(&k, &[1; 12], b"aad", data).map_err(|_| "seal")?;
    let mut copy = data.to_vec();
    kms_wasm_gcm::open(&k, &[1; 12], b"aad", &mut copy, &tag).map_err(|_| "open")?;
    copy.extend_from_slice(&tag);
    Ok(copy)
}

/// P-384: fresh key, SHA-384 + sign, compressed public key in base64, verify.
#[wasm_bindgen]
pub fn p384_roundtrip(msg: &[u8]) -> Result<String, String> {
    let mut seed = [0u8; 48];
    getrandom::fill(&mut seed).map_err(failed)?;
    let sk = SigningKey::from_slice(&seed).map_err(failed)?;
    let digest = Sha384::digest(msg);
    let sig: Signature = p384::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(&sk, &digest).map_err(failed)?;
    let pk = sk.verifying_key().to_sec1_point(true);
    let b64 = base64::engine::general_purpose::STANDARD.encode(pk.as_bytes());
    let bytes = base64::engine::general_purpose::STANDARD.decode(&b64).map_err(failed)?;
    let vk = VerifyingKey::from_sec1_bytes(&bytes).map_err(failed)?;
    vk.verify_prehash(&digest, &Signature::from_der(sig.to_der().as_bytes()).map_err(failed)?).map_err(failed)?;
    Ok(b64)
}

/// serde_json round trip of a KMS-like answer.
#[wasm_bindgen]
pub fn json(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut v: serde_json::Value = serde_json::from_slice(text).map_err(failed)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("Seen".into(), serde_json::Value::Bool(true));
    }
    serde_json::to_vec(&v).map_err(failed)
}

/// One fetch.
#[wasm_bindgen]
pub async fn post(url: String, body: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&js_sys::Uint8Array::from(&body[..]).into());
    let req = web_sys::Request::new_with_str_and_init(&url, &init)?;
    let global: web_sys::Window = js_sys::global().unchecked_into();
    let resp: web_sys::Response = wasm_bindgen_futures::JsFuture::from(global.fetch_with_request(&req)).await?.unchecked_into();
    let buf = wasm_bindgen_futures::JsFuture::from(resp.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}
