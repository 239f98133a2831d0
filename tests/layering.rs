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

/// The names lib.rs re-exports at the crate root (`crate::KmsClient`), with their modules.
fn root_reexports() -> Vec<(String, String)> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut out = Vec::new();
    for line in lib.lines().map(str::trim).filter(|l| l.starts_with("pub use ")) {
        let path = line.trim_start_matches("pub use ").trim_end_matches(';');
        let (module, names) = path.split_once("::").unwrap();
        for name in names.trim_start_matches('{').trim_end_matches('}').split(',') {
            out.push((name.trim().to_owned(), module.to_owned()));
        }
    }
    out
}

/// The first segments of every path that starts at the crate root in `code`: after `crate::`,
/// or after as many `super::` as lead from where they stand to the root (`depth`: how far the
/// file is below the root, 0 for src/x.rs or a folder's mod.rs, plus the inline `mod … {` they
/// sit in); a grouped `{a::…, b}` gives each of its heads. `*` stands for a glob.
fn root_paths(code: &str, depth: usize) -> Vec<String> {
    // Byte ranges of inline modules.
    let mut inline = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("mod ") {
        let start = from + at;
        from = start + 4;
        let boundary = start == 0 || !code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let rest = &code[start + 4..];
        let name_len = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').count();
        if !boundary || name_len == 0 || !rest[name_len..].trim_start().starts_with('{') {
            continue;
        }
        let open = start + 4 + name_len + rest[name_len..].find('{').unwrap();
        let mut level = 0;
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => level += 1,
                '}' => {
                    level -= 1;
                    if level == 0 {
                        inline.push(open..open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    let mut heads = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at + "crate::".len();
        from = start;
        if !code[..start - "crate::".len()].ends_with('$') {
            heads.extend(group_heads(&code[start..]));
        }
    }
    let mut from = 0;
    while let Some(at) = code[from..].find("super::") {
        let first = from + at;
        let mut end = first;
        let mut supers = 0;
        while code[end..].starts_with("super::") {
            end += "super::".len();
            supers += 1;
        }
        from = end;
        let nesting = inline.iter().filter(|r| r.contains(&first)).count();
        if supers == depth + nesting + 1 {
            heads.extend(group_heads(&code[end..]));
        }
    }
    heads
}

/// The heads of the path or group at the start of `rest`.
fn group_heads(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut segment = String::new();
        let mut heads = Vec::new();
        for c in inner.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    heads.extend(group_heads(&segment));
                    segment.clear();
                    continue;
                }
                _ => {}
            }
            segment.push(c);
        }
        heads.extend(group_heads(&segment));
        return heads;
    }
    let head: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '*').collect();
    if head.is_empty() { vec![] } else { vec![head] }
}

/// How deep below its module's root a file sits: src/x.rs and src/m/mod.rs 0, src/m/y.rs 1.
fn depth_of(path: &Path) -> usize {
    let relative = path.strip_prefix(src()).unwrap();
    let parts = relative.components().count();
    if parts == 1 || relative.file_name().unwrap() == "mod.rs" { parts.saturating_sub(2) } else { parts - 1 }
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
    let reexports = root_reexports();
    let mut wrong = Vec::new();
    for path in rust_files(&src()) {
        let Some(module) = module_of(&path) else { continue };
        let code: String = code_lines(&path).into_iter().map(|(_, l)| l + "\n").collect();
        for head in root_paths(&code, depth_of(&path)) {
            let named = match reexports.iter().find(|(name, _)| *name == head) {
                Some((_, m)) => m.as_str(),
                None => head.as_str(),
            };
            if named == "*" {
                wrong.push(format!("{}: {module} imports the whole crate root (`crate::*`)", path.strip_prefix(src()).unwrap().display()));
            } else if let Some((other, other_layer)) = LAYERS.iter().find(|(m, _)| *m == named) {
                if *other_layer > layer(module) {
                    wrong.push(format!("{}: {module} (layer {}) names {other} (layer {other_layer}) as `{head}`", path.strip_prefix(src()).unwrap().display(), layer(module)));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "dependencies pointing up:\n{}", wrong.join("\n"));
}

#[test]
fn the_reader_finds_every_spelling_of_a_path_to_the_root() {
    // The forms a dependency on kms can take, each found as kms (or as a name lib.rs re-exports).
    let spelled = [
        ("use crate::kms::EXCEPTIONS;", 0),
        ("use crate::{error::ErrorKind, kms::EXCEPTIONS};", 0),
        ("use crate::{\n    error::ErrorKind,\n    kms::{self, EXCEPTIONS},\n};", 0),
        ("use super::kms::EXCEPTIONS;", 0),
        ("let t = self::super::kms::EXCEPTIONS;", 0),
        ("use super::super::kms::EXCEPTIONS;", 1),
        ("use crate::kms as kms_mod;", 0),
    ];
    for (code, depth) in spelled {
        assert!(root_paths(code, depth).contains(&"kms".to_owned()), "{code:?}: {:?}", root_paths(code, depth));
    }
    assert!(root_paths("use crate::*;", 0).contains(&"*".to_owned()));
    assert!(root_paths("use crate::KmsClient;", 0).contains(&"KmsClient".to_owned()));
    assert!(root_reexports().contains(&("KmsClient".to_owned(), "kms".to_owned())));
    // One `super` from a file inside a module folder is that module, not the root; nor is it
    // inside an inline module, where two reach the root.
    assert!(!root_paths("use super::wire::X;", 1).contains(&"wire".to_owned()));
    assert!(root_paths("mod tests {\n    use super::*;\n}", 0).is_empty());
    assert!(root_paths("mod inner {\n    use super::super::kms::X;\n}", 0).contains(&"kms".to_owned()));
    assert!(root_paths("mod inner {\n    use super::super::kms::X;\n}", 1).is_empty());
    assert!(root_paths("mod inner {\n    use super::super::super::kms::X;\n}", 1).contains(&"kms".to_owned()));
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
