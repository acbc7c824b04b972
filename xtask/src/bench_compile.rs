//! `cargo xtask bench-compile`: what a downstream crate pays for the generated code on every
//! build. Generates a standalone crate, builds its dependencies (the runtime crate among them)
//! once, then times `cargo check` of the crate alone (its `src/lib.rs` touched before each run)
//! and reports the median. With `--vendor-runtime` the runtime is part of the crate, and so of
//! what is measured, as it was before the runtime became a crate.
//!
//! Incremental compilation is off, as it is for every dependency of a downstream crate: each
//! run checks the whole crate, which is what a user's build of the client costs.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use openapi_client_gen::manifest::RuntimeSource;
use openapi_client_gen::standalone::{generate_crate, Settings};

/// One measurement: the crate, its size, and every run.
pub struct CompileBench {
    /// Lines of Rust in the crate (the API module, and the runtime when vendored).
    pub lines: usize,
    /// `cargo check` wall time of each run, in run order.
    pub runs: Vec<Duration>,
}

impl CompileBench {
    /// The median run.
    pub fn median(&self) -> Duration {
        let mut sorted = self.runs.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
}

/// Generates `spec` into `dir` and times `runs` checks of it (`runs` ≥ 1).
pub fn run(root: &Path, spec: &Path, dir: &Path, runs: usize, vendor_runtime: bool) -> Result<CompileBench> {
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let runtime = match vendor_runtime {
        true => RuntimeSource::Vendored,
        false => RuntimeSource::Path(root.join("generator/runtime")),
    };
    let _ = std::fs::remove_dir_all(dir.join("src"));
    let settings = Settings { runtime, command: "cargo xtask bench-compile".into(), ..Settings::new("bench-client") };
    generate_crate(spec, dir, &settings)?;
    let check = || -> Result<Duration> {
        let started = Instant::now();
        let status = Command::new(env!("CARGO"))
            .current_dir(dir)
            .args(["check", "--quiet"])
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .status()
            .context("running cargo check")?;
        if !status.success() {
            bail!("cargo check of the generated crate failed");
        }
        Ok(started.elapsed())
    };
    // Dependencies first; that build is not what is measured.
    check()?;
    let lib = dir.join("src/lib.rs");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let text = std::fs::read(&lib)?;
        std::fs::write(&lib, text)?; // a new mtime: cargo rechecks the crate, not its dependencies
        times.push(check()?);
    }
    Ok(CompileBench { lines: count_lines(&dir.join("src"))?, runs: times })
}

fn count_lines(dir: &Path) -> Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            n += count_lines(&path)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            n += std::fs::read_to_string(&path)?.lines().count();
        }
    }
    Ok(n)
}
