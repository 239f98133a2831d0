//! `credentials::share_fetches(false)` (what the workerd entry sets): a caller finding a
//! credentials fetch under way makes its own instead of waiting for it. A test binary of its
//! own: the setting is process-wide, and the other tests rely on the default (one fetch shared).

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kms_wasm::credentials::{share_fetches, CachingProvider, CredentialsProvider, FnCredentialsProvider};
use kms_wasm::platform::BoxFuture;
use kms_wasm::{Credentials, Result};

#[tokio::test]
async fn callers_during_a_fetch_make_their_own_and_the_cache_serves_the_rest() {
    share_fetches(false);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let slow = FnCredentialsProvider::new(move || {
        let calls = counted.clone();
        Box::pin(async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Credentials::new(format!("AK{n}"), "s", None))
        }) as BoxFuture<'static, Result<Credentials>>
    });
    let cache = CachingProvider::new(Arc::new(slow));
    let (a, b, c) = tokio::join!(cache.credentials(), cache.credentials(), cache.credentials());
    for got in [a, b, c] {
        assert!(got.unwrap().access_key_id.starts_with("AK"));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3, "no caller waited for another's fetch");
    cache.credentials().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3, "fetched credentials are cached");
}

static CLOCK: AtomicI64 = AtomicI64::new(1_000_000_000_000);
fn clock() -> i64 {
    CLOCK.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_failed_fetch_of_its_own_falls_back_to_unexpired_credentials_as_a_refresh_does() {
    share_fetches(false);
    let hour = 3_600_000;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    // The first fetch gets credentials for an hour; every later one fails, slowly.
    let failing_after_one = FnCredentialsProvider::new(move || {
        let calls = counted.clone();
        Box::pin(async move {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut c = Credentials::new("AK1", "s", None);
                c.expires_at_millis = Some(clock() + hour);
                return Ok(c);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(kms_wasm::Error::credentials("source down"))
        }) as BoxFuture<'static, Result<Credentials>>
    });
    let cache = CachingProvider::new(Arc::new(failing_after_one)).clock(clock);
    assert_eq!(cache.credentials().await.unwrap().access_key_id, "AK1");
    CLOCK.fetch_add(hour - 60_000, Ordering::SeqCst); // inside the refresh margin, not expired
    let (refreshed, alone) = tokio::join!(cache.credentials(), cache.credentials());
    assert_eq!(calls.load(Ordering::SeqCst), 3, "the second caller fetched on its own");
    assert_eq!(refreshed.unwrap().access_key_id, "AK1");
    assert_eq!(alone.unwrap().access_key_id, "AK1", "a failed fetch of its own still has unexpired credentials");
    CLOCK.fetch_add(60_001, Ordering::SeqCst);
    let (a, b) = tokio::join!(cache.credentials(), cache.credentials());
    assert!(a.is_err() && b.is_err(), "expired credentials are not used");
}
