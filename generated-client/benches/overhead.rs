//! What the generated client costs over a hand-written reqwest call doing the same request.
//!
//! Both send `GET /api/v1/credentials/{id}` with the same headers (`x-api-version`, `Accept`,
//! `Authorization: Bearer`, `User-Agent`) through reqwest clients configured alike, check the
//! status and decode the same `CredentialsModel`, against one local axum server running on
//! its own thread. Reported:
//!
//! - latency: median and p90 of single requests sent one after another, the two clients
//!   alternating in blocks of 500 so that drift (other processes, CPU frequency) affects both
//!   alike; the overhead is the difference of the medians;
//! - client CPU per request: CPU time of the client's thread only (from
//!   `/proc/thread-self/schedstat`), median over the blocks: the least noisy figure on a
//!   shared machine;
//! - throughput with 64 requests in flight, median of alternating runs;
//! - allocations per request (client and server together), and the size of each future;
//! - resident memory before and after 100,000 requests through the generated client.
//!
//! `cargo bench -p veeam-client --bench overhead` runs it in well under a minute;
//! `cargo test --all-targets` builds it and, without `--bench`, it makes a smoke pass of a few
//! hundred requests. `VEEAM_BENCH_PROFILE=generated|raw` (with `VEEAM_BENCH_N`) only sends
//! sequential requests through one client, for profilers.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use veeam_client::runtime::Secret;
use veeam_client::vbr::{self, types::CredentialsModel};

/// Counts allocations, to report how many each call makes.
struct Counting;

static ALLOCATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const RECORD: &str = r#"{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","username":"corp\\svc-backup","description":"Service account for the nightly backup jobs","type":"Standard","creationTime":"2024-03-01T10:15:22.123Z","uniqueId":"b7e3c2a1"}"#;

struct Sizes {
    warmup: usize,
    rounds: usize,
    per_round: usize,
    throughput: usize,
    throughput_rounds: usize,
    memory: usize,
}

const FULL: Sizes =
    Sizes { warmup: 2_000, rounds: 40, per_round: 500, throughput: 5_000, throughput_rounds: 21, memory: 100_000 };
const SMOKE: Sizes = Sizes { warmup: 20, rounds: 2, per_round: 20, throughput: 200, throughput_rounds: 1, memory: 200 };

/// Starts the server on its own thread and runtime (one worker) and returns its base URL.
fn start_server() -> String {
    use axum::routing::{get, post};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let token = r#"{"access_token":"AT-bench","token_type":"bearer","refresh_token":"RT-bench","expires_in":3600,".issued":"2024-01-01T00:00:00Z",".expires":"2024-01-01T01:00:00Z"}"#;
            let json = |body: &'static str| ([("content-type", "application/json")], body);
            let app = axum::Router::new()
                .route("/api/oauth2/token", post(move || async move { json(token) }))
                .route("/api/v1/credentials/{id}", get(move || async move { json(RECORD) }));
            axum::serve(tokio::net::TcpListener::from_std(listener).unwrap(), app).await.unwrap();
        });
    });
    url
}

/// The hand-written equivalent of `get_creds`.
#[derive(Clone)]
struct Raw {
    http: reqwest::Client,
    base: String,
    bearer: reqwest::header::HeaderValue,
}

impl Raw {
    async fn get(&self) -> CredentialsModel {
        let resp = self
            .http
            .get(format!("{}/api/v1/credentials/{}", self.base, id()))
            .header("x-api-version", "1.3-rev0")
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, self.bearer.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.bytes().await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }
}

fn id() -> uuid::Uuid {
    "3fa85f64-5717-4562-b3fc-2c963f66afa6".parse().unwrap()
}

async fn generated(client: &vbr::Client) -> CredentialsModel {
    client.get_creds(id()).await.unwrap()
}

fn median_and_p90(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    (us(v[v.len() / 2]), us(v[v.len() * 9 / 10]))
}

/// CPU time this thread has run, in nanoseconds (Linux), or `None` elsewhere. The client side
/// runs on the main thread and the server on others, so this is the client's own cost.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

