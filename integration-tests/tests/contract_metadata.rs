//! NEP-330 on the deployed contracts (issue 16): `contract_source_metadata`
//! names the crate's version and every standard the contract implements,
//! so explorers and wallets can tell what they talk to.

use integration_tests::suite::{System, SystemConfig};
use serde_json::{json, Value};

/// `version = "..."` of `contracts/<dir>/Cargo.toml`.
fn crate_version(dir: &str) -> String {
    let path = format!(
        "{}/../contracts/{dir}/Cargo.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no version in {path}"))
        .to_string()
}

fn standards(meta: &Value) -> Vec<String> {
    let mut s: Vec<String> = meta["standards"]
        .as_array()
        .expect("standards")
        .iter()
        .map(|s| s["standard"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

#[test]
fn each_contract_names_its_version_and_standards() {
    let sys = System::deploy(SystemConfig::default());
    let cases = [
        (&sys.router, "meta-pool", vec!["nep297", "nep330"]),
        (
            &sys.snear,
            "snear",
            vec!["nep141", "nep145", "nep148", "nep297", "nep330"],
        ),
        (
            &sys.governance,
            "governance",
            vec!["nep141", "nep145", "nep148", "nep297", "nep330"],
        ),
    ];
    for (id, dir, want) in cases {
        let meta: Value = sys.view(id, "contract_source_metadata", json!({}));
        assert_eq!(meta["version"], json!(crate_version(dir)), "{id}: {meta}");
        assert_eq!(standards(&meta), want, "{id}: {meta}");
    }
}
