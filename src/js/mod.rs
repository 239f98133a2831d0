//! wasm-bindgen glue: the small surface the hand-written JavaScript in
//! `src/js/*.js` builds the public API on. No logic lives here that the
//! native build would not also run; it converts JS values and errors.

mod deploy;
mod envelope;
mod sha384;

use std::sync::Arc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::config::Config;
use crate::credentials::{Credentials, CredentialsProvider};
use crate::error::Error;
use crate::kms::{AuditEvent, KmsClient};
use crate::platform::BoxFuture;

/// Turns an [`Error`] into a JS `Error` whose `name` is the KMS exception
/// (or our error name), with `$fault`, `$metadata` and `field` like the AWS SDK's.
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name(e.name());
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&err, &k.into(), v);
    };
    set("$fault", &e.fault().into());
    let meta = Object::new();
    let _ = Reflect::set(&meta, &"httpStatusCode".into(), &e.http_status().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
    let _ = Reflect::set(&meta, &"requestId".into(), &e.request_id().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
    let _ = Reflect::set(&meta, &"attempts".into(), &JsValue::from(e.attempts()));
    let _ = Reflect::set(&meta, &"totalRetryDelay".into(), &JsValue::from(e.total_retry_delay_ms() as u32));
    set("$metadata", &meta);
    if let Some(field) = e.field() {
        set("field", &field.into());
    }
    if let Some(code) = e.code() {
        set("code", &code.into());
    }
    set("kind", &e.kind().as_str().into());
    err.into()
}

/// [`to_js_error`] by value, for `map_err`.
fn js_err(e: Error) -> JsValue {
    to_js_error(&e)
}

fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &key.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn get_string(obj: &JsValue, key: &str, field: &'static str) -> Result<Option<String>, Error> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v.as_string().map(Some).ok_or_else(|| Error::config(field, "must be a string")),
    }
}

/// The pairs of a plain object of strings (`{ k: "v" }`): an encryption context, tags, logins.
/// An array or a `Map` is refused: it would pass as an object whose pairs `Object.keys` does not see.
fn string_pairs(value: &JsValue, field: &'static str) -> Result<Vec<(String, String)>, Error> {
    if !value.is_object() || js_sys::Array::is_array(value) || value.is_instance_of::<js_sys::Map>() {
        return Err(Error::validation(field, "must be an object of string values"));
    }
    let mut out = Vec::new();
    for key in Object::keys(&Object::from(value.clone())).iter() {
        let k = key.as_string().unwrap_or_default();
        // A lone surrogate would become U+FFFD in UTF-8, so two keys could become one: refused.
        let v = Reflect::get(value, &key).ok().and_then(|v| v.as_string().filter(|s| well_formed(s, &v) && well_formed(&k, &key)));
        let v = v.ok_or_else(|| Error::validation(field, format!("the value of `{k}` must be a string, and neither may hold a lone surrogate")))?;
        out.push((k, v));
    }
    Ok(out)
}

/// Whether the JS string `value`, converted to `s`, held no lone surrogate (which UTF-8 cannot
/// carry: the conversion makes it U+FFFD, so the string does not come back the same).
fn well_formed(s: &str, value: &JsValue) -> bool {
    JsValue::from_str(s) == *value
}

/// An env map (`process.env`, a Worker's `env`): its string values, and booleans as `true` /
/// `false` (a Worker's `[vars]` may hold `AWS_USE_FIPS_ENDPOINT = true`, which would otherwise be
/// dropped without a word); anything else (other bindings) is left out.
fn env_pairs(env: &JsValue) -> Vec<(String, String)> {
    if !env.is_object() {
        return Vec::new();
    }
    let text = |v: JsValue| v.as_string().or_else(|| v.as_bool().map(|b| if b { "true" } else { "false" }.to_owned()));
    Object::keys(&Object::from(env.clone())).iter().filter_map(|k| Some((k.as_string()?, text(Reflect::get(env, &k).ok()?)?))).collect()
}

/// A true/false setting of `options`, or absent.
fn config_flag(options: &JsValue, key: &'static str) -> Result<Option<bool>, Error> {
    get(options, key).map(|v| v.as_bool().ok_or_else(|| Error::config(key, "must be true or false"))).transpose()
}

/// The audit hook `onAudit` of `options`: a function, or absent.
fn audit_hook(options: &JsValue) -> Result<Option<Function>, Error> {
    match get(options, "onAudit") {
        None => Ok(None),
        Some(v) => v.dyn_into::<Function>().map(Some).map_err(|_| Error::config("onAudit", "must be a function")),
    }
}

/// Credentials asked from a JS function (`credentials: async () => ({ accessKeyId, … })`) before each request.
struct JsCredentialsFunction(Function);

