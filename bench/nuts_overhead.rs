//! Sampler overhead per gradient evaluation on the eight benchmark models: the share of
//! NUTS's wall time spent outside the model's gradient (target: under 10 %).
//!
//! ```text
//! cargo bench --bench nuts_overhead -- [MODEL ...]
//! ```
//!
//! Method, per model, single-threaded (one chain, 1000 warm-up + 1000 draws, seed 1), in
//! five rounds of:
//!
//! 1. Run NUTS on a wrapper that counts gradient (and log-density) evaluations, repeated
//!    (same seed) until 0.2 s have passed; `T` is the wall time, `n` the evaluations.
//! 2. Time the bare gradient (reused `Workspace`) at the run's own draws, cycled, for as
//!    long (at most 2 s): `t` is the mean time per gradient.
//! 3. Overhead = `1 − n·t / T`. The counting wrapper's own cost (one relaxed atomic add
//!    per call) is charged to the sampler, so the figure is an upper bound.
//!
//! For scale, the same is measured for a *floor*: the bare leapfrog integrator
//! (`ppl::samplers::leapfrog` with the run's adapted step size and metric), starting from
//! each of the run's draws with a fresh momentum and taking as many steps as NUTS took on
//! average per draw. Its time outside the gradient is what any HMC must spend per
//! gradient (momentum and position updates, velocity and kinetic energy, momentum
//! draws): no NUTS implementation can have less overhead than this floor.
//!
//! Both are also projected to a gradient as fast as the hand-written analytic one of
//! `bench/hand_written.rs` (`t_hw`, timed at the same draws): time outside the gradient
//! per evaluation `o` (from the run, resp. the floor) gives `o / (o + t_hw)`. This is the
//! overhead the sampler would show once the generated gradient reaches the hand-written
//! one's speed.
//!
//! The median over rounds is reported with its range: both measurements of a round run
//! back to back, so machine-speed drift on a shared machine affects the rounds unequally
//! and the range shows it.

#[path = "models.rs"]
mod models;

#[path = "hand_written.rs"]
mod hand_written;

use models::Visitor;
use ppl::samplers::{leapfrog, Point};
use ppl::{Model, Nuts, Workspace};
use rand::SeedableRng;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Delegates to a model, counting evaluations.
struct Counted<'m, M> {
    model: &'m M,
    calls: AtomicUsize,
}

impl<M: Model> Model for Counted<'_, M> {
    fn dim(&self) -> usize {
        self.model.dim()
    }
    fn param_names(&self) -> Vec<String> {
        self.model.param_names()
    }
    fn layout(&self) -> Vec<ppl::SiteLayout> {
        self.model.layout()
    }
    fn log_density_in(&self, x: &[f64], ws: &mut Workspace) -> ppl::Result<f64> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.model.log_density_in(x, ws)
    }
    fn log_density_gradient_in(
        &self,
        x: &[f64],
        g: &mut [f64],
        ws: &mut Workspace,
    ) -> ppl::Result<f64> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.model.log_density_gradient_in(x, g, ws)
    }
    fn log_density_jvp_in(
        &self,
        x: &[f64],
        v: &[f64],
        ws: &mut Workspace,
    ) -> ppl::Result<(f64, f64)> {
        self.model.log_density_jvp_in(x, v, ws)
    }
    fn log_density_hvp_in(
        &self,
        x: &[f64],
        v: &[f64],
        o: &mut [f64],
        ws: &mut Workspace,
    ) -> ppl::Result<f64> {
        self.model.log_density_hvp_in(x, v, o, ws)
    }
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> ppl::Result<()> {
        self.model.constrain(x, out)
    }
    fn unconstrain(&self, values: &[(&str, &[f64])]) -> ppl::Result<Vec<f64>> {
        self.model.unconstrain(values)
    }
    fn simulate(
        &self,
        rng: &mut dyn rand::RngCore,
        p: Option<&[f64]>,
    ) -> ppl::Result<ppl::Simulation> {
        self.model.simulate(rng, p)
    }
}

struct Overhead;

/// Mean time of a hand-written gradient over `points`, cycled for at least `budget_s`.
struct HandTiming<'p> {
    points: &'p [&'p [f64]],
    budget_s: f64,
}

impl hand_written::Visitor for HandTiming<'_> {
    type Out = f64;
    fn visit<H: hand_written::HandWritten>(self, _: &str, model: &H) -> f64 {
        let (mut g, mut scratch) = (vec![0.0; model.dim()], Vec::new());
        let (mut n, mut acc) = (0usize, 0.0);
        let t0 = Instant::now();
        while t0.elapsed().as_secs_f64() < self.budget_s || n < self.points.len() {
            for p in self.points {
                acc += model.log_density_gradient(black_box(p), &mut g, &mut scratch);
                n += 1;
            }
        }
        black_box(acc);
        t0.elapsed().as_secs_f64() / n as f64
    }
}

/// Rounds per model; the reported overhead is the median over rounds (range in brackets).
const ROUNDS: usize = 5;

