//! HTTP through the global `fetch` (browsers, Node 18+, workers, workerd).
//!
//! We call the global function, not `window.fetch`, so the same module runs
//! in service workers and edge runtimes that have no `window`. The timeout
//! is an `AbortController` armed with `setTimeout`; the same controller aborts
//! the fetch when the call is dropped (its caller aborted it). Node's entry limits the
//! fetches in flight ([`limit_in_flight`]).

use std::cell::RefCell;

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, Request, RequestInit, RequestRedirect, Response};

use crate::error::{Error, Result};
use crate::platform::{self, BoxFuture};
use crate::transport_http::{answer_too_large, HttpClient, HttpRequest, HttpResponse, MAX_ANSWER_BYTES};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(cb: &JsValue, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// [`HttpClient`] over the global `fetch`.
pub struct FetchClient;

// (A browser shows a cross-origin answer's `retry-after` only where the server exposes it.)
const READ_HEADERS: [&str; 4] = ["x-amzn-requestid", "x-amzn-errortype", "date", "retry-after"];

impl HttpClient for FetchClient {
    fn send(&self, request: HttpRequest, timeout_ms: u64) -> BoxFuture<'_, Result<HttpResponse>> {
        Box::pin(async move {
            // Before the timer starts: waiting for a turn is not the request taking long.
            let _slot = take_slot().await;
            let headers = Headers::new().map_err(js_network)?;
            for (k, v) in &request.headers {
                // Not retried, and without fetch's message, which quotes the value (a signature).
                headers.set(k, v).map_err(|_| Error::config("credentials", format!("the {k} header cannot be sent (a character fetch refuses)")))?;
            }
            let init = RequestInit::new();
            init.set_method("POST");
            init.set_redirect(RequestRedirect::Manual); // an answer, not followed (see decode_error)
            init.set_headers(&headers);
            // fetch takes a copy; ours (an Encrypt's plaintext) is wiped as it is freed (lib.rs).
            init.set_body(&Uint8Array::from(request.body.as_slice()));
            let controller = AbortController::new().map_err(js_network)?;
            init.set_signal(Some(&controller.signal()));
            let req = Request::new_with_str_and_init(&request.url, &init).map_err(js_network)?;
            // `controller.abort` bound to it, not a Rust closure: a closure whose timer is cleared
            // is never called, and an uncalled `once_into_js` closure is never freed (one per call).
            let abort = js_sys::Reflect::get(&controller, &"abort".into()).map_err(js_network)?.unchecked_into::<js_sys::Function>().bind0(&controller);
            let _in_flight = InFlight { timer: set_timeout(&abort, platform::timer_ms(timeout_ms)), controller };
            let result = fetch_response(&req).await;
            result.map_err(|e| if is_abort(&e) { Error::timeout(timeout_ms) } else { js_network(e) })?
        })
    }
}

struct Slots {
    limit: usize,
    in_flight: usize,
    /// While calls wait: a promise resolved when a fetch ends, and its resolve function.
    freed: Option<(Promise, js_sys::Function)>,
}

thread_local! {
    static SLOTS: RefCell<Slots> = const { RefCell::new(Slots { limit: usize::MAX, in_flight: 0, freed: None }) };
}

/// At most `limit` fetches in flight at once, for the whole module (every client and credentials
/// provider); more wait their turn. Node's entry sets 50: its fetch opens a connection for each
/// request in flight (200 calls at once opened 200, overflowing a local KMS's listen queue, and
/// calls stalled up to 31 s in SYN retries; against KMS each would be a TLS handshake), and the
/// AWS SDK's Node handler keeps 50 sockets. Elsewhere no limit: browsers limit connections per
/// host themselves, and workerd cancels a request that waits on a promise another request
/// resolves (one fetch ending frees the turn of a call of another request).
pub(crate) fn limit_in_flight(limit: usize) {
    SLOTS.with_borrow_mut(|s| s.limit = limit.max(1));
}

/// Waits until fewer fetches than the limit are in flight, and counts this one. Waiting calls
/// all wake when one ends, in the order they began to wait, and the first takes the slot; a
/// call dropped while waiting (aborted) holds nothing.
async fn take_slot() -> Slot {
    loop {
        let freed = SLOTS.with_borrow_mut(|s| {
            if s.in_flight < s.limit {
                s.in_flight += 1;
                return None;
            }
            Some(s.freed.get_or_insert_with(platform::resolvable).0.clone())
        });
        match freed {
            None => return Slot,
            Some(promise) => drop(JsFuture::from(promise).await),
        }
    }
}

/// A slot taken: given back when dropped (the fetch is done, or its call was dropped).
struct Slot;

impl Drop for Slot {
    fn drop(&mut self) {
        let freed = SLOTS.with_borrow_mut(|s| {
            s.in_flight -= 1;
            s.freed.take()
        });
        if let Some((_, resolve)) = freed {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// A fetch's timer and controller. Dropped when the fetch is done (then aborting is a no-op) or
/// when the call is dropped unfinished because its caller aborted it: then no request is left
/// in flight.
struct InFlight {
    timer: JsValue,
    controller: AbortController,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        self.controller.abort();
    }
}

/// The answer, or (inside) the error for one too large to take in: see [`MAX_ANSWER_BYTES`].
async fn fetch_response(req: &Request) -> std::result::Result<Result<HttpResponse>, JsValue> {
    let resp: Response = JsFuture::from(global_fetch(req)).await?.dyn_into()?;
    let status = resp.status();
    let resp_headers = resp.headers();
    let headers = READ_HEADERS.iter().filter_map(|name| Some((name.to_string(), resp_headers.get(name).ok()??))).collect();
    let bytes = Uint8Array::new(&JsFuture::from(resp.array_buffer()?).await?);
    // Refused before wasm memory holds it (JS's fetch has read it by now).
    if bytes.length() as usize > MAX_ANSWER_BYTES {
        return Ok(Err(answer_too_large(status)));
    }
    Ok(Ok(HttpResponse { status, headers, body: bytes.to_vec() }))
}

fn is_abort(e: &JsValue) -> bool {
    js_sys::Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string()).is_some_and(|n| n == "AbortError")
}

fn js_network(e: JsValue) -> Error {
    // Node's fetch says only "fetch failed"; why (ECONNREFUSED, a DNS or TLS failure) is its
    // `cause`, with the system's or OpenSSL's `code`.
    let cause = js_sys::Reflect::get(&e, &"cause".into()).ok().filter(|c| c.is_instance_of::<js_sys::Error>());
    let code = cause.as_ref().and_then(|c| js_sys::Reflect::get(c, &"code".into()).ok()?.as_string());
    let message = js_message(cause.as_ref().unwrap_or(&e), "");
    // Every address of a host refusing is an AggregateError with no message of its own.
    let reason = if message.is_empty() { code.as_deref().unwrap_or("no reason given") } else { &message };
    let err = Error::network(format!("fetch failed: {reason}"));
    match code {
        Some(code) => err.with_code(code),
        None => err,
    }
}

/// The message of what JavaScript threw: an `Error`'s `message`, a thrown string, else `otherwise`.
pub(crate) fn js_message(e: &JsValue, otherwise: &str) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| otherwise.to_owned())
}
