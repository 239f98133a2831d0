//! A KMS wrapper that records the key used with each blob (in progress).
