//! UI tests of `#[model]`: every rejected construct in `tests/ui/fail/` must fail to compile
//! with the committed `.stderr` (message and span), and every model in `tests/ui/pass/`
//! must compile, link and pass its own `main` (which checks its gradients).
//!
//! Compiler diagnostics change between Rust releases, so the `.stderr` snapshots are only
//! compared on the toolchain pinned in `rust-toolchain.toml`; on another toolchain the
//! `fail` cases are skipped with a message (set `PPL_UI_ANY_TOOLCHAIN=1` to run them
//! anyway). To refresh the snapshots after changing a message, run
//! `TRYBUILD=overwrite cargo test --test ui` and review the diff of every `.stderr`.

use std::path::Path;
use std::process::Command;

/// The channel pinned in `rust-toolchain.toml`, e.g. `1.95.0`.
fn pinned_channel() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rust-toolchain.toml");
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "channel").then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The version of the `rustc` trybuild will use (`rustc 1.95.0 (...)` → `1.95.0`).
fn rustc_version() -> Option<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(rustc)
        .arg("--version")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace().nth(1).map(str::to_string)
}

/// `true` when the `.stderr` snapshots can be compared: the compiler is the pinned one.
fn on_pinned_toolchain() -> bool {
    if std::env::var_os("PPL_UI_ANY_TOOLCHAIN").is_some() {
        return true;
    }
    match (pinned_channel(), rustc_version()) {
        (Some(pinned), Some(found)) if pinned == found => true,
        (pinned, found) => {
            eprintln!(
                "skipping tests/ui/fail: rustc {found:?} is not the pinned toolchain {pinned:?} \
                 (set PPL_UI_ANY_TOOLCHAIN=1 to compare the .stderr snapshots anyway)"
            );
            false
        }
    }
}

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    if on_pinned_toolchain() {
        t.compile_fail("tests/ui/fail/*.rs");
    }
}
