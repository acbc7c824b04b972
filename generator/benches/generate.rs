//! Generation speed on the largest real documents: Veeam 1.3-rev2 (519 operations,
//! 1,794 schemas) and progenitor's nexus.json. Stages are measured separately, and end to end
//! including writing the files. Run with `cargo bench -p generator`.
//!
//! The documents come from the corpus: the folder `OPENAPI_CORPUS` names, by default
//! `tests/corpus` in the workspace (vendored; see the README). `project::corpus_dir()` in xtask is the
//! one definition; this benchmark cannot depend on xtask (xtask depends on the generator),
//! so it repeats the variable's name and default, and nothing else.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

/// Same as `CORPUS_ENV` and `CORPUS_DEFAULT` of xtask's `project.rs`.
const CORPUS_ENV: &str = "OPENAPI_CORPUS";
const CORPUS_DEFAULT: &str = "tests/corpus";

/// The corpus folder, resolved as xtask's `project::corpus_dir()` does: relative to the workspace root.
fn corpus_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the generator lives inside the workspace");
    match std::env::var_os(CORPUS_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join(CORPUS_DEFAULT),
    }
}

fn corpus(rel: &str) -> (String, String) {
    let path = corpus_dir().join(rel);
    match std::fs::read_to_string(&path) {
        Ok(text) => (rel.to_owned(), text),
        Err(e) => {
            // Exit with the reason rather than a panic's backtrace: nothing here is a bug.
            eprintln!(
                "error: the generator benchmark needs {rel} from the corpus of real-world OpenAPI documents, \
                 but cannot read {}: {e}\n\
                 \x20 set {CORPUS_ENV} to the corpus folder (default: {CORPUS_DEFAULT} in the workspace; \
                 a relative path is relative to the workspace root)\n\
                 \x20 the README's section on the corpus says where it comes from; `cargo xtask corpus` checks \
                 the folder",
                path.display()
            );
            std::process::exit(1)
        }
    }
}

fn options() -> generator::Options {
    generator::Options { item_sources: false, features_per_tag: true, ..Default::default() }
}

fn bench(c: &mut Criterion) {
    for rel in ["vbr/vbr_rest_1.3-rev2.json", "progenitor/nexus.json"] {
        let (name, text) = corpus(rel);
        let mut group = c.benchmark_group(name.clone());
        group.sample_size(10).measurement_time(Duration::from_secs(20));
        group.bench_function("parse", |b| b.iter(|| generator::Document::parse(&name, &text).unwrap()));
        let doc = generator::Document::parse(&name, &text).unwrap();
        group.bench_function("lower+render", |b| b.iter(|| generator::generate(&doc, &options()).unwrap()));
        let out = std::env::temp_dir().join(format!("generator-bench-{}", std::process::id()));
        group.bench_function("end_to_end", |b| {
            b.iter_batched(
                || (),
                |()| {
                    let doc = generator::Document::parse(&name, &text).unwrap();
                    let g = generator::generate(&doc, &options()).unwrap();
                    std::fs::create_dir_all(&out).unwrap();
                    for (file, body) in &g.files {
                        std::fs::write(out.join(file), body).unwrap();
                    }
                },
                BatchSize::PerIteration,
            )
        });
        // The stage breakdown of one run, for the record.
        let g = generator::generate(&doc, &options()).unwrap();
        eprintln!("{name}: lower {:?}, render {:?} (one run)", g.timings.lower, g.timings.render);
        group.finish();
        let _ = std::fs::remove_dir_all(&out);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
