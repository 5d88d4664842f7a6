//! Models that exercise the fast code paths of the reverse sweep (accumulation loops over
//! an index range, vectors whose element writes need no journal) next to the general ones,
//! checked against finite differences through `ppl::testing::check_gradients`.

use ppl::prelude::*;
use ppl::testing::check_gradients;

/// Accumulations over index ranges: `+=` and `-=`, a `let` in the body, data rows and a
/// data vector hoisted, an active vector indexed by the loop variable, an empty range, and a
/// loop not starting at 0.
#[model]
fn dot_products(x: &[Vec<f64>], w: &[f64], y: &[f64], d: usize) {
    let alpha = sample("alpha", Normal(0.0, 1.0));
    let beta = sample("beta", Normal(0.0, 1.0).iid(d));
    let s = sample("s", HalfNormal(1.0));
    for n in 0..y.len() {
        let mut eta = alpha;
        for k in 0..d {
            let t = x[n][k] * beta[k];
            eta += t * w[k] + (beta[k] * s).tanh() * 0.1;
        }
        for k in 1..d {
            eta -= 0.05 * beta[k] * beta[k - 1];
        }
        for k in d..d {
            eta += beta[k];
        }
        observe("y", Normal(eta, s), y[n]);
    }
}

/// A vector filled by plain writes and read only after its last write (no journal), and
/// one read between its writes (journaled): both must give exact gradients.
#[model]
fn filled_vectors(y: &[f64]) {
    let a = sample("a", Normal(0.0, 1.0));
    let b = sample("b", Normal(0.0, 1.0).iid(3));
    let s = sample("s", HalfNormal(1.0));
    let n = y.len();
    let mut mu = vec![0.0; n];
    for t in 0..n {
        mu[t] = a * 0.5;
    }
    for c in 0..3 {
        let mut r = 0.0;
        for t in 0..n {
            r = r * 0.5 + b[c];
            mu[t] += r.sin();
            mu[(t + 1) % n] -= 0.1 * r;
        }
    }
    mu[0] += a;
    let mut m = vec![0.0; n];
    for t in 0..n {
        m[t] = a;
    }
    for t in 1..n {
        let prev = m[t - 1];
        m[t] += prev * 0.5 + b[t % 3];
    }
    for t in 0..n {
        observe("y", Normal(mu[t] + m[t] * 0.1, s), y[t]);
    }
}

/// Loop-carried scalars whose value at the end of an iteration the reverse sweep reuses
/// instead of recomputing it (a top-level last assignment: a GARCH-like `sqrt`, an `*=`
/// update, a `while` update followed by a `break`), next to ones it must not reuse (an
/// assignment under a branch, one followed by another write), and a variable changed
/// again after its loop.
#[model]
fn carried_recursions(y: &[f64]) {
    let a = sample("a", Normal(0.0, 1.0));
    let b = sample("b", HalfNormal(1.0));
    let mut s = 1.0;
    let mut p = 1.0;
    let mut q = 0.5;
    let mut r = 0.0;
    for t in 0..y.len() {
        observe("y", Normal(a, s), y[t]);
        s = (0.2 + b * s * s + 0.1 * (y[t] - a).powi(2)).sqrt();
        p *= 1.0 + 0.1 * (a * s).tanh();
        if y[t] > 0.0 {
            q = q * 0.5 + b;
        }
        r = r * 0.5 + a;
        r += 0.1 * s;
    }
    s = s * 2.0;
    factor(-(s + p + q + r) * 0.1);
    let mut z = a;
    let mut k = 0;
    while k < 10 {
        z = z - 0.5 * (z - b).sin();
        k += 1;
        if k >= 4 {
            break;
        }
    }
    factor(-z * z);
}

/// Loops over channels that write only a plain-written vector, each running recursions
/// whose checkpoints the first forward pass records (so the reverse sweep does not run
/// them forward again): two recursions in a row, one with no steps for the first channel,
/// a carried value read after its loop, and one updated under a branch.
#[model]
fn channel_recursions(x: &[Vec<f64>], y: &[f64], channels: usize) {
    let decay = sample("decay", Beta(2.0, 2.0).iid(channels));
    let scale = sample("scale", HalfNormal(1.0).iid(channels));
    let sigma = sample("sigma", HalfNormal(1.0));
    let n = y.len();
    let mut mu = vec![0.0; n];
    for t in 0..n {
        mu[t] = 0.1;
    }
    for c in 0..channels {
        let mut a = 0.0;
        let mut peak = 0.0;
        for t in 0..n {
            a = x[t][c] + decay[c] * a;
            if a > peak {
                peak = a;
            }
            mu[t] += scale[c] * a / (a + 1.0);
        }
        let mut b = a * 0.1;
        for t in 0..c {
            b = b * decay[c] + x[t][c];
            mu[t] -= 0.05 * b;
        }
        mu[n - 1] += 0.01 * (a + b + peak);
        // A recursion the first pass cannot record (it also overwrites a plain
        // variable), before one it can: its replay pushes checkpoints first.
        let mut e = 0.0;
        let mut steps = 0;
        for t in 0..n {
            e = e * 0.5 + decay[c];
            steps += 1;
            mu[t] += 0.5 * e.sin();
        }
        let mut f = 0.0;
        for t in 0..n {
            f = 0.3 * f + scale[c] * x[t][c];
            mu[t] -= 0.1 * f * f * (steps as f64);
        }
    }
    for t in 0..n {
        observe("y", Normal(mu[t], sigma), y[t]);
    }
}

