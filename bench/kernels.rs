//! Throughput of the branch-free math kernels (`ppl::math::kernels`) against libm.
//!
//! ```text
//! cargo bench --bench kernels -- [--ms MILLIS] [--n ELEMENTS]
//! RUSTFLAGS="-C target-cpu=native" cargo bench --bench kernels     # AVX2/FMA
//! ```
//!
//! For each function, ns per element (minimum over batches) of:
//!
//! * `libm loop`    — `out[i] = x[i].exp()` etc. (Rust's `f64` methods, i.e. libm calls);
//! * `kernel loop`  — the same loop calling the scalar kernel (`kernels::exp`), inlined;
//! * `slice`        — the kernel's slice form (`kernels::exp_slice`), which LLVM vectorises;
//! * `libm sum` / `kernel sum` — `acc += f(x[i])`: independent calls in a loop that cannot
//!   be vectorised (floating-point summation order), as in scalar generated code;
//! * `libm chain` / `kernel chain` — a dependent chain `x ← f(x)·a + b` (latency, not
//!   throughput: what a recursion such as GARCH's sees).
//!
//! Arguments are spread over each function's typical range (`-20..20` for `exp`,
//! `1e-3..1e3` for `ln`, ...), `ELEMENTS` (default 4096) per batch so they stay in L1/L2.

use ppl::math::kernels;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn arg(args: &[String], flag: &str, default: f64) -> f64 {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Minimum over batches of ns per element of `f` (one call processes `n` elements) over
/// `budget`: on a shared machine other jobs only add time, so the minimum is the most
/// reproducible figure.
fn time(n: usize, budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm-up and calibration to batches of ~2 ms.
    let mut reps = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        let e = t.elapsed();
        if e >= Duration::from_millis(2) {
            break;
        }
        reps *= 2;
    }
    let mut per = Vec::new();
    let start = Instant::now();
    while per.len() < 5 || start.elapsed() < budget {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        per.push(t.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64);
    }
    per.sort_by(f64::total_cmp);
    per[0]
}

fn libm_softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

fn libm_inv_logit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let budget = Duration::from_millis(arg(&args, "--ms", 300.0) as u64);
    let n = arg(&args, "--n", 4096.0) as usize;
    println!(
        "{:<10} {:>10} {:>12} {:>10} {:>9} {:>11} {:>11} {:>13}   (ns/element, n = {n})",
        "function",
        "libm loop",
        "kernel loop",
        "slice",
        "libm sum",
        "kernel sum",
        "libm chain",
        "kernel chain"
    );
    // A macro, not a loop over function pointers: every timed loop is monomorphised with
    // its function inlined.
    macro_rules! case {
        ($name:expr, $libm:path, $kernel:path, $slice:path, $lo:expr, $hi:expr, $log:expr) => {{
            let (name, lo, hi): (&str, f64, f64) = ($name, $lo, $hi);
            let x: Vec<f64> = (0..n)
                .map(|i| {
                    let u = ((i * 7919) % n) as f64 / n as f64;
                    if $log {
                        (lo.ln() + u * (hi.ln() - lo.ln())).exp()
                    } else {
                        lo + u * (hi - lo)
                    }
                })
                .collect();
            let mut out = vec![0.0; n];
            let t_libm = time(n, budget, || {
                for (o, &xi) in out.iter_mut().zip(black_box(&x)) {
                    *o = $libm(xi);
                }
                black_box(&mut out);
            });
            let t_kernel = time(n, budget, || {
                for (o, &xi) in out.iter_mut().zip(black_box(&x)) {
                    *o = $kernel(xi);
                }
                black_box(&mut out);
            });
            let t_slice = time(n, budget, || {
                $slice(black_box(&x), &mut out);
                black_box(&mut out);
            });
            // A serial sum of f(xᵢ): independent calls, but the loop cannot be vectorised
            // (floating-point order), as in scalar generated code.
            let t_libm_sum = time(n, budget, || {
                let mut acc = 0.0;
                for &xi in black_box(&x) {
                    acc += $libm(xi);
                }
                black_box(acc);
            });
            let t_kernel_sum = time(n, budget, || {
                let mut acc = 0.0;
                for &xi in black_box(&x) {
                    acc += $kernel(xi);
                }
                black_box(acc);
            });
            // Dependent chain: the argument stays at a typical point, but each call waits
            // for the previous result.
            let at = x[n / 3];
            let t_libm_chain = time(n, budget, || {
                let mut v = black_box(at);
                for _ in 0..n {
                    v = at + $libm(v) * 1e-300;
                }
                black_box(v);
            });
            let t_kernel_chain = time(n, budget, || {
                let mut v = black_box(at);
                for _ in 0..n {
                    v = at + $kernel(v) * 1e-300;
                }
                black_box(v);
            });
            println!(
                "{name:<10} {t_libm:>10.2} {t_kernel:>12.2} {t_slice:>10.2} {t_libm_sum:>9.2} {t_kernel_sum:>11.2} {t_libm_chain:>11.2} {t_kernel_chain:>13.2}"
            );
            println!(
                "RESULT kernels {name} libm {t_libm:.3} kernel {t_kernel:.3} slice {t_slice:.3} libm_sum {t_libm_sum:.3} kernel_sum {t_kernel_sum:.3} libm_chain {t_libm_chain:.3} kernel_chain {t_kernel_chain:.3}"
            );
        }};
    }
    bernoulli_logit(n, budget);
    normal(n, budget);
    constant_shapes(n, budget);
    case!(
        "exp",
        f64::exp,
        kernels::exp,
        kernels::exp_slice,
        -20.0,
        20.0,
        false
    );
    case!(
        "exp_m1",
        f64::exp_m1,
        kernels::exp_m1,
        kernels::exp_m1_slice,
        -2.0,
        2.0,
        false
    );
    case!(
        "ln",
        f64::ln,
        kernels::ln,
        kernels::ln_slice,
        1e-3,
        1e3,
        true
    );
    case!(
        "ln_1p",
        f64::ln_1p,
        kernels::ln_1p,
        kernels::ln_1p_slice,
        -0.9,
        10.0,
        false
    );
    case!(
        "log1p_exp",
        libm_softplus,
        kernels::log1p_exp,
        kernels::log1p_exp_slice,
        -20.0,
        20.0,
        false
    );
    case!(
        "inv_logit",
        libm_inv_logit,
        kernels::inv_logit,
        kernels::inv_logit_slice,
        -20.0,
        20.0,
        false
    );
}

