//! The KMS API against kms-local (moto 5.2.5 with SigV4 checked), asserting
//! on typed outputs, for every operation moto implements.
//!
//! moto 5.2.5 implements 40 of the 56 operations (the methods of
//! `moto/kms/responses.py`): CancelKeyDeletion, CreateAlias, CreateGrant,
//! CreateKey, Decrypt, DeleteAlias, DescribeKey, DisableKey,
//! DisableKeyRotation, EnableKey, EnableKeyRotation, Encrypt,
//! GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateMac,
//! GenerateRandom, GetKeyPolicy, GetKeyRotationStatus, GetPublicKey,
//! ListAliases, ListGrants, ListKeyPolicies, ListKeyRotations, ListKeys,
//! ListResourceTags, ListRetirableGrants, PutKeyPolicy, ReEncrypt,
//! ReplicateKey, RetireGrant, RevokeGrant, RotateKeyOnDemand,
//! ScheduleKeyDeletion, Sign, TagResource, UntagResource, UpdateAlias,
//! UpdateKeyDescription, Verify, VerifyMac. `moto_implements_what_this_file_tests`
//! checks that list against the installed moto.
//!
//! Not in moto (tested by wire and fixture tests only): ConnectCustomKeyStore,
//! CreateCustomKeyStore, Decapsulate, DeleteCustomKeyStore,
//! DeleteImportedKeyMaterial, DeriveSharedSecret, DescribeCustomKeyStores,
//! DisconnectCustomKeyStore, Encapsulate, GenerateDataKeyPair,
//! GenerateDataKeyPairWithoutPlaintext, GetKeyLastUsage,
//! GetParametersForImport, ImportKeyMaterial, UpdateCustomKeyStore,
//! UpdatePrimaryRegion.
//!
//! moto quirks these tests live with: it ignores `Limit`/`Marker` except for
//! ListKeyRotations (so the paginators are also tested over three fake pages
//! below), omits response members it does not track (KeyUsage when not
//! given, grant creation dates, rotation periods), accepts only a key id (not
//! an ARN) in DisableKey/EnableKey/ScheduleKeyDeletion/CancelKeyDeletion/
//! ReplicateKey, answers every error with 400, and enforces neither key
//! state nor key usage.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use kms_wasm::kms::paginate::Paginated;
use kms_wasm::kms::*;
use kms_wasm::platform::BoxFuture;
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::{Config, Credentials, ErrorKind};
use serde_json::{json, Value};

fn key_id_of(arn: &str) -> String {
    arn.rsplit('/').next().unwrap().to_owned()
}

async fn new_key(kms: &KmsClient, spec: KeySpec, usage: KeyUsageType) -> KeyMetadata {
    let created = kms.create_key(CreateKeyRequest { key_spec: Some(spec.clone()), key_usage: Some(usage.clone()), description: Some(format!("kms_api_live {spec}")), ..Default::default() }).await.unwrap();
    let meta = created.key_metadata.unwrap();
    assert_eq!(meta.key_spec, Some(spec));
    assert_eq!(meta.key_usage, Some(usage));
    assert_eq!(meta.key_state, Some(KeyState::Enabled));
    meta
}

async fn describe(kms: &KmsClient, key: &str) -> KeyMetadata {
    kms.describe_key(DescribeKeyRequest { key_id: key.to_owned(), ..Default::default() }).await.unwrap().key_metadata.unwrap()
}

/// Verifies `signature` over `message` with the DER public key, in Python's `cryptography` (an independent verifier).
fn python_verifies(public_key_der: &[u8], message: &[u8], signature: &[u8], algorithm: &str) -> bool {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let code = r#"
import base64, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.exceptions import InvalidSignature
pub = serialization.load_der_public_key(base64.b64decode(sys.argv[1]))
msg, sig, alg = base64.b64decode(sys.argv[2]), base64.b64decode(sys.argv[3]), sys.argv[4]
h = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[-3:]]
try:
    if alg.startswith("ECDSA"):
        pub.verify(sig, msg, ec.ECDSA(h))
    elif alg.startswith("RSASSA_PSS"):
        pub.verify(sig, msg, padding.PSS(mgf=padding.MGF1(h), salt_length=padding.PSS.AUTO), h)
    else:
        pub.verify(sig, msg, padding.PKCS1v15(), h)
    print("valid")
except InvalidSignature:
    print("invalid")
"#;
    common::python(code, &[&b64(public_key_der), &b64(message), &b64(signature), algorithm]).trim() == "valid"
}