/// Loops over channels running one recursion each, with two carried values, over a
/// reversed `step_by` range whose length depends on the channel (no steps for the first):
/// the first forward pass writes the checkpoints and then the final values into value
/// slots it appends before the recursion. Also: a replayed loop's loop-local sum.
#[model]
fn channel_recursion(x: &[Vec<f64>], y: &[f64], channels: usize) {
    let decay = sample("decay", Beta(2.0, 2.0).iid(channels));
    let scale = sample("scale", HalfNormal(1.0).iid(channels));
    let sigma = sample("sigma", HalfNormal(1.0));
    let n = y.len();
    let mut mu = vec![0.0; n];
    // A loop writing only `mu`, read by the reverse sweep in a replay that adds into
    // `sigma`'s adjoint through a loop-local sum.
    for t in 0..n {
        mu[t] = 0.2 * sigma;
    }
    for c in 0..channels {
        let mut a = 0.0;
        let mut level = scale[c];
        for t in (0..c * n / 2).rev().step_by(2) {
            a = x[t][c] + decay[c] * a;
            level = 0.5 * level + a * a / (1.0 + a);
            mu[t] += scale[c] * a / (a + 1.0) - 0.1 * level;
        }
        mu[n - 1] += 0.01 * (a + level * level);
    }
    for t in 0..n {
        observe("y", Normal(mu[t], sigma), y[t]);
    }
}

/// Fused loops add into loop-local sums (the outer adjoints and the log density) that
/// are added to the outer ones after the loop: nested fused loops sharing outer scalars, a
/// fused loop inside a recorded one (replayed: no log-density sum there), and one with
/// `continue`.
#[model]
fn fused_sums(y: &[f64], groups: usize) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let s = sample("s", HalfNormal(1.0));
    let w = sample("w", Normal(0.0, 1.0).iid(groups));
    for g in 0..groups {
        for n in 0..y.len() {
            observe("y", Normal(mu + w[g] * 0.3, s + 0.1 * (g as f64)), y[n]);
        }
        factor(-0.5 * (w[g] - mu) * (w[g] - mu));
    }
    let mut level = 0.0;
    for n in 0..y.len() {
        level = 0.7 * level + mu;
        for g in 0..groups {
            factor(-0.01 * (level - w[g]) * (level - w[g]) * s);
        }
    }
    for n in 0..y.len() {
        if y[n] < -1.0 {
            continue;
        }
        observe("y2", Normal(mu * s, 1.0 + s), y[n] * 0.5);
    }
}

/// Normal likelihoods in fused loops whose scale is a parameter declared outside the loop,
/// summed by `NormalSums`: two sites sharing a scale (one observing a parameter
/// expression), one whose scale is declared in the loop (not summed), a summed inner loop
/// of a fused outer loop, a loop without iterations, and a summed loop replayed inside a
/// recursion.
#[model]
fn summed_normals(y: &[f64], groups: usize) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let s = sample("s", HalfNormal(1.0));
    let t = sample("t", HalfNormal(1.0));
    let w = sample("w", Normal(0.0, 1.0).iid(groups));
    let latent = sample("latent", Normal(0.0, 1.0));
    for n in 0..y.len() {
        observe("y", Normal(mu + 0.5 * w[n % groups], s), y[n]);
        observe("z", Normal(y[n] * 0.1, s), latent * mu);
        let local = s * 2.0;
        observe("u", Normal(mu, local), y[n] * 0.3);
    }
    for g in 0..groups {
        for n in 0..y.len() {
            observe("v", Normal(w[g], t), y[n]);
        }
    }
    for _ in 0..0 {
        observe("e", Normal(mu, t), 1.0);
    }
    let mut level = 0.0;
    for n in 0..y.len() {
        level = 0.6 * level + mu;
        for g in 0..groups {
            observe("r", Normal(level + w[g], t), y[n]);
        }
    }
}

