//! Envelope encryption in the AWS Encryption SDK message format (in progress).
