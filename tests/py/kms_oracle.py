"""botocore as the oracle of the KMS wire tests (run with the venv's python).

  kms_oracle.py wire    one representative input per case, and what botocore sends for it
  kms_oracle.py answers one representative answer per operation, and what botocore parses from it
  kms_oracle.py sigv4   reads signing cases (JSON) on stdin, prints botocore's SigV4 headers
  kms_oracle.py ops     the model's operation names, sorted
  kms_oracle.py endpoints  KMS's endpoint for each region of each partition (and one made-up
                        region per partition), with and without FIPS and dual-stack

Inputs are built from botocore's model: every top-level member is filled
(nested structures too), with a few overrides so the input also passes the
client's own validation. In the JSON printed for the Rust side, blobs are
{"$blob": "<base64>"} and timestamps {"$ts": <epoch seconds>}, so Rust builds
its typed input from the abstract value, not from botocore's serialization.
"""
import base64, datetime, json, sys

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.parsers
import botocore.serialize
import botocore.session

MODEL = botocore.session.get_session().get_service_model("kms")

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
STRINGS = {
    "KeyId": KEY_ARN,
    "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "DestinationKeyId": "alias/wire-destination",
    "SourceKeyId": KEY_ARN,
    "AliasName": "alias/wire_test-1",
    "Policy": '{"Version":"2012-10-17","Statement":[]}',
    "ReplicaRegion": "eu-west-1",
    "PrimaryRegion": "eu-west-1",
}
INTEGERS = {"PendingWindowInDays": 7, "RotationPeriodInDays": 365, "NumberOfBytes": 64, "Limit": 50}
TIME = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

