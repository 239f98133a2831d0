//! wasm-bindgen glue for issue 7: key provisioning, the KMS wrapper and
//! credential providers. Conversions only; the logic is in
//! `crate::provision`, `crate::wrapper` and `crate::credentials`.
//! Structured answers cross as the wire JSON text KMS sent (`deploy.js`
//! converts it like the KMS client's answers), options are read with Reflect.
//! No typed model (de)serializer is used here: each would add kilobytes to
//! the wasm module.

// The core types want `Arc`; on single-threaded wasm32 they are simply not Send/Sync.
#![allow(clippy::arc_with_non_send_sync)]

use std::cell::RefCell;
use std::sync::Arc;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::{audit_hook, config_flag, env_pairs, get, get_string, js_err, js_message, string_pairs, JsCredentialsFunction, SendSyncFunction, WasmKms};
use crate::credentials::{CachingProvider, CognitoIdentityProvider, Credentials, CredentialsProvider, EnvCredentialsProvider, SecretString, SharedCredentialsProvider, TokenSource, WebIdentityProvider};
use crate::error::Error;
use crate::kms::{KeySpec, KeyUsageType};
use crate::platform::BoxFuture;
use crate::provision::{self, ProvisionOptions, RetireTarget};
use crate::wrapper::{KmsWrapper, WrapperAuditEvent, WrapperConfig};

type JsResult<T> = Result<T, JsValue>;

/// JSON text of an untyped value (`to_string`, not `Display`: the same
/// serializer instance the request bodies use).
fn json(v: &serde_json::Value) -> JsValue {
    serde_json::to_string(v).map(JsValue::from).unwrap_or(JsValue::NULL)
}

/// Calls `f()` and awaits its answer as `await` would (a promise, a thenable, or a plain value).
pub(super) async fn call_async(f: &Function) -> Result<JsValue, JsValue> {
    let v = f.call0(&JsValue::UNDEFINED)?;
    // Promise.resolve: a thenable or another realm's promise is awaited as `await` would.
    JsFuture::from(Promise::resolve(&v)).await
}

fn get_bool(obj: &JsValue, key: &'static str) -> Result<Option<bool>, Error> {
    get(obj, key).map(|v| v.as_bool().ok_or_else(|| Error::validation(key, "must be a boolean"))).transpose()
}

fn get_int(obj: &JsValue, key: &'static str) -> Result<Option<i32>, Error> {
    get(obj, key)
        .map(|v| v.as_f64().filter(|n| n.fract() == 0.0 && n.abs() < 1e9).map(|n| n as i32).ok_or_else(|| Error::validation(key, "must be an integer")))
        .transpose()
}

/// A provider's `requestTimeout`: milliseconds per STS or Cognito request, at least 1.
fn request_timeout(o: &JsValue) -> Result<Option<u64>, Error> {
    match get_int(o, "requestTimeout").map_err(relabel("requestTimeout"))? {
        Some(ms) if ms < 1 => Err(Error::config("requestTimeout", "must be at least 1 (milliseconds)")),
        ms => Ok(ms.map(|ms| ms as u64)),
    }
}

/// String pairs of a plain object (`{ k: "v" }`), or of SDK tags (`[{ TagKey, TagValue }]`).
fn string_map(value: &JsValue, field: &'static str) -> Result<Vec<(String, String)>, Error> {
    let Some(items) = value.dyn_ref::<js_sys::Array>() else { return string_pairs(value, field) };
    let mut out = Vec::new();
    for item in items.iter() {
        let k = get_string(&item, "TagKey", field)?.ok_or_else(|| Error::validation(field, "each tag needs TagKey and TagValue"))?;
        out.push((k, get_string(&item, "TagValue", field)?.unwrap_or_default()));
    }
    Ok(out)
}

// ---- provisioning ---------------------------------------------------------------------------

