//! Generation speed on the largest real documents: Veeam 1.3-rev2 (519 operations,
//! 1,794 schemas) and progenitor's nexus.json. Stages are measured separately, and end to end
//! including writing the files. Run with `cargo bench -p generator`.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn corpus(rel: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (rel.to_owned(), text)
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
