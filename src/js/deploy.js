// Key provisioning, the KMS wrapper and credential providers (issue 7): in progress.
export {};
