//! NEP-330 on the deployed contracts (issue 16): `contract_source_metadata`
//! names the crate's version, every standard the contract implements and
//! where its source is (`link`, from `scripts/source-link.sh` at build
//! time), so explorers and wallets can tell what they talk to.

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What `scripts/source-link.sh` in `root` prints; `None` for nothing.
/// With `env`, in that environment instead of this process's
/// `SOURCE_LINK`.
fn source_link(root: &Path, env: Option<&[(&str, &str)]>) -> Option<String> {
    let mut script = Command::new("bash");
    script.arg(root.join("scripts/source-link.sh"));
    if let Some(env) = env {
        script.env_remove("SOURCE_LINK").envs(env.iter().copied());
    }
    let out = script.output().expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8(out.stdout).unwrap().trim().to_string();
    (!link.is_empty()).then_some(link)
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
        // res/ is built in this tree, so with the link it gives now.
        match source_link(&repo_root(), None) {
            Some(link) => assert_eq!(meta["link"], json!(link), "{id}: {meta}"),
            None => assert!(meta["link"].is_null(), "{id}: {meta}"),
        }
    }
}

/// The link is the `origin` remote as an https URL, or `SOURCE_LINK`; a
/// remote that is not a URL (a local clone) gives none rather than a path.
#[test]
fn the_source_link_comes_from_the_remote_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scripts")).unwrap();
    std::fs::copy(
        repo_root().join("scripts/source-link.sh"),
        dir.path().join("scripts/source-link.sh"),
    )
    .unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    assert_eq!(source_link(dir.path(), Some(&[])), None, "no remote");
    let cases = [
        (
            "git@github.com:acme/pool.git",
            Some("https://github.com/acme/pool"),
        ),
        (
            "https://github.com/acme/pool.git",
            Some("https://github.com/acme/pool"),
        ),
        (
            "https://user:token@github.com/acme/pool",
            Some("https://github.com/acme/pool"),
        ),
        (
            "ssh://git@gitlab.com/acme/pool.git",
            Some("https://gitlab.com/acme/pool"),
        ),
        ("/srv/git/pool", None),
    ];
    for (i, (remote, want)) in cases.into_iter().enumerate() {
        if i > 0 {
            git(&["remote", "remove", "origin"]);
        }
        git(&["remote", "add", "origin", remote]);
        assert_eq!(
            source_link(dir.path(), Some(&[])).as_deref(),
            want,
            "{remote}"
        );
    }
    let chosen = "https://code.example/meta-pool";
    assert_eq!(
        source_link(dir.path(), Some(&[("SOURCE_LINK", chosen)])).as_deref(),
        Some(chosen)
    );
}
