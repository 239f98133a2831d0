//! Wire tests: what our client puts on the wire, compared with botocore (the
//! venv's, computed by `tests/py/kms_oracle.py` while the test runs).
//!
//! * every one of the 56 operations: for a representative input built from
//!   botocore's model, the JSON body our typed client sends equals (as parsed
//!   JSON) what botocore serializes, with the same `X-Amz-Target` and content type;
//! * SigV4: our `Authorization` header for fixed requests at a fixed time
//!   equals botocore's `SigV4Auth`;
//! * the generated model is up to date with botocore's model;
//! * the default endpoint of every region of every partition, with and without FIPS and
//!   dual-stack, is the one KMS's endpoint rules give (botocore's `EndpointProvider`).

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kms_wasm::kms::{ops, KmsClient, Operation};
use kms_wasm::platform::BoxFuture;
use kms_wasm::signing::{sign_request, SignableKmsRequest};
use kms_wasm::transport::{HttpClient, HttpRequest, HttpResponse};
use kms_wasm::credentials::{CognitoIdentityProvider, WebIdentityProvider};
use kms_wasm::{Config, Credentials, SecretString};
use serde_json::{json, Value};

/// Records every request and answers `200` with `answer` (`{}` unless set).
#[derive(Default)]
struct Recorder {
    requests: Mutex<Vec<HttpRequest>>,
    answer: Mutex<Option<Vec<u8>>>,
}

impl HttpClient for Recorder {
    fn send(&self, request: HttpRequest, _timeout_ms: u64) -> BoxFuture<'_, kms_wasm::Result<HttpResponse>> {
        self.requests.lock().unwrap().push(request);
        let body = self.answer.lock().unwrap().clone().unwrap_or_else(|| b"{}".to_vec());
        Box::pin(async { Ok(HttpResponse { status: 200, headers: vec![("x-amzn-requestid".into(), "wire-test".into())], body }) })
    }
}

fn recording_client() -> (KmsClient, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let config = Config::builder().region("us-east-1").endpoint("https://kms.us-east-1.amazonaws.com").credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None)).build().unwrap();
    (KmsClient::with_http_client(config, rec.clone()), rec)
}

