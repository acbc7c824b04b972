//! `openapi-spec diff`: what a change of a spec means, on the wire and for the
//! generated Rust API, and the semver bump the client crate needs.
//!
//! Two comparisons, joined. [`wire`] walks both documents element by element (operations by
//! method and path, parameters by location and name, schemas by pointer) and classifies each
//! change against the wire contract. [`rust`] generates both documents with the generator
//! and compares their public surfaces ([`generator::api_surface`]). Each Rust change is
//! attached to the spec change whose element is nearest the item's own (both sides name
//! elements by the same anchors); a Rust change no spec change explains is listed on its own.
//!
//! A spec that declares its API's revisions (`x-api-revisions`, see [`crate::import`]) gets
//! each entry's revisions too: those of its element, or, for a change of the revision marks,
//! the revisions gained or lost ([`wire`] judges those per revision).

pub mod cli;
pub mod rust;
pub mod wire;

use std::fmt::Write as _;

use generator::{Document, Options};

pub use rust::{RustChange, RustImpact};
pub use wire::{Reach, SpecChange, Wire};

/// The version bump a change needs, in semver terms for a 1.x crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// No release needed.
    None,
    /// Same API, other docs or behaviour.
    Patch,
    /// Compatible additions.
    Minor,
    /// Something breaks.
    Major,
}

impl Bump {
    /// The word a report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// The version after this bump. Cargo treats `0.x.y` as `x` being the major version:
    /// a breaking change bumps `x`, anything compatible bumps `y`.
    pub fn apply(self, version: &str) -> String {
        let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        let (major, minor, patch) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        match (self, major) {
            (Bump::None, _) => version.to_owned(),
            (Bump::Major, 0) => format!("0.{}.0", minor + 1),
            (_, 0) => format!("0.{minor}.{}", patch + 1),
            (Bump::Major, m) => format!("{}.0.0", m + 1),
            (Bump::Minor, m) => format!("{m}.{}.0", minor + 1),
            (Bump::Patch, m) => format!("{m}.{minor}.{}", patch + 1),
        }
    }
}

/// One line of the report: a spec change, or a Rust change no spec change explains.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Where.
    pub site: String,
    /// What changed in the spec.
    pub what: String,
    /// Against the wire contract.
    pub wire: Wire,
    /// Against the generated Rust API.
    pub rust: RustImpact,
    /// The public Rust items that change, as sentences.
    pub items: Vec<String>,
    /// The API revisions it affects (`all`, `1.3-rev2`, `1.2-rev1..1.3-rev0`), when the spec
    /// declares its revisions; `None` otherwise, and for a Rust change no spec change explains.
    pub revisions: Option<String>,
}

impl Entry {
    /// The bump this entry alone needs.
    pub fn bump(&self) -> Bump {
        match (self.wire, self.rust) {
            (Wire::Breaking, _) | (_, RustImpact::Breaking) => Bump::Major,
            (Wire::Compatible, _) | (_, RustImpact::Additive) => Bump::Minor,
            (_, RustImpact::Docs) => Bump::Patch,
            _ => Bump::None,
        }
    }

    /// Whether anything breaks, on the wire or in Rust.
    pub fn breaking(&self) -> bool {
        self.wire == Wire::Breaking || self.rust == RustImpact::Breaking
    }
}

/// The comparison of one spec.
#[derive(Clone, Debug)]
pub struct Section {
    /// The spec, as the report names it (`spec/vbr.yaml`).
    pub spec: String,
    /// Its changes, in document order.
    pub entries: Vec<Entry>,
}

/// The comparison of every spec, and what it means for the crate.
#[derive(Clone, Debug)]
pub struct Report {
    /// What is compared with what (`HEAD → working tree`).
    pub label: String,
    /// The crate the specs generate, and its current version, when known (two documents
    /// compared on their own name no crate).
    pub krate: Option<(String, String)>,
    /// One section per spec.
    pub sections: Vec<Section>,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Ready to paste into a pull-request review.
    Markdown,
    /// For a terminal.
    Text,
}

/// Compares two versions of one spec: `module` is the generated module's name (`vbr`),
/// `opts` the generation options (the curated ones for a curated spec).
pub fn compare(spec: &str, old: &Document, new: &Document, opts: &Options, module: &str) -> anyhow::Result<Section> {
    let old_surface = surface(old, opts, "old")?;
    compare_from(spec, old, &old_surface, new, opts, module)
}

/// [`compare`], with the old version's public surface already read (one spec compared with
/// many edits of it reads it once).
pub(crate) fn compare_from(
    spec: &str,
    old: &Document,
    old_surface: &generator::Surface,
    new: &Document,
    opts: &Options,
    module: &str,
) -> anyhow::Result<Section> {
    let new_surface = surface(new, opts, "new")?;
    let spec_changes = wire::diff(old, new);
    let rust_changes = rust::diff(old_surface, &new_surface, module, new);
    Ok(Section { spec: spec.to_owned(), entries: join(spec_changes, rust_changes) })
}

fn surface(doc: &Document, opts: &Options, which: &str) -> anyhow::Result<generator::Surface> {
    generator::api_surface(doc, opts).map_err(|d| anyhow::anyhow!("the {which} spec has problems:\n{d}"))
}