/// Fused loops indexing integer data and data rows by the loop variable (taken once before
/// the loop): a gather through group indices, rows of a matrix next to a row indexed by
/// `n - 1` (left as it is), a range starting above 0, and an empty range.
#[model]
fn indexed_data(g: &[usize], x: &[Vec<f64>], y: &[f64], groups: usize) {
    let a = sample("a", Normal(0.0, 1.0).iid(groups));
    let s = sample("s", HalfNormal(1.0));
    let b = sample("b", Normal(0.0, 1.0));
    for n in 1..y.len() {
        observe(
            "y",
            Normal(a[g[n]] + b * x[n][0] - 0.3 * x[n - 1][1], s),
            y[n],
        );
    }
    for n in 3..2 {
        observe("z", Normal(a[g[n]], s), y[n]);
    }
    for n in 0..g.len() {
        factor(-0.1 * a[g[n]] * a[g[n]] * x[n][1] * b);
    }
}

/// One site of every kind: scalar (identity, log, interval transforms; a flat one),
/// `.iid(n)` (log and interval transforms), and vector-valued (simplex, multivariate normal,
/// correlation Cholesky factor).
#[model]
fn every_site_kind(alpha: &[f64], l: &[Vec<f64>], y: &[f64]) {
    let a = sample("a", Normal(0.0, 1.0));
    let s = sample("s", HalfNormal(1.0));
    let u = sample("u", Uniform(-1.0, 2.0));
    let f = sample("f", Flat(Positive));
    let w = sample("w", Beta(2.0, 2.0).iid(3));
    let r = sample("r", Exponential(1.0).iid(2));
    let theta = sample("theta", Dirichlet(alpha));
    let corr = sample("corr", LkjCholesky(2, 2.0));
    let mu = sample("mu", MultiNormal(vec![0.0; 2], l));
    factor(-0.5 * f * f);
    for n in 0..y.len() {
        let m = a + u * w[n % 3] + r[n % 2] * theta[n % 3] + mu[n % 2] * corr[2];
        observe("y", Normal(m, s), y[n]);
    }
}

/// Data indexed by the loop variable only under a data condition or in a nested loop: a
/// shorter slice is valid data here, and must not be taken as `&w[..y.len()]` before the
/// loop (which would panic).
#[model]
fn guarded_indexing(g: &[usize], w: &[f64], rows: &[Vec<f64>], y: &[f64], m: usize) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let s = sample("s", HalfNormal(1.0));
    for n in 0..y.len() {
        let mut shift = 0.0;
        if n < w.len() {
            shift = w[n] + (g[n] as f64);
        }
        for k in 0..m {
            shift += rows[n][k];
        }
        observe("y", Normal(mu + shift, s), y[n]);
    }
}

fn series(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.3).collect()
}

#[test]
fn accumulation_loops_are_exact() {
    let (n, d) = (7, 5);
    let x: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..d)
                .map(|k| ((i + 2 * k) % 5) as f64 * 0.2 - 0.4)
                .collect()
        })
        .collect();
    let w: Vec<f64> = (0..d).map(|k| 1.0 - 0.1 * k as f64).collect();
    check_gradients(&DotProducts::new(&x, &w, &series(n), d).unwrap()).unwrap();
}

#[test]
fn vectors_written_without_a_journal_are_exact() {
    check_gradients(&FilledVectors::new(&series(9)).unwrap()).unwrap();
}

#[test]
fn reused_end_of_iteration_values_are_exact() {
    check_gradients(&CarriedRecursions::new(&series(9)).unwrap()).unwrap();
}

#[test]
fn recursions_recorded_by_the_forward_pass_are_exact() {
    let n = 8;
    let x: Vec<Vec<f64>> = (0..n)
        .map(|t| (0..3).map(|c| ((t + c) % 4) as f64 * 0.5).collect())
        .collect();
    check_gradients(&ChannelRecursions::new(&x, &series(n), 3).unwrap()).unwrap();
}

#[test]
fn a_recursion_recorded_into_appended_slots_is_exact() {
    let n = 8;
    let x: Vec<Vec<f64>> = (0..n)
        .map(|t| (0..3).map(|c| ((t + 2 * c) % 5) as f64 * 0.4).collect())
        .collect();
    check_gradients(&ChannelRecursion::new(&x, &series(n), 3).unwrap()).unwrap();
}

#[test]
fn summed_normal_likelihoods_are_exact() {
    let model = SummedNormals::new(&series(7), 3).unwrap();
    check_gradients(&model).unwrap();
    // The value is the sum of the per-observation densities: the same as the primal's
    // (which adds them one by one), up to rounding. Here every term is negative (the
    // scales exceed 1/√(2π)), so Σ|terms| = |log p|, and each of the two sums of the 70
    // terms (63 observations, 7 prior values) is within 70 ε |log p| of the exact sum.
    let x: Vec<f64> = (0..model.dim()).map(|i| 0.1 * i as f64 - 0.3).collect();
    let mut grad = vec![0.0; model.dim()];
    let lp = model.log_density_gradient(&x, &mut grad).unwrap();
    let primal = model.log_density(&x).unwrap();
    let tol = 2.0 * 70.0 * f64::EPSILON * primal.abs();
    assert!((lp - primal).abs() <= tol, "{lp} vs {primal}");
}