fn provision_options(o: &JsValue) -> Result<ProvisionOptions, Error> {
    if !o.is_object() {
        return Err(Error::validation("options", "must be an object { app, environment, service, … }"));
    }
    let s = |k: &'static str| get_string(o, k, k).map_err(|_| Error::validation(k, "must be a string"));
    let mut p = ProvisionOptions::new(s("app")?.unwrap_or_default(), s("environment")?.unwrap_or_default(), s("service")?.unwrap_or_default());
    p.alias = s("alias")?;
    p.auto_rotate = get_bool(o, "autoRotate")?;
    p.rotation_period_in_days = get_int(o, "rotationPeriodInDays")?;
    p.description = s("description")?;
    // Unknown names would pass the spec/usage check and fail only at CreateKey: refuse them here.
    if let Some(spec) = s("keySpec")? {
        p.key_spec = Some(match KeySpec::from(spec.as_str()) {
            KeySpec::Unknown(_) => return Err(Error::validation("keySpec", format!("unknown key spec `{spec}`"))),
            k => k,
        });
    }
    if let Some(usage) = s("keyUsage")? {
        p.key_usage = Some(match KeyUsageType::from(usage.as_str()) {
            KeyUsageType::Unknown(_) => return Err(Error::validation("keyUsage", format!("unknown key usage `{usage}`"))),
            k => k,
        });
    }
    p.policy = s("policy")?;
    p.deletion_window_in_days = get_int(o, "deletionWindowInDays")?;
    p.multi_region = get_bool(o, "multiRegion")?.unwrap_or(false);
    p.enabled = get_bool(o, "enabled")?.unwrap_or(true);
    if let Some(tags) = get(o, "tags") {
        // Inserts, not `collect()` (whose sort would be more wasm code); a repeated key: the last wins, as before.
        for (k, v) in string_map(&tags, "tags")? {
            p.tags.insert(k, v);
        }
    }
    Ok(p)
}

/// `provisionKey(kms, options)`: resolves to `{ keyMetadata (JSON), aliasName, aliasArn, variables, created }`.
#[wasm_bindgen(js_name = provisionKey)]
pub fn provision_key(kms: &WasmKms, options: JsValue) -> Promise {
    let client = kms.client().clone();
    let options = provision_options(&options);
    future_to_promise(async move {
        let p = provision::provision_key(&client, &options.map_err(js_err)?).await.map_err(js_err)?;
        let out = Object::new();
        let variables = Object::new();
        for (k, v) in &p.variables {
            Reflect::set(&variables, &k.into(), &v.into())?;
        }
        Reflect::set(&out, &"keyMetadata".into(), &json(&p.key_metadata_json))?;
        Reflect::set(&out, &"aliasName".into(), &p.alias_name.into())?;
        Reflect::set(&out, &"aliasArn".into(), &p.alias_arn.into())?;
        Reflect::set(&out, &"variables".into(), &variables)?;
        Reflect::set(&out, &"created".into(), &p.created.into())?;
        Ok(out.into())
    })
}

/// `retireKey(kms, aliasOrOptions, deletionWindowInDays?)`: resolves to `{ keyId, aliasName, deletionDate (epoch s), pendingWindowInDays }`.
#[wasm_bindgen(js_name = retireKey)]
pub fn retire_key(kms: &WasmKms, target: JsValue, deletion_window_in_days: Option<i32>) -> Promise {
    let client = kms.client().clone();
    let target = match target.as_string() {
        Some(alias) => Ok(RetireTarget::Alias(alias)),
        None => provision_options(&target).map(RetireTarget::from),
    };
    future_to_promise(async move {
        let r = provision::retire_key(&client, target.map_err(js_err)?, deletion_window_in_days).await.map_err(js_err)?;
        let out = Object::new();
        Reflect::set(&out, &"keyId".into(), &r.key_id.into())?;
        Reflect::set(&out, &"aliasName".into(), &r.alias_name.into())?;
        Reflect::set(&out, &"deletionDate".into(), &r.deletion_date.map(|t| JsValue::from(t.0)).unwrap_or(JsValue::UNDEFINED))?;
        Reflect::set(&out, &"pendingWindowInDays".into(), &r.pending_window_in_days.into())?;
        Ok(out.into())
    })
}

// ---- the wrapper ----------------------------------------------------------------------------

