//! SHA-384 for the browser entry's hashing worker. A signed message (suite 0x0578) is hashed
//! whole; in browsers WebCrypto's AES-GCM runs on the calling thread, so hashing there too
//! serializes the two. The browser entry instantiates this same module a second time in a
//! Worker (its imports stubbed) and hashes there: only numbers cross this boundary, so no
//! wasm-bindgen glue is needed on that side. Nothing secret is hashed: the signature covers
//! the message as sent.

use std::cell::RefCell;

use sha2::{Digest, Sha384};
use wasm_bindgen::prelude::*;

use crate::envelope::crypto::SHA384_LEN;

struct Hashing {
    hash: Sha384,
    /// Where the worker writes the next input, inside this module's memory.
    input: Vec<u8>,
    digest: [u8; SHA384_LEN],
}

thread_local! {
    // Handles are indices, so a bad handle from JS is an error, never a stray pointer.
    static HASHINGS: RefCell<Vec<Option<Hashing>>> = const { RefCell::new(Vec::new()) };
}

// Results are plain numbers (0 or false for a bad handle or length): a `Result` would need
// wasm-bindgen's JS glue to build the error, and the worker has none.
fn with<R>(handle: u32, f: impl FnOnce(&mut Hashing) -> R) -> Option<R> {
    HASHINGS.with_borrow_mut(|all| all.get_mut(handle as usize).and_then(Option::as_mut).map(f))
}

/// Starts a hash; returns its handle.
#[wasm_bindgen(js_name = sha384Begin)]
pub fn sha384_begin() -> u32 {
    let fresh = Hashing { hash: Sha384::new(), input: Vec::new(), digest: [0; SHA384_LEN] };
    HASHINGS.with_borrow_mut(|all| match all.iter().position(Option::is_none) {
        Some(free) => {
            all[free] = Some(fresh);
            free as u32
        }
        None => {
            all.push(Some(fresh));
            (all.len() - 1) as u32
        }
    })
}

/// The address of a `len`-byte buffer in this module's memory for the next `sha384Absorb` (0: bad handle).
#[wasm_bindgen(js_name = sha384Input)]
pub fn sha384_input(handle: u32, len: u32) -> u32 {
    with(handle, |h| {
        h.input.resize(len as usize, 0);
        h.input.as_ptr() as u32
    })
    .unwrap_or(0)
}

/// Hashes the first `len` bytes written at `sha384Input`'s address; false if that is more than it gave.
#[wasm_bindgen(js_name = sha384Absorb)]
pub fn sha384_absorb(handle: u32, len: u32) -> bool {
    with(handle, |h| h.input.get(..len as usize).map(|bytes| h.hash.update(bytes)).is_some()).unwrap_or(false)
}

/// Finishes the hash; returns the address of its `SHA384_LEN`-byte digest, valid until `sha384Free` (0: bad handle).
#[wasm_bindgen(js_name = sha384End)]
pub fn sha384_end(handle: u32) -> u32 {
    with(handle, |h| {
        h.digest = std::mem::take(&mut h.hash).finalize().into();
        h.digest.as_ptr() as u32
    })
    .unwrap_or(0)
}

/// Drops a hash and its buffer.
#[wasm_bindgen(js_name = sha384Free)]
pub fn sha384_free(handle: u32) {
    HASHINGS.with_borrow_mut(|all| {
        if let Some(slot) = all.get_mut(handle as usize) {
            *slot = None;
        }
    });
}
