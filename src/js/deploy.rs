//! wasm-bindgen glue for provisioning, the KMS wrapper and credential providers (in progress).