# (operation, members to drop, member overrides): the first case of each
# operation fills every member; extra cases cover alternatives the first
# one cannot hold at once.
CASES_EXTRA = [
    ("CreateKey", ["KeySpec", "KeyUsage"], {}),
    ("CreateKey", ["CustomerMasterKeySpec"], {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    ("GenerateDataKey", ["KeySpec"], {}),
    ("GenerateDataKeyWithoutPlaintext", ["KeySpec"], {}),
]
FIRST_CASE = {
    "CreateKey": (["CustomerMasterKeySpec"], {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}),
    "GenerateDataKey": (["NumberOfBytes"], {}),
    "GenerateDataKeyWithoutPlaintext": (["NumberOfBytes"], {}),
}


# How output enums are filled: "last" known value, or an "unknown" value
# (a value AWS might add tomorrow, which the typed API must keep).
ENUMS = "first"
FUTURE_ENUM = "FUTURE_VALUE_2030"
# Timestamps in answers carry a fraction, as KMS sends them.
ANSWER_TIME = 1893553445.125


def value(shape, name, depth=0):
    t = shape.type_name
    if t == "string":
        if shape.enum and ENUMS == "unknown":
            return FUTURE_ENUM
        if shape.enum and ENUMS == "last":
            return shape.enum[-1]
        if shape.enum:
            return shape.enum[-1] if name in ("KeyAgreementAlgorithm",) else shape.enum[0]
        text = STRINGS.get(name, f"{name}-välue ✓")
        return text.ljust(int(shape.metadata.get("min", 0)), "x")
    if t == "blob":
        return bytes([0, 1, 2, 0xFE, 0xFF]) + name.encode()
    if t == "boolean":
        return True
    if t in ("integer", "long"):
        if name in INTEGERS:
            return INTEGERS[name]
        return int(shape.metadata.get("min", 1))
    if t == "timestamp":
        return TIME
    if t == "list":
        item = shape.member
        if item.type_name == "string" and item.enum:
            return [FUTURE_ENUM, item.enum[0]] if ENUMS == "unknown" else item.enum[:2]
        if item.type_name == "string":
            return [value(item, name, depth + 1), value(item, name, depth + 1) + "-2"]
        return [value(item, name, depth + 1)]
    if t == "map":
        if shape.key.type_name == "string" and shape.value.type_name == "string":
            return {"purpose": "wire", "ünïcode": "välue ✓"}
        return {"k": value(shape.value, name, depth + 1)}
    if t == "structure":
        if depth > 4:
            return {}
        return {m: value(s, m, depth + 1) for m, s in shape.members.items()}
    raise ValueError(t)


def representative(op, drops=(), overrides=None):
    shape = MODEL.operation_model(op).input_shape
    params = {m: value(s, m) for m, s in shape.members.items() if m not in drops}
    params.update(overrides or {})
    return params


def abstract(v):
    if isinstance(v, bytes):
        return {"$blob": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        return {"$ts": v.timestamp()}
    if isinstance(v, dict):
        return {k: abstract(x) for k, x in v.items()}
    if isinstance(v, list):
        return [abstract(x) for x in v]
    return v


def wire_cases():
    """One or more representative cases per operation, with botocore's serialization."""
    serializer = botocore.serialize.create_serializer("json", include_validation=True)
    cases = []
    for op in sorted(MODEL.operation_names):
        drops, overrides = FIRST_CASE.get(op, ((), {}))
        cases.append((op, drops, overrides))
        cases += [c for c in CASES_EXTRA if c[0] == op]
    out = []
    for op, drops, overrides in cases:
        params = representative(op, drops, overrides)
        req = serializer.serialize_to_request(params, MODEL.operation_model(op))
        body = req["body"]
        out.append({
            "operation": op,
            "input": abstract(params),
            "body": json.loads(body) if body else {},
            "target": req["headers"].get("X-Amz-Target"),
            "content_type": req["headers"].get("Content-Type"),
        })
    return out


def wire():
    json.dump(wire_cases(), sys.stdout, ensure_ascii=False)


def wire_json(v):
    """An abstract value as KMS puts it on the wire (blobs base64, timestamps epoch seconds)."""
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, datetime.datetime):
        return ANSWER_TIME
    if isinstance(v, dict):
        return {k: wire_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [wire_json(x) for x in v]
    return v


def answer_cases():
    """For every operation with an output: an answer filling every member (known
    enum values, then unknown ones), and what botocore's parser makes of it."""
    global ENUMS
    parser = botocore.parsers.create_parser("json")
    out = []
    for op in sorted(MODEL.operation_names):
        shape = MODEL.operation_model(op).output_shape
        if shape is None:
            continue
        for mode in ("last", "unknown"):
            ENUMS = mode
            try:
                answer = {m: value(s, m) for m, s in shape.members.items()}
            finally:
                ENUMS = "first"
            body = json.dumps(wire_json(answer), ensure_ascii=False).encode()
            parsed = parser.parse({"status_code": 200, "headers": {}, "body": body}, shape)
            parsed.pop("ResponseMetadata", None)
            out.append({"operation": op, "enums": mode, "body": body.decode(), "parsed": abstract(parsed)})
    return out


def answers():
    json.dump(answer_cases(), sys.stdout, ensure_ascii=False)


def sigv4():
    cases = json.load(sys.stdin)
    out = []
    for c in cases:
        fixed = datetime.datetime.fromtimestamp(c["time_millis"] / 1000, tz=datetime.timezone.utc).replace(tzinfo=None)
        botocore.auth.get_current_datetime = lambda: fixed
        creds = botocore.credentials.Credentials(c["access_key_id"], c["secret_access_key"], c.get("session_token"))
        body = base64.b64decode(c["body_b64"])
        req = botocore.awsrequest.AWSRequest(method="POST", url=c["url"], headers=dict(c["headers"]), data=body)
        botocore.auth.SigV4Auth(creds, "kms", c["region"]).add_auth(req)
        out.append({k.lower(): v for k, v in req.headers.items()})
    json.dump(out, sys.stdout)


def ops():
    json.dump(sorted(MODEL.operation_names), sys.stdout)


def endpoints(service="kms"):
    """The URL the service's endpoint rules give each region (kms, sts, cognito-identity)."""
    from botocore.endpoint_provider import EndpointProvider
    loader = botocore.session.get_session().get_component("data_loader")
    partitions = loader.load_data("partitions")
    provider = EndpointProvider(loader.load_service_model(service, "endpoint-rule-set-1"), partitions)
    # STS's rules send some regions to its global endpoint unless told not to; regional is what we use.
    extra = {"UseGlobalEndpoint": False} if service == "sts" else {}
    regions = []
    for partition in partitions["partitions"]:
        # `aws-global` and the like are partitions' pseudo-regions, not places KMS runs.
        listed = [r for r in partition["regions"] if not r.endswith("-global")]
        # and one region yet to come, which only the partition's regionRegex places
        regions += listed + [listed[0].rsplit("-", 1)[0] + "-99"]
    regions.append("xx-nowhere-1")  # no partition's: botocore's default partition, aws
    out = []
    for region in regions:
        for fips in (False, True):
            for dual_stack in (False, True):
                url = provider.resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dual_stack, **extra).url
                out.append({"region": region, "fips": fips, "dual_stack": dual_stack, "url": url})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    {"wire": wire, "answers": answers, "sigv4": sigv4, "ops": ops, "endpoints": endpoints}[sys.argv[1]](*sys.argv[2:])