#[test]
fn data_indexed_by_the_loop_variable_taken_once_is_exact() {
    let n = 9;
    let g: Vec<usize> = (0..n).map(|i| (i * 5) % 3).collect();
    let x: Vec<Vec<f64>> = (0..n)
        .map(|i| vec![(i % 4) as f64 * 0.5 - 0.7, ((i * 3) % 5) as f64 * 0.3])
        .collect();
    check_gradients(&IndexedData::new(&g, &x, &series(n), 3).unwrap()).unwrap();
}

/// Models with long loops over data run their gradient through `gradient_with_avx2` (its
/// AVX2 build on CPUs that have AVX2, as CI's): the same bits as the baseline build, which
/// `GradientBody::gradient_body` runs.
#[test]
fn the_avx2_build_of_a_gradient_gives_the_same_bits() {
    use ppl::__private::math::GradientBody;
    use ppl::__private::Stacks;
    let n = 40;
    let g: Vec<usize> = (0..n).map(|i| (i * 7) % 5).collect();
    let x: Vec<Vec<f64>> = (0..n)
        .map(|i| vec![(i % 4) as f64 * 0.5 - 0.7, ((i * 3) % 5) as f64 * 0.3])
        .collect();
    let w = [1.0, -0.5];
    let dots = DotProducts::new(&x, &w, &series(n), 2).unwrap();
    let indexed = IndexedData::new(&g, &x, &series(n), 5).unwrap();
    // (point, gradient out, through `log_density_gradient`?) -> log density
    type Run<'a> = &'a dyn Fn(&[f64], &mut [f64], bool) -> f64;
    let models: [Run; 2] = [
        &|p, grad, avx2| {
            if avx2 {
                dots.log_density_gradient(p, grad).unwrap()
            } else {
                dots.gradient_body(p, grad, &mut Stacks::default()).unwrap()
            }
        },
        &|p, grad, avx2| {
            if avx2 {
                indexed.log_density_gradient(p, grad).unwrap()
            } else {
                indexed
                    .gradient_body(p, grad, &mut Stacks::default())
                    .unwrap()
            }
        },
    ];
    for (run, dim) in models.iter().zip([dots.dim(), indexed.dim()]) {
        for k in 0..20 {
            let p: Vec<f64> = (0..dim)
                .map(|i| ((i * 13 + k * 7) % 17) as f64 * 0.2 - 1.6)
                .collect();
            let (mut ga, mut gb) = (vec![0.0; dim], vec![0.0; dim]);
            let (a, b) = (run(&p, &mut ga, true), run(&p, &mut gb, false));
            assert_eq!(a.to_bits(), b.to_bits());
            assert!(ga.iter().zip(&gb).all(|(u, v)| u.to_bits() == v.to_bits()));
        }
    }
}

/// The gradient's coordinates are written by their sites' reverse rules, not added to a
/// zeroed buffer: whatever the buffer held before (NaN here), every coordinate comes out
/// the same as from a zeroed one; and the model's gradient is exact.
#[test]
fn every_gradient_coordinate_is_written() {
    let l = vec![vec![1.0, 0.0], vec![0.5, 0.8]];
    let m = EverySiteKind::new(&[1.0, 2.0, 3.0], &l, &series(7)).unwrap();
    check_gradients(&m).unwrap();
    let x: Vec<f64> = (0..m.dim()).map(|i| 0.15 * i as f64 - 0.6).collect();
    let (mut from_nan, mut from_zero) = (vec![f64::NAN; m.dim()], vec![0.0; m.dim()]);
    let lp = m.log_density_gradient(&x, &mut from_nan).unwrap();
    assert_eq!(lp, m.log_density_gradient(&x, &mut from_zero).unwrap());
    assert!(from_nan.iter().all(|g| g.is_finite()), "{from_nan:?}");
    assert_eq!(from_nan, from_zero);
}

#[test]
fn data_indexed_only_under_a_condition_is_not_taken_before_the_loop() {
    // `g`, `w` shorter than `y` (read only for n < w.len()), `rows` empty (m = 0).
    let m = GuardedIndexing::new(&[1, 0, 2], &[0.5, -0.5, 0.25], &[], &series(7), 0).unwrap();
    check_gradients(&m).unwrap();
}

#[test]
fn fused_loops_with_loop_local_sums_are_exact() {
    check_gradients(&FusedSums::new(&series(7), 3).unwrap()).unwrap();
}