impl CredentialsProvider for JsCredentialsFunction {
    fn credentials(&self) -> BoxFuture<'_, crate::Result<Credentials>> {
        Box::pin(async move {
            let value = deploy::call_async(&self.0).await.map_err(|e| Error::credentials(js_message(&e)))?;
            credentials_from_js(&value)
        })
    }
}

fn js_message(e: &JsValue) -> String {
    crate::transport_fetch::js_message(e, "credentials provider failed")
}

/// The credentials a JS function or object gives: `ConfigError`s name the missing or bad field.
fn credentials_from_js(v: &JsValue) -> crate::Result<Credentials> {
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let id = nonempty(get_string(v, "accessKeyId", "credentials.accessKeyId")?).ok_or_else(|| Error::config("credentials.accessKeyId", "is missing"))?;
    let secret = nonempty(get_string(v, "secretAccessKey", "credentials.secretAccessKey")?).ok_or_else(|| Error::config("credentials.secretAccessKey", "is missing"))?;
    let mut c = Credentials::new(id, secret, get_string(v, "sessionToken", "credentials.sessionToken")?);
    if let Some(exp) = get(v, "expiration") {
        // A Date, epoch milliseconds or a date string; anything else would mean "never expires".
        let millis = match exp.dyn_ref::<js_sys::Date>() {
            Some(d) => d.get_time(),
            None => exp.as_string().map_or_else(|| exp.as_f64().unwrap_or(f64::NAN), |s| js_sys::Date::parse(&s)),
        };
        if !millis.is_finite() {
            return Err(Error::config("credentials.expiration", "must be a Date, epoch milliseconds or a date string"));
        }
        c.expires_at_millis = Some(millis as i64);
    }
    Ok(c)
}

/// Builds a [`Config`] from the `KMS` constructor's options object and an optional env map.
fn config_from_js(options: &JsValue, env: &JsValue) -> crate::Result<Config> {
    let mut builder = Config::builder();
    if let Some(region) = get_string(options, "region", "region")? {
        builder = builder.region(region);
    }
    if let Some(endpoint) = get_string(options, "endpoint", "endpoint")? {
        builder = builder.endpoint(endpoint);
    }
    if let Some(on) = config_flag(options, "useFipsEndpoint")? {
        builder = builder.use_fips_endpoint(on);
    }
    if let Some(on) = config_flag(options, "useDualstackEndpoint")? {
        builder = builder.use_dual_stack_endpoint(on);
    }
    if let Some(creds) = get(options, "credentials") {
        // A kms-wasm provider (fromWebIdentity, …) is used directly, without a JS round trip.
        builder = match deploy::provider_from_js(&creds) {
            Some(provider) => builder.credentials_provider(provider),
            None => match creds.dyn_into::<Function>() {
                // Cached as the SDK memoizes a provider: asked again 5 minutes before the
                // `expiration` it gives, never without one, once however many calls wait.
                Ok(f) => builder.credentials_provider(Arc::new(crate::credentials::CachingProvider::new(Arc::new(JsCredentialsFunction(f))))),
                Err(obj) => builder.credentials(credentials_from_js(&obj)?),
            },
        };
    }
    if let Some(n) = get(options, "retryBaseDelayMs") {
        builder = builder.retry_base_delay_ms(n.as_f64().filter(|n| *n >= 0.0).ok_or_else(|| Error::config("retryBaseDelayMs", "must be a number ≥ 0"))? as u64);
    }
    // Given, it wins over AWS_MAX_ATTEMPTS.
    if let Some(n) = get(options, "maxAttempts") {
        builder = builder.max_attempts(n.as_f64().filter(|n| *n >= 1.0 && n.fract() == 0.0).ok_or_else(|| Error::config("maxAttempts", "must be a positive integer"))? as u32);
    }
    if let Some(n) = get(options, "requestTimeout") {
        // Rounded up: a fraction of a millisecond is still a timeout, not none.
        builder = builder.timeout_ms(n.as_f64().filter(|n| *n > 0.0).ok_or_else(|| Error::config("requestTimeout", "must be a number of milliseconds > 0"))?.ceil() as u64);
    }
    if !env.is_undefined() && !env.is_null() {
        builder = builder.env(env_pairs(env))?;
    }
    builder.build()
}

