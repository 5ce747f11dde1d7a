//! The operator CLI signs with a key from the OS keychain, as near-cli-rs's
//! `save-to-keychain` leaves it: a keeper account's function-call key lives
//! only in a Secret Service (gnome-keyring on a private D-Bus session bus
//! this test starts), the credentials directory is empty, and `operator
//! keeper --once --account <keeper>` runs its round. Without the entry the
//! CLI says where it looked; without a reachable keychain it says so too.
//!
//! Needs `dbus-daemon` and `gnome-keyring-daemon`
//! (`scripts/keychain-deps.sh`, which `make test` runs first).

mod support;

use deploy::chain::Chain;
use deploy::keychain;
use deploy::suite::{Network, SuiteIds};
use localnet::node::{InitOptions, RunningNode};
use near_primitives::types::AccountId;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::*;

/// A private session bus with an unlocked gnome-keyring on it; stopped
/// (the bus killed, which ends the keyring) when dropped.
struct SecretService {
    address: String,
    bus_pid: u32,
    home: PathBuf,
}

impl SecretService {
    fn start() -> SecretService {
        let home = temp_dir("keychain-home");
        let run = home.join("run");
        std::fs::create_dir_all(&run).unwrap();
        let with_home = |c: &mut Command| {
            c.env("HOME", &home)
                .env("XDG_RUNTIME_DIR", &run)
                .env("XDG_DATA_HOME", home.join("data"));
        };
        let mut bus = Command::new("dbus-daemon");
        bus.args(["--session", "--fork", "--print-address=1", "--print-pid=1"]);
        with_home(&mut bus);
        let out = bus
            .output()
            .unwrap_or_else(|e| panic!("dbus-daemon: {e} (scripts/keychain-deps.sh installs it)"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let address = lines.next().expect("the bus address").to_string();
        let bus_pid: u32 = lines.next().expect("the bus pid").trim().parse().unwrap();
        let service = SecretService {
            address,
            bus_pid,
            home: home.clone(),
        };
        let mut keyring = Command::new("gnome-keyring-daemon");
        keyring
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        with_home(&mut keyring);
        let mut child = keyring.spawn().unwrap_or_else(|e| {
            panic!("gnome-keyring-daemon: {e} (scripts/keychain-deps.sh installs it)")
        });
        // The password of the login keyring it creates, unlocked.
        child.stdin.take().unwrap().write_all(b"pw").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        service
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.bus_pid.to_string()).status();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// `operator keeper --once` for `account`, with no key file, an empty
/// credentials directory, and the keychain at `bus`.
fn keeper_once(url: &str, home: &Path, account: &AccountId, creds: &Path, bus: &str) -> Output {
    operator(
        url,
        home,
        &["keeper", "--once", "--account", account.as_str()],
    )
    .arg("--credentials")
    .arg(creds)
    .env("DBUS_SESSION_BUS_ADDRESS", bus)
    .output()
    .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn the_keeper_signs_with_a_key_from_the_os_keychain() {
    let keychain = SecretService::start();
    // The test writes the entry as near-cli-rs does, through the same
    // keychain library, on the private bus: the variable is set before any
    // thread of the runtime exists (the only test in this binary).
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &keychain.address);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(signs_with_the_keychain(&keychain));
}

async fn signs_with_the_keychain(keychain: &SecretService) {
    let home = temp_dir("keychain-node");
    localnet::node::init(&home, &InitOptions::default()).unwrap();
    let node = RunningNode::start(&home, "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = node.rpc_url();
    let chain = Chain::connect(&url);
    let master = deploy::local::master_key(&home).unwrap();
    let ids = SuiteIds::new(Network::Local, &master.account_id, None);
    ok(operator(&url, &home, &["deploy"])
        .arg("--res")
        .arg(res())
        .output()
        .unwrap());

    // A keeper with a function-call key; its key file goes nowhere the CLI
    // looks.
    let elsewhere = temp_dir("keychain-keyfile");
    let file = keeper_account(&chain, &master, "keeper-k", &ids.router, &elsewhere).await;
    let key: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let account: AccountId = key["account_id"].as_str().unwrap().parse().unwrap();
    let public_key = key["public_key"].as_str().unwrap();
    let creds = temp_dir("keychain-credentials");

    // Nothing in either place: one error naming both.
    let out = keeper_once(&url, &home, &account, &creds, &keychain.address);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("no key of {account}")), "{err}");
    assert!(err.contains("no credentials for"), "{err}");
    assert!(err.contains("the OS keychain holds none of"), "{err}");

    // No keychain reachable at all: said as such, not a hang.
    let out = keeper_once(&url, &home, &account, &creds, "unix:path=/nonexistent/bus");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the OS keychain cannot be read"),
        "{}",
        stderr(&out)
    );

    // A keychain that never answers (a locked one waiting on its password
    // prompt): the CLI gives up after --keychain-timeout and says why.
    let silent_dir = temp_dir("keychain-silent");
    let silent = silent_dir.join("bus");
    // Connections queue in the backlog and are never answered.
    let _listener = std::os::unix::net::UnixListener::bind(&silent).unwrap();
    let started = std::time::Instant::now();
    let mut out = operator(
        &url,
        &home,
        &["keeper", "--once", "--account", account.as_str()],
    )
    .arg("--credentials")
    .arg(&creds)
    .args(["--keychain-timeout", "2"])
    .env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", silent.display()),
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // A CLI that hangs fails the test instead of hanging it.
    let out = loop {
        if out.try_wait().unwrap().is_some() {
            break out.wait_with_output().unwrap();
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = out.kill();
            panic!("the CLI still waits on a silent keychain after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the OS keychain did not answer within 2 s"),
        "{}",
        stderr(&out)
    );
    eprintln!("a silent keychain: given up after {:?}", started.elapsed());

    // The entry near-cli-rs's save-to-keychain writes (with fields of its
    // own the CLI ignores).
    let (service, user) = (
        keychain::service(Network::Local, &account),
        keychain::user(&account, public_key),
    );
    let secret = json!({
        "public_key": public_key,
        "private_key": key["private_key"],
        "seed_phrase_hd_path": "m/44'/397'/0'",
        "implicit_account_id": "0".repeat(64),
    })
    .to_string();
    // keyring blocks on its own D-Bus runtime: off this one.
    tokio::task::spawn_blocking(move || {
        keyring::Entry::new(&service, &user).and_then(|entry| entry.set_password(&secret))
    })
    .await
    .unwrap()
    .expect("the test writes the keychain entry");
    let out = keeper_once(&url, &home, &account, &creds, &keychain.address);
    let text = ok(out);
    assert!(
        text.contains(&format!("as {account} ({public_key})")),
        "{text}"
    );
    assert!(text.contains("round of epoch"), "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    assert!(
        std::fs::read_dir(&creds).unwrap().next().is_none(),
        "the CLI wrote no key file"
    );
    drop(node);
}