async fn sign_then_verify(kms: &KmsClient, spec: KeySpec, algorithm: SigningAlgorithmSpec) {
    let meta = new_key(kms, spec.clone(), KeyUsageType::SignVerify).await;
    let key = meta.arn.clone().unwrap();
    assert!(meta.signing_algorithms.unwrap_or_default().contains(&algorithm), "{spec}: {algorithm} listed");
    let message = format!("sign me with {spec} – ✓").into_bytes();
    let signed = kms.sign(SignRequest { key_id: key.clone(), message: message.clone().into(), signing_algorithm: algorithm.clone(), message_type: Some(MessageType::Raw), ..Default::default() }).await.unwrap();
    assert_eq!(signed.key_id.as_deref(), Some(key.as_str()));
    assert_eq!(signed.signing_algorithm, Some(algorithm.clone()));
    let signature = signed.signature.unwrap();
    assert!(signature.as_bytes().len() >= 64, "{spec}: a real signature");

    let verify = |msg: Vec<u8>, sig: Blob| VerifyRequest { key_id: key.clone(), message: msg.into(), signature: sig, signing_algorithm: algorithm.clone(), message_type: Some(MessageType::Raw), ..Default::default() };
    let ok = kms.verify(verify(message.clone(), signature.clone())).await.unwrap();
    assert_eq!(ok.signature_valid, Some(true), "{spec}");
    assert_eq!(ok.signing_algorithm, Some(algorithm.clone()));
    assert_eq!(ok.key_id.as_deref(), Some(key.as_str()));
    // A different message must not verify (moto answers false, KMS a KMSInvalidSignatureException).
    match kms.verify(verify(b"another message".to_vec(), signature.clone())).await {
        Ok(bad) => assert_eq!(bad.signature_valid, Some(false), "{spec}"),
        Err(e) => assert_eq!(e.name(), "KMSInvalidSignatureException"),
    }

    // GetPublicKey gives the key that checks the signature outside KMS.
    let public = kms.get_public_key(GetPublicKeyRequest { key_id: key.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(public.key_id.as_deref().map(key_id_of), Some(meta.key_id.clone()));
    assert_eq!(public.customer_master_key_spec.as_ref().map(|s| s.as_str().to_owned()), Some(spec.as_str().to_owned()));
    assert_eq!(public.key_usage, Some(KeyUsageType::SignVerify));
    assert!(public.signing_algorithms.unwrap_or_default().contains(&algorithm));
    let der = public.public_key.unwrap();
    assert!(python_verifies(der.as_bytes(), &message, signature.as_bytes(), algorithm.as_str()), "{spec}: the signature verifies with the public key");
    assert!(!python_verifies(der.as_bytes(), b"tampered", signature.as_bytes(), algorithm.as_str()));
}

#[tokio::test]
async fn sign_then_verify_with_rsa_and_ecc_keys_and_get_public_key() {
    let kms = common::client();
    sign_then_verify(&kms, KeySpec::Rsa2048, SigningAlgorithmSpec::RsassaPkcs1V15Sha256).await;
    sign_then_verify(&kms, KeySpec::Rsa3072, SigningAlgorithmSpec::RsassaPssSha384).await;
    sign_then_verify(&kms, KeySpec::EccNistP256, SigningAlgorithmSpec::EcdsaSha256).await;
    sign_then_verify(&kms, KeySpec::EccNistP384, SigningAlgorithmSpec::EcdsaSha384).await;
}

#[tokio::test]
async fn generate_mac_then_verify_mac() {
    let kms = common::client();
    let meta = new_key(&kms, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    let key = meta.arn.unwrap();
    let message = b"authenticate me".to_vec();
    let mac = kms.generate_mac(GenerateMacRequest { key_id: key.clone(), message: message.clone().into(), mac_algorithm: MacAlgorithmSpec::HmacSha256, ..Default::default() }).await.unwrap();
    assert_eq!(mac.mac_algorithm, Some(MacAlgorithmSpec::HmacSha256));
    let tag = mac.mac.unwrap();
    assert_eq!(tag.as_bytes().len(), 32, "HMAC-SHA-256");
    let again = kms.generate_mac(GenerateMacRequest { key_id: key.clone(), message: message.clone().into(), mac_algorithm: MacAlgorithmSpec::HmacSha256, ..Default::default() }).await.unwrap();
    assert_eq!(again.mac.unwrap(), tag, "HMAC is deterministic");

    let ok = kms.verify_mac(VerifyMacRequest { key_id: key.clone(), message: message.clone().into(), mac_algorithm: MacAlgorithmSpec::HmacSha256, mac: tag.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(ok.mac_valid, Some(true));
    assert_eq!(ok.mac_algorithm, Some(MacAlgorithmSpec::HmacSha256));
    let mut forged = tag.into_inner();
    forged[0] ^= 1;
    let err = kms.verify_mac(VerifyMacRequest { key_id: key.clone(), message: message.into(), mac_algorithm: MacAlgorithmSpec::HmacSha256, mac: forged.into(), ..Default::default() }).await.unwrap_err();
    assert_eq!((err.kind(), err.name()), (ErrorKind::Service, "KMSInvalidMacException"));
    // A symmetric encryption key cannot make MACs.
    let sym = common::new_symmetric_key(&kms).await;
    let err = kms.generate_mac(GenerateMacRequest { key_id: sym, message: b"m".to_vec().into(), mac_algorithm: MacAlgorithmSpec::HmacSha256, ..Default::default() }).await.unwrap_err();
    assert_eq!(err.name(), "InvalidKeyUsageException");
}

#[tokio::test]
async fn grants_create_list_retire_and_revoke() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let id = key_id_of(&key);
    let grantee = format!("arn:aws:iam::123456789012:role/app-{id}");
    let retiring = format!("arn:aws:iam::123456789012:role/ops-{id}");
    let constraints = GrantConstraints { encryption_context_subset: Some(BTreeMap::from([("tenant".to_string(), "ünï".to_string())])), ..Default::default() };
    let grant = |name: &str| CreateGrantRequest {
        key_id: key.clone(),
        grantee_principal: Some(grantee.clone()),
        retiring_principal: Some(retiring.clone()),
        operations: vec![GrantOperation::Encrypt, GrantOperation::Decrypt],
        constraints: Some(constraints.clone()),
        name: Some(name.to_owned()),
        ..Default::default()
    };
    let g1 = kms.create_grant(grant("first")).await.unwrap();
    let g2 = kms.create_grant(grant("second")).await.unwrap();
    let (g1_id, g1_token) = (g1.grant_id.unwrap(), g1.grant_token.unwrap());
    let g2_id = g2.grant_id.unwrap();
    assert_ne!(g1_id, g2_id);
    assert!(!g1_token.is_empty());

    let listed = kms.list_grants(ListGrantsRequest { key_id: key.clone(), ..Default::default() }).await.unwrap();
    let grants = listed.grants.unwrap();
    assert_eq!(grants.len(), 2);
    let first = grants.iter().find(|g| g.grant_id.as_deref() == Some(g1_id.as_str())).unwrap();
    assert_eq!(first.name.as_deref(), Some("first"));
    assert_eq!(first.grantee_principal.as_deref(), Some(grantee.as_str()));
    assert_eq!(first.retiring_principal.as_deref(), Some(retiring.as_str()));
    assert_eq!(first.operations.as_deref(), Some(&[GrantOperation::Encrypt, GrantOperation::Decrypt][..]));
    assert_eq!(first.constraints.as_ref(), Some(&constraints));
    assert_eq!(listed.truncated, Some(false));

    let by_id = kms.list_grants(ListGrantsRequest { key_id: key.clone(), grant_id: Some(g2_id.clone()), ..Default::default() }).await.unwrap().grants.unwrap();
    assert_eq!(by_id.iter().map(|g| g.grant_id.clone().unwrap()).collect::<Vec<_>>(), vec![g2_id.clone()]);

    let retirable = kms.list_retirable_grants(ListRetirableGrantsRequest { retiring_principal: Some(retiring.clone()), ..Default::default() }).await.unwrap().grants.unwrap();
    assert_eq!(retirable.iter().filter_map(|g| g.grant_id.clone()).collect::<BTreeSet<_>>(), BTreeSet::from([g1_id.clone(), g2_id.clone()]));
    let paged = kms.paginate_list_retirable_grants(ListRetirableGrantsRequest { retiring_principal: Some(retiring.clone()), limit: Some(1), ..Default::default() }).collect_all().await.unwrap();
    assert_eq!(paged.len(), 2);

    // Retire by token, revoke by id.
    kms.retire_grant(RetireGrantRequest { grant_token: Some(g1_token), ..Default::default() }).await.unwrap();
    let left: Vec<String> = kms.paginate_list_grants(ListGrantsRequest { key_id: key.clone(), ..Default::default() }).collect_all().await.unwrap().into_iter().filter_map(|g| g.grant_id).collect();
    assert_eq!(left, vec![g2_id.clone()]);
    kms.revoke_grant(RevokeGrantRequest { key_id: key.clone(), grant_id: g2_id.clone(), ..Default::default() }).await.unwrap();
    assert!(kms.list_grants(ListGrantsRequest { key_id: key.clone(), ..Default::default() }).await.unwrap().grants.unwrap_or_default().is_empty());
    let err = kms.revoke_grant(RevokeGrantRequest { key_id: key.clone(), grant_id: g2_id, ..Default::default() }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
    // Retiring by key and grant id works too.
    let g3 = kms.create_grant(grant("third")).await.unwrap().grant_id.unwrap();
    kms.retire_grant(RetireGrantRequest { key_id: Some(key.clone()), grant_id: Some(g3), ..Default::default() }).await.unwrap();
    assert!(kms.list_retirable_grants(ListRetirableGrantsRequest { retiring_principal: Some(retiring), ..Default::default() }).await.unwrap().grants.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn tags_are_added_listed_and_removed() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let tag = |k: &str, v: &str| Tag { tag_key: k.into(), tag_value: v.into() };
    kms.tag_resource(TagResourceRequest { key_id: key.clone(), tags: vec![tag("team", "crypto"), tag("env", "prod"), tag("ünï", "cödé")] }).await.unwrap();
    let tags = |list: Vec<Tag>| list.into_iter().map(|t| (t.tag_key, t.tag_value)).collect::<BTreeMap<_, _>>();
    let listed = kms.list_resource_tags(ListResourceTagsRequest { key_id: key.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(tags(listed.tags.unwrap()), BTreeMap::from([("team".into(), "crypto".into()), ("env".into(), "prod".into()), ("ünï".into(), "cödé".into())]));
    assert_eq!(listed.truncated, Some(false));
    // Tagging again overwrites a value.
    kms.tag_resource(TagResourceRequest { key_id: key.clone(), tags: vec![tag("env", "staging")] }).await.unwrap();
    kms.untag_resource(UntagResourceRequest { key_id: key.clone(), tag_keys: vec!["team".into(), "ünï".into()] }).await.unwrap();
    let all = kms.paginate_list_resource_tags(ListResourceTagsRequest { key_id: key.clone(), limit: Some(1), ..Default::default() }).collect_all().await.unwrap();
    assert_eq!(tags(all), BTreeMap::from([("env".into(), "staging".into())]));
    let err = kms.tag_resource(TagResourceRequest { key_id: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000".into(), tags: vec![tag("a", "b")] }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
}

#[tokio::test]
async fn key_policies_get_put_and_list() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let policy = kms.get_key_policy(GetKeyPolicyRequest { key_id: key.clone(), policy_name: Some("default".into()) }).await.unwrap().policy.unwrap();
    let parsed: Value = serde_json::from_str(&policy).unwrap();
    assert!(parsed["Statement"].as_array().is_some_and(|s| !s.is_empty()), "{policy}");

    let new_policy = json!({
        "Version": "2012-10-17",
        "Id": format!("kms-wasm-{}", key_id_of(&key)),
        "Statement": [{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]
    })
    .to_string();
    kms.put_key_policy(PutKeyPolicyRequest { key_id: key.clone(), policy_name: Some("default".into()), policy: new_policy.clone(), ..Default::default() }).await.unwrap();
    let read = kms.get_key_policy(GetKeyPolicyRequest { key_id: key.clone(), policy_name: Some("default".into()) }).await.unwrap();
    assert_eq!(read.policy.as_deref(), Some(new_policy.as_str()));

    let names = kms.list_key_policies(ListKeyPoliciesRequest { key_id: key.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(names.policy_names.as_deref(), Some(&["default".to_string()][..]));
    assert_eq!(kms.paginate_list_key_policies(ListKeyPoliciesRequest { key_id: key.clone(), ..Default::default() }).collect_all().await.unwrap(), vec!["default".to_string()]);
    let err = kms.get_key_policy(GetKeyPolicyRequest { key_id: key, policy_name: Some("other".into()) }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
}

#[tokio::test]
async fn automatic_rotation_enable_status_disable() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let status = || kms.get_key_rotation_status(GetKeyRotationStatusRequest { key_id: key.clone() });
    assert_eq!(status().await.unwrap().key_rotation_enabled, Some(false));
    kms.enable_key_rotation(EnableKeyRotationRequest { key_id: key.clone(), rotation_period_in_days: Some(180) }).await.unwrap();
    assert_eq!(status().await.unwrap().key_rotation_enabled, Some(true));
    kms.disable_key_rotation(DisableKeyRotationRequest { key_id: key.clone() }).await.unwrap();
    assert_eq!(status().await.unwrap().key_rotation_enabled, Some(false));
}

#[tokio::test]
async fn rotate_on_demand_then_list_rotations_page_by_page() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    let before = kms_wasm::platform::now_millis() as f64 / 1000.0;
    for _ in 0..3 {
        let r = kms.rotate_key_on_demand(RotateKeyOnDemandRequest { key_id: key.clone() }).await.unwrap();
        assert_eq!(r.key_id.as_deref(), Some(key.as_str()));
    }
    let first = kms.list_key_rotations(ListKeyRotationsRequest { key_id: key.clone(), limit: Some(2), ..Default::default() }).await.unwrap();
    assert_eq!(first.rotations.as_ref().map(Vec::len), Some(2));
    assert_eq!(first.truncated, Some(true));
    assert!(first.next_marker.is_some());
    // moto pages this one for real: the paginator follows NextMarker.
    let mut pages = kms.paginate_list_key_rotations(ListKeyRotationsRequest { key_id: key.clone(), limit: Some(1), ..Default::default() });
    let mut rotations = Vec::new();
    while let Some(page) = pages.next_page().await {
        rotations.extend(page.unwrap().rotations.unwrap_or_default());
    }
    assert_eq!(pages.pages_fetched(), 3);
    assert_eq!(rotations.len(), 3);
    for r in &rotations {
        assert_eq!(r.rotation_type, Some(RotationType::OnDemand));
        let at = r.rotation_date.unwrap().0;
        assert!(at >= before - 5.0 && at <= before + 300.0, "rotation date {at} is now");
    }
    let mut items = kms.paginate_list_key_rotations(ListKeyRotationsRequest { key_id: key.clone(), limit: Some(2), ..Default::default() }).into_items();
    let mut n = 0;
    while let Some(item) = items.next_item().await {
        item.unwrap();
        n += 1;
    }
    assert_eq!(n, 3);
}

#[tokio::test]
async fn schedule_then_cancel_key_deletion() {
    let kms = common::client();
    let key = key_id_of(&common::new_symmetric_key(&kms).await);
    let now = kms_wasm::platform::now_millis() as f64 / 1000.0;
    let scheduled = kms.schedule_key_deletion(ScheduleKeyDeletionRequest { key_id: key.clone(), pending_window_in_days: Some(10) }).await.unwrap();
    assert_eq!(scheduled.key_id.as_deref(), Some(key.as_str()));
    let when = scheduled.deletion_date.unwrap().0;
    let ten_days = 10.0 * 86_400.0;
    assert!((when - now - ten_days).abs() < 600.0, "deletion in 10 days: {when} vs now {now}");
    let meta = describe(&kms, &key).await;
    assert_eq!(meta.key_state, Some(KeyState::PendingDeletion));
    assert!(meta.deletion_date.is_some());

    let cancelled = kms.cancel_key_deletion(CancelKeyDeletionRequest { key_id: key.clone() }).await.unwrap();
    assert_eq!(cancelled.key_id.as_deref(), Some(key.as_str()));
    let meta = describe(&kms, &key).await;
    assert_eq!(meta.key_state, Some(KeyState::Disabled), "a cancelled deletion leaves the key disabled");
    assert_eq!(meta.deletion_date, None);
    kms.enable_key(EnableKeyRequest { key_id: key.clone() }).await.unwrap();
    assert_eq!(describe(&kms, &key).await.key_state, Some(KeyState::Enabled));
    kms.disable_key(DisableKeyRequest { key_id: key.clone() }).await.unwrap();
    let meta = describe(&kms, &key).await;
    assert_eq!((meta.key_state, meta.enabled), (Some(KeyState::Disabled), Some(false)));
}

#[tokio::test]
async fn replicate_a_multi_region_key() {
    let kms = common::client();
    let primary = kms.create_key(CreateKeyRequest { multi_region: Some(true), description: Some("primary".into()), ..Default::default() }).await.unwrap().key_metadata.unwrap();
    assert!(primary.key_id.starts_with("mrk-"), "{}", primary.key_id);
    assert_eq!(primary.multi_region, Some(true));
    let replica = kms.replicate_key(ReplicateKeyRequest { key_id: primary.key_id.clone(), replica_region: "us-west-2".into(), ..Default::default() }).await.unwrap();
    let meta = replica.replica_key_metadata.unwrap();
    assert_eq!(meta.key_id, primary.key_id, "replicas share the key id");
    assert!(meta.arn.as_deref().unwrap().contains(":us-west-2:"), "{:?}", meta.arn);
    assert_eq!(meta.multi_region, Some(true));
    assert!(serde_json::from_str::<Value>(&replica.replica_policy.unwrap()).is_ok());
    let config = describe(&kms, &primary.key_id).await.multi_region_configuration.unwrap();
    assert_eq!(config.primary_key.and_then(|k| k.region).as_deref(), Some("us-east-1"));
    assert!(config.replica_keys.unwrap_or_default().iter().any(|k| k.region.as_deref() == Some("us-west-2")));
}

#[tokio::test]
async fn aliases_create_update_list_delete() {
    let kms = common::client();
    let k1 = describe(&kms, &common::new_symmetric_key(&kms).await).await;
    let k2 = describe(&kms, &common::new_symmetric_key(&kms).await).await;
    let alias = format!("alias/kms-wasm/api-{}", k1.key_id);
    kms.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: k1.key_id.clone() }).await.unwrap();
    assert_eq!(describe(&kms, &alias).await.key_id, k1.key_id);
    kms.update_alias(UpdateAliasRequest { alias_name: alias.clone(), target_key_id: k2.key_id.clone() }).await.unwrap();
    assert_eq!(describe(&kms, &alias).await.key_id, k2.key_id);
    let of_k2 = kms.list_aliases(ListAliasesRequest { key_id: Some(k2.key_id.clone()), ..Default::default() }).await.unwrap().aliases.unwrap();
    let entry = of_k2.iter().find(|a| a.alias_name.as_deref() == Some(alias.as_str())).expect("alias listed under its new key");
    assert_eq!(entry.target_key_id.as_deref(), Some(k2.key_id.as_str()));
    assert!(entry.alias_arn.as_deref().unwrap().ends_with(&alias));
    let all = kms.paginate_list_aliases(ListAliasesRequest { limit: Some(100), ..Default::default() }).collect_all().await.unwrap();
    assert!(all.iter().any(|a| a.alias_name.as_deref() == Some(alias.as_str())));
    // Encrypting through the alias uses the new target.
    let enc = kms.encrypt(EncryptRequest { key_id: alias.clone(), plaintext: b"via alias".to_vec().into(), ..Default::default() }).await.unwrap();
    assert_eq!(enc.key_id, k2.arn.clone());
    kms.delete_alias(DeleteAliasRequest { alias_name: alias.clone() }).await.unwrap();
    let err = kms.describe_key(DescribeKeyRequest { key_id: alias.clone(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
    let err = kms.delete_alias(DeleteAliasRequest { alias_name: alias }).await.unwrap_err();
    assert_eq!(err.name(), "NotFoundException");
}

#[tokio::test]
async fn update_key_description() {
    let kms = common::client();
    let key = common::new_symmetric_key(&kms).await;
    kms.update_key_description(UpdateKeyDescriptionRequest { key_id: key.clone(), description: "renamed – ✓".into() }).await.unwrap();
    assert_eq!(describe(&kms, &key).await.description.as_deref(), Some("renamed – ✓"));
}

#[tokio::test]
async fn symmetric_data_keys_and_re_encryption() {
    let kms = common::client();
    let (k1, k2) = (common::new_symmetric_key(&kms).await, common::new_symmetric_key(&kms).await);
    let ctx = Some(BTreeMap::from([("purpose".to_string(), "live".to_string())]));
    for (spec, len) in [(DataKeySpec::Aes256, 32), (DataKeySpec::Aes128, 16)] {
        let dk = kms.generate_data_key(GenerateDataKeyRequest { key_id: k1.clone(), key_spec: Some(spec.clone()), encryption_context: ctx.clone(), ..Default::default() }).await.unwrap();
        assert_eq!(dk.plaintext.as_ref().unwrap().len(), len);
        assert_eq!(dk.key_id.as_deref(), Some(k1.as_str()));
        let dec = kms.decrypt(DecryptRequest { ciphertext_blob: dk.ciphertext_blob.clone(), encryption_context: ctx.clone(), ..Default::default() }).await.unwrap();
        assert_eq!(dec.plaintext.unwrap().expose(), dk.plaintext.unwrap().expose());
        let without = kms.generate_data_key_without_plaintext(GenerateDataKeyWithoutPlaintextRequest { key_id: k1.clone(), key_spec: Some(spec), encryption_context: ctx.clone(), ..Default::default() }).await.unwrap();
        assert_eq!(without.key_id.as_deref(), Some(k1.as_str()));
        let blob = without.ciphertext_blob.unwrap();
        assert_eq!(kms.decrypt(DecryptRequest { ciphertext_blob: Some(blob.clone()), encryption_context: ctx.clone(), ..Default::default() }).await.unwrap().plaintext.unwrap().len(), len);
        let re = kms.re_encrypt(ReEncryptRequest { ciphertext_blob: Some(blob), source_encryption_context: ctx.clone(), destination_key_id: k2.clone(), ..Default::default() }).await.unwrap();
        assert_eq!((re.source_key_id.as_deref(), re.key_id.as_deref()), (Some(k1.as_str()), Some(k2.as_str())));
        let dec = kms.decrypt(DecryptRequest { ciphertext_blob: re.ciphertext_blob, ..Default::default() }).await.unwrap();
        assert_eq!((dec.plaintext.unwrap().len(), dec.key_id.as_deref()), (len, Some(k2.as_str())));
    }
    let enc = kms.encrypt(EncryptRequest { key_id: k1.clone(), plaintext: vec![7u8; 4096].into(), ..Default::default() }).await.unwrap();
    let dec = kms.decrypt(DecryptRequest { ciphertext_blob: enc.ciphertext_blob, key_id: Some(k1.clone()), ..Default::default() }).await.unwrap();
    assert_eq!(dec.plaintext.unwrap().expose(), &[7u8; 4096][..]);
    let random = kms.generate_random(GenerateRandomRequest { number_of_bytes: Some(64), ..Default::default() }).await.unwrap().plaintext.unwrap();
    assert_eq!(random.len(), 64);
    assert!(random.expose().iter().any(|b| *b != 0));
}

#[tokio::test]
async fn list_keys_and_aliases_with_the_paginators() {
    let kms = common::client();
    let key = describe(&kms, &common::new_symmetric_key(&kms).await).await;
    let alias = format!("alias/kms-wasm/list-{}", key.key_id);
    kms.create_alias(CreateAliasRequest { alias_name: alias.clone(), target_key_id: key.key_id.clone() }).await.unwrap();

    let mut pages = kms.paginate_list_keys(ListKeysRequest { limit: Some(10), ..Default::default() });
    let mut keys = Vec::new();
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        keys.extend(page.keys.unwrap_or_default());
    }
    assert_eq!(pages.pages_fetched(), 1, "moto answers with one page (NextMarker null, Truncated false)");
    let found = keys.iter().find(|k| k.key_id.as_deref() == Some(key.key_id.as_str())).expect("the new key is listed");
    assert_eq!(found.key_arn, key.arn);
    let collected = kms.paginate_list_keys(ListKeysRequest::default()).collect_all().await.unwrap();
    assert!(collected.iter().any(|k| k.key_id.as_deref() == Some(key.key_id.as_str())));

    let aliases = kms.paginate_list_aliases(ListAliasesRequest { key_id: Some(key.key_id.clone()), ..Default::default() }).collect_all().await.unwrap();
    assert_eq!(aliases.iter().filter_map(|a| a.alias_name.clone()).collect::<Vec<_>>(), vec![alias.clone()]);
    assert_eq!(aliases[0].target_key_id.as_deref(), Some(key.key_id.as_str()));
}

#[tokio::test]
async fn errors_from_the_local_kms_are_typed() {
    let kms = common::client();
    let missing = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let err = kms.get_key_rotation_status(GetKeyRotationStatusRequest { key_id: missing.into() }).await.unwrap_err();
    assert_eq!((err.kind(), err.name(), err.http_status(), err.attempts()), (ErrorKind::Service, "NotFoundException", Some(400), 1));
    let err = kms.list_grants(ListGrantsRequest { key_id: "alias/kms-wasm/none".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
}

/// The live tests above must call every operation moto implements: the
/// list comes from the installed moto, the calls from this file's source.
#[test]
fn moto_implements_what_this_file_tests() {
    let code = r#"
import inspect, json, re
from moto.kms.responses import KmsResponse
names = [n for n, f in inspect.getmembers(KmsResponse, inspect.isfunction) if not n.startswith("_") and f.__qualname__.startswith("KmsResponse.")]
print(json.dumps(sorted("".join(p.capitalize() for p in n.split("_")) for n in names)))
"#;
    let moto: BTreeSet<String> = serde_json::from_str(&common::python(code, &[])).unwrap();
    let ours: BTreeSet<String> = ops::ALL.iter().map(|s| s.to_string()).collect();
    let moto: BTreeSet<String> = moto.into_iter().filter(|n| ours.contains(n)).collect();
    assert_eq!(moto.len(), 40, "moto 5.2.5 implements 40 KMS operations: {moto:?}");
    let source = std::fs::read_to_string(common::root().join("tests/kms_api_live.rs")).unwrap();
    let live_part = &source[..source.find("fn moto_implements_what_this_file_tests").unwrap()];
    let missing: Vec<&String> = moto.iter().filter(|op| !calls(live_part, op)).collect();
    assert!(missing.is_empty(), "operations moto implements but no live test calls: {missing:?}");
}

fn snake(op: &str) -> String {
    let mut s = String::new();
    for (i, c) in op.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

fn calls(source: &str, op: &str) -> bool {
    let m = snake(op);
    source.contains(&format!(".{m}(")) || source.contains(&format!(".paginate_{m}("))
}

// ---------------------------------------------------------------------------
// Paginators over three fake pages (moto does not page these operations).
// ---------------------------------------------------------------------------

/// Serves page `n` for `Marker` "m{n}" (page 0 without a marker), recording each request body.
/// Panics past [`MAX_FAKE_REQUESTS`] requests.
struct Pages {
    pages: Vec<Value>,
    seen: Mutex<Vec<Value>>,
    fail_on: Option<usize>,
}

impl HttpClient for Pages {
    fn send(&self, request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let index = match body.get("Marker").and_then(Value::as_str) {
            None => 0,
            Some(m) => m.trim_start_matches('m').parse::<usize>().unwrap(),
        };
        let requests = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(body);
            seen.len()
        };
        // A paginator going round in circles fails here instead of hanging the test (the answers
        // are ready at once, so no timeout could interrupt it).
        assert!(requests <= MAX_FAKE_REQUESTS, "{requests} requests to a fake of {} pages: the paginator does not stop", self.pages.len());
        let answer = if Some(index) == self.fail_on {
            HttpResponse { status: 400, headers: vec![], body: br#"{"__type":"InvalidMarkerException","message":"bad marker"}"#.to_vec() }
        } else {
            HttpResponse { status: 200, headers: vec![], body: self.pages[index].to_string().into_bytes() }
        };
        Box::pin(async move { Ok(answer) })
    }
}

/// More requests than any listing over these fakes needs.
const MAX_FAKE_REQUESTS: usize = 20;

fn fake(pages: Vec<Value>, fail_on: Option<usize>) -> (KmsClient, Arc<Pages>) {
    let http = Arc::new(Pages { pages, seen: Mutex::new(Vec::new()), fail_on });
    let config = Config::builder().region("us-east-1").endpoint("https://kms.us-east-1.amazonaws.com").credentials(Credentials::new("AKIDPAGES", "pages-secret", None)).max_attempts(1).build().unwrap();
    (KmsClient::with_http_client(config, http.clone()), http)
}

/// Three pages of one item each, linked as the real KMS links them.
fn three_pages(member: &str, item: impl Fn(usize) -> Value) -> Vec<Value> {
    (0..3)
        .map(|i| {
            let mut page = json!({ member: [item(i)], "Truncated": i < 2 });
            if i < 2 {
                page["NextMarker"] = json!(format!("m{}", i + 1));
            }
            page
        })
        .collect()
}

async fn check_three_pages<O: Paginated>(member: &str, item: impl Fn(usize) -> Value, input: O::Input, start: impl Fn(&KmsClient, O::Input) -> kms_wasm::kms::paginate::Paginator<O>)
where
    O::Input: Clone,
    O::Item: serde::Serialize + std::fmt::Debug,
    O::Output: std::fmt::Debug,
{
    let pages = three_pages(member, &item);
    let (client, http) = fake(pages, None);
    let items = start(&client, input.clone()).collect_all().await.unwrap();
    let expected: Vec<Value> = (0..3).map(&item).collect();
    let got: Vec<Value> = items.iter().map(|i| serde_json::to_value(i).unwrap()).collect();
    for (g, e) in got.iter().zip(&expected) {
        for (k, v) in e.as_object().map(|o| o.iter().collect::<Vec<_>>()).unwrap_or_default() {
            let same = match (&g[k], v) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (a, b) => a == b,
            };
            assert!(same, "{}: item member {k}: {} vs {v}", O::NAME, g[k]);
        }
        if !e.is_object() {
            assert_eq!(g, e, "{}", O::NAME);
        }
    }
    assert_eq!(got.len(), 3, "{}", O::NAME);
    let seen = http.seen.lock().unwrap().clone();
    let markers: Vec<Option<&str>> = seen.iter().map(|b| b.get("Marker").and_then(Value::as_str)).collect();
    assert_eq!(markers, vec![None, Some("m1"), Some("m2")], "{}", O::NAME);
    // Every page request keeps the caller's other members.
    let first = serde_json::to_value(&input).unwrap();
    for body in &seen {
        for (k, v) in first.as_object().unwrap() {
            if k != "Marker" {
                assert_eq!(&body[k], v, "{}: {k} kept on every page", O::NAME);
            }
        }
    }

    // The same listing, page by page, then item by item.
    let (client, _) = fake(three_pages(member, &item), None);
    let mut pager = start(&client, input.clone());
    let mut n = 0;
    while let Some(page) = pager.next_page().await {
        assert_eq!(O::items(page.unwrap()).len(), 1);
        n += 1;
    }
    assert_eq!((n, pager.pages_fetched()), (3, 3));
    assert!(pager.next_page().await.is_none(), "{}: stays finished", O::NAME);
    let (client, _) = fake(three_pages(member, &item), None);
    let mut items = start(&client, input.clone()).into_items();
    let mut n = 0;
    while let Some(item) = items.next_item().await {
        item.unwrap();
        n += 1;
    }
    assert_eq!(n, 3);

    // An error on the second page ends the listing with that error.
    let (client, _) = fake(three_pages(member, &item), Some(1));
    let err = start(&client, input.clone()).collect_all().await.unwrap_err();
    assert_eq!(err.name(), "InvalidMarkerException");
    let (client, _) = fake(three_pages(member, &item), Some(1));
    let mut pager = start(&client, input);
    assert!(pager.next_page().await.unwrap().is_ok());
    assert!(pager.next_page().await.unwrap().is_err());
    assert!(pager.next_page().await.is_none());
}

#[tokio::test]
async fn fake_three_pages_for_every_paginator() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_string();
    check_three_pages::<ops::ListKeys>("Keys", |i| json!({"KeyId": format!("k{i}"), "KeyArn": format!("arn:k{i}")}), ListKeysRequest { limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_keys(i)).await;
    check_three_pages::<ops::ListAliases>("Aliases", |i| json!({"AliasName": format!("alias/a{i}"), "TargetKeyId": "t"}), ListAliasesRequest { key_id: Some(key.clone()), limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_aliases(i)).await;
    check_three_pages::<ops::ListGrants>("Grants", |i| json!({"GrantId": format!("g{i}"), "Operations": ["Decrypt"]}), ListGrantsRequest { key_id: key.clone(), limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_grants(i)).await;
    check_three_pages::<ops::ListKeyPolicies>("PolicyNames", |i| json!(format!("policy-{i}")), ListKeyPoliciesRequest { key_id: key.clone(), limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_key_policies(i)).await;
    check_three_pages::<ops::ListResourceTags>("Tags", |i| json!({"TagKey": format!("t{i}"), "TagValue": "v"}), ListResourceTagsRequest { key_id: key.clone(), limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_resource_tags(i)).await;
    check_three_pages::<ops::ListRetirableGrants>("Grants", |i| json!({"GrantId": format!("r{i}")}), ListRetirableGrantsRequest { retiring_principal: Some("arn:aws:iam::1:role/r".into()), limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_retirable_grants(i))
        .await;
    check_three_pages::<ops::ListKeyRotations>("Rotations", |i| json!({"KeyId": format!("k{i}"), "RotationType": "AUTOMATIC", "RotationDate": 1_700_000_000 + i}), ListKeyRotationsRequest { key_id: key, limit: Some(1), ..Default::default() }, |c, i| c.paginate_list_key_rotations(i))
        .await;
    check_three_pages::<ops::DescribeCustomKeyStores>("CustomKeyStores", |i| json!({"CustomKeyStoreId": format!("cks-{i}"), "CreationDate": 1_700_000_000 + i}), DescribeCustomKeyStoresRequest { limit: Some(1), ..Default::default() }, |c, i| c.paginate_describe_custom_key_stores(i)).await;
}

#[tokio::test]
async fn fake_pages_stop_on_a_repeated_marker_or_truncated_false() {
    // A server that repeats the marker it was given would loop forever.
    let looping = vec![json!({"Keys": [{"KeyId": "a"}], "NextMarker": "m1", "Truncated": true}), json!({"Keys": [{"KeyId": "b"}], "NextMarker": "m1", "Truncated": true})];
    let (client, http) = fake(looping, None);
    let keys = client.paginate_list_keys(ListKeysRequest::default()).collect_all().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(http.seen.lock().unwrap().len(), 2);
    // Nor would one that goes round a circle of markers (m1 → m2 → m1).
    let mut circle = three_pages("Keys", |i| json!({"KeyId": format!("k{i}")}));
    circle[2] = json!({"Keys": [{"KeyId": "k2"}], "NextMarker": "m1", "Truncated": true});
    let (client, http) = fake(circle, None);
    let mut pager = client.paginate_list_keys(ListKeysRequest::default());
    let mut pages = 0;
    while pages < 10 && pager.next_page().await.is_some() {
        pages += 1;
    }
    assert_eq!((pages, http.seen.lock().unwrap().len()), (3, 3));
    // Truncated: false ends the listing even with a marker present.
    let done = vec![json!({"Keys": [{"KeyId": "a"}], "NextMarker": "m1", "Truncated": false})];
    let (client, http) = fake(done, None);
    assert_eq!(client.paginate_list_keys(ListKeysRequest::default()).collect_all().await.unwrap().len(), 1);
    assert_eq!(http.seen.lock().unwrap().len(), 1);
    // A starting Marker is where the listing starts.
    let (client, http) = fake(three_pages("Keys", |i| json!({"KeyId": format!("k{i}")})), None);
    let rest = client.paginate_list_keys(ListKeysRequest { marker: Some("m2".into()), ..Default::default() }).collect_all().await.unwrap();
    assert_eq!(rest.iter().map(|k| k.key_id.clone().unwrap()).collect::<Vec<_>>(), vec!["k2".to_string()]);
    assert_eq!(http.seen.lock().unwrap().len(), 1);
}