fn audit_to_js(e: &AuditEvent) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&o, &k.into(), &v);
    };
    set("operation", e.operation.as_str().into());
    set("keyId", e.key_id.as_deref().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
    set("requestId", e.request_id.as_deref().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
    set("httpStatus", e.http_status.map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
    set("attempts", e.attempts.into());
    set("durationMs", (e.duration_ms as f64).into());
    set("errorName", e.error_name.as_deref().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
    o.into()
}

/// Node's entry: at most `limit` fetches in flight at once, for the whole module (see
/// `transport_fetch::limit_in_flight`).
#[wasm_bindgen(js_name = limitFetchesInFlight)]
pub fn limit_fetches_in_flight(limit: u32) {
    crate::transport_fetch::limit_in_flight(limit as usize);
}

/// workerd's entry: a call finding a credentials fetch under way makes its own rather than
/// waiting for another request's (see `credentials::share_fetches`).
#[wasm_bindgen(js_name = shareCredentialFetches)]
pub fn share_credential_fetches(shared: bool) {
    crate::credentials::share_fetches(shared);
}

/// A configured KMS client, driven by the JavaScript `KMS` class.
#[wasm_bindgen]
pub struct WasmKms {
    client: KmsClient,
}

#[wasm_bindgen]
impl WasmKms {
    /// `options`: `{ region, endpoint, useFipsEndpoint, useDualstackEndpoint, credentials, maxAttempts, requestTimeout, retryBaseDelayMs, onAudit }`;
    /// `env`: an optional map of environment variables filling what `options` leaves out.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, env: JsValue) -> Result<WasmKms, JsValue> {
        let config = config_from_js(&options, &env).map_err(|e| to_js_error(&e))?;
        let mut client = KmsClient::new(config);
        if let Some(hook) = audit_hook(&options).map_err(|e| to_js_error(&e))? {
            // Closures must be Send + Sync for native builds; wasm32 is single-threaded.
            let hook = SendSyncFunction(hook);
            client = client.with_audit_hook(Arc::new(move |event: &AuditEvent| {
                let _ = hook.0.call1(&JsValue::UNDEFINED, &audit_to_js(event));
            }));
        }
        Ok(WasmKms { client })
    }

    /// Region the client signs for.
    #[wasm_bindgen(getter)]
    pub fn region(&self) -> String {
        self.client.config().region().to_owned()
    }

    /// Endpoint URL the client sends to.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> String {
        self.client.config().endpoint().url().to_owned()
    }

    /// Calls `operation` with a JSON request body (already in wire form: base64
    /// blobs, epoch-second timestamps). Resolves to `{ body, httpStatusCode, requestId, attempts, totalRetryDelay }`.
    /// `aborted`, if given, is a promise that settles when the caller's `AbortSignal` fires: the
    /// call then stops (the fetch in flight is aborted, no retry follows) with an `AbortError`.
    /// `timeout`: milliseconds for each attempt of this call, instead of the client's.
    pub fn call(&self, operation: String, body: String, aborted: Option<Promise>, timeout: Option<f64>) -> Promise {
        // A clone of the client, not a borrow of `self` held until the answer: `destroy()` during
        // a call can then free this object (the call keeps what it uses).
        let client = self.client.clone();
        wasm_bindgen_futures::future_to_promise(Self::call_owned(client, operation, body, aborted, timeout.map(|ms| ms.ceil() as u64)))
    }
}

impl WasmKms {
    async fn call_owned(client: KmsClient, operation: String, body: String, aborted: Option<Promise>, timeout_ms: Option<u64>) -> Result<JsValue, JsValue> {
        // from_slice, not from_str: every other parse is from bytes, and a second reader type
        // would instantiate serde_json's whole Value deserializer again (~1 KB gzip).
        let value: serde_json::Value = serde_json::from_slice(body.as_bytes()).map_err(|e| to_js_error(&Error::validation("input", format!("not serializable: {}", crate::error::json_problem(&e)))))?;
        let (bytes, meta) = client.call_json_abortable(None, &operation, value, aborted.map(JsFuture::from), timeout_ms).await.map_err(|e| to_js_error(&e))?;
        let out = Object::new();
        // Bytes, read as UTF-8 by the JS side, where every other answer that cannot be read fails.
        // Ours (a Decrypt answer carries plaintext) are wiped as they are freed (lib.rs).
        let _ = Reflect::set(&out, &"body".into(), &js_sys::Uint8Array::from(bytes.as_slice()).into());
        let _ = Reflect::set(&out, &"httpStatusCode".into(), &meta.http_status.into());
        let _ = Reflect::set(&out, &"requestId".into(), &meta.request_id.map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
        let _ = Reflect::set(&out, &"attempts".into(), &meta.attempts.into());
        let _ = Reflect::set(&out, &"totalRetryDelay".into(), &(meta.total_retry_delay_ms as f64).into());
        Ok(out.into())
    }

    /// The Rust client, for other bindings (keyrings).
    pub(crate) fn client(&self) -> &KmsClient {
        &self.client
    }
}

struct SendSyncFunction(Function);
// SAFETY: wasm32-unknown-unknown without atomics is single-threaded; the
// value never crosses a thread.
unsafe impl Send for SendSyncFunction {}
unsafe impl Sync for SendSyncFunction {}