fn oracle(args: &[&str], stdin: Option<&str>) -> Value {
    use std::io::Write;
    let mut child = std::process::Command::new(common::venv_python())
        .arg(common::root().join("tests/py/kms_oracle.py"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("venv python runs (pkg-scripts/setup)");
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "kms_oracle.py {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The abstract input of the oracle (`{"$blob": b64}`, `{"$ts": secs}`) as
/// the wire JSON our typed structs deserialize from.
fn to_wire(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("$blob") => m["$blob"].clone(),
        Value::Object(m) if m.len() == 1 && m.contains_key("$ts") => m["$ts"].clone(),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), to_wire(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(to_wire).collect()),
        other => other.clone(),
    }
}

/// JSON equality with numbers compared by value (`1893553445` == `1893553445.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w))),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w)),
        _ => a == b,
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Builds the typed input of `O` from wire JSON, sends it through the typed
/// client and returns the typed output, serialized back to wire JSON.
async fn send_typed<O: Operation>(client: &KmsClient, input: &Value) -> kms_wasm::Result<Value>
where
    O::Input: serde::de::DeserializeOwned,
    O::Output: serde::Serialize,
{
    let typed: O::Input = serde_json::from_value(input.clone()).unwrap_or_else(|e| panic!("{}: the typed input does not take {input}: {e}", O::NAME));
    let output = client.send::<O>(&typed).await?;
    Ok(serde_json::to_value(&output).unwrap())
}

macro_rules! dispatch {
    ($name:expr, $client:expr, $input:expr; $($op:ident),* $(,)?) => {{
        const LISTED: &[&str] = &[$(stringify!($op)),*];
        match $name {
            $(stringify!($op) => send_typed::<ops::$op>($client, $input).await,)*
            other => panic!("operation {other} is not in the dispatch list {LISTED:?}"),
        }
    }};
}

async fn send_any(client: &KmsClient, op: &str, input: &Value) -> kms_wasm::Result<Value> {
    dispatch!(op, client, input;
        CancelKeyDeletion, ConnectCustomKeyStore, CreateAlias, CreateCustomKeyStore, CreateGrant, CreateKey, Decapsulate, Decrypt,
        DeleteAlias, DeleteCustomKeyStore, DeleteImportedKeyMaterial, DeriveSharedSecret, DescribeCustomKeyStores, DescribeKey,
        DisableKey, DisableKeyRotation, DisconnectCustomKeyStore, EnableKey, EnableKeyRotation, Encapsulate, Encrypt,
        GenerateDataKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateDataKeyWithoutPlaintext, GenerateMac,
        GenerateRandom, GetKeyLastUsage, GetKeyPolicy, GetKeyRotationStatus, GetParametersForImport, GetPublicKey,
        ImportKeyMaterial, ListAliases, ListGrants, ListKeyPolicies, ListKeyRotations, ListKeys, ListResourceTags,
        ListRetirableGrants, PutKeyPolicy, ReEncrypt, ReplicateKey, RetireGrant, RevokeGrant, RotateKeyOnDemand,
        ScheduleKeyDeletion, Sign, TagResource, UntagResource, UpdateAlias, UpdateCustomKeyStore, UpdateKeyDescription,
        UpdatePrimaryRegion, Verify, VerifyMac,
    )
}

#[test]
fn operations_are_exactly_botocores() {
    let botocore: BTreeSet<String> = serde_json::from_value(oracle(&["ops"], None)).unwrap();
    let ours: BTreeSet<String> = ops::ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(ours, botocore);
    assert_eq!(ours.len(), 56);
}

#[tokio::test]
async fn every_operation_sends_what_botocore_sends() {
    let cases = oracle(&["wire"], None);
    let cases = cases.as_array().unwrap();
    let covered: BTreeSet<&str> = cases.iter().map(|c| c["operation"].as_str().unwrap()).collect();
    assert_eq!(covered, ops::ALL.iter().copied().collect::<BTreeSet<_>>(), "a wire case for every operation");
    let (client, rec) = recording_client();
    let mut failures = Vec::new();
    let mut sent = 0;
    for case in cases {
        let op = case["operation"].as_str().unwrap();
        let input = to_wire(&case["input"]);
        if let Err(e) = send_any(&client, op, &input).await {
            failures.push(format!("{op}: our client refused the input: {e}"));
            continue;
        }
        sent += 1;
        let requests = rec.requests.lock().unwrap();
        assert_eq!(requests.len(), sent, "{op}: exactly one request");
        let req = requests.last().unwrap();
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        if !same_json(&body, &case["body"]) {
            failures.push(format!("{op}: body differs\n  ours:     {body}\n  botocore: {}", case["body"]));
        }
        if header(req, "x-amz-target") != case["target"].as_str() {
            failures.push(format!("{op}: X-Amz-Target {:?} vs botocore {}", header(req, "x-amz-target"), case["target"]));
        }
        assert_eq!(case["target"].as_str(), Some(format!("TrentService.{op}").as_str()));
        if header(req, "content-type") != case["content_type"].as_str() {
            failures.push(format!("{op}: Content-Type {:?} vs botocore {}", header(req, "content-type"), case["content_type"]));
        }
    }
    assert!(failures.is_empty(), "{} wire mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn every_operation_parses_answers_as_botocore_does() {
    // For each operation with an output: an answer filling every member
    // (fractional timestamps, known enum values, then values this version
    // does not know), parsed by our typed client and by botocore's parser.
    let requests = oracle(&["wire"], None);
    let answers = oracle(&["answers"], None);
    let answers = answers.as_array().unwrap();
    let with_output: BTreeSet<&str> = answers.iter().map(|a| a["operation"].as_str().unwrap()).collect();
    assert!(with_output.len() >= 40, "{with_output:?}");
    let (client, rec) = recording_client();
    let mut failures = Vec::new();
    for answer in answers {
        let op = answer["operation"].as_str().unwrap();
        let input = requests.as_array().unwrap().iter().find(|c| c["operation"] == op).map(|c| to_wire(&c["input"])).unwrap();
        *rec.answer.lock().unwrap() = Some(answer["body"].as_str().unwrap().as_bytes().to_vec());
        match send_any(&client, op, &input).await {
            Err(e) => failures.push(format!("{op} ({}): our client refused the answer: {e}", answer["enums"])),
            Ok(ours) => {
                let expected = to_wire(&answer["parsed"]);
                if !same_json(&ours, &expected) {
                    failures.push(format!("{op} ({}): parsed answers differ\n  ours:     {ours}\n  botocore: {expected}", answer["enums"]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} answer mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn typed_methods_put_the_same_members_on_the_wire() {
    // The named methods (`client.encrypt(..)`) go through the same path as
    // `send::<O>`; spot-check two with hand-built inputs against botocore.
    use kms_wasm::kms::*;
    let (client, rec) = recording_client();
    client
        .encrypt(EncryptRequest { key_id: "alias/a".into(), plaintext: b"\x00\xffhi".to_vec().into(), encryption_context: Some([("k".to_string(), "välue".to_string())].into()), ..Default::default() })
        .await
        .unwrap();
    client.schedule_key_deletion(ScheduleKeyDeletionRequest { key_id: "k-1".into(), pending_window_in_days: Some(9) }).await.unwrap();
    let py = r#"
import json, sys, botocore.session, botocore.serialize
m = botocore.session.get_session().get_service_model("kms")
s = botocore.serialize.create_serializer("json")
out = [json.loads(s.serialize_to_request(p, m.operation_model(o))["body"]) for o, p in [
  ("Encrypt", {"KeyId": "alias/a", "Plaintext": b"\x00\xffhi", "EncryptionContext": {"k": "välue"}}),
  ("ScheduleKeyDeletion", {"KeyId": "k-1", "PendingWindowInDays": 9})]]
print(json.dumps(out))
"#;
    let expected: Vec<Value> = serde_json::from_str(&common::python(py, &[])).unwrap();
    let sent: Vec<Value> = rec.requests.lock().unwrap().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert_eq!(sent, expected);
}

struct SigCase {
    url: &'static str,
    region: &'static str,
    target: &'static str,
    body: Vec<u8>,
    token: Option<&'static str>,
    time_millis: i64,
}

#[test]
fn sigv4_authorization_matches_botocore() {
    let key_id = "AKIDEXAMPLE";
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let non_ascii = serde_json::to_vec(&json!({"KeyId": "alias/ünïcode", "Plaintext": "aGk=", "EncryptionContext": {"tenant": "Zürich ✓", "名前": "値"}})).unwrap();
    let cases = [
        SigCase { url: "https://kms.us-east-1.amazonaws.com/", region: "us-east-1", target: "TrentService.ListKeys", body: b"{}".to_vec(), token: None, time_millis: 1_767_225_600_000 },
        SigCase {
            url: "https://kms.eu-west-1.amazonaws.com/",
            region: "eu-west-1",
            target: "TrentService.Encrypt",
            body: br#"{"KeyId":"alias/app","Plaintext":"AAEC"}"#.to_vec(),
            token: Some("IQoJb3JpZ2luX2VjEJr//////////session+token/with=chars"),
            time_millis: 1_700_000_123_456,
        },
        SigCase { url: "http://127.0.0.1:4566/", region: "ap-southeast-2", target: "TrentService.Encrypt", body: non_ascii, token: None, time_millis: 1_600_000_000_999 },
    ];
    let mut ours = Vec::new();
    let mut input = Vec::new();
    for c in &cases {
        let creds = Credentials::new(key_id, secret, c.token.map(str::to_owned));
        let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", c.target)];
        let signed = sign_request(&SignableKmsRequest { url: c.url, headers: &headers, body: &c.body }, &creds, c.region, c.time_millis).unwrap();
        ours.push(signed);
        input.push(json!({
            "url": c.url, "region": c.region, "time_millis": c.time_millis,
            "headers": {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": c.target},
            "body_b64": STANDARD.encode(&c.body),
            "access_key_id": key_id, "secret_access_key": secret, "session_token": c.token,
        }));
    }
    let botocore = oracle(&["sigv4"], Some(&Value::Array(input).to_string()));
    for (i, (signed, expected)) in ours.iter().zip(botocore.as_array().unwrap()).enumerate() {
        let get = |name: &str| signed.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        assert_eq!(get("authorization"), expected["authorization"].as_str(), "case {i}: Authorization");
        assert_eq!(get("x-amz-date"), expected["x-amz-date"].as_str(), "case {i}: X-Amz-Date");
        assert_eq!(get("x-amz-security-token"), expected.get("x-amz-security-token").and_then(Value::as_str), "case {i}: X-Amz-Security-Token");
        assert!(get("authorization").unwrap().starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), "case {i}");
    }
}

#[tokio::test]
async fn the_client_signs_every_header_it_sends() {
    // sigv4_authorization_matches_botocore signs headers of its own; this is what the transport
    // puts on the wire. An unsigned X-Amz-Target could be changed in flight (Encrypt made into
    // something else) without breaking the signature. botocore signs the same set for these
    // headers (all but hop-by-hop, User-Agent and tracing ones), the session token included.
    for (token, expected) in [(None, "content-type;host;x-amz-date;x-amz-target"), (Some("session-token"), "content-type;host;x-amz-date;x-amz-security-token;x-amz-target")] {
        let rec = Arc::new(Recorder::default());
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", token.map(str::to_owned));
        let config = Config::builder().region("eu-west-1").endpoint("https://kms.eu-west-1.amazonaws.com").credentials(credentials).build().unwrap();
        KmsClient::with_http_client(config, rec.clone()).list_keys(Default::default()).await.unwrap();
        let requests = rec.requests.lock().unwrap();
        let authorization = header(&requests[0], "authorization").unwrap();
        let signed = authorization.split(", ").find_map(|p| p.strip_prefix("SignedHeaders=")).unwrap_or_else(|| panic!("{authorization}"));
        assert_eq!(signed, expected, "{token:?}");
        // Nothing sent goes unsigned (Host is added by the HTTP client).
        let mut sent: Vec<String> = requests[0].headers.iter().map(|(k, _)| k.to_ascii_lowercase()).filter(|k| k != "authorization").chain(["host".to_owned()]).collect();
        sent.sort();
        assert_eq!(sent.join(";"), signed, "{token:?}");
    }
}

#[test]
fn endpoints_follow_kms_endpoint_rules_in_every_partition() {
    let cases = oracle(&["endpoints"], None);
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 8 * 4, "one region per partition at least");
    for case in cases {
        let region = case["region"].as_str().unwrap();
        let (fips, dual_stack) = (case["fips"].as_bool().unwrap(), case["dual_stack"].as_bool().unwrap());
        let config = Config::builder().region(region).use_fips_endpoint(fips).use_dual_stack_endpoint(dual_stack).build().unwrap();
        assert_eq!(config.endpoint().url().trim_end_matches('/'), case["url"].as_str().unwrap(), "{case}");
        assert_eq!(config.region(), region, "requests are signed for the region itself");
    }
}

#[test]
fn credential_providers_reach_sts_and_cognito_as_their_endpoint_rules_say_with_and_without_fips() {
    let role = "arn:aws:iam::123456789012:role/r";
    for (service, cases) in [("sts", oracle(&["endpoints", "sts"], None)), ("cognito-identity", oracle(&["endpoints", "cognito-identity"], None))] {
        let cases: Vec<_> = cases.as_array().unwrap().iter().filter(|c| !c["dual_stack"].as_bool().unwrap()).cloned().collect();
        assert!(cases.len() >= 8 * 2, "{service}: one region per partition at least");
        for case in &cases {
            let (region, fips) = (case["region"].as_str().unwrap(), case["fips"].as_bool().unwrap());
            let url = match service {
                "sts" => WebIdentityProvider::new(region, role, "session", SecretString::new("token")).unwrap().use_fips_endpoint(fips).endpoint_url().to_owned(),
                _ => CognitoIdentityProvider::new(format!("{region}:4f5c1a2b-0000-4000-8000-000000000000")).unwrap().use_fips_endpoint(fips).endpoint_url().to_owned(),
            };
            assert_eq!(url.trim_end_matches('/'), case["url"].as_str().unwrap(), "{service}: {case}");
        }
    }
}

#[test]
fn generated_model_is_up_to_date() {
    let out = std::process::Command::new(common::venv_python()).arg(common::root().join("pkg-scripts/gen-kms-model")).arg("--check").output().expect("venv python runs");
    assert!(out.status.success(), "pkg-scripts/gen-kms-model --check: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn operations_table_is_up_to_date() {
    let out = std::process::Command::new(common::venv_python()).arg(common::root().join("tests/py/operations_table.py")).arg("--check").output().expect("venv python runs");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
