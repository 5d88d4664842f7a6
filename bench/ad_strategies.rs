//! Cost of a gradient by automatic-differentiation strategy, on the eight benchmark models
//! (criterion):
//!
//! ```text
//! cargo bench --bench ad_strategies [-- FILTER]
//! ```
//!
//! Per model, at point 0 of `bench/stan_reference.json` (where `gradients.rs` and the peers
//! are timed), criterion measures (benchmark ids `<model>/<strategy>`):
//!
//! | strategy | what one iteration is |
//! |---|---|
//! | `primal` | `log_density_in` (generated primal, reused `Workspace`) |
//! | `generated` | `log_density_gradient_in` (generated reverse mode, reused `Workspace`) |
//! | `hand_written` | the hand-written analytic gradient of `hand_written.rs` |
//! | `tape` | the same model on echidna's tape (`tape_models.rs`): record + reverse sweep |
//! | `dual` | `dim` forward passes `log_density_jvp_in(x, eᵢ)` (generated JVP on `Dual`) |
//! | `fd` | central finite differences: `2·dim` calls of `log_density_in` |
//!
//! All of them compute `log p` and the full gradient (the tests of the `bench_models`
//! example check they agree to 1e-12). After criterion's own report (whose median and
//! confidence interval are per measurement), the bench reads every measurement's samples
//! back from criterion's `<target>/criterion/<model>/<strategy>/new/sample.json` and prints
//! a markdown table of the FASTEST sample's time per iteration, also written to
//! `<target>/ad_strategies.md` (`<target>` = `$CARGO_TARGET_DIR`, else `target/`). The
//! minimum, not the median: the project's machine is shared, and other jobs slow down
//! some samples by 2–3× (criterion's medians of the same strategy moved by up to 2.5×
//! between runs minutes apart, so ratios of medians measured seconds apart were noise);
//! the fastest of 20 samples (each 5–150 ms) is the least-disturbed one: between two runs
//! most cells agree within 5%.
//! Runs are kept short (20 samples over 1.5 s after 0.5 s of warm-up per measurement): the
//! whole bench takes about two minutes.

#[path = "hand_written.rs"]
mod hand_written;
#[path = "models.rs"]
mod models;
#[path = "tape_models.rs"]
mod tape_models;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use ppl::{Model, Workspace};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Benchmark ids within a model's group, in table order.
const STRATEGIES: [&str; 6] = ["primal", "generated", "hand_written", "tape", "dual", "fd"];

/// The generated code's four strategies.
struct Generated<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    x: &'g [f64],
}

impl models::Visitor for Generated<'_, '_> {
    type Out = usize;
    fn visit<M: Model>(self, name: &str, m: &M) -> usize {
        let x = self.x;
        let n = m.dim();
        let mut ws = Workspace::new();
        let mut g = vec![0.0; n];
        let fail = |e: ppl::Error| -> f64 { panic!("{name}: {e}") };

        self.group.bench_function("primal", |b| {
            b.iter(|| m.log_density_in(black_box(x), &mut ws).unwrap_or_else(fail))
        });
        self.group.bench_function("generated", |b| {
            b.iter(|| {
                let lp = m
                    .log_density_gradient_in(black_box(x), &mut g, &mut ws)
                    .unwrap_or_else(fail);
                black_box(&mut g);
                lp
            })
        });
        // Forward mode: one JVP per basis vector.
        let mut e = vec![0.0; n];
        self.group.bench_function("dual", |b| {
            b.iter(|| {
                let mut lp = 0.0;
                for i in 0..n {
                    e[i] = 1.0;
                    let (v, d) = m
                        .log_density_jvp_in(black_box(x), &e, &mut ws)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    e[i] = 0.0;
                    lp = v;
                    g[i] = d;
                }
                black_box(&mut g);
                lp
            })
        });
        // Central differences, step ε^(1/3)·max(1, |xᵢ|) (the usual balance of truncation
        // against rounding), divided by the step actually taken.
        let mut xs = x.to_vec();
        self.group.bench_function("fd", |b| {
            b.iter(|| {
                for i in 0..n {
                    let xi = x[i];
                    let h = f64::EPSILON.cbrt() * xi.abs().max(1.0);
                    let (up, down) = (xi + h, xi - h);
                    xs[i] = up;
                    let f_up = m
                        .log_density_in(black_box(&xs), &mut ws)
                        .unwrap_or_else(fail);
                    xs[i] = down;
                    let f_down = m
                        .log_density_in(black_box(&xs), &mut ws)
                        .unwrap_or_else(fail);
                    xs[i] = xi;
                    g[i] = (f_up - f_down) / (up - down);
                }
                black_box(&mut g);
            })
        });
        n
    }
}

/// The hand-written gradient.
struct Hand<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    x: &'g [f64],
}