fn wrapper_audit(hook: Function) -> crate::wrapper::WrapperAuditHook {
    let hook = SendSyncFunction(hook);
    Arc::new(move |e: &WrapperAuditEvent| {
        let o = Object::new();
        let _ = Reflect::set(&o, &"action".into(), &e.action.into());
        let _ = Reflect::set(&o, &"keyId".into(), &e.key_id.as_deref().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
        let _ = Reflect::set(&o, &"ok".into(), &e.ok.into());
        let _ = Reflect::set(&o, &"errorName".into(), &e.error_name.as_deref().map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
        // A throwing callback must not turn a successful encrypt into a failure.
        let _ = hook.0.call1(&JsValue::UNDEFINED, &o);
    })
}

/// The `KmsWrapper` of `crate::wrapper`, driven by the JS class of the same name.
#[wasm_bindgen]
pub struct WasmKmsWrapper {
    inner: Arc<KmsWrapper>,
}

#[wasm_bindgen]
impl WasmKmsWrapper {
    /// `config`: `{ region, accessKey, secretKey, sessionToken, keyId, endpoint, onAudit }`, each
    /// falling back to `env` (AWS_REGION, …, AWSKMS_WRAPPER_KEY_ID, AWS_KMS_ENDPOINT).
    #[wasm_bindgen(js_name = fromConfig)]
    pub fn from_config(config: JsValue, env: JsValue) -> JsResult<WasmKmsWrapper> {
        let s = |k: &'static str| get_string(&config, k, k).map_err(js_err);
        let c = WrapperConfig {
            region: s("region")?,
            access_key: s("accessKey")?,
            secret_key: s("secretKey")?.map(SecretString::new),
            session_token: s("sessionToken")?.map(SecretString::new),
            key_id: s("keyId")?,
            endpoint: s("endpoint")?,
        };
        let w = KmsWrapper::from_config(c, env_pairs(&env)).map_err(js_err)?;
        Self::finish(w, &config)
    }

    /// A wrapper over an existing `KMS` client (any credentials provider): `options` `{ keyId, onAudit }`.
    #[wasm_bindgen(js_name = fromClient)]
    pub fn from_client(kms: &WasmKms, options: JsValue) -> JsResult<WasmKmsWrapper> {
        let key_id = get_string(&options, "keyId", "keyId").map_err(js_err)?.filter(|k| !k.trim().is_empty()).ok_or_else(|| js_err(Error::config("keyId", "is required")))?;
        Self::finish(KmsWrapper::new(kms.client().clone(), key_id), &options)
    }

    fn finish(mut w: KmsWrapper, options: &JsValue) -> JsResult<WasmKmsWrapper> {
        if let Some(f) = audit_hook(options).map_err(js_err)? {
            w = w.with_audit_hook(wrapper_audit(f));
        }
        Ok(WasmKmsWrapper { inner: Arc::new(w) })
    }

    /// The configured key id, as given.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> String {
        self.inner.key_id().to_owned()
    }

    /// Encrypts under a fresh data key; the blob names the KMS key.
    pub fn encrypt(&self, plaintext: Vec<u8>, aad: Option<Vec<u8>>) -> Promise {
        let w = self.inner.clone();
        future_to_promise(async move {
            let blob = w.encrypt(&plaintext, aad.as_deref()).await.map_err(js_err)?;
            Ok(Uint8Array::from(blob.as_slice()).into())
        })
    }

    /// Decrypts with the key the blob names.
    pub fn decrypt(&self, blob: Vec<u8>, aad: Option<Vec<u8>>) -> Promise {
        let w = self.inner.clone();
        future_to_promise(async move {
            let plain = w.decrypt(&blob, aad.as_deref()).await.map_err(js_err)?;
            Ok(Uint8Array::from(plain.as_slice()).into()) // ours is wiped as it drops
        })
    }

    /// DescribeKey of the configured key (whatever its state), as JSON text.
    pub fn describe(&self) -> Promise {
        let w = self.inner.clone();
        future_to_promise(async move { Ok(json(&w.describe_json().await.map_err(js_err)?)) })
    }

    /// ARN of the key a blob names, without calling KMS.
    #[wasm_bindgen(js_name = keyIdOf)]
    pub fn key_id_of(blob: &[u8]) -> JsResult<String> {
        KmsWrapper::key_id_of(blob).map_err(js_err)
    }
}

// ---- credential providers -------------------------------------------------------------------

// Providers by id. The JS provider function carries its id, and `config_from_js`
// hands the client the Rust provider itself, so requests never round-trip through JS.
thread_local! {
    // A list: a handful of providers, and less wasm code than a HashMap instance.
    static PROVIDERS: RefCell<(u32, Vec<(u32, SharedCredentialsProvider)>)> = RefCell::default();
}

/// The provider behind a JS provider function (`credentials: fromWebIdentity(…)`), if it is one of ours.
pub(super) fn provider_from_js(v: &JsValue) -> Option<SharedCredentialsProvider> {
    let id = Reflect::get(v, &"__kmsWasmProvider".into()).ok()?.as_f64()? as u32;
    PROVIDERS.with(|p| p.borrow().1.iter().find(|(i, _)| *i == id).map(|(_, p)| p.clone()))
}

/// A token from a JS function, re-read before every STS or Cognito call: `tokenProvider`, or
/// the `logins` deploy.js resolves (the option named second).
struct JsTokenSource(Function, &'static str);

impl TokenSource for JsTokenSource {
    fn token(&self) -> BoxFuture<'_, crate::Result<SecretString>> {
        Box::pin(async move {
            let v = call_async(&self.0).await.map_err(|e| Error::credentials(format!("{} failed: {}", self.1, js_message(&e))))?;
            v.as_string().map(SecretString::new).ok_or_else(|| Error::config(self.1, "must give a string (the token)"))
        })
    }
}

/// A cached credentials provider usable as `credentials` of `new KMS(…)`.
#[wasm_bindgen]
pub struct WasmCredentialsProvider {
    id: u32,
    cache: Arc<CachingProvider>,
}

impl Drop for WasmCredentialsProvider {
    fn drop(&mut self) {
        let _ = PROVIDERS.try_with(|p| p.borrow_mut().1.retain(|(i, _)| *i != self.id));
    }
}

/// A provider's `endpoint` or `useFipsEndpoint` (off by default); both is a `ConfigError`, as for
/// the KMS client, since the custom endpoint would silently win.
fn provider_endpoint(o: &JsValue) -> Result<(Option<String>, bool), Error> {
    let url = get_string(o, "endpoint", "endpoint")?;
    let fips = config_flag(o, "useFipsEndpoint")?.unwrap_or(false);
    if fips && url.is_some() {
        return Err(Error::config("useFipsEndpoint", "cannot be combined with a custom endpoint"));
    }
    Ok((url, fips))
}

/// Re-labels a builder error with the JS option's name (the Rust builder says `stsEndpoint`, …).
fn relabel(field: &'static str) -> impl Fn(Error) -> Error {
    move |e| match e.field() {
        Some(f) if f != field && e.kind() == crate::ErrorKind::Config => Error::config(field, e.detail()),
        _ => e,
    }
}

#[wasm_bindgen]
impl WasmCredentialsProvider {
    fn register(inner: SharedCredentialsProvider) -> WasmCredentialsProvider {
        let cache = Arc::new(CachingProvider::new(inner));
        let shared: SharedCredentialsProvider = cache.clone();
        let id = PROVIDERS.with(|p| {
            let mut p = p.borrow_mut();
            // From a random start: a provider of another copy of the module (two versions of the
            // package in one page) must not find one of ours under its id.
            if p.0 == 0 {
                p.0 = crate::platform::random_u64() as u32 | 1;
            }
            p.0 = p.0.wrapping_add(1);
            let id = p.0;
            p.1.push((id, shared));
            id
        });
        WasmCredentialsProvider { id, cache }
    }

    /// STS AssumeRoleWithWebIdentity: `{ roleArn, webIdentityToken | tokenProvider, roleSessionName?, region, endpoint?, durationSeconds?, policy?, requestTimeout? }`.
    #[wasm_bindgen(js_name = webIdentity)]
    pub fn web_identity(o: JsValue) -> JsResult<WasmCredentialsProvider> {
        Self::web_identity_inner(&o).map_err(js_err)
    }

    fn web_identity_inner(o: &JsValue) -> crate::Result<WasmCredentialsProvider> {
        let region = get_string(o, "region", "region")?.ok_or_else(|| Error::config("region", "is required (the STS region)"))?;
        let role_arn = get_string(o, "roleArn", "roleArn")?.ok_or_else(|| Error::config("roleArn", "is required"))?;
        let session = get_string(o, "roleSessionName", "roleSessionName")?.unwrap_or_else(|| format!("kms-wasm-{}", crate::platform::now_millis()));
        let token: Arc<dyn TokenSource> = match (get_string(o, "webIdentityToken", "webIdentityToken")?, get(o, "tokenProvider")) {
            (Some(t), None) => Arc::new(SecretString::new(t)),
            (None, Some(f)) => Arc::new(JsTokenSource(f.dyn_into::<Function>().map_err(|_| Error::config("tokenProvider", "must be a function returning the token"))?, "tokenProvider")),
            (Some(_), Some(_)) => return Err(Error::config("webIdentityToken", "give webIdentityToken or tokenProvider, not both")),
            (None, None) => return Err(Error::config("webIdentityToken", "is required (or tokenProvider)")),
        };
        let mut p = WebIdentityProvider::with_token_source(&region, role_arn, session, token)?;
        match provider_endpoint(o)? {
            (Some(url), _) => p = p.endpoint(&url).map_err(relabel("endpoint"))?,
            (None, fips) => p = p.use_fips_endpoint(fips),
        }
        if let Some(d) = get_int(o, "durationSeconds").map_err(relabel("durationSeconds"))? {
            p = p.duration_seconds(d.max(0) as u32)?;
        }
        if let Some(policy) = get_string(o, "policy", "policy")? {
            p = p.policy(policy);
        }
        if let Some(ms) = request_timeout(o)? {
            p = p.timeout_ms(ms);
        }
        Ok(Self::register(Arc::new(p)))
    }

    /// Cognito identity pool: `{ identityPoolId, logins?, endpoint?, accountId?, customRoleArn?, identityId?, requestTimeout? }`.
    pub fn cognito(o: JsValue) -> JsResult<WasmCredentialsProvider> {
        Self::cognito_inner(&o).map_err(js_err)
    }

    fn cognito_inner(o: &JsValue) -> crate::Result<WasmCredentialsProvider> {
        let pool = get_string(o, "identityPoolId", "identityPoolId")?.ok_or_else(|| Error::config("identityPoolId", "is required"))?;
        let mut p = CognitoIdentityProvider::new(pool)?;
        if let Some(source) = get(o, "loginsSource") {
            // deploy.js: logins with functions among them, resolved to JSON at every refresh.
            p = p.logins_source(Arc::new(JsTokenSource(source.dyn_into::<Function>().map_err(|_| Error::config("logins", "must be an object of provider names to tokens"))?, "logins")));
        } else if let Some(logins) = get(o, "logins") {
            if js_sys::Array::is_array(&logins) {
                return Err(Error::config("logins", "must be an object of provider names to tokens"));
            }
            let logins = string_map(&logins, "logins").map_err(|e| Error::config("logins", e.detail()))?;
            p = p.logins(logins.into_iter().map(|(k, v)| (k, SecretString::new(v))));
        }
        match provider_endpoint(o)? {
            (Some(url), _) => p = p.endpoint(&url).map_err(relabel("endpoint"))?,
            (None, fips) => p = p.use_fips_endpoint(fips),
        }
        if let Some(a) = get_string(o, "accountId", "accountId")? {
            p = p.account_id(a);
        }
        if let Some(r) = get_string(o, "customRoleArn", "customRoleArn")? {
            p = p.custom_role_arn(r);
        }
        if let Some(id) = get_string(o, "identityId", "identityId")? {
            p = p.identity_id(id);
        }
        if let Some(ms) = request_timeout(o)? {
            p = p.timeout_ms(ms);
        }
        Ok(Self::register(Arc::new(p)))
    }

    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN of an env map, read at
    /// first use and again after `invalidate()` (keys rotated in `process.env` are then seen).
    pub fn env(env: JsValue) -> WasmCredentialsProvider {
        Self::register(Arc::new(LiveEnvCredentials(env)))
    }

    /// The caller's function (`() => ({ accessKeyId, secretAccessKey, sessionToken?, expiration? })`), cached.
    pub fn function(f: Function) -> WasmCredentialsProvider {
        Self::register(Arc::new(JsCredentialsFunction(f)))
    }

    /// Id under which `config_from_js` finds this provider.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Current credentials (cached; refreshed 5 minutes before expiry, one fetch in flight), for
    /// a caller of the provider itself: a passing STS or Cognito failure is fetched again, 3
    /// fetches in all (a client given the provider retries in its own loop instead).
    pub fn credentials(&self) -> Promise {
        let cache = self.cache.clone();
        future_to_promise(async move {
            let c = crate::transport::credentials_with_retries(&*cache, crate::config::RetryConfig::default()).await.map_err(js_err)?;
            Ok(credentials_to_js(&c))
        })
    }

    /// Forgets the cached credentials (e.g. after KMS rejected them).
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

/// The credential variables of an env map as it is when asked (the cache above asks again only
/// once its credentials are invalidated).
struct LiveEnvCredentials(JsValue);

impl CredentialsProvider for LiveEnvCredentials {
    fn credentials(&self) -> BoxFuture<'_, crate::Result<Credentials>> {
        let now = EnvCredentialsProvider::new(env_pairs(&self.0));
        Box::pin(async move { now.credentials().await })
    }
}

/// `AwsCredentialIdentity` shape (what AWS SDK providers return).
fn credentials_to_js(c: &Credentials) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"accessKeyId".into(), &c.access_key_id.as_str().into());
    let _ = Reflect::set(&o, &"secretAccessKey".into(), &c.secret_access_key.expose().into());
    if let Some(t) = &c.session_token {
        let _ = Reflect::set(&o, &"sessionToken".into(), &t.expose().into());
    }
    if let Some(ms) = c.expires_at_millis {
        let _ = Reflect::set(&o, &"expiration".into(), &js_sys::Date::new(&(ms as f64).into()));
    }
    o.into()
}

