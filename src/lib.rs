//! # kms-wasm
//!
//! AWS KMS from WebAssembly and native Rust: SigV4-signed KMS JSON requests
//! over `fetch` (or reqwest natively), and envelope encryption in the AWS
//! Encryption SDK message format.
//!
//! Modules depend one way: [`config`]/[`credentials`] → [`signing`] →
//! [`transport`] → [`kms`] → `envelope` → `js` (wasm-bindgen glue, wasm32 only), with
//! [`provision`] and [`wrapper`] over [`kms`]. Under them all: [`error`], [`platform`] (the
//! host's clock, timers and tasks) and [`transport_http`] (requests, the host's HTTP client,
//! AWS error answers), which the credential providers' STS and Cognito calls use as KMS calls
//! do. `tests/layering.rs` holds them to it.

#![warn(missing_docs)]
// One set of types serves both targets: natively they are Send + Sync and shared across
// threads through `Arc`; on wasm32 (one thread, JS values inside) they are neither, and the
// `Arc` is merely a reference count.
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

/// `object!{ "Key" => value, … }`: a JSON object, each value converted with [`ToJson`].
/// Not `serde_json::json!`, which serializes each value with `to_value(..).unwrap()`: the
/// unwrap links serde_json's error formatting and with it the text of every `std::io` error
/// kind (2.3 kB of the wasm module, with `error::json_problem` in place of its `Display`).
macro_rules! object {
    ($($key:expr => $value:expr),* $(,)?) => {{
        let mut map = serde_json::Map::new();
        $(map.insert(::std::string::String::from($key), $crate::ToJson::to_json(&$value));)*
        serde_json::Value::Object(map)
    }};
}

/// Byte offset of the first `needle` in `hay`. A plain scan: `str::find` with a `&str` pattern
/// brings core's two-way searcher, about 1 KB gzip of wasm, for a few short needles.
pub(crate) fn find_str(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// What `object!` takes as a value.
pub(crate) trait ToJson {
    fn to_json(&self) -> serde_json::Value;
}
impl ToJson for str {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::String(self.to_owned())
    }
}
impl ToJson for String {
    fn to_json(&self) -> serde_json::Value {
        self.as_str().to_json()
    }
}
impl ToJson for serde_json::Value {
    fn to_json(&self) -> serde_json::Value {
        self.clone()
    }
}
impl ToJson for usize {
    fn to_json(&self) -> serde_json::Value {
        (*self).into()
    }
}
impl ToJson for i32 {
    fn to_json(&self) -> serde_json::Value {
        (*self).into()
    }
}
impl ToJson for u32 {
    fn to_json(&self) -> serde_json::Value {
        (*self).into()
    }
}
impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> serde_json::Value {
        (**self).to_json()
    }
}

pub mod config;
pub mod credentials;
pub mod envelope;
pub mod error;
pub mod kms;
pub mod platform;
pub mod provision;
pub mod signing;
pub mod transport;
pub mod transport_http;
pub mod wrapper;

#[cfg(target_arch = "wasm32")]
mod transport_fetch;
#[cfg(any(not(target_arch = "wasm32"), feature = "reqwest-wasm"))]
mod transport_native;

#[cfg(target_arch = "wasm32")]
pub mod js;

pub use config::{Config, ConfigBuilder, Endpoint, EndpointVariant, RetryConfig};
pub use credentials::{Credentials, CredentialsProvider, SecretString};
pub use error::{Error, ErrorKind, Result};
pub use kms::KmsClient;

// Safety: `TalckWasm` assumes that no two threads allocate at once; a wasm32 instance here has one
// thread (the browser's hash worker instantiates a module of its own).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: WipingAllocator = WipingAllocator(unsafe { talc::TalckWasm::new_global() });

/// The wasm allocator zeroes every block it frees. Plaintext, keys and tokens pass through
/// buffers nobody wipes by hand: wasm-bindgen's copies of what JS passes in and gets back, a
/// JSON request body, serde's and our own temporaries. Wiped on free, none of it lingers in the
/// module's memory, which any code holding the module (or a heap dump) can read. A block that
/// grows moves, so its old place is wiped too.
#[cfg(target_arch = "wasm32")]
struct WipingAllocator(talc::TalckWasm);

#[cfg(target_arch = "wasm32")]
unsafe impl std::alloc::GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        self.0.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // Not a dead store: talc's dealloc writes its free-list links into the block after it.
        ptr.write_bytes(0, layout.size());
        self.0.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let new = self.alloc(std::alloc::Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}