/// How well a spec change's anchors fit a Rust change's item: the same element, else the
/// change's element contains the item's (the longer the closer), else it lies inside the
/// item's (the shorter the closer); within what the change's [`Reach`] allows.
fn fit(change: &SpecChange, rust: &RustChange) -> Option<(u8, i64)> {
    let item = &rust.anchor;
    // An item whose element is unknown is related to every change; it explains none.
    if item.as_str().is_empty() {
        return None;
    }
    change
        .anchors
        .iter()
        .filter_map(|a| {
            let len = a.as_str().len() as i64;
            if a == item {
                Some((4, 0))
            } else if change.reach == Reach::Names && rust.renamed && item.starts_with(a) {
                Some((3, len))
            } else if change.reach != Reach::Element {
                None
            } else if item.starts_with(a) {
                Some((2, len))
            } else if a.starts_with(item) {
                Some((1, -len))
            } else {
                None
            }
        })
        .max()
}

fn join(spec_changes: Vec<SpecChange>, rust_changes: Vec<RustChange>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = spec_changes
        .iter()
        .map(|c| Entry {
            site: c.site.clone(),
            what: c.what.clone(),
            wire: c.wire,
            rust: if c.docs { RustImpact::Docs } else { RustImpact::None },
            items: Vec::new(),
            revisions: c.revisions.clone(),
        })
        .collect();
    let mut loose = Vec::new();
    for r in rust_changes {
        // Prose changes explain no API change; the first of equally close changes wins.
        let best = spec_changes
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.docs)
            .filter_map(|(i, c)| fit(c, &r).map(|score| (score, std::cmp::Reverse(i))))
            .max()
            .map(|(_, std::cmp::Reverse(i))| i);
        match best {
            Some(i) => {
                entries[i].rust = entries[i].rust.max(r.impact);
                entries[i].items.push(r.text);
            }
            None => loose.push(r),
        }
    }
    for r in loose {
        entries.push(Entry {
            site: format!("`{}`", r.anchor),
            what: "no change at this element explains it: it follows from one elsewhere (an `allOf` parent, a \
                   shared component)"
                .into(),
            wire: Wire::None,
            rust: r.impact,
            items: vec![r.text],
            revisions: None,
        });
    }
    entries
}

impl Report {
    /// The bump the crate needs.
    pub fn bump(&self) -> Bump {
        self.entries().map(Entry::bump).max().unwrap_or(Bump::None)
    }

    /// Whether anything breaks, on the wire or in Rust.
    pub fn breaking(&self) -> bool {
        self.entries().any(Entry::breaking)
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.sections.iter().flat_map(|s| &s.entries)
    }

    fn summary(&self) -> String {
        let (name, version) = match &self.krate {
            Some((name, version)) => (name.clone(), Some(version.as_str())),
            None => ("a client generated from it".to_owned(), None),
        };
        let specs: Vec<String> = self.sections.iter().map(|s| format!("`{}`", s.spec)).collect();
        let total = self.entries().count();
        if total == 0 {
            return format!("No changes in {} ({}): {name} needs no release.", specs.join(", "), self.label);
        }
        let breaking = self.entries().filter(|e| e.breaking()).count();
        let bump = self.bump();
        let changes = format!("{total} change{}", if total == 1 { "" } else { "s" });
        if bump == Bump::None {
            return format!(
                "{changes} in {} ({}), none on the wire or in the generated API: {name} needs no release.",
                specs.join(", "),
                self.label
            );
        }
        let release = match version {
            Some(version) => {
                let next = bump.apply(version);
                let zero = if version.starts_with("0.") {
                    " (0.x: a breaking change bumps the minor, anything else the patch)"
                } else {
                    ""
                };
                format!("{name} needs a {} bump: {version} → {next}{zero}", bump.as_str())
            }
            None => format!("{name} needs a {} release", bump.as_str()),
        };
        format!("{release}. {changes} in {} ({}), {breaking} breaking.", specs.join(", "), self.label)
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        match format {
            Format::Markdown => {
                let _ = writeln!(out, "### Spec diff\n\n**{}**", self.summary());
                for s in self.sections.iter().filter(|s| !s.entries.is_empty()) {
                    let _ = writeln!(out, "\n#### `{}`\n", s.spec);
                    // The revisions column, when the spec declares its revisions.
                    let revisions = s.entries.iter().any(|e| e.revisions.is_some());
                    let (head, rule) = if revisions { (" Revisions |", "---|") } else { ("", "") };
                    let _ = writeln!(out, "| Where |{head} Change | Wire | Rust | Bump | Rust items |");
                    let _ = writeln!(out, "|---|{rule}---|---|---|---|---|");
                    for e in &s.entries {
                        let items = if e.items.is_empty() { "—".to_owned() } else { e.items.join("<br>") };
                        let cell = |t: &str| t.replace('|', "\\|");
                        let revs = match (revisions, &e.revisions) {
                            (false, _) => String::new(),
                            (true, Some(r)) => format!(" {} |", cell(r)),
                            (true, None) => " — |".to_owned(),
                        };
                        let _ = writeln!(
                            out,
                            "| {} |{revs} {} | {} | {} | {} | {} |",
                            cell(&e.site),
                            cell(&e.what),
                            e.wire.as_str(),
                            e.rust.as_str(),
                            e.bump().as_str(),
                            cell(&items)
                        );
                    }
                }
            }
            Format::Text => {
                let _ = writeln!(out, "{}", self.summary().replace('`', ""));
                for s in self.sections.iter().filter(|s| !s.entries.is_empty()) {
                    let _ = writeln!(out, "\n{}", s.spec);
                    for e in &s.entries {
                        let revisions = e.revisions.as_ref().map(|r| format!("; revisions {r}")).unwrap_or_default();
                        let line = format!(
                            "  [wire {}, rust {}, {}{revisions}] {}: {}",
                            e.wire.as_str(),
                            e.rust.as_str(),
                            e.bump().as_str(),
                            e.site,
                            e.what
                        );
                        let _ = writeln!(out, "{}", line.replace('`', ""));
                        for i in &e.items {
                            let _ = writeln!(out, "      {}", i.replace('`', ""));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