/// One `bernoulli_logit` term and partial the way the rule computed them before the
/// kernels (libm `exp`/`log1p` behind branches, two exponentials).
fn libm_bernoulli_logit(k: i64, a: f64) -> (f64, f64) {
    match k {
        1 => (-libm_softplus(-a), libm_inv_logit(-a)),
        0 => (-libm_softplus(a), -libm_inv_logit(a)),
        _ => (f64::NEG_INFINITY, 0.0),
    }
}

/// The per-observation cost of logistic regression's likelihood: value and partial of
/// `bernoulli_logit` summed over `n` observations (ns per observation).
fn bernoulli_logit(n: usize, budget: Duration) {
    use ppl::distributions::{
        bernoulli_logit_lpmf_slice_vjp, bernoulli_logit_term, BernoulliLogit, DiscreteDistribution,
    };
    let alpha: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % n) as f64 / n as f64 * 12.0 - 6.0)
        .collect();
    let k: Vec<i64> = (0..n).map(|i| ((i * 31) % 7 < 3) as i64).collect();
    let mut bar = vec![0.0; n];
    let t_libm = time(n, budget, || {
        let mut total = 0.0;
        for ((&ki, &ai), b) in k.iter().zip(black_box(&alpha)).zip(bar.iter_mut()) {
            let (lp, d) = libm_bernoulli_logit(ki, ai);
            total += lp;
            *b += d;
        }
        black_box((total, &mut bar));
    });
    let t_term = time(n, budget, || {
        let mut total = 0.0;
        for ((&ki, &ai), b) in k.iter().zip(black_box(&alpha)).zip(bar.iter_mut()) {
            let (lp, d) = bernoulli_logit_term(ki, ai);
            total += lp;
            *b += d;
        }
        black_box((total, &mut bar));
    });
    let t_rule = time(n, budget, || {
        let mut total = 0.0;
        for ((&ki, &ai), b) in k.iter().zip(black_box(&alpha)).zip(bar.iter_mut()) {
            let (lp, BernoulliLogit(d)) = BernoulliLogit(ai).lpmf_grad(ki);
            total += lp;
            *b += d;
        }
        black_box((total, &mut bar));
    });
    let t_slice = time(n, budget, || {
        let total = bernoulli_logit_lpmf_slice_vjp(&k, black_box(&alpha), 1.0, &mut bar);
        black_box((total, &mut bar));
    });
    println!(
        "bernoulli_logit value+partial, ns/observation: old libm rule {t_libm:.2}, lpmf_grad loop {t_rule:.2}, kernel term loop {t_term:.2}, slice_vjp {t_slice:.2}"
    );
    println!("RESULT kernels bernoulli_logit libm {t_libm:.3} rule {t_rule:.3} term {t_term:.3} slice {t_slice:.3}");
}

