//! Checks that a wasm module stays inside the WebAssembly MVP.
//!
//! NEAR validates contracts with a fixed feature set per protocol version;
//! older versions reject sign-extension, bulk-memory, reference-types and the
//! other post-MVP proposals that recent LLVM enables by default. A contract
//! built as MVP deploys on every protocol version, so the build refuses
//! anything else rather than finding out on chain.

use wasmparser::{Validator, WasmFeatures};

/// Why a module is not MVP wasm.
#[derive(Debug, PartialEq, Eq)]
pub enum Violation {
    /// The module validates once these post-MVP features are allowed.
    PostMvp {
        features: Vec<String>,
        detail: String,
    },
    /// The module is not valid wasm with any feature set.
    Invalid { detail: String },
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::PostMvp { features, detail } => write!(
                f,
                "uses post-MVP wasm feature(s) [{}]: {detail}",
                features.join(", ")
            ),
            Violation::Invalid { detail } => write!(f, "is not valid wasm: {detail}"),
        }
    }
}

/// Returns `Ok(())` when `bytes` is a valid module using only MVP features.
pub fn check_mvp(bytes: &[u8]) -> Result<(), Violation> {
    let detail = match validate(bytes, WasmFeatures::MVP) {
        Ok(()) => return Ok(()),
        Err(detail) => detail,
    };
    if validate(bytes, WasmFeatures::all()).is_err() {
        return Err(Violation::Invalid { detail });
    }
    Err(Violation::PostMvp {
        features: offending_features(bytes),
        detail,
    })
}

fn validate(bytes: &[u8], features: WasmFeatures) -> Result<(), String> {
    Validator::new_with_features(features)
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Names the features the module needs, found by dropping one at a time from
/// the full set: a feature whose absence breaks validation is one it uses.
fn offending_features(bytes: &[u8]) -> Vec<String> {
    let mut needed = Vec::new();
    for (name, flag) in WasmFeatures::all().iter_names() {
        if WasmFeatures::MVP.contains(flag) {
            continue;
        }
        if validate(bytes, WasmFeatures::all().difference(flag)).is_err() {
            needed.push(name.to_ascii_lowercase().replace('_', "-"));
        }
    }
    needed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).expect("test module parses")
    }

    #[test]
    fn accepts_mvp_module() {
        let bytes = module(
            r#"(module (memory 1) (func (export "f") (result i32) i32.const 7 i32.const 8 i32.add))"#,
        );
        assert_eq!(check_mvp(&bytes), Ok(()));
    }

    #[test]
    fn rejects_sign_extension() {
        let bytes = module(r#"(module (func (param i32) (result i32) local.get 0 i32.extend8_s))"#);
        match check_mvp(&bytes) {
            Err(Violation::PostMvp { features, .. }) => {
                assert_eq!(features, vec!["sign-extension".to_string()])
            }
            other => panic!("expected a post-MVP violation, got {other:?}"),
        }
    }

    #[test]
    fn rejects_bulk_memory() {
        let bytes =
            module(r#"(module (memory 1) (func i32.const 0 i32.const 8 i32.const 4 memory.copy))"#);
        match check_mvp(&bytes) {
            Err(Violation::PostMvp { features, .. }) => {
                assert_eq!(features, vec!["bulk-memory".to_string()])
            }
            other => panic!("expected a post-MVP violation, got {other:?}"),
        }
    }

    #[test]
    fn rejects_multi_value() {
        let bytes = module(r#"(module (func (result i32 i32) i32.const 1 i32.const 2))"#);
        match check_mvp(&bytes) {
            Err(Violation::PostMvp { features, .. }) => {
                assert_eq!(features, vec!["multi-value".to_string()])
            }
            other => panic!("expected a post-MVP violation, got {other:?}"),
        }
    }

    #[test]
    fn rejects_garbage_as_invalid() {
        assert!(matches!(
            check_mvp(b"\0asm\x01\0\0\0\xff"),
            Err(Violation::Invalid { .. })
        ));
    }
}
