//! `cargo xtask` builds xtask alone, so Cargo resolves the features of its dependencies for
//! xtask only; `cargo test --workspace` resolves them for every member at once. Where the two
//! differ, every crate above the difference (the generator and spec-tools among them) is
//! compiled once for `cargo xtask` and again for the tests. xtask/Cargo.toml therefore turns
//! on, for xtask's build, the features the rest of the workspace turns on (the "workspace
//! hack" pattern, by hand, until Cargo's `resolver.feature-unification = "workspace"` is
//! stable). The test below fails when the two drift apart, naming what to add.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::process::Command;

    /// Each package `cargo tree args` shows, with every feature set it is built with (a
    /// package built for the host and for the target can have two).
    fn features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let output = Command::new(cargo)
            .current_dir(crate::project::root())
            .args(["tree", "--locked", "--prefix", "none", "--format", "{p}|{f}"])
            .args(args)
            .output()
            .expect("running cargo tree");
        assert!(output.status.success(), "cargo tree {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            let Some((package, features)) = line.split_once('|') else { continue };
            // `serde v1.0.229 (proc-macro)`, `generator v0.1.0 (/path)`: name and version.
            let package = package.split(" (").next().unwrap().trim().to_owned();
            let features = features.trim_end_matches(" (*)").to_owned();
            packages.entry(package).or_default().insert(features);
        }
        packages
    }

    #[test]
    fn xtask_builds_its_dependencies_with_the_workspaces_features() {
        let xtask = features(&["--package", "xtask", "--edges", "normal,build"]);
        let workspace = features(&["--workspace"]);
        assert!(xtask.contains_key("generator v0.1.0"), "cargo tree's output changed shape: {xtask:?}");
        let drift: Vec<String> = xtask
            .iter()
            .filter_map(|(package, sets)| {
                let built = workspace.get(package).cloned().unwrap_or_default();
                let extra: Vec<&String> = sets.difference(&built).collect();
                (!extra.is_empty())
                    .then(|| format!("{package}: xtask builds it with {extra:?}, the workspace with {built:?}"))
            })
            .collect();
        assert!(
            drift.is_empty(),
            "cargo xtask and cargo test --workspace build these with different features, so the test build compiles \
             them (and everything above them) again; add the workspace's features to xtask/Cargo.toml:\n{}",
            drift.join("\n")
        );
    }
}