/// A `y[n] ~ Normal(mu[n], sigma)` likelihood with its μ and σ adjoints, ns per
/// observation: the rule as it ran before (a libm `ln σ` and a division per observation,
/// not hoisted because the rule was not inlined), the inlined `Normal::lpdf_grad` loop,
/// and `normal_lpdf_slice_vjp`.
fn normal(n: usize, budget: Duration) {
    use ppl::distributions::{normal_lpdf_slice_vjp, ContinuousDistribution, Normal};
    let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.77).sin() * 3.0).collect();
    let mu: Vec<f64> = (0..n).map(|i| (i as f64 * 0.31).cos()).collect();
    let sigma = 1.3;
    let mut mu_bar = vec![0.0; n];
    let t_libm = time(n, budget, || {
        let (mut total, mut sb) = (0.0, 0.0);
        for ((&yi, &mi), b) in y.iter().zip(black_box(&mu)).zip(mu_bar.iter_mut()) {
            let s = black_box(sigma);
            let z = (yi - mi) / s;
            total += -(z * z * 0.5) - s.ln() - 0.918_938_533_204_672_8;
            *b += z / s;
            sb += (z * z - 1.0) / s;
        }
        black_box((total, sb, &mut mu_bar));
    });
    let t_rule = time(n, budget, || {
        let (mut total, mut sb) = (0.0, 0.0);
        for ((&yi, &mi), b) in y.iter().zip(black_box(&mu)).zip(mu_bar.iter_mut()) {
            let (lp, _, Normal(dmu, dsigma)) = Normal(mi, sigma).lpdf_grad(yi);
            total += lp;
            *b += dmu;
            sb += dsigma;
        }
        black_box((total, sb, &mut mu_bar));
    });
    let t_slice = time(n, budget, || {
        let r = normal_lpdf_slice_vjp(&y, black_box(&mu), sigma, 1.0, &mut mu_bar);
        black_box((r, &mut mu_bar));
    });
    println!(
        "normal value+partials, ns/observation: per-observation ln σ (libm) {t_libm:.2}, inlined rule loop {t_rule:.2}, slice_vjp {t_slice:.2}"
    );
    println!("RESULT kernels normal libm {t_libm:.3} rule {t_rule:.3} slice {t_slice:.3}");
}

/// Priors whose shapes are data (`Gamma(aux + 1, tau)`, `Beta(2, 2)`): the full rule vs
/// `lpdf_grad_needed` with only the value's partial, ns per call.
fn constant_shapes(n: usize, budget: Duration) {
    use ppl::distributions::{Beta, ContinuousDistribution, Gamma, Needed};
    let y: Vec<f64> = (0..n).map(|i| 0.05 + 0.9 * (i as f64 / n as f64)).collect();
    let run = |name: &str, full: &dyn Fn(f64) -> f64, needed: &dyn Fn(f64) -> f64| {
        let t_full = time(n, budget, || {
            let mut acc = 0.0;
            for &yi in black_box(&y) {
                acc += full(yi);
            }
            black_box(acc);
        });
        let t_needed = time(n, budget, || {
            let mut acc = 0.0;
            for &yi in black_box(&y) {
                acc += needed(yi);
            }
            black_box(acc);
        });
        println!("{name}: lpdf_grad {t_full:.2} ns, lpdf_grad_needed(VALUE) {t_needed:.2} ns");
        println!("RESULT kernels {name} full {t_full:.3} needed {t_needed:.3}");
    };
    let g = Gamma(9.163_265_306_122_45, 8.163_265_306_122_45);
    run(
        "Gamma(9.16, 8.16)",
        &|y| {
            let (lp, dy, Gamma(da, db)) = black_box(g).lpdf_grad(y);
            lp + dy + da + db
        },
        &|y| {
            let (lp, dy, Gamma(da, db)) = black_box(g).lpdf_grad_needed(y, Needed::VALUE);
            lp + dy + da + db
        },
    );
    let b = Beta(2.0, 2.0);
    run(
        "Beta(2, 2)",
        &|y| {
            let (lp, dy, Beta(da, db)) = black_box(b).lpdf_grad(y);
            lp + dy + da + db
        },
        &|y| {
            let (lp, dy, Beta(da, db)) = black_box(b).lpdf_grad_needed(y, Needed::VALUE);
            lp + dy + da + db
        },
    );
}
