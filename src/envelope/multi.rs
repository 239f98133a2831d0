//! Multi-keyring (`framework/multi-keyring.md`): a generator keyring makes
//! the data key and every child wraps it too; on decrypt the generator and
//! then the children are tried in order until one unwraps a key.

use std::sync::Arc;

use super::format::EncryptedDataKey;
use super::keyring::{is_verdict, DecryptionMaterials, EncryptionMaterials, Keyring};
use crate::error::{Error, Result};
use crate::platform::BoxFuture;

/// A keyring combining other keyrings.
pub struct MultiKeyring {
    generator: Option<Arc<dyn Keyring>>,
    children: Vec<Arc<dyn Keyring>>,
}

impl std::fmt::Debug for MultiKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiKeyring").field("generator", &self.generator.is_some()).field("children", &self.children.len()).finish()
    }
}

impl MultiKeyring {
    /// A multi-keyring; `ValidationError` when it has neither generator nor children.
    pub fn new(generator: Option<Arc<dyn Keyring>>, children: Vec<Arc<dyn Keyring>>) -> Result<Self> {
        if generator.is_none() && children.is_empty() {
            return Err(Error::validation("generator", "a multi-keyring needs a generator or children"));
        }
        Ok(MultiKeyring { generator, children })
    }
}

impl Keyring for MultiKeyring {
    fn on_encrypt<'a>(&'a self, mut m: EncryptionMaterials) -> BoxFuture<'a, Result<EncryptionMaterials>> {
        Box::pin(async move {
            match &self.generator {
                // The spec's MUST: a generator makes the data key; one already there is an error.
                Some(_) if m.data_key.is_some() => return Err(Error::envelope("KeyringError", "the materials already hold a data key, but this multi-keyring has a generator")),
                Some(g) => {
                    m = g.on_encrypt(m).await?;
                    if m.data_key.is_none() {
                        return Err(Error::envelope("KeyringError", "the generator keyring produced no data key"));
                    }
                }
                None if m.data_key.is_none() => return Err(Error::envelope("KeyringError", "a multi-keyring without generator needs an existing data key")),
                None => {}
            }
            for child in &self.children {
                m = child.on_encrypt(m).await?;
            }
            Ok(m)
        })
    }

    fn on_decrypt<'a>(&'a self, m: DecryptionMaterials, edks: &'a [EncryptedDataKey]) -> BoxFuture<'a, Result<DecryptionMaterials>> {
        Box::pin(async move {
            if m.data_key.is_some() {
                return Ok(m);
            }
            let mut failures = Vec::new();
            let mut outage = None;
            for k in self.generator.iter().chain(self.children.iter()) {
                match k.on_decrypt(m.clone(), edks).await {
                    Ok(out) if out.data_key.is_some() => return Ok(out),
                    Ok(_) => failures.push("a keyring returned no data key".to_owned()),
                    Err(e) if !is_verdict(&e) => outage = Some(e),
                    Err(e) => failures.push(format!("{}: {}", e.name(), e.message())),
                }
            }
            if let Some(e) = outage {
                return Err(e);
            }
            Err(Error::envelope("NoUsableKeyError", format!("no keyring of the multi-keyring could decrypt a data key: {}", failures.join("; "))))
        })
    }
}
