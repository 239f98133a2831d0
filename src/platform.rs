//! What differs between native and wasm32 hosts: the clock (and reading an HTTP date), sleeping,
//! randomness and wiping.
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

/// The last millisecond of year 9999, the latest date the SDKs (and the signer) can write.
pub(crate) const MAX_DATE_MS: i64 = 253_402_300_799_999;

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into epoch milliseconds.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn parse_http_date_ms(value: &str) -> Option<i64> {
    let t = httpdate::parse_http_date(value).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64)
}

/// Parses an HTTP `Date` header into epoch milliseconds with the host's
/// `Date.parse` (which reads IMF-fixdates), instead of carrying httpdate's
/// parser in the wasm module.
///
/// Dates from 1970 to 9999 only, as httpdate natively: a server's clock past 9999 would reach
/// the signer, which cannot write such a date (it panics, which traps in wasm).
#[cfg(target_arch = "wasm32")]
pub(crate) fn parse_http_date_ms(value: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(value);
    (0.0..=MAX_DATE_MS as f64).contains(&ms).then_some(ms as i64)
}

/// Waits `millis` milliseconds without blocking the host.
#[cfg(not(target_arch = "wasm32"))]
pub async fn sleep(millis: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await
}

/// `millis` as a `setTimeout` delay. Timers take a signed 32-bit delay and fire at once (after
/// 1 ms) when given more, so longer waits (`requestTimeout: Infinity`) become 24.8 days.
#[cfg(target_arch = "wasm32")]
pub(crate) fn timer_ms(millis: u64) -> f64 {
    millis.min(i32::MAX as u64) as f64
}

/// Waits `millis` milliseconds without blocking the host (a `setTimeout` promise).
#[cfg(target_arch = "wasm32")]
pub async fn sleep(millis: u64) {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = setTimeout)]
        fn set_timeout(cb: &js_sys::Function, ms: f64) -> JsValue;
        #[wasm_bindgen(js_name = clearTimeout)]
        fn clear_timeout(handle: &JsValue);
    }
    /// Dropped unfinished (an abort during a retry's backoff), the timer goes, or it would keep
    /// Node running for up to 20 s; resolving the promise lets the future's callbacks be freed.
    struct Timer(JsValue, Option<js_sys::Function>);
    impl Drop for Timer {
        fn drop(&mut self) {
            clear_timeout(&self.0);
            if let Some(resolve) = self.1.take() {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
    }
    let (promise, resolve) = resolvable();
    let _timer = Timer(set_timeout(&resolve, timer_ms(millis)), Some(resolve));
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A pending promise and the function that resolves it.
#[cfg(target_arch = "wasm32")]
pub(crate) fn resolvable() -> (js_sys::Promise, js_sys::Function) {
    let mut resolve = None;
    let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
    (promise, resolve.expect("a promise's executor runs at once"))
}

/// Runs `work` unless `abort` resolves first (the caller gave up: an `AbortSignal` in JavaScript),
/// then [`Error::aborted`](crate::Error::aborted). Dropping `work` cancels what it waits for: the
/// request in flight (the wasm32 `fetch` aborts when dropped), a retry's backoff.
pub async fn unless_aborted<T>(work: impl Future<Output = crate::Result<T>>, abort: Option<Abort>) -> crate::Result<T> {
    let Some(mut abort) = abort else { return work.await };
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|cx| match work.as_mut().poll(cx) {
        std::task::Poll::Ready(out) => std::task::Poll::Ready(out),
        std::task::Poll::Pending => Pin::new(&mut abort).poll(cx).map(|_| Err(crate::Error::aborted())),
    })
    .await
}

/// What settles when a caller aborts a call: on wasm32 a promise the JS side settles from an
/// `AbortSignal` (its value is ignored).
#[cfg(target_arch = "wasm32")]
pub type Abort = wasm_bindgen_futures::JsFuture;
/// What settles when a caller aborts a call (natively, for tests: Rust callers drop the future).
#[cfg(not(target_arch = "wasm32"))]
pub type Abort = BoxFuture<'static, ()>;

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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// Sets its flag when dropped: tells whether the abandoned work was dropped (cancelled).
    struct DropFlag(Arc<AtomicBool>);
    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn an_abort_drops_the_work_and_gives_abort_error() {
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        let work = async move {
            let _flag = flag;
            sleep(60_000).await;
            Ok(1)
        };
        let err = unless_aborted(work, Some(Box::pin(sleep(20)))).await.unwrap_err();
        assert_eq!((err.kind(), err.name()), (crate::ErrorKind::Aborted, "AbortError"));
        assert!(dropped.load(Ordering::SeqCst), "the abandoned work was dropped");
    }

    #[tokio::test]
    async fn work_that_finishes_first_keeps_its_result() {
        assert_eq!(unless_aborted(async { Ok(7) }, Some(Box::pin(sleep(60_000)))).await.unwrap(), 7);
        assert_eq!(unless_aborted(async { Err::<u8, _>(crate::Error::timeout(5)) }, Some(Box::pin(sleep(60_000)))).await.unwrap_err().name(), "TimeoutError");
        assert_eq!(unless_aborted(async { Ok(8) }, None).await.unwrap(), 8);
    }
}

/// Wipes every string of a JSON value (base64 plaintext, tokens) before it is dropped. In wasm
/// there is nothing to do: the allocator wipes each string as it is freed (lib.rs).
pub(crate) fn wipe_strings(value: &mut serde_json::Value) {
    use serde_json::Value;
    if cfg!(target_arch = "wasm32") {
        return;
    }
    match value {
        Value::String(s) => zeroize::Zeroize::zeroize(s),
        Value::Array(items) => items.iter_mut().for_each(wipe_strings),
        Value::Object(map) => map.values_mut().for_each(wipe_strings),
        _ => {}
    }
}
