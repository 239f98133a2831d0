//! Key provisioning the way deployment tools do it.
//!
//! [`provision_key`] creates (or finds again) one KMS key per
//! `<app>/<environment>/<service>`, reachable through the alias
//! `alias/<app>/<environment>/<service>` unless another one is given, and
//! returns the variables an application reads (`<SERVICE>_KEY_ID`,
//! `<SERVICE>_KEY_ARN`, `<SERVICE>_ALIAS_NAME`, `<SERVICE>_ALIAS_ARN`).
//! It is idempotent: when the alias exists, its key is reused and its
//! rotation, description, enabled state and tags are brought in line with
//! the options. [`retire_key`] deletes the alias and schedules the key's
//! deletion.
//!
//! Both are free functions taking the client first, so [`KmsClient`] keeps
//! exactly the SDK's surface. Every option is checked before the first
//! request, with errors naming the option (`rotationPeriodInDays`, `alias`, …).
//!
//! KMS is spoken to in untyped JSON ([`KmsClient::call_value`]): the typed
//! model's (de)serializers would otherwise be linked into the wasm module for
//! a handful of fields read here. [`Provisioned::key_metadata`] gives the
//! typed metadata on demand.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::kms::validate;
use crate::kms::{KeyMetadata, KeySpec, KeyUsageType, KmsClient, Timestamp};

/// Deletion window used when none is given, in days.
pub const DEFAULT_DELETION_WINDOW_DAYS: i32 = 30;

/// What to provision. Build with `ProvisionOptions::new(app, environment, service)`
/// and set the optional fields; [`Default`] gives the documented defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisionOptions {
    /// Application name (letters, digits, `_`, `-`).
    pub app: String,
    /// Environment name, e.g. `prod` (letters, digits, `_`, `-`).
    pub environment: String,
    /// Service name; also the prefix of the variables (letters, digits, `_`, `-`).
    pub service: String,
    /// Alias to use instead of `alias/<app>/<environment>/<service>` (the `alias/` prefix is optional).
    pub alias: Option<String>,
    /// Automatic rotation. `None` (the default) means on for keys that can
    /// rotate (SYMMETRIC_DEFAULT encryption keys) and off for the others;
    /// `Some(true)` on a key that cannot rotate is an error. (An existing key
    /// that is and stays disabled keeps its rotation setting: KMS refuses
    /// rotation changes on disabled keys.)
    pub auto_rotate: Option<bool>,
    /// Days between automatic rotations, 90–2560 (KMS default 365).
    pub rotation_period_in_days: Option<i32>,
    /// Key description; reconciled on an existing key when given.
    pub description: Option<String>,
    /// Key spec (default SYMMETRIC_DEFAULT). Checked against an existing key, never changed.
    pub key_spec: Option<KeySpec>,
    /// Key usage (default ENCRYPT_DECRYPT; GENERATE_VERIFY_MAC for HMAC specs).
    pub key_usage: Option<KeyUsageType>,
    /// Key policy (JSON) for a new key; not changed on an existing key.
    pub policy: Option<String>,
    /// Waiting period used by [`retire_key`], 7–30 days (default 30).
    pub deletion_window_in_days: Option<i32>,
    /// Create a multi-Region primary key.
    pub multi_region: bool,
    /// Whether the key is enabled (default `true`); reconciled on an existing key.
    pub enabled: bool,
    /// Tags, added to a new key or added/updated on an existing one (other tags are left alone).
    pub tags: BTreeMap<String, String>,
}

impl Default for ProvisionOptions {
    fn default() -> Self {
        ProvisionOptions {
            app: String::new(),
            environment: String::new(),
            service: String::new(),
            alias: None,
            auto_rotate: None,
            rotation_period_in_days: None,
            description: None,
            key_spec: None,
            key_usage: None,
            policy: None,
            deletion_window_in_days: None,
            multi_region: false,
            enabled: true,
            tags: BTreeMap::new(),
        }
    }
}

impl ProvisionOptions {
    /// Options for `<app>/<environment>/<service>` with every default.
    pub fn new(app: impl Into<String>, environment: impl Into<String>, service: impl Into<String>) -> Self {
        ProvisionOptions { app: app.into(), environment: environment.into(), service: service.into(), ..Default::default() }
    }

