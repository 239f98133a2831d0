//! Wire encodings of the KMS JSON protocol: base64 blobs, epoch-second
//! timestamps, and string enums that keep values they do not know.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Bytes sent as base64 (`CiphertextBlob`, `Signature`, `PublicKey`, …).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(pub Vec<u8>);

impl Blob {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Takes the bytes out.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Blob {
    fn from(v: Vec<u8>) -> Self {
        Blob(v)
    }
}
impl From<&[u8]> for Blob {
    fn from(v: &[u8]) -> Self {
        Blob(v.to_vec())
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map(Blob).map_err(|_| serde::de::Error::custom("blob is not valid base64"))
    }
}

/// Secret bytes (plaintexts, data keys, private keys): base64 on the wire,
/// redacted in `Debug`, zeroized when dropped.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }
    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        SecretBytes(v)
    }
}
impl From<&[u8]> for SecretBytes {
    fn from(v: &[u8]) -> Self {
        SecretBytes(v.to_vec())
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(** {} bytes redacted **)", self.0.len())
    }
}

impl Serialize for SecretBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = STANDARD.encode(&self.0);
        let r = s.serialize_str(&text);
        text.zeroize();
        r
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let r = STANDARD.decode(text.as_bytes()).map(SecretBytes).map_err(|_| serde::de::Error::custom("secret blob is not valid base64"));
        if let std::borrow::Cow::Owned(mut t) = text {
            t.zeroize();
        }
        r
    }
}

/// A point in time, as KMS sends it: seconds since the Unix epoch (with a fraction).
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub f64);

impl Timestamp {
    /// Milliseconds since the epoch (what JavaScript's `Date` takes).
    pub fn epoch_millis(self) -> f64 {
        (self.0 * 1000.0).round()
    }
    /// From milliseconds since the epoch.
    pub fn from_epoch_millis(ms: f64) -> Self {
        Timestamp(ms / 1000.0)
    }
}

/// Declares a string enum that keeps unknown values in `Unknown(String)`, so
/// a value AWS adds tomorrow parses instead of failing.
#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant,)*
            /// A value this version does not know.
            Unknown(String),
        }
        impl $name {
            /// Every value this version knows.
            pub const VALUES: &'static [&'static str] = &[$($value),*];
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self { $(Self::$variant => $value,)* Self::Unknown(s) => s.as_str() }
            }
        }
        /// An empty value, only so request structs can use `..Default::default()`; set it before sending.
        impl Default for $name {
            fn default() -> Self { Self::Unknown(String::new()) }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s { $($value => Self::$variant,)* other => Self::Unknown(other.to_owned()) })
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self { s.parse().unwrap() }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(s.as_ref().into())
            }
        }
    };
}

/// Takes the base64 field `name` out of an untyped KMS answer (`call_value`) and decodes
/// it. `None` when the field is absent or not a string, `Some(Err(()))` when it is not
/// base64. The base64 text is wiped either way: it may be a data key.
pub(crate) fn take_base64(answer: &mut serde_json::Value, name: &str) -> Option<Result<zeroize::Zeroizing<Vec<u8>>, ()>> {
    let Some(serde_json::Value::String(mut text)) = answer.get_mut(name).map(serde_json::Value::take) else {
        return None;
    };
    let bytes = STANDARD.decode(text.as_bytes()).map(zeroize::Zeroizing::new).map_err(|_| ());
    text.zeroize();
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::string_enum!(Color { Red = "RED", DarkBlue = "DARK_BLUE" });

    #[test]
    fn unknown_enum_values_round_trip() {
        let c: Color = serde_json::from_str("\"ULTRAVIOLET\"").unwrap();
        assert_eq!(c, Color::Unknown("ULTRAVIOLET".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"ULTRAVIOLET\"");
        assert_eq!(serde_json::from_str::<Color>("\"DARK_BLUE\"").unwrap(), Color::DarkBlue);
        assert_eq!(Color::VALUES, ["RED", "DARK_BLUE"]);
    }

    #[test]
    fn blobs_are_base64_and_secrets_are_redacted() {
        let b = Blob(vec![0, 1, 2, 255]);
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"AAEC/w==\"");
        assert_eq!(serde_json::from_str::<Blob>("\"AAEC/w==\"").unwrap(), b);
        assert!(serde_json::from_str::<Blob>("\"%%%\"").is_err());
        let s = SecretBytes::new(b"hunter2".to_vec());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
