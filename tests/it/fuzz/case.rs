//! A case: one document and the options it is generated with, derived from the run's seed and
//! the iteration alone.

use generator::Options;

use super::mutate::{mutate, Log};
use super::rng::Rng;
use super::seeds::{subset, Seeds};
use super::text::mutate_text;

/// The generator options a case varies; `FUZZ_OPTIONS` spells them `features,deny,strict`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Opts {
    pub(super) features: bool,
    pub(super) deny: bool,
    pub(super) strict: bool,
}

impl Opts {
    pub(super) fn options(self) -> Options {
        Options {
            item_sources: false,
            features_per_tag: self.features,
            deny_warnings: self.deny,
            strict_inline_names: self.strict,
            ..Default::default()
        }
    }

    pub(super) fn encode(self) -> String {
        let mut parts = Vec::new();
        if self.features {
            parts.push("features");
        }
        if self.deny {
            parts.push("deny");
        }
        if self.strict {
            parts.push("strict");
        }
        parts.join(",")
    }

    pub(super) fn decode(s: &str) -> Opts {
        Opts { features: s.contains("features"), deny: s.contains("deny"), strict: s.contains("strict") }
    }
}

/// One case: what [`make_case`] builds from the run's seed and an iteration.
pub(super) struct Case {
    pub(super) iteration: u64,
    /// The name given to `Document::parse`: its extension picks the parser.
    pub(super) file: String,
    pub(super) text: String,
    pub(super) opts: Opts,
    /// Generate twice and compare.
    pub(super) twice: bool,
    pub(super) log: Log,
}

pub(super) fn make_case(seeds: &Seeds, run_seed: u64, iteration: u64) -> Case {
    let mut rng = Rng::for_case(run_seed, iteration);
    let seed = seeds.pick(&mut rng);
    let mut log = vec![format!("seed document: {}", seed.label)];
    let stem = seed
        .label
        .rsplit('/')
        .next()
        .unwrap_or("doc")
        .rsplit_once('.')
        .map_or(seed.label.as_str(), |(s, _)| s)
        .to_owned();
    let seed_is_json = seed.label.ends_with(".json");
    let (json_text, text) = match &seed.tree {
        None => (seed_is_json, mutate_text(&seed.text, &mut rng, &mut log)),
        Some(tree) => {
            // The whole of a big document now and then; it is the case that takes longest.
            let whole_big = !cfg!(debug_assertions) && rng.chance(1, 150);
            let mut doc = if seed.big && !whole_big { subset(tree, &mut rng, &mut log) } else { tree.clone() };
            let n = if rng.chance(1, 4) { rng.range(1, 12) } else { rng.range(1, 4) };
            for _ in 0..n {
                mutate(&mut doc, &mut rng, &seeds.donors, &mut log);
            }
            let as_json = if rng.chance(3, 4) { seed_is_json } else { !seed_is_json };
            let text = if as_json {
                if rng.chance(1, 2) { serde_json::to_string_pretty(&doc) } else { serde_json::to_string(&doc) }
                    .expect("a value serializes")
            } else {
                serde_yaml::to_string(&doc).expect("a value serializes as YAML")
            };
            let text = if rng.chance(1, 8) { mutate_text(&text, &mut rng, &mut log) } else { text };
            (as_json, text)
        }
    };
    let file = format!("fuzz/{stem}.{}", if json_text { "json" } else { "yaml" });
    let opts = Opts { features: rng.chance(1, 4), deny: rng.chance(1, 8), strict: rng.chance(1, 8) };
    Case { iteration, file, text, opts, twice: rng.chance(1, 30), log }
}
