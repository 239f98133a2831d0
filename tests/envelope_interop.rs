//! Interop with the official peers in the venv: `aws-encryption-cli` 4.3.0
//! and the Python `aws-encryption-sdk` 3.3.1, with kms-local as KMS.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use kms_wasm::envelope::{decrypt, encrypt, AlgorithmSuite, CommitmentPolicy, DecryptOptions, EncryptOptions, KmsKeyring, RawAesKeyring};

const S0478: AlgorithmSuite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKey;
const S0578: AlgorithmSuite = AlgorithmSuite::Aes256GcmHkdfSha512CommitKeyEcdsaP384;
const FRAME: usize = 65536;

fn data(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| ((i * 131) ^ (i >> 9)) as u8 ^ seed).collect()
}

/// A fresh empty directory under the target dir.
fn scratch(name: &str) -> PathBuf {
    let dir = common::root().join("target").join("envelope-interop").join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Points a botocore-based program at kms-local, with its user's keys and nothing from ~/.aws.
fn against_local_kms(mut cmd: Command) -> Command {
    let env = common::local_env();
    cmd.env("AWS_REGION", &env["AWS_REGION"])
        .env("AWS_DEFAULT_REGION", &env["AWS_REGION"])
        .env("AWS_ACCESS_KEY_ID", &env["AWS_ACCESS_KEY_ID"])
        .env("AWS_SECRET_ACCESS_KEY", &env["AWS_SECRET_ACCESS_KEY"])
        .env("AWS_ENDPOINT_URL_KMS", &env["AWS_ENDPOINT_URL_KMS"])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    cmd
}

/// Runs the venv's aws-encryption-cli against kms-local.
fn cli(args: &[&str]) {
    let out = against_local_kms(Command::new(common::root().join(".venv/bin/aws-encryption-cli")))
        .args(args)
        .output()
        .expect("aws-encryption-cli runs (pkg-scripts/setup)");
    assert!(out.status.success(), "aws-encryption-cli {args:?} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Runs a Python snippet with kms-local's variables in the environment.
fn python(code: &str, args: &[&str]) -> String {
    let out = against_local_kms(Command::new(common::venv_python()))
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("venv python runs");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn our_messages_decrypt_with_the_cli() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let k2 = common::new_symmetric_key(&client).await;
    let single = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    let double = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![k2.clone()]).unwrap();
    let dir = scratch("ours-to-cli");
    let (all, two_key) = (dir.join("all"), dir.join("two-key"));
    std::fs::create_dir_all(&all).unwrap();
    std::fs::create_dir_all(&two_key).unwrap();
    let sizes = [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 << 20];
    let mut expected = Vec::new();
    for (si, suite) in [S0478, S0578].into_iter().enumerate() {
        for &n in &sizes {
            for (ki, kr) in [&single, &double].into_iter().enumerate() {
                let pt = data(n, (si * 2 + ki) as u8);
                let o = EncryptOptions { suite, encryption_context: [("purpose".to_string(), "interop".to_string())].into(), ..Default::default() };
                let msg = encrypt(kr, &pt, &o).await.unwrap().ciphertext;
                let name = format!("m-{:04x}-{n}-{}", suite.id(), ki + 1);
                std::fs::write(all.join(&name), &msg).unwrap();
                if ki == 1 {
                    std::fs::write(two_key.join(&name), &msg).unwrap();
                }
                expected.push((name, ki == 1, pt));
            }
        }
    }
    // One CLI run per directory: every message under k1, the two-key ones under k2 alone.
    let common_args = ["-d", "-S", "-r", "--commitment-policy", "require-encrypt-require-decrypt", "-c", "purpose=interop"];
    for (input, key) in [(&all, &k1), (&two_key, &k2)] {
        let out = dir.join(format!("out-{}", input.file_name().unwrap().to_str().unwrap()));
        std::fs::create_dir_all(&out).unwrap();
        let mut args = common_args.to_vec();
        let wk = format!("key={key}");
        args.extend(["-w", &wk, "-i", path(input), "-o", path(&out)]);
        cli(&args);
        for (name, is_two, pt) in &expected {
            if input == &two_key && !is_two {
                continue;
            }
            let got = std::fs::read(out.join(format!("{name}.decrypted"))).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(got == *pt, "{name}: CLI plaintext differs ({} vs {} bytes)", got.len(), pt.len());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn cli_messages_decrypt_with_ours() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let dir = scratch("cli-to-ours");
    let (input, out) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let sizes = [0usize, 1, 4095, 4096, 4097, 100_000];
    for &n in &sizes {
        std::fs::write(input.join(format!("p-{n}")), data(n, 3)).unwrap();
    }
    let wk = format!("key={k1}");
    cli(&["-e", "-S", "-r", "-w", &wk, "-c", "purpose=cli", "team=rust", "-i", path(&input), "-o", path(&out)]);
    let kr = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    let discovery = KmsKeyring::discovery(client.clone(), None).unwrap();
    for &n in &sizes {
        let msg = std::fs::read(out.join(format!("p-{n}.encrypted"))).unwrap();
        assert_eq!(&msg[..3], &[2, 0x05, 0x78], "CLI default is v2 0x0578");
        let expect = DecryptOptions { encryption_context: [("purpose".to_string(), "cli".to_string())].into(), ..Default::default() };
        let dec = decrypt(&kr, &msg, &expect).await.unwrap();
        assert_eq!(&dec.plaintext[..], &data(n, 3)[..], "size {n}");
        assert_eq!(dec.header.encryption_context.get("team").map(String::as_str), Some("rust"));
        assert_eq!(dec.header.frame_length, 4096);
        assert_eq!(&decrypt(&discovery, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..], &data(n, 3)[..]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn messages_under_keys_of_two_regions_cross_over_both_ways() {
    let client = common::client();
    let here = common::new_symmetric_key(&client).await;
    let (_, there) = common::new_key_in_another_region(&client).await;
    let dir = scratch("two-regions");
    let (ours, theirs, out) = (dir.join("ours"), dir.join("theirs"), dir.join("out"));
    for d in [&ours, &theirs, &out] {
        std::fs::create_dir_all(d).unwrap();
    }
    // Ours, wrapped in both regions; the CLI unwraps it with the other region's key alone.
    let both = KmsKeyring::new(client.clone(), Some(here.clone()), vec![there.clone()]).unwrap();
    let pt = data(70_000, 9);
    std::fs::write(ours.join("m"), encrypt(&both, &pt, &EncryptOptions::default()).await.unwrap().ciphertext).unwrap();
    let wk = format!("key={there}");
    cli(&["-d", "-S", "-r", "--commitment-policy", "require-encrypt-require-decrypt", "-w", &wk, "-i", path(&ours), "-o", path(&out)]);
    assert!(std::fs::read(out.join("m.decrypted")).unwrap() == pt, "the CLI's plaintext differs");
    // Theirs, under the other region's key only; ours unwraps it through a client of this region.
    std::fs::write(theirs.join("p"), &pt).unwrap();
    cli(&["-e", "-S", "-r", "-w", &wk, "-i", path(&theirs), "-o", path(&out)]);
    let msg = std::fs::read(out.join("p.encrypted")).unwrap();
    for keyring in [KmsKeyring::new(client.clone(), None, vec![there.clone()]).unwrap(), KmsKeyring::discovery(client.clone(), None).unwrap()] {
        assert!(decrypt(&keyring, &msg, &DecryptOptions::default()).await.unwrap().plaintext[..] == pt[..]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const PY_KMS_ENCRYPT: &str = r#"
import sys, aws_encryption_sdk
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy
arn, alg, policy, out_dir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=getattr(CommitmentPolicy, policy))
mkp = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[arn])
for spec in sys.argv[5:]:
    n, frame = (int(x) for x in spec.split(":"))
    pt = bytes((i * 7 + 1) % 256 for i in range(n))
    ct, _ = client.encrypt(source=pt, key_provider=mkp, algorithm=getattr(Algorithm, alg), frame_length=frame, encryption_context={"from": "python"})
    open(f"{out_dir}/{alg}-{n}-{frame}", "wb").write(ct)
"#;

fn py_data(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7 + 1) % 256) as u8).collect()
}

#[tokio::test]
async fn python_sdk_0478_messages_decrypt_with_ours() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let dir = scratch("py-0478");
    let specs = ["0:4096", "1:4096", "4096:4096", "10000:4096", "300:128", "70000:65536"];
    let mut args = vec![k1.as_str(), "AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "REQUIRE_ENCRYPT_REQUIRE_DECRYPT", path(&dir)];
    args.extend(specs);
    python(PY_KMS_ENCRYPT, &args);
    let kr = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    for spec in specs {
        let (n, frame) = spec.split_once(':').unwrap();
        let msg = std::fs::read(dir.join(format!("AES_256_GCM_HKDF_SHA512_COMMIT_KEY-{n}-{frame}"))).unwrap();
        assert_eq!(&msg[..3], &[2, 0x04, 0x78]);
        let dec = decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap();
        assert_eq!(&dec.plaintext[..], &py_data(n.parse().unwrap())[..], "{spec}");
        assert_eq!(dec.header.encryption_context.get("from").map(String::as_str), Some("python"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn python_sdk_legacy_messages_need_a_relaxed_policy() {
    let client = common::client();
    let k1 = common::new_symmetric_key(&client).await;
    let dir = scratch("py-legacy");
    let algs = [
        "AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384",
        "AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384",
        "AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256",
        "AES_256_GCM_IV12_TAG16_HKDF_SHA256",
        "AES_128_GCM_IV12_TAG16",
    ];
    // Framed (several frames) and non-framed (frame length 0).
    let specs = ["0:4096", "5000:1024", "777:0"];
    for alg in algs {
        let mut args = vec![k1.as_str(), alg, "FORBID_ENCRYPT_ALLOW_DECRYPT", path(&dir)];
        args.extend(specs);
        python(PY_KMS_ENCRYPT, &args);
    }
    let kr = KmsKeyring::new(client.clone(), Some(k1.clone()), vec![]).unwrap();
    let relaxed = DecryptOptions { commitment_policy: CommitmentPolicy::RequireEncryptAllowDecrypt, ..Default::default() };
    for alg in algs {
        for spec in specs {
            let (n, frame) = spec.split_once(':').unwrap();
            let msg = std::fs::read(dir.join(format!("{alg}-{n}-{frame}"))).unwrap();
            assert_eq!(msg[0], 1, "v1 message");
            assert_eq!(decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap_err().name(), "CommitmentPolicyError");
            let dec = decrypt(&kr, &msg, &relaxed).await.unwrap_or_else(|e| panic!("{alg} {spec}: {e}"));
            assert_eq!(&dec.plaintext[..], &py_data(n.parse().unwrap())[..], "{alg} {spec}");
            if alg.contains("ECDSA") {
                // The signature's last byte (the end of `s`) flipped: the footer still parses, and fails to verify.
                let mut forged = msg.clone();
                *forged.last_mut().unwrap() ^= 1;
                assert_eq!(decrypt(&kr, &forged, &relaxed).await.unwrap_err().name(), "SignatureError", "{alg} {spec}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const PY_RAW: &str = r#"
import sys, aws_encryption_sdk
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey
mode, key_hex, in_dir, out_dir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
key = bytes.fromhex(key_hex)
wrapping = {16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING, 24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING, 32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING}[len(key)]
mk = RawMasterKey(provider_id="interop-ns", key_id=b"interop-key", wrapping_key=WrappingKey(wrapping_algorithm=wrapping, wrapping_key=key, wrapping_key_type=EncryptionKeyType.SYMMETRIC))
client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
import os
for name in sorted(os.listdir(in_dir)):
    data = open(os.path.join(in_dir, name), "rb").read()
    if mode == "encrypt":
        alg = Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY if name.startswith("0478") else Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
        out, _ = client.encrypt(source=data, key_provider=mk, algorithm=alg, frame_length=1024, encryption_context={"raw": "yes"})
    else:
        out, header = client.decrypt(source=data, key_provider=mk)
        assert header.encryption_context["raw"] == "yes"
    open(os.path.join(out_dir, name), "wb").write(out)
"#;

#[tokio::test]
async fn raw_aes_interop_both_ways() {
    for key_len in [16usize, 24, 32] {
        let mut key = vec![0u8; key_len];
        kms_wasm::platform::fill_random(&mut key).unwrap();
        let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let kr = RawAesKeyring::new("interop-ns", "interop-key", &key).unwrap();
        let dir = scratch(&format!("raw-{key_len}"));
        let dirs: Vec<PathBuf> = ["pt", "theirs", "ours", "ours-dec"].iter().map(|d| dir.join(d)).collect();
        for d in &dirs {
            std::fs::create_dir_all(d).unwrap();
        }
        let sizes = [0usize, 1, 1023, 1024, 1025, 5000];
        for suite in ["0478", "0578"] {
            for n in sizes {
                std::fs::write(dirs[0].join(format!("{suite}-{n}")), data(n, key_len as u8)).unwrap();
            }
        }
        // Theirs → ours.
        python(PY_RAW, &["encrypt", &key_hex, path(&dirs[0]), path(&dirs[1])]);
        for suite in ["0478", "0578"] {
            for n in sizes {
                let msg = std::fs::read(dirs[1].join(format!("{suite}-{n}"))).unwrap();
                let dec = decrypt(&kr, &msg, &DecryptOptions::default()).await.unwrap_or_else(|e| panic!("{suite}-{n}: {e}"));
                assert_eq!(&dec.plaintext[..], &data(n, key_len as u8)[..]);
            }
        }
        // Ours → theirs.
        for (suite_name, suite) in [("0478", S0478), ("0578", S0578)] {
            for n in sizes {
                let o = EncryptOptions { suite, frame_length: 1024, encryption_context: [("raw".to_string(), "yes".to_string())].into(), ..Default::default() };
                let msg = encrypt(&kr, &data(n, key_len as u8), &o).await.unwrap().ciphertext;
                std::fs::write(dirs[2].join(format!("{suite_name}-{n}")), msg).unwrap();
            }
        }
        python(PY_RAW, &["decrypt", &key_hex, path(&dirs[2]), path(&dirs[3])]);
        for suite in ["0478", "0578"] {
            for n in sizes {
                assert_eq!(std::fs::read(dirs[3].join(format!("{suite}-{n}"))).unwrap(), data(n, key_len as u8), "{suite}-{n}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