impl hand_written::Visitor for Hand<'_, '_> {
    type Out = ();
    fn visit<H: hand_written::HandWritten>(self, _: &str, m: &H) {
        let mut g = vec![0.0; m.dim()];
        let mut scratch = Vec::new();
        self.group.bench_function("hand_written", |b| {
            b.iter(|| {
                let lp = m.log_density_gradient(black_box(self.x), &mut g, &mut scratch);
                black_box(&mut g);
                lp
            })
        });
    }
}

/// The tape crate.
struct Tape<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    x: &'g [f64],
}

impl tape_models::Visitor for Tape<'_, '_> {
    type Out = ();
    fn visit<T: tape_models::Taped>(self, _: &str, m: &T) {
        let mut g = vec![0.0; m.dim()];
        self.group.bench_function("tape", |b| {
            b.iter(|| {
                let lp = tape_models::gradient(m, black_box(self.x), &mut g);
                black_box(&mut g);
                lp
            })
        });
    }
}

/// Where cargo puts build output: `$CARGO_TARGET_DIR`, else `target/` in the workspace.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Time per iteration (µs) of one measurement: the fastest of criterion's samples
/// (`new/sample.json`: iterations and total time per sample); `None` if it was not
/// measured in this run (filtered out: the file is absent or older than `since`).
fn fastest_us(criterion_dir: &Path, model: &str, strategy: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir
        .join(model)
        .join(strategy)
        .join("new")
        .join("sample.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let floats = |key: &str| -> Option<Vec<f64>> {
        v.get(key)?.as_array()?.iter().map(|x| x.as_f64()).collect()
    };
    let (iters, times) = (floats("iters")?, floats("times")?);
    iters
        .iter()
        .zip(&times)
        .filter(|(n, _)| **n > 0.0)
        .map(|(n, t)| t / n / 1e3)
        .min_by(f64::total_cmp)
}

/// A time in µs with 3 significant digits.
fn us(t: f64) -> String {
    if t >= 100.0 {
        format!("{t:.0}")
    } else if t >= 10.0 {
        format!("{t:.1}")
    } else if t >= 1.0 {
        format!("{t:.2}")
    } else {
        format!("{t:.3}")
    }
}

/// The markdown table of the models measured in this run.
fn table(criterion_dir: &Path, dims: &[(String, usize)], since: SystemTime) -> String {
    let mut out = String::from(
        "| model (dim) | primal µs | generated gradient µs | gradient/primal | hand-written µs \
         | generated/hand-written | tape crate µs | dual (dim JVPs) µs | central FD µs |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (name, dim) in dims {
        let t: Vec<Option<f64>> = STRATEGIES
            .iter()
            .map(|s| fastest_us(criterion_dir, name, s, since))
            .collect();
        if t.iter().all(Option::is_none) {
            continue;
        }
        let cell = |v: Option<f64>| v.map_or("–".to_string(), us);
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "–".to_string(),
        };
        out += &format!(
            "| {name} ({dim}) | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(t[0]),
            cell(t[1]),
            ratio(t[1], t[0]),
            cell(t[2]),
            ratio(t[1], t[2]),
            cell(t[3]),
            cell(t[4]),
            cell(t[5]),
        );
    }
    out
}

/// Criterion measurements of every strategy on model `name`; returns its dimension.
fn bench_model(c: &mut Criterion, name: &str) -> Result<usize, String> {
    let x = models::stan_points(name)?
        .first()
        .ok_or_else(|| format!("{name}: no reference point"))?
        .x
        .clone();
    let data = models::load(name)?;
    let mut group = c.benchmark_group(name);
    let dim = models::visit(
        name,
        Generated {
            group: &mut group,
            x: &x,
        },
    )?;
    let hand = Hand {
        group: &mut group,
        x: &x,
    };
    hand_written::visit(name, &data, hand)?;
    let tape = Tape {
        group: &mut group,
        x: &x,
    };
    tape_models::visit(name, &data, tape)?;
    group.finish();
    Ok(dim)
}

fn main() {
    let criterion_dir = target_dir().join("criterion");
    let mut c = Criterion::default()
        .output_directory(&criterion_dir)
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .nresamples(10_000)
        .configure_from_args();

    let started = SystemTime::now();
    let mut dims = Vec::new();
    for name in models::MODELS {
        match bench_model(&mut c, name) {
            Ok(dim) => dims.push((name.to_string(), dim)),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
    c.final_summary();

    let md = table(&criterion_dir, &dims, started);
    println!(
        "\nFastest sample, µs per call (criterion; {}):\n\n{md}",
        criterion_dir.display()
    );
    let path = target_dir().join("ad_strategies.md");
    match std::fs::write(&path, &md) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("{}: {e}", path.display()),
    }
}
