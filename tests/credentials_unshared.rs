//! `credentials::share_fetches(false)` (what the workerd entry sets): a caller finding a
//! credentials fetch under way makes its own instead of waiting for it. A test binary of its
//! own: the setting is process-wide, and the other tests rely on the default (one fetch shared).

use std::sync::atomic::{AtomicUsize, Ordering};
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
