//! Key provisioning the way deployment tools do it (in progress).
