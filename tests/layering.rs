//! The crate's modules depend one way (src/lib.rs): the host layer (error, platform,
//! transport_http and its two clients) → config/credentials → signing → transport → kms →
//! envelope, provision, wrapper → js. Read from the sources: no module names one above it, and wasm-bindgen is named
//! only by the JS glue and the host layer's wasm32 shims, so the core builds and tests natively.

use std::path::{Path, PathBuf};

/// Each module (a file of src/, or a folder) and its layer.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("platform", 0),
    ("transport_http", 0),
    ("transport_fetch", 0),
    ("transport_native", 0),
    ("config", 1),
    ("credentials", 1),
    ("signing", 2),
    ("transport", 3),
    ("kms", 4),
    ("envelope", 5),
    ("provision", 5),
    ("wrapper", 5),
    ("js", 6),
];

/// Where the host's JS APIs may be named: the glue, and the wasm32 side of the host layer.
const MAY_NAME_WASM_BINDGEN: &[&str] = &["js", "platform", "transport_fetch"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every .rs file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The module a file of src/ belongs to (`src/kms/wire.rs` → `kms`); None for lib.rs and the
/// gcm crate (a workspace member of its own).
fn module_of(path: &Path) -> Option<&'static str> {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().find(|(m, _)| *m == name).map(|(m, _)| *m)
}

fn layer(module: &str) -> u8 {
    LAYERS.iter().find(|(m, _)| *m == module).unwrap().1
}

/// The file's code lines (comments and doc comments left out: a doc link is no dependency).
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path).unwrap().lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")).map(|(i, l)| (i + 1, l.to_owned())).collect()
}

#[test]
fn every_module_of_src_has_a_layer() {
    for path in rust_files(&src()) {
        let relative = path.strip_prefix(src()).unwrap();
        if relative == Path::new("lib.rs") || relative.starts_with("gcm") {
            continue;
        }
        assert!(module_of(&path).is_some(), "{}: add its module to LAYERS in tests/layering.rs", relative.display());
    }
}

#[test]
fn no_module_names_a_module_above_it() {
    let mut wrong = Vec::new();
    for path in rust_files(&src()) {
        let Some(module) = module_of(&path) else { continue };
        for (line_no, line) in code_lines(&path) {
            for (other, other_layer) in LAYERS {
                if *other_layer > layer(module) && (line.contains(&format!("crate::{other}::")) || line.contains(&format!("crate::{other}}}")) || line.contains(&format!("crate::{other};"))) {
                    wrong.push(format!("{}:{line_no}: {module} (layer {}) names {other} (layer {other_layer}): {}", path.strip_prefix(src()).unwrap().display(), layer(module), line.trim()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "dependencies pointing up:\n{}", wrong.join("\n"));
}

#[test]
fn wasm_bindgen_is_named_only_by_the_glue_and_the_host_shims() {
    let mut wrong = Vec::new();
    for path in rust_files(&src()) {
        let Some(module) = module_of(&path) else { continue };
        if MAY_NAME_WASM_BINDGEN.contains(&module) {
            continue;
        }
        for (line_no, line) in code_lines(&path) {
            if ["wasm_bindgen", "js_sys", "web_sys"].iter().any(|name| line.contains(name)) {
                wrong.push(format!("{}:{line_no}: {}", path.strip_prefix(src()).unwrap().display(), line.trim()));
            }
        }
    }
    assert!(wrong.is_empty(), "wasm-bindgen outside src/js and the host shims:\n{}", wrong.join("\n"));
}

#[test]
fn signing_goes_through_aws_sigv4() {
    // No canonical request written by hand: the signing module calls the crate's signer, and
    // nothing else builds what SigV4 signs.
    let signing = std::fs::read_to_string(src().join("signing.rs")).unwrap();
    assert!(signing.contains("use aws_sigv4::http_request::{sign,") && signing.contains("sign("), "src/signing.rs signs through aws-sigv4");
    for path in rust_files(&src()) {
        for (line_no, line) in code_lines(&path) {
            assert!(!line.contains("AWS4-HMAC-SHA256\\n") && !line.contains("canonical_request"), "{}:{line_no}: a hand-written canonical request? {}", path.display(), line.trim());
        }
    }
}