/// Resident set size in bytes (Linux), or `None` elsewhere.
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn concurrently<F, Fut>(n: usize, in_flight: usize, f: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = CredentialsModel>,
{
    let started = Instant::now();
    futures::stream::iter(0..n).map(|_| f()).buffer_unordered(in_flight).for_each(|_| async {}).await;
    started.elapsed()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full { FULL } else { SMOKE };
    let base = start_server();
    // The client side runs on one thread, like the server, so the figures compare the
    // clients' work rather than how the two threads are scheduled.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = vbr::Client::builder(&base).build().unwrap();
        client.login("bench", Secret::from("bench")).await.unwrap();
        let raw = Raw {
            // The generated builder's defaults: same user agent and timeouts.
            http: reqwest::Client::builder()
                .user_agent(concat!("veeam-client/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: base.clone(),
            bearer: reqwest::header::HeaderValue::from_static("Bearer AT-bench"),
        };
        assert_eq!(generated(&client).await, raw.get().await, "both calls decode the same record");
        let future_sizes = (std::mem::size_of_val(&generated(&client)), std::mem::size_of_val(&raw.get()));

        // Allocations per call (both sides of the connection: the server's are the same for both).
        let allocations = |n: u64| ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed) as f64 / n as f64;
        let start = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
        for _ in 0..1000 {
            generated(&client).await;
        }
        let gen_allocs = allocations(1000) - start as f64 / 1000.0;
        let start = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
        for _ in 0..1000 {
            raw.get().await;
        }
        let raw_allocs = allocations(1000) - start as f64 / 1000.0;

        // `VEEAM_BENCH_PROFILE=generated` (or `raw`) only sends `VEEAM_BENCH_N` (100,000)
        // requests through that client, `VEEAM_BENCH_IN_FLIGHT` (1) at a time, for `perf
        // record`, valgrind and the like.
        if let Ok(which) = std::env::var("VEEAM_BENCH_PROFILE") {
            let n: usize = std::env::var("VEEAM_BENCH_N").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
            let in_flight: usize =
                std::env::var("VEEAM_BENCH_IN_FLIGHT").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
            let cpu = thread_cpu_ns();
            let t = if which == "raw" {
                concurrently(n, in_flight, || raw.get()).await
            } else {
                concurrently(n, in_flight, || generated(&client)).await
            };
            let cpu = thread_cpu_ns().zip(cpu).map(|(b, a)| (b - a) as f64 / 1e3 / n as f64).unwrap_or(f64::NAN);
            println!("{which}: {n} requests, {in_flight} in flight, in {t:?}; client CPU {cpu:.1} µs per request");
            return;
        }
        for _ in 0..sizes.warmup {
            generated(&client).await;
            raw.get().await;
        }

        let (mut gen_times, mut raw_times) = (Vec::new(), Vec::new());
        let (mut gen_cpu, mut raw_cpu) = (Vec::new(), Vec::new());
        for round in 0..sizes.rounds {
            // Alternate which goes first, so neither always runs on a warmer cache.
            for which in [round % 2, 1 - round % 2] {
                let cpu_before = thread_cpu_ns();
                for _ in 0..sizes.per_round {
                    let started = Instant::now();
                    if which == 0 {
                        generated(&client).await;
                        gen_times.push(started.elapsed());
                    } else {
                        raw.get().await;
                        raw_times.push(started.elapsed());
                    }
                }
                if let (Some(a), Some(b)) = (cpu_before, thread_cpu_ns()) {
                    let per_request = (b - a) as f64 / 1e3 / sizes.per_round as f64;
                    if which == 0 {
                        gen_cpu.push(per_request)
                    } else {
                        raw_cpu.push(per_request)
                    }
                }
            }
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied()
        };
        let (gen_cpu, raw_cpu) = (median(gen_cpu), median(raw_cpu));
        let (gen_median, gen_p90) = median_and_p90(gen_times);
        let (raw_median, raw_p90) = median_and_p90(raw_times);

        let mut gen_rps = Vec::new();
        let mut raw_rps = Vec::new();
        for round in 0..sizes.throughput_rounds {
            for which in [round % 2, 1 - round % 2] {
                if which == 0 {
                    let t = concurrently(sizes.throughput, 64, || generated(&client)).await;
                    gen_rps.push(sizes.throughput as f64 / t.as_secs_f64());
                } else {
                    let t = concurrently(sizes.throughput, 64, || raw.get()).await;
                    raw_rps.push(sizes.throughput as f64 / t.as_secs_f64());
                }
            }
        }
        let (gen_rps, raw_rps) = (median(gen_rps).unwrap_or(0.0), median(raw_rps).unwrap_or(0.0));

        // Memory: settle first (connection pool, allocator caches), then 100,000 requests.
        concurrently(sizes.memory / 10, 64, || generated(&client)).await;
        let before = rss();
        concurrently(sizes.memory, 64, || generated(&client)).await;
        let after = rss();

        println!("veeam-client overhead benchmark ({} mode)", if full { "full" } else { "smoke" });
        println!("  latency, sequential GET (n = {} each)", sizes.rounds * sizes.per_round);
        println!("    hand-written reqwest: median {raw_median:8.1} µs   p90 {raw_p90:8.1} µs");
        println!("    generated client:     median {gen_median:8.1} µs   p90 {gen_p90:8.1} µs");
        println!(
            "    overhead:             median {:+8.1} µs   ({:+.1}% of the hand-written call)",
            gen_median - raw_median,
            (gen_median / raw_median - 1.0) * 100.0
        );
        if let (Some(g), Some(r)) = (gen_cpu, raw_cpu) {
            println!("  client CPU per request (client thread only, median of {} blocks)", sizes.rounds);
            println!("    hand-written reqwest: {r:8.1} µs");
            println!("    generated client:     {g:8.1} µs   ({:+.1} µs, {:+.1}%)", g - r, (g / r - 1.0) * 100.0);
        }
        println!(
            "  throughput, 64 in flight (n = {} per run, median of {} runs each)",
            sizes.throughput, sizes.throughput_rounds
        );
        println!("    hand-written reqwest: {raw_rps:9.0} req/s");
        println!("    generated client:     {gen_rps:9.0} req/s   ({:+.1}%)", (gen_rps / raw_rps - 1.0) * 100.0);
        println!(
            "  allocations per request (client and server): generated {gen_allocs:.1}, hand-written {raw_allocs:.1}"
        );
        println!("  future size: generated {} bytes, hand-written {} bytes", future_sizes.0, future_sizes.1);
        match (before, after) {
            (Some(b), Some(a)) => println!(
                "  memory, {} requests through the generated client: RSS {:.1} MiB -> {:.1} MiB ({:+.1} KiB)",
                sizes.memory,
                b as f64 / 1048576.0,
                a as f64 / 1048576.0,
                (a as f64 - b as f64) / 1024.0
            ),
            _ => println!("  memory: /proc/self/statm is not available here"),
        }
    });
}
