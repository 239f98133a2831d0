//! Checks made before a request is sent, with errors naming the field.
//!
//! They run on the JSON body, so the typed Rust API and the JavaScript
//! binding share one implementation. Only rules KMS documents are checked;
//! anything else is left to KMS to judge.

use serde_json::Value;

use crate::error::{Error, Result};

/// Largest plaintext `Encrypt` accepts, in bytes.
pub const MAX_ENCRYPT_PLAINTEXT: usize = 4096;

/// Validates the request body of `operation`, and the operation's name: one of KMS's, so
/// nothing else is signed into `X-Amz-Target`. (In wasm only its spelling is checked here:
/// the JavaScript binding checks the name against the model, and the list would cost size.)
pub fn check(operation: &str, body: &Value) -> Result<()> {
    let known = if cfg!(target_arch = "wasm32") { !operation.is_empty() && operation.bytes().all(|b| b.is_ascii_alphanumeric()) } else { super::ops::ALL.contains(&operation) };
    if !known {
        return Err(Error::validation("operation", "is not a KMS operation"));
    }
    let str_field = |name: &str| body.get(name).and_then(Value::as_str);
    let int_field = |name: &str| body.get(name).and_then(Value::as_i64);
    match operation {
        "CreateAlias" | "UpdateAlias" | "DeleteAlias" => {
            if let Some(alias) = str_field("AliasName") {
                alias_name(alias)?;
            }
            // An alias must point at a key (key id or key ARN), never at another alias.
            if let Some(target) = str_field("TargetKeyId") {
                if target.starts_with("alias/") || crate::find_str(target, ":alias/").is_some() {
                    return Err(Error::validation("TargetKeyId", format!("`{target}` is an alias; give the key id or key ARN of a KMS key")));
                }
            }
        }
        "ScheduleKeyDeletion" => {
            if let Some(days) = int_field("PendingWindowInDays") {
                in_range("PendingWindowInDays", days, 7, 30)?;
            }
        }
        "EnableKeyRotation" => {
            if let Some(days) = int_field("RotationPeriodInDays") {
                in_range("RotationPeriodInDays", days, 90, 2560)?;
            }
        }
        "Encrypt" => {
            if let Some(b64) = str_field("Plaintext") {
                let len = base64_decoded_len(b64);
                if len == 0 || len > MAX_ENCRYPT_PLAINTEXT {
                    return Err(Error::validation("Plaintext", format!("must be 1 to {MAX_ENCRYPT_PLAINTEXT} bytes, got {len}")));
                }
            }
        }
        "GenerateRandom" => {
            if let Some(n) = int_field("NumberOfBytes") {
                in_range("NumberOfBytes", n, 1, 1024)?;
            }
        }
        "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext" => {
            if let Some(n) = int_field("NumberOfBytes") {
                in_range("NumberOfBytes", n, 1, 1024)?;
            }
            match (body.get("NumberOfBytes").is_some(), body.get("KeySpec").is_some()) {
                (true, true) => return Err(Error::validation("NumberOfBytes", "give either KeySpec or NumberOfBytes, not both")),
                (false, false) => return Err(Error::validation("KeySpec", "give KeySpec (AES_256, AES_128) or NumberOfBytes")),
                _ => {}
            }
        }
        "CreateKey" => {
            let spec = str_field("KeySpec").or_else(|| str_field("CustomerMasterKeySpec")).unwrap_or("SYMMETRIC_DEFAULT");
            match str_field("KeyUsage") {
                Some(usage) => key_spec_usage(spec, usage)?,
                // KMS defaults KeyUsage to ENCRYPT_DECRYPT; for specs that cannot encrypt it must be given.
                None => {
                    if let Some(allowed) = usages_for(spec).filter(|a| !a.contains(&"ENCRYPT_DECRYPT")) {
                        return Err(Error::validation("KeyUsage", format!("is required for KeySpec {spec} (one of {})", allowed.join(", "))));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks an alias name: `alias/` prefix, allowed characters, not reserved, at most 256 characters.
pub fn alias_name(alias: &str) -> Result<()> {
    let field = "AliasName";
    let Some(rest) = alias.strip_prefix("alias/") else {
        return Err(Error::validation(field, format!("`{alias}` must start with `alias/`")));
    };
    if rest.is_empty() {
        return Err(Error::validation(field, "has nothing after `alias/`"));
    }
    if alias.len() > 256 {
        return Err(Error::validation(field, format!("is {} characters; at most 256 are allowed", alias.len())));
    }
    if let Some(bad) = alias.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))) {
        return Err(Error::validation(field, format!("`{alias}` contains `{bad}`; only letters, digits, `/`, `_` and `-` are allowed")));
    }
    if rest.starts_with("aws/") {
        return Err(Error::validation(field, format!("`{alias}` is reserved for AWS managed keys (alias/aws/…)")));
    }
    Ok(())
}

/// The key usages KMS accepts for a key of `spec` (from the CreateKey
/// documentation), or `None` for a spec newer than this check.
pub fn usages_for(spec: &str) -> Option<&'static [&'static str]> {
    Some(match spec {
        "SYMMETRIC_DEFAULT" => &["ENCRYPT_DECRYPT"],
        s if s.starts_with("HMAC_") => &["GENERATE_VERIFY_MAC"],
        s if s.starts_with("RSA_") => &["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
        // Ed25519 signs only; the NIST P-curves sign or agree keys.
        "ECC_NIST_EDWARDS25519" => &["SIGN_VERIFY"],
        "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" => &["SIGN_VERIFY", "KEY_AGREEMENT"],
        "ECC_SECG_P256K1" => &["SIGN_VERIFY"],
        "SM2" => &["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
        s if s.starts_with("ML_DSA_") => &["SIGN_VERIFY"],
        s if s.starts_with("ML_KEM_") => &["ENCAPSULATE_DECAPSULATE"],
        _ => return None,
    })
}

/// Checks that KMS accepts `usage` for a key of `spec`; a spec newer than
/// this check is left to KMS to judge.
pub fn key_spec_usage(spec: &str, usage: &str) -> Result<()> {
    let Some(allowed) = usages_for(spec) else {
        return Ok(());
    };
    if allowed.contains(&usage) {
        Ok(())
    } else {
        Err(Error::validation("KeyUsage", format!("{usage} is not allowed with KeySpec {spec} (allowed: {})", allowed.join(", "))))
    }
}

fn in_range(field: &'static str, value: i64, min: i64, max: i64) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::validation(field, format!("must be between {min} and {max}, got {value}")))
    }
}

fn base64_decoded_len(b64: &str) -> usize {
    let trimmed = b64.trim_end_matches('=');
    trimmed.len() * 3 / 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_kms_operations_are_sent() {
        for bad in ["", "NoSuchOperation", "Encrypt\r\nX-Injected: 1", "encrypt"] {
            let e = check(bad, &serde_json::json!({})).unwrap_err();
            assert_eq!((e.kind(), e.field()), (crate::ErrorKind::Validation, Some("operation")), "{bad:?}");
        }
        check("Encrypt", &serde_json::json!({})).unwrap();
    }

    #[test]
    fn alias_rules() {
        assert!(alias_name("alias/app/prod/billing_1-a").is_ok());
        for bad in ["app/x", "alias/", "alias/aws/s3", "alias/has space", "alias/é"] {
            assert_eq!(alias_name(bad).unwrap_err().field(), Some("AliasName"), "{bad}");
        }
        assert!(alias_name(&format!("alias/{}", "a".repeat(250))).is_ok());
        assert!(alias_name(&format!("alias/{}", "a".repeat(251))).is_err());
    }

    #[test]
    fn ranges_name_their_field() {
        assert_eq!(check("ScheduleKeyDeletion", &json!({"KeyId":"k","PendingWindowInDays":6})).unwrap_err().field(), Some("PendingWindowInDays"));
        assert!(check("ScheduleKeyDeletion", &json!({"KeyId":"k","PendingWindowInDays":7})).is_ok());
        assert_eq!(check("EnableKeyRotation", &json!({"KeyId":"k","RotationPeriodInDays":2561})).unwrap_err().field(), Some("RotationPeriodInDays"));
        assert_eq!(check("GenerateRandom", &json!({"NumberOfBytes":0})).unwrap_err().field(), Some("NumberOfBytes"));
        assert_eq!(check("GenerateRandom", &json!({"NumberOfBytes":1025})).unwrap_err().field(), Some("NumberOfBytes"));
    }

    #[test]
    fn encrypt_plaintext_limit() {
        use base64::Engine;
        let b64 = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
        assert!(check("Encrypt", &json!({"KeyId":"k","Plaintext": b64(4096)})).is_ok());
        assert_eq!(check("Encrypt", &json!({"KeyId":"k","Plaintext": b64(4097)})).unwrap_err().field(), Some("Plaintext"));
        assert!(check("Encrypt", &json!({"KeyId":"k","Plaintext": b64(1)})).is_ok());
        assert!(check("Encrypt", &json!({"KeyId":"k","Plaintext": b64(2)})).is_ok());
    }

    #[test]
    fn spec_usage_pairs() {
        assert!(key_spec_usage("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT").is_ok());
        assert!(key_spec_usage("SYMMETRIC_DEFAULT", "SIGN_VERIFY").is_err());
        assert!(key_spec_usage("HMAC_256", "GENERATE_VERIFY_MAC").is_ok());
        assert!(key_spec_usage("HMAC_256", "ENCRYPT_DECRYPT").is_err());
        assert!(key_spec_usage("RSA_2048", "SIGN_VERIFY").is_ok());
        assert!(key_spec_usage("ECC_NIST_P256", "KEY_AGREEMENT").is_ok());
        assert!(key_spec_usage("ECC_NIST_P256", "ENCRYPT_DECRYPT").is_err());
        assert!(key_spec_usage("ECC_SECG_P256K1", "KEY_AGREEMENT").is_err());
        assert!(key_spec_usage("ML_KEM_768", "ENCAPSULATE_DECAPSULATE").is_ok());
        assert!(key_spec_usage("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT").is_err());
        assert_eq!(check("CreateKey", &json!({"KeySpec":"HMAC_256"})).unwrap_err().field(), Some("KeyUsage"));
        assert_eq!(check("CreateKey", &json!({"KeySpec":"ECC_NIST_P256"})).unwrap_err().field(), Some("KeyUsage"));
        assert!(check("CreateKey", &json!({"KeySpec":"RSA_2048"})).is_ok());
        assert!(check("CreateKey", &json!({})).is_ok());
    }
}
