//! `wasm-check FILE...`: exits non-zero, naming the file and the feature, when
//! any file is not MVP wasm.

use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: wasm-check FILE.wasm...");
        return ExitCode::from(2);
    }
    let mut failed = false;
    for file in &files {
        match std::fs::read(file) {
            Err(e) => {
                eprintln!("wasm-check: {file}: {e}");
                failed = true;
            }
            Ok(bytes) => match wasm_check::check_mvp(&bytes) {
                Ok(()) => println!("wasm-check: {file}: MVP wasm, {} bytes", bytes.len()),
                Err(v) => {
                    eprintln!("wasm-check: FAILED: {file} {v}");
                    failed = true;
                }
            },
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