    /// The alias these options name: the given one (with `alias/` added if
    /// missing) or `alias/<app>/<environment>/<service>`.
    pub fn alias_name(&self) -> String {
        match &self.alias {
            Some(a) if a.starts_with("alias/") => a.clone(),
            Some(a) => format!("alias/{a}"),
            None => format!("alias/{}/{}/{}", self.app, self.environment, self.service),
        }
    }
}

/// What [`provision_key`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct Provisioned {
    /// `KeyMetadata` of the key, read after provisioning, as KMS sent it
    /// (wire JSON: timestamps in epoch seconds). Typed: [`key_metadata`](Self::key_metadata).
    pub key_metadata_json: Value,
    /// The alias, `alias/…`.
    pub alias_name: String,
    /// ARN of the alias.
    pub alias_arn: String,
    /// `<SERVICE>_KEY_ID`, `<SERVICE>_KEY_ARN`, `<SERVICE>_ALIAS_NAME`, `<SERVICE>_ALIAS_ARN`.
    pub variables: BTreeMap<String, String>,
    /// Whether a new key was created (`false`: the alias's key was reused).
    pub created: bool,
}

impl Provisioned {
    /// The key's metadata, typed. Deserialized on each call rather than kept,
    /// so that code not calling this (the wasm glue) carries no `KeyMetadata`
    /// deserializer.
    pub fn key_metadata(&self) -> Result<KeyMetadata> {
        KeyMetadata::deserialize(&self.key_metadata_json).map_err(|e| Error::service("SerializationException", format!("cannot parse KeyMetadata: {}", crate::error::json_problem(&e)), 200, None))
    }

    /// Id of the key (`KeyMetadata.KeyId`).
    pub fn key_id(&self) -> &str {
        self.key_metadata_json["KeyId"].as_str().unwrap_or_default()
    }
}

/// What [`retire_key`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct Retired {
    /// ARN (or id) of the key scheduled for deletion.
    pub key_id: String,
    /// The alias that was deleted.
    pub alias_name: String,
    /// When KMS will delete the key (epoch seconds), as KMS reports it.
    pub deletion_date: Option<crate::kms::Timestamp>,
    /// Waiting period applied, in days (the days left if the key was already pending deletion).
    pub pending_window_in_days: i32,
}

/// Which key [`retire_key`] retires: an alias, or the one a set of provisioning options names.
#[derive(Clone, Debug)]
pub enum RetireTarget {
    /// An alias name (`alias/` prefix optional).
    Alias(String),
    /// The alias (and deletion window) of these options.
    Options(Box<ProvisionOptions>),
}

impl From<&str> for RetireTarget {
    fn from(alias: &str) -> Self {
        RetireTarget::Alias(alias.to_owned())
    }
}
impl From<String> for RetireTarget {
    fn from(alias: String) -> Self {
        RetireTarget::Alias(alias)
    }
}
impl From<&ProvisionOptions> for RetireTarget {
    fn from(options: &ProvisionOptions) -> Self {
        RetireTarget::Options(Box::new(options.clone()))
    }
}
impl From<ProvisionOptions> for RetireTarget {
    fn from(options: ProvisionOptions) -> Self {
        RetireTarget::Options(Box::new(options))
    }
}

/// The checked plan derived from [`ProvisionOptions`].
#[derive(Debug)]
struct Plan {
    alias: String,
    key_spec: KeySpec,
    key_usage: KeyUsageType,
    rotate: bool,
    rotation_period: Option<i32>,
}

fn is_rotatable(spec: &KeySpec, usage: &KeyUsageType) -> bool {
    *spec == KeySpec::SymmetricDefault && *usage == KeyUsageType::EncryptDecrypt
}

/// Re-labels a field error of `validate` with the option's name.
fn relabel(field: &'static str, e: Error) -> Error {
    Error::validation(field, e.detail())
}

fn check_name_part(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))) {
        return Err(Error::validation(field, format!("`{value}` contains `{bad}`; only letters, digits, `_` and `-` are allowed")));
    }
    Ok(())
}

fn check_window(field: &'static str, days: Option<i32>) -> Result<i32> {
    let days = days.unwrap_or(DEFAULT_DELETION_WINDOW_DAYS);
    if !(7..=30).contains(&days) {
        return Err(Error::validation(field, format!("must be between 7 and 30 days, got {days}")));
    }
    Ok(days)
}

/// `field`: the option the alias came from (`alias`, or the names it was built of).
fn check_alias(field: &'static str, alias: &str) -> Result<()> {
    validate::alias_name(alias).map_err(|e| relabel(field, e))
}