impl Visitor for Overhead {
    type Out = Result<String, String>;
    fn visit<M: Model>(self, name: &str, model: &M) -> Self::Out {
        let counted = Counted {
            model,
            calls: AtomicUsize::new(0),
        };
        let nuts = Nuts::new()
            .chains(1)
            .warmup(1000)
            .draws(1000)
            .seed(1)
            .progress(false);
        let fit = nuts.run(&counted).map_err(|e| e.to_string())?;
        let calls_per_run = counted.calls.swap(0, Ordering::Relaxed);
        let chain = fit.chains().first().ok_or("no chain")?;
        let dim = model.dim();
        let points: Vec<&[f64]> = chain.unconstrained.chunks_exact(dim).collect();
        let (mut g, mut ws) = (vec![0.0; dim], Workspace::new());
        let mut overheads = Vec::with_capacity(ROUNDS);
        let mut per_gradient_us = Vec::with_capacity(ROUNDS);
        let mut floors = Vec::with_capacity(ROUNDS);
        let (mut outside_nuts, mut outside_floor) = (Vec::new(), Vec::new());
        let data = models::load(name)?;
        let sampled: usize = chain.stats.iter().map(|s| s.n_leapfrog).sum();
        let steps_per_draw = (sampled as f64 / chain.stats.len().max(1) as f64).round() as usize;
        for _ in 0..ROUNDS {
            // The same seeded run, repeated until it has lasted 0.2 s (fast models)...
            let (start, mut runs) = (Instant::now(), 0usize);
            while runs == 0 || start.elapsed() < Duration::from_millis(200) {
                black_box(nuts.run(&counted).map_err(|e| e.to_string())?);
                runs += 1;
            }
            let total = start.elapsed().as_secs_f64();
            let calls = counted.calls.swap(0, Ordering::Relaxed);
            debug_assert_eq!(calls, runs * calls_per_run);
            // ...then the bare gradient at the run's draws, cycled, for as long.
            let (mut n, mut acc) = (0usize, 0.0);
            let t0 = Instant::now();
            while t0.elapsed().as_secs_f64() < total.min(2.0) || n < points.len() {
                for p in &points {
                    acc += model
                        .log_density_gradient_in(black_box(p), &mut g, &mut ws)
                        .unwrap_or(0.0);
                    n += 1;
                }
            }
            black_box(acc);
            let per_gradient = t0.elapsed().as_secs_f64() / n as f64;
            overheads.push(1.0 - calls as f64 * per_gradient / total);
            per_gradient_us.push(per_gradient * 1e6);
            // The floor: the bare integrator, as many steps per draw as NUTS took.
            let (t0, mut steps) = (Instant::now(), 0usize);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            let mut z = Point::new(dim);
            while steps == 0 || t0.elapsed().as_secs_f64() < total.min(2.0) {
                for p in &points {
                    z.q.copy_from_slice(p);
                    ppl::samplers::evaluate(model, &mut ws, &mut z);
                    z.resample_momentum(&chain.metric, &mut rng);
                    steps += 1;
                    for _ in 0..steps_per_draw {
                        leapfrog(model, &mut ws, &chain.metric, &mut z, chain.step_size);
                    }
                    steps += steps_per_draw;
                }
            }
            let floor_total = t0.elapsed().as_secs_f64();
            floors.push(1.0 - steps as f64 * per_gradient / floor_total);
            outside_nuts.push(total / calls as f64 - per_gradient);
            outside_floor.push(floor_total / steps as f64 - per_gradient);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (lo, hi) = (
            overheads.iter().copied().fold(f64::INFINITY, f64::min),
            overheads.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let hand = HandTiming {
            points: &points,
            budget_s: 0.5,
        };
        let t_hw = hand_written::visit(name, &data, hand)?;
        let (o_nuts, o_floor) = (median(&mut outside_nuts), median(&mut outside_floor));
        Ok(format!(
            "| {name} | {dim} | {calls_per_run} | {:.3} | {:.1} % ({:.1} – {:.1}) | {:.1} % | {:.3} | {:.0} % | {:.0} % |",
            median(&mut per_gradient_us),
            median(&mut overheads) * 100.0,
            lo * 100.0,
            hi * 100.0,
            median(&mut floors) * 100.0,
            t_hw * 1e6,
            o_nuts / (o_nuts + t_hw) * 100.0,
            o_floor / (o_floor + t_hw) * 100.0,
        ))
    }
}

fn main() {
    let asked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    println!("| model | dim | gradient evaluations per run | µs per gradient | NUTS overhead, median of {ROUNDS} (range) | floor: bare leapfrog | hand-written gradient µs | NUTS overhead at hand-written speed | floor at hand-written speed |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for name in models::MODELS {
        if !asked.is_empty() && !asked.iter().any(|a| a == name) {
            continue;
        }
        match models::visit(name, Overhead) {
            Ok(Ok(row)) => println!("{row}"),
            Ok(Err(e)) | Err(e) => println!("| {name} | error: {e} | | | | | | | |"),
        }
    }
}
