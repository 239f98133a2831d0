//! Encryption context: serialization (`framework/structures.md#serialization`)
//! and the rules on reserved keys and expected pairs.
//!
//! ```text
//! KV    := u16 count || entry*count      -- absent (zero bytes) for an empty context
//! entry := u16 keyLen || key (UTF-8) || u16 valueLen || value (UTF-8)
//! ```
//! Entries are sorted by the raw UTF-8 bytes of the key, which is exactly
//! the order of a `BTreeMap<String, _>`.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// An encryption context: non-secret key/value pairs bound to a message.
pub type EncryptionContext = BTreeMap<String, String>;

/// Prefix of keys reserved for the Encryption SDK itself.
pub const RESERVED_PREFIX: &str = "aws-crypto-";
/// Key under which 0x0578 messages carry the base64 compressed P-384 verification key.
pub const PUBLIC_KEY_FIELD: &str = "aws-crypto-public-key";

fn malformed(msg: impl Into<String>) -> Error {
    Error::envelope("MalformedMessageError", msg)
}

/// Serializes `ctx` as the key-value pairs (`count || entries`); empty for an empty context.
/// `EncryptionContextError` when a length does not fit the format's u16 fields.
pub fn serialize(ctx: &EncryptionContext) -> Result<Vec<u8>> {
    if ctx.is_empty() {
        return Ok(Vec::new());
    }
    let too_big = || Error::envelope("EncryptionContextError", "encryption context does not fit the message format (65535-byte limit)");
    let count = u16::try_from(ctx.len()).map_err(|_| too_big())?;
    let mut out = Vec::new();
    out.extend_from_slice(&count.to_be_bytes());
    for (k, v) in ctx {
        for s in [k, v] {
            let len = u16::try_from(s.len()).map_err(|_| too_big())?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
    if out.len() > u16::MAX as usize {
        return Err(too_big());
    }
    Ok(out)
}

/// Parses the key-value pairs written by [`serialize`]. Rejects duplicate
/// keys, invalid UTF-8, a zero count and trailing bytes.
pub fn parse(bytes: &[u8]) -> Result<EncryptionContext> {
    let mut ctx = EncryptionContext::new();
    if bytes.is_empty() {
        return Ok(ctx);
    }
    let mut pos = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let end = pos.checked_add(n).filter(|&e| e <= bytes.len()).ok_or_else(|| malformed("encryption context is truncated"))?;
        let s = &bytes[pos..end];
        pos = end;
        Ok(s)
    };
    let count = u16::from_be_bytes(take(2)?.try_into().unwrap());
    if count == 0 {
        return Err(malformed("encryption context has a zero count"));
    }
    for _ in 0..count {
        let mut pair = [String::new(), String::new()];
        for slot in pair.iter_mut() {
            let len = u16::from_be_bytes(take(2)?.try_into().unwrap()) as usize;
            *slot = String::from_utf8(take(len)?.to_vec()).map_err(|_| malformed("encryption context is not UTF-8"))?;
        }
        let [k, v] = pair;
        if ctx.insert(k, v).is_some() {
            return Err(malformed("encryption context has a duplicate key"));
        }
    }
    if pos != bytes.len() {
        return Err(malformed("encryption context has trailing bytes"));
    }
    Ok(ctx)
}

/// `EncryptionContextError` if a caller's context uses the reserved `aws-crypto-` prefix.
pub fn check_no_reserved(ctx: &EncryptionContext) -> Result<()> {
    match ctx.keys().find(|k| k.starts_with(RESERVED_PREFIX)) {
        Some(k) => Err(Error::envelope("EncryptionContextError", format!("encryption context key \"{k}\" uses the reserved prefix \"{RESERVED_PREFIX}\""))),
        None => Ok(()),
    }
}

/// `EncryptionContextError` unless every pair of `expected` is in `actual`.
pub fn check_expected(actual: &EncryptionContext, expected: &EncryptionContext) -> Result<()> {
    for (k, v) in expected {
        match actual.get(k) {
            Some(a) if a == v => {}
            Some(_) => return Err(Error::envelope("EncryptionContextError", format!("encryption context value of \"{k}\" differs from the expected value"))),
            None => return Err(Error::envelope("EncryptionContextError", format!("encryption context lacks the expected key \"{k}\""))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_utf8_bytes_and_round_trips() {
        let ctx: EncryptionContext = [("purpose", "demo"), ("b key", "ü"), ("Zebra", "x")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let bytes = serialize(&ctx).unwrap();
        // 2 + (2+5+2+1) + (2+5+2+2) + (2+7+2+4) = 38, as in the reference example.
        assert_eq!(bytes.len(), 38);
        assert_eq!(&bytes[4..9], b"Zebra");
        assert_eq!(parse(&bytes).unwrap(), ctx);
        assert!(serialize(&EncryptionContext::new()).unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(&[0, 0]).is_err());
        assert!(parse(&[0, 1, 0, 1, b'a']).is_err());
        let dup = [0, 2, 0, 1, b'a', 0, 0, 0, 1, b'a', 0, 0];
        assert!(parse(&dup).is_err());
        let mut ok = serialize(&[("a".to_string(), "b".to_string())].into()).unwrap();
        ok.push(0);
        assert!(parse(&ok).is_err());
        let reserved: EncryptionContext = [("aws-crypto-x".to_string(), String::new())].into();
        assert_eq!(check_no_reserved(&reserved).unwrap_err().name(), "EncryptionContextError");
    }
}