/// The alias the options name, after checking the names it is made of. An alias built of app,
/// environment and service that KMS would refuse is blamed on the part at fault.
fn checked_alias(o: &ProvisionOptions) -> Result<String> {
    check_name_part("service", &o.service)?;
    if o.alias.is_none() {
        check_name_part("app", &o.app)?;
        check_name_part("environment", &o.environment)?;
    } else {
        // Only the service matters when an alias is given, but names that are set must still be sane.
        for (field, v) in [("app", &o.app), ("environment", &o.environment)] {
            if !v.is_empty() {
                check_name_part(field, v)?;
            }
        }
    }
    let alias = o.alias_name();
    if o.alias.is_some() {
        check_alias("alias", &alias)?;
        return Ok(alias);
    }
    // With each part checked, two faults are left: the prefix AWS managed keys have, and the length.
    validate::alias_name(&alias).map_err(|_| {
        if alias.starts_with("alias/aws/") {
            return Error::validation("app", format!("`aws` would make {alias} an AWS managed key's alias (alias/aws/…)"));
        }
        let longest = [("app", &o.app), ("environment", &o.environment), ("service", &o.service)].into_iter().max_by_key(|(_, v)| v.len()).map_or("service", |(f, _)| f);
        Error::validation(longest, format!("makes the alias {} characters long; at most 256", alias.len()))
    })?;
    Ok(alias)
}

/// Checks every option; nothing is sent before this passes.
fn plan(o: &ProvisionOptions) -> Result<Plan> {
    let alias = checked_alias(o)?;
    let key_spec = o.key_spec.clone().unwrap_or(KeySpec::SymmetricDefault);
    if matches!(key_spec, KeySpec::Unknown(ref s) if s.is_empty()) {
        return Err(Error::validation("keySpec", "is empty"));
    }
    let key_usage = o.key_usage.clone().unwrap_or(if key_spec.as_str().starts_with("HMAC_") { KeyUsageType::GenerateVerifyMac } else { KeyUsageType::EncryptDecrypt });
    validate::key_spec_usage(key_spec.as_str(), key_usage.as_str()).map_err(|e| relabel("keyUsage", e))?;
    let rotatable = is_rotatable(&key_spec, &key_usage);
    let rotate = match o.auto_rotate {
        Some(true) if !rotatable => {
            return Err(Error::validation("autoRotate", format!("automatic rotation is only possible for SYMMETRIC_DEFAULT ENCRYPT_DECRYPT keys, not {key_spec} {key_usage}")));
        }
        Some(r) => r,
        None => rotatable,
    };
    if let Some(days) = o.rotation_period_in_days {
        if !rotate {
            let why = if rotatable { "autoRotate is false" } else { "this key spec cannot rotate" };
            return Err(Error::validation("rotationPeriodInDays", format!("is set but {why}")));
        }
        if !(90..=2560).contains(&days) {
            return Err(Error::validation("rotationPeriodInDays", format!("must be between 90 and 2560 days, got {days}")));
        }
    }
    check_window("deletionWindowInDays", o.deletion_window_in_days)?;
    if let Some(d) = &o.description {
        if d.chars().count() > 8192 {
            return Err(Error::validation("description", "is longer than 8192 characters"));
        }
    }
    if let Some(p) = &o.policy {
        if p.len() > 32_768 {
            return Err(Error::validation("policy", "is longer than 32768 characters"));
        }
        // from_slice like every other parse: one serde_json reader instance in the wasm module.
        if serde_json::from_slice::<serde_json::Value>(p.as_bytes()).map(|v| !v.is_object()).unwrap_or(true) {
            return Err(Error::validation("policy", "is not a JSON policy document"));
        }
    }
    if o.tags.len() > 50 {
        return Err(Error::validation("tags", format!("at most 50 tags, got {}", o.tags.len())));
    }
    for (k, v) in &o.tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::validation("tags", format!("tag key `{k}` must be 1 to 128 characters")));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::validation("tags", format!("tag key `{k}` uses the reserved `aws:` prefix")));
        }
        if v.chars().count() > 256 {
            return Err(Error::validation("tags", format!("the value of tag `{k}` is longer than 256 characters")));
        }
    }
    Ok(Plan { alias, key_spec, key_usage, rotate, rotation_period: o.rotation_period_in_days })
}

