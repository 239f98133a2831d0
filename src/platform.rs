//! What differs between native and wasm32 hosts: the clock, sleeping and randomness.
//!
//! `std::time::SystemTime::now()` panics on wasm32-unknown-unknown, so every
//! caller asks this module for the time instead.

use std::future::Future;
use std::pin::Pin;

/// Milliseconds since the Unix epoch from the host clock.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_millis() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Milliseconds since the Unix epoch from the host clock.
#[cfg(target_arch = "wasm32")]
pub fn now_millis() -> i64 {
    js_sys::Date::now() as i64
}

/// Waits `millis` milliseconds without blocking the host.
#[cfg(not(target_arch = "wasm32"))]
pub async fn sleep(millis: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await
}

/// Waits `millis` milliseconds without blocking the host (a `setTimeout` promise).
#[cfg(target_arch = "wasm32")]
pub async fn sleep(millis: u64) {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = setTimeout)]
        fn set_timeout(cb: &js_sys::Function, ms: f64) -> JsValue;
    }
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, millis as f64);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Fills `buf` from the host CSPRNG (`crypto.getRandomValues` on wasm32).
pub fn fill_random(buf: &mut [u8]) -> crate::Result<()> {
    getrandom::fill(buf).map_err(|e| crate::Error::network(format!("no secure random source: {e}")))
}

/// A uniformly random `u64`, for retry jitter.
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // Jitter does not need to be secret; a failed draw just means no jitter.
    let _ = fill_random(&mut b);
    u64::from_le_bytes(b)
}

/// Futures are `Send` on native hosts (so they run on multi-threaded executors)
/// and not on wasm32, where JavaScript values cannot cross threads.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// Futures are `Send` on native hosts and not on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// Same as [`MaybeSend`], for shared references (`Sync` on native only).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// Same as [`MaybeSend`], for shared references (`Sync` on native only).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A boxed future that is `Send` exactly where [`MaybeSend`] requires it.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future that is `Send` exactly where [`MaybeSend`] requires it.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
