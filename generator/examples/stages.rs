//! Prints the time of each generation stage for one document:
//! `cargo run --release -p generator --example stages -- <spec>`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: stages <spec>");
    let text = std::fs::read_to_string(&path).expect("readable spec");
    let t = std::time::Instant::now();
    let doc = generator::Document::parse(&path, &text).expect("parses");
    let parse = t.elapsed();
    let opts = generator::Options { item_sources: false, ..Default::default() };
    let g = generator::generate(&doc, &opts).expect("generates");
    println!("parse {parse:?} lower {:?} render {:?}", g.timings.lower, g.timings.render);
}
