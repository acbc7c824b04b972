//! Reports: a finding's reproducers and what is known about it, in `target/fuzz-crashes/`.

use std::path::{Path, PathBuf};

use super::case::{Case, Opts};
use super::check::Finding;

/// A short, stable hash of a finding's key, for file names.
fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

/// A file name's extension, which picks the parser (YAML unless it says otherwise).
pub(super) fn ext(file: &str) -> &str {
    file.rsplit_once('.').map_or("yaml", |(_, e)| e)
}

/// Writes the reproducer and its report; returns the report's path.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_report(
    out: &Path,
    f: &Finding,
    cfg_seed: u64,
    case: Option<&Case>,
    orig: (&str, &str),
    min: Option<(&str, &str)>,
    opts: Opts,
    note: &str,
) -> PathBuf {
    std::fs::create_dir_all(out).expect("creating target/fuzz-crashes");
    let id = format!("{}-{}", f.kind, fnv(&f.key));
    let orig_path = out.join(format!("{id}.orig.{}", ext(orig.0)));
    std::fs::write(&orig_path, orig.1).expect("writing a reproducer");
    let min_path = min.map(|(file, text)| {
        let p = out.join(format!("{id}.{}", ext(file)));
        std::fs::write(&p, text).expect("writing a reproducer");
        p
    });
    let mut r = String::new();
    r.push_str(&format!("finding: {}\n", f.key));
    if let Some(c) = case {
        r.push_str(&format!("case: FUZZ_SEED={cfg_seed:#x} FUZZ_CASE={} (file name {:?})\n", c.iteration, c.file));
    }
    r.push_str(&format!("options: {:?} (FUZZ_OPTIONS={:?})\n", opts.options(), opts.encode()));
    r.push_str(&format!("original: {} ({} bytes)\n", orig_path.display(), orig.1.len()));
    if let Some(p) = &min_path {
        r.push_str(&format!("minimized: {} ({} bytes)\n", p.display(), min.unwrap().1.len()));
        r.push_str(&format!(
            "rerun: FUZZ_FILE={} FUZZ_OPTIONS={:?} cargo test -p tests --test it -- --exact fuzz::generate --nocapture\n",
            p.display(),
            opts.encode()
        ));
    }
    if !note.is_empty() {
        r.push_str(note);
        r.push('\n');
    }
    if let Some(c) = case {
        r.push_str("\nmutations:\n");
        for l in &c.log {
            r.push_str(&format!("  {l}\n"));
        }
    }
    r.push_str(&format!("\n{}\n", f.detail));
    if let Some((_, text)) = min {
        r.push_str(&format!("\nminimized document:\n{}\n", text.chars().take(6000).collect::<String>()));
    }
    let report = out.join(format!("{id}.txt"));
    std::fs::write(&report, r).expect("writing a report");
    report
}