/// The variable prefix of a service: upper-cased, every other character → `_`
/// (and `_` in front of a leading digit, so the names are valid shell variables).
pub fn variable_prefix(service: &str) -> String {
    let mut p: String = service.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    if p.starts_with(|c: char| c.is_ascii_digit()) {
        p.insert(0, '_');
    }
    p
}

/// The four variables of a provisioned key.
pub fn variables(service: &str, key_id: &str, key_arn: &str, alias_name: &str, alias_arn: &str) -> BTreeMap<String, String> {
    let p = variable_prefix(service);
    // Inserts rather than `BTreeMap::from([…])`, whose sort is code the wasm module need not carry.
    let mut vars = BTreeMap::new();
    for (suffix, value) in [("KEY_ID", key_id), ("KEY_ARN", key_arn), ("ALIAS_NAME", alias_name), ("ALIAS_ARN", alias_arn)] {
        vars.insert(format!("{p}_{suffix}"), value.to_owned());
    }
    vars
}

/// `arn:aws:kms:r:a:key/id` + `alias/x` → `arn:aws:kms:r:a:alias/x`.
fn alias_arn(key_arn: &str, alias: &str) -> Result<String> {
    // A key id has no `:`, so the ARN's last `:` is the one before `key/`.
    match key_arn.rsplit_once(':') {
        Some((prefix, id)) if id.starts_with("key/") => Ok(format!("{prefix}:{alias}")),
        _ => Err(Error::service("SerializationException", format!("KMS returned a key ARN without `:key/`: {key_arn}"), 200, None)),
    }
}

fn missing(op: &str, field: &str) -> Error {
    Error::service("SerializationException", format!("{op} answered without {field}"), 200, None)
}

/// Takes `KeyMetadata` out of a DescribeKey/CreateKey answer; it always has a `KeyId` afterwards.
fn take_metadata(op: &str, mut answer: Value) -> Result<Value> {
    let m = answer.get_mut("KeyMetadata").map(Value::take).filter(Value::is_object).ok_or_else(|| missing(op, "KeyMetadata"))?;
    if !m["KeyId"].is_string() {
        return Err(missing(op, "KeyMetadata.KeyId"));
    }
    Ok(m)
}

/// A string field of the metadata (absent, `null` or not a string: `None`).
fn field<'a>(m: &'a Value, name: &str) -> Option<&'a str> {
    m[name].as_str()
}

/// The bare key id (checked present by [`take_metadata`]).
fn key_id_of(m: &Value) -> String {
    field(m, "KeyId").unwrap_or_default().to_owned()
}

/// `{"KeyId": key_id}`, the request of most operations here (one function, not a `json!` at each call).
fn key_request(key_id: &str) -> Value {
    object!{ "KeyId" => key_id }
}

async fn describe(kms: &KmsClient, key_id: &str) -> Result<Value> {
    take_metadata("DescribeKey", kms.call_value("DescribeKey", key_request(key_id)).await?)
}

