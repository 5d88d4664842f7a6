//! Time per gradient of the eight benchmark models: `log_density_gradient_in` with one
//! reused `Workspace`, at point 0 of `bench/stan_reference.json` (the point where the Stan
//! and NumPyro drivers of `bench/peers/` are timed too).
//!
//! ```text
//! cargo bench --bench gradients -- [--ms MILLIS] [MODEL ...]
//! ```
//!
//! For each model: a warm-up, then batches of `n` gradient calls (`n` calibrated so a
//! batch lasts about 10 ms) for about `MILLIS` ms (default 1000) in total; prints the
//! median, minimum and maximum over batches of µs per gradient, and a machine-readable line
//! `RESULT ours <model> <median µs>` for `bench/peers/run.sh`.

#[path = "models.rs"]
mod models;

use models::Visitor;
use ppl::{Model, Workspace};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Timing of one model: µs per gradient over batches.
struct Timing {
    median: f64,
    min: f64,
    max: f64,
    batch: usize,
    batches: usize,
}

struct Time<'a> {
    x: &'a [f64],
    budget: Duration,
}

/// `n` gradient calls at `x`; returns the elapsed time (the log densities are summed and
/// passed through `black_box` so no call can be elided or hoisted).
fn run<M: Model>(model: &M, x: &[f64], g: &mut [f64], ws: &mut Workspace, n: usize) -> Duration {
    let start = Instant::now();
    let mut acc = 0.0;
    for _ in 0..n {
        match model.log_density_gradient_in(black_box(x), g, ws) {
            Ok(lp) => acc += lp,
            Err(e) => panic!("gradient failed: {e}"),
        }
        black_box(&mut *g);
    }
    let elapsed = start.elapsed();
    black_box(acc);
    elapsed
}

impl Visitor for Time<'_> {
    type Out = Timing;
    fn visit<M: Model>(self, _name: &str, model: &M) -> Timing {
        let mut ws = Workspace::new();
        let mut g = vec![0.0; model.dim()];
        // Warm-up (workspace stacks grow to size, caches and branch predictors settle) and
        // calibration of the batch size to about 10 ms.
        let mut n = 1;
        loop {
            let t = run(model, self.x, &mut g, &mut ws, n);
            if t >= Duration::from_millis(10) {
                break;
            }
            n = if t < Duration::from_micros(100) {
                n * 10
            } else {
                // Aim at 12 ms from the rate just measured.
                ((n as f64) * 12e-3 / t.as_secs_f64()).ceil() as usize
            };
        }
        let mut per_call = Vec::new();
        let start = Instant::now();
        while per_call.len() < 5 || start.elapsed() < self.budget {
            let t = run(model, self.x, &mut g, &mut ws, n);
            per_call.push(t.as_secs_f64() * 1e6 / n as f64);
        }
        per_call.sort_by(f64::total_cmp);
        Timing {
            median: per_call[per_call.len() / 2],
            min: per_call[0],
            max: per_call[per_call.len() - 1],
            batch: n,
            batches: per_call.len(),
        }
    }
}

fn main() {
    let mut budget = Duration::from_millis(1000);
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            // `cargo bench` passes `--bench` to custom harnesses.
            "--bench" => {}
            "--ms" => {
                let ms = args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("--ms needs a number of milliseconds");
                    std::process::exit(2)
                });
                budget = Duration::from_millis(ms);
            }
            _ => names.push(a),
        }
    }
    if names.is_empty() {
        names = models::MODELS.iter().map(|s| s.to_string()).collect();
    }
    for name in &names {
        let timing = models::stan_points(name).and_then(|points| {
            let x = &points
                .first()
                .ok_or_else(|| format!("{name}: no reference point"))?
                .x;
            models::visit(name, Time { x, budget })
        });
        match timing {
            Ok(t) => {
                println!(
                    "{name:<18} {:>10.4} µs/gradient (min {:.4}, max {:.4}; {} batches of {})",
                    t.median, t.min, t.max, t.batches, t.batch
                );
                println!("RESULT ours {name} {:.6}", t.median);
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}