/// `Ok(None)` when the alias does not exist.
async fn describe_alias(kms: &KmsClient, alias: &str) -> Result<Option<Value>> {
    match describe(kms, alias).await {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == ErrorKind::Service && e.name() == "NotFoundException" => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates or reconciles the key `options` describe; see the [module docs](self).
pub async fn provision_key(kms: &KmsClient, options: &ProvisionOptions) -> Result<Provisioned> {
    let plan = plan(options)?;
    let (metadata, created) = match describe_alias(kms, &plan.alias).await? {
        Some(existing) => (reconcile(kms, options, &plan, existing).await?, false),
        None => match create(kms, options, &plan).await {
            Ok(m) => (m, true),
            // Someone created the alias between our look-up and CreateAlias: use theirs.
            Err(e) if e.name() == "AlreadyExistsException" => {
                let existing = describe_alias(kms, &plan.alias).await?.ok_or(e)?;
                (reconcile(kms, options, &plan, existing).await?, false)
            }
            Err(e) => return Err(e),
        },
    };
    let key_arn = field(&metadata, "Arn").ok_or_else(|| missing("DescribeKey", "Arn"))?.to_owned();
    let alias_arn = alias_arn(&key_arn, &plan.alias)?;
    let variables = variables(&options.service, &key_id_of(&metadata), &key_arn, &plan.alias, &alias_arn);
    Ok(Provisioned { key_metadata_json: metadata, alias_name: plan.alias, alias_arn, variables, created })
}

fn tags_json<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    tags.into_iter().map(|(k, v)| object!{ "TagKey" => k, "TagValue" => v }).collect()
}

fn enable_rotation_request(key_id: &str, plan: &Plan) -> Value {
    let mut req = key_request(key_id);
    if let Some(days) = plan.rotation_period {
        req["RotationPeriodInDays"] = days.into();
    }
    req
}

async fn create(kms: &KmsClient, o: &ProvisionOptions, plan: &Plan) -> Result<Value> {
    let mut req = object!{ "KeyUsage" => plan.key_usage.as_str(), "KeySpec" => plan.key_spec.as_str() };
    if let Some(d) = &o.description {
        req["Description"] = d.as_str().into();
    }
    if let Some(p) = &o.policy {
        req["Policy"] = p.as_str().into();
    }
    if !o.tags.is_empty() {
        req["Tags"] = tags_json(&o.tags);
    }
    if o.multi_region {
        req["MultiRegion"] = true.into();
    }
    let created = take_metadata("CreateKey", kms.call_value("CreateKey", req).await?)?;
    // The bare key id everywhere: KMS takes an ARN too, but moto's EnableKey,
    // DisableKey and ScheduleKeyDeletion fail on one.
    let key_id = key_id_of(&created);
    if let Err(e) = kms.call_value("CreateAlias", object!{ "AliasName" => plan.alias, "TargetKeyId" => key_id }).await {
        // AlreadyExists may answer a retry whose first attempt went through (its answer lost):
        // then the alias is ours.
        let ours = e.name() == "AlreadyExistsException" && matches!(describe_alias(kms, &plan.alias).await, Ok(Some(m)) if key_id_of(&m) == key_id);
        if !ours {
            // Don't leave an unreachable key behind; the shortest window, best effort.
            let _ = kms.call_value("ScheduleKeyDeletion", object!{ "KeyId" => key_id, "PendingWindowInDays" => 7 }).await;
            return Err(e);
        }
    }
    if plan.rotate {
        kms.call_value("EnableKeyRotation", enable_rotation_request(&key_id, plan)).await?;
    }
    if !o.enabled {
        kms.call_value("DisableKey", key_request(&key_id)).await?;
    }
    describe(kms, &key_id).await
}

async fn reconcile(kms: &KmsClient, o: &ProvisionOptions, plan: &Plan, existing: Value) -> Result<Value> {
    let key_id = key_id_of(&existing); // see `create` on why not the ARN
    let have_spec = field(&existing, "KeySpec").map(KeySpec::from);
    let have_usage = field(&existing, "KeyUsage").map(KeyUsageType::from);
    // The spec and usage of a key never change: refuse a key other than the plan's, asked for or
    // the default (a symmetric encryption key). Rotation was checked against the plan's spec.
    let keep = |given: bool, option: &str, have: &str| if given { String::new() } else { format!("; to keep it, give {option} {have}") };
    if let Some(have) = have_spec.as_ref().filter(|have| **have != plan.key_spec) {
        let want = &plan.key_spec;
        return Err(Error::validation("keySpec", format!("{} points at a {have} key, not {want} (a key's spec cannot change{})", plan.alias, keep(o.key_spec.is_some(), "keySpec", have.as_str()))));
    }
    if let Some(have) = have_usage.as_ref().filter(|have| **have != plan.key_usage) {
        let want = &plan.key_usage;
        return Err(Error::validation("keyUsage", format!("{} points at a {have} key, not {want} (a key's usage cannot change{})", plan.alias, keep(o.key_usage.is_some(), "keyUsage", have.as_str()))));
    }
    // Nor does a key become multi-Region.
    if o.multi_region && existing["MultiRegion"].as_bool() != Some(true) {
        return Err(Error::validation("multiRegion", format!("{} points at a single-Region key (a key cannot become multi-Region; to keep it, leave multiRegion out)", plan.alias)));
    }
    let state = field(&existing, "KeyState");
    if matches!(state, Some("PendingDeletion" | "PendingReplicaDeletion")) {
        return Err(Error::validation("alias", format!("{} points at a key pending deletion; cancel the deletion or choose another alias", plan.alias)));
    }
    let is_enabled = state == Some("Enabled") || state.is_none() && existing["Enabled"].as_bool() == Some(true);
    if o.enabled && !is_enabled {
        kms.call_value("EnableKey", key_request(&key_id)).await?;
    }
    if let Some(d) = &o.description {
        if field(&existing, "Description").unwrap_or("") != d {
            kms.call_value("UpdateKeyDescription", object!{ "KeyId" => key_id, "Description" => d }).await?;
        }
    }
    let have_spec = have_spec.unwrap_or(KeySpec::SymmetricDefault);
    let have_usage = have_usage.unwrap_or(KeyUsageType::EncryptDecrypt);
    // KMS refuses rotation changes on a disabled key: a key that stays
    // disabled keeps its rotation setting until it is provisioned enabled again.
    let enabled_now = is_enabled || o.enabled;
    if enabled_now && is_rotatable(&have_spec, &have_usage) {
        let status = kms.call_value("GetKeyRotationStatus", key_request(&key_id)).await?;
        let on = status["KeyRotationEnabled"].as_bool().unwrap_or(false);
        let period_differs = plan.rotation_period.is_some_and(|p| status["RotationPeriodInDays"].as_i64() != Some(i64::from(p)));
        if plan.rotate && (!on || period_differs) {
            kms.call_value("EnableKeyRotation", enable_rotation_request(&key_id, plan)).await?;
        } else if !plan.rotate && on {
            kms.call_value("DisableKeyRotation", key_request(&key_id)).await?;
        }
    }
    if !o.tags.is_empty() {
        let answer = kms.call_value("ListResourceTags", object!{ "KeyId" => key_id, "Limit" => 50 }).await?;
        let have: &[Value] = answer["Tags"].as_array().map_or(&[], Vec::as_slice);
        let missing = tags_json(o.tags.iter().filter(|(k, v)| !have.iter().any(|t| t["TagKey"].as_str() == Some(k.as_str()) && t["TagValue"].as_str() == Some(v.as_str()))));
        if missing.as_array().is_some_and(|m| !m.is_empty()) {
            kms.call_value("TagResource", object!{ "KeyId" => key_id, "Tags" => missing }).await?;
        }
    }
    if !o.enabled && is_enabled {
        kms.call_value("DisableKey", key_request(&key_id)).await?;
    }
    describe(kms, &key_id).await
}

/// Schedules the deletion of the key `target` names after `deletion_window_in_days` (else the
/// options' window, else 30 days), then deletes the alias. A key already pending deletion (a
/// run that failed at DeleteAlias) keeps its date; the window reported is then the days left.
pub async fn retire_key(kms: &KmsClient, target: impl Into<RetireTarget>, deletion_window_in_days: Option<i32>) -> Result<Retired> {
    let (alias, window) = match target.into() {
        RetireTarget::Alias(a) => {
            let a = if a.starts_with("alias/") { a } else { format!("alias/{a}") };
            check_alias("alias", &a)?;
            (a, deletion_window_in_days)
        }
        RetireTarget::Options(o) => (checked_alias(&o)?, deletion_window_in_days.or(o.deletion_window_in_days)),
    };
    let window = check_window("deletionWindowInDays", window)?;
    let key = describe(kms, &alias).await?;
    let bare_id = key_id_of(&key);
    let key_id = field(&key, "Arn").map_or_else(|| bare_id.clone(), str::to_owned);
    // Deletion first, the alias second: if either fails, running this again finishes the job
    // (a key already pending deletion is not scheduled again), and no key is left without its
    // alias but still usable.
    let scheduled = if field(&key, "KeyState") == Some("PendingDeletion") {
        key
    } else {
        // The bare key id: KMS takes either, moto's ScheduleKeyDeletion only the id.
        kms.call_value("ScheduleKeyDeletion", object!{ "KeyId" => bare_id, "PendingWindowInDays" => window }).await?
    };
    kms.call_value("DeleteAlias", object!{ "AliasName" => alias }).await?;
    let deletion_date = scheduled["DeletionDate"].as_f64();
    // KMS keeps a pending key's date, not its window: then the days left are reported.
    let days_left = || deletion_date.map(|date| ((date * 1000.0 - crate::platform::now_millis() as f64) / 86_400_000.0).ceil());
    Ok(Retired {
        key_id,
        alias_name: alias,
        deletion_date: deletion_date.map(Timestamp),
        pending_window_in_days: scheduled["PendingWindowInDays"].as_f64().or_else(days_left).map_or(window, |d| d as i32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ProvisionOptions {
        ProvisionOptions::new("shop", "prod", "billing-api")
    }

    #[test]
    fn an_alias_built_too_long_blames_the_longest_name_it_was_built_of() {
        let e = plan(&ProvisionOptions { service: "s".repeat(300), ..opts() }).unwrap_err();
        assert_eq!(e.field(), Some("service"));
        let e = plan(&ProvisionOptions { app: "a".repeat(300), ..opts() }).unwrap_err();
        assert_eq!(e.field(), Some("app"));
        let e = plan(&ProvisionOptions { alias: Some("a".repeat(300)), ..opts() }).unwrap_err();
        assert_eq!(e.field(), Some("alias"));
    }

    #[test]
    fn defaults_and_alias() {
        let p = plan(&opts()).unwrap();
        assert_eq!(p.alias, "alias/shop/prod/billing-api");
        assert!(p.rotate);
        assert_eq!((p.key_spec, p.key_usage), (KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt));
        let p = plan(&ProvisionOptions { alias: Some("custom/name".into()), ..opts() }).unwrap();
        assert_eq!(p.alias, "alias/custom/name");
        let p = plan(&ProvisionOptions { key_spec: Some(KeySpec::Rsa2048), key_usage: Some(KeyUsageType::SignVerify), ..opts() }).unwrap();
        assert!(!p.rotate, "asymmetric keys default to no rotation");
        let p = plan(&ProvisionOptions { key_spec: Some(KeySpec::Hmac256), ..opts() }).unwrap();
        assert_eq!(p.key_usage, KeyUsageType::GenerateVerifyMac);
    }

    #[test]
    fn every_error_names_its_option() {
        let cases: Vec<(ProvisionOptions, &str)> = vec![
            (ProvisionOptions { service: String::new(), ..opts() }, "service"),
            (ProvisionOptions { app: "my app".into(), ..opts() }, "app"),
            (ProvisionOptions { environment: "".into(), ..opts() }, "environment"),
            (ProvisionOptions { alias: Some("alias/aws/x".into()), ..opts() }, "alias"),
            (ProvisionOptions { alias: Some("bad alias".into()), ..opts() }, "alias"),
            (ProvisionOptions { rotation_period_in_days: Some(89), ..opts() }, "rotationPeriodInDays"),
            (ProvisionOptions { rotation_period_in_days: Some(2561), ..opts() }, "rotationPeriodInDays"),
            (ProvisionOptions { rotation_period_in_days: Some(100), auto_rotate: Some(false), ..opts() }, "rotationPeriodInDays"),
            (ProvisionOptions { deletion_window_in_days: Some(6), ..opts() }, "deletionWindowInDays"),
            (ProvisionOptions { deletion_window_in_days: Some(31), ..opts() }, "deletionWindowInDays"),
            (ProvisionOptions { key_spec: Some(KeySpec::EccNistP256), key_usage: Some(KeyUsageType::EncryptDecrypt), ..opts() }, "keyUsage"),
            (ProvisionOptions { key_spec: Some(KeySpec::SymmetricDefault), key_usage: Some(KeyUsageType::SignVerify), ..opts() }, "keyUsage"),
            (ProvisionOptions { key_spec: Some(KeySpec::Rsa2048), key_usage: Some(KeyUsageType::EncryptDecrypt), auto_rotate: Some(true), ..opts() }, "autoRotate"),
            (ProvisionOptions { policy: Some("not json".into()), ..opts() }, "policy"),
            (ProvisionOptions { tags: BTreeMap::from([("aws:x".into(), "v".into())]), ..opts() }, "tags"),
        ];
        for (o, field) in cases {
            let e = plan(&o).unwrap_err();
            assert_eq!((e.kind(), e.field()), (ErrorKind::Validation, Some(field)), "{o:?} → {e}");
        }
    }

    #[test]
    fn variable_names() {
        let v = variables("billing-api.v2", "id", "arn:aws:kms:r:1:key/id", "alias/a", "arn:aws:kms:r:1:alias/a");
        assert_eq!(v.keys().cloned().collect::<Vec<_>>(), ["BILLING_API_V2_ALIAS_ARN", "BILLING_API_V2_ALIAS_NAME", "BILLING_API_V2_KEY_ARN", "BILLING_API_V2_KEY_ID"]);
        assert_eq!(variable_prefix("2fa"), "_2FA");
        assert_eq!(alias_arn("arn:aws:kms:us-east-1:123456789012:key/abc", "alias/a/b").unwrap(), "arn:aws:kms:us-east-1:123456789012:alias/a/b");
    }
}
