//! Language features of `#[model]`: `break`/`continue` in loops that compute
//! parameter-dependent values (fused likelihood loops, state-carrying recursions, `while`,
//! nested loops; conditions on data and on parameters), each checked with
//! `ppl::testing::check_gradients_with` (gradient vs central finite differences, JVP vs
//! VJP, Hessian-vector product vs finite differences of the gradient) at many points.

use ppl::prelude::*;
use ppl::testing::{check_gradients_with, GradientCheckOptions};

/// Many points, each seed its own set.
fn check<M: Model>(m: &M, seed: u64) {
    let mut o = GradientCheckOptions::default();
    o.points = 40;
    o.seed = Some(seed);
    if let Err(e) = check_gradients_with(m, &o) {
        panic!("gradient check failed: {e:?}");
    }
}

// ---------------------------------------------------------------- break

/// A likelihood loop (fused) that stops at the first observation above `stop` (data).
#[model]
fn break_on_data(y: &[f64], stop: f64) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let sigma = sample("sigma", HalfNormal(2.0));
    for i in 0..y.len() {
        if y[i] > stop {
            break;
        }
        observe("y", Normal(mu, sigma), y[i]);
    }
}

const Y: [f64; 8] = [0.3, -1.2, 0.8, 2.5, 0.1, -0.4, 3.1, 0.9];

#[test]
fn break_on_data_condition() {
    for (k, stop) in [10.0, 2.0, 0.5, -5.0].into_iter().enumerate() {
        let m = BreakOnData::new(&Y, stop).unwrap();
        check(&m, k as u64);
        // The value is the likelihood of the observations before the first one above `stop`.
        let x = [0.3, -0.2];
        let (mu, sigma) = (0.3, (-0.2f64).exp());
        let mut lp = normal_lpdf(mu, 0.0, 5.0) + half_normal_lpdf(sigma, 2.0) - 0.2;
        for &y in Y.iter().take_while(|&&y| y <= stop) {
            lp += normal_lpdf(y, mu, sigma);
        }
        let got = m.log_density(&x).unwrap();
        assert!((got - lp).abs() < 1e-12, "{got} vs {lp}");
        let mut g = [0.0; 2];
        assert!((m.log_density_gradient(&x, &mut g).unwrap() - lp).abs() < 1e-12);
    }
}

/// A geometric series `a + a r + a r² + …` summed until a term falls below `tol` in
/// magnitude (a parameter-dependent `break` in a state-carrying loop).
#[model]
fn series_break(n_max: usize, tol: f64, target: f64) {
    let r = sample("r", Uniform(0.0, 0.9));
    let a = sample("a", Normal(1.0, 1.0));
    let mut term = a;
    let mut sum = 0.0;
    for _ in 0..n_max {
        sum += term;
        term = term * r;
        if term.abs() < tol {
            break;
        }
    }
    deterministic("sum", sum);
    factor(-(sum - target).powi(2));
}

#[test]
fn break_on_parameter_condition_in_a_recursion() {
    // tol = 0 never breaks; tol = 10 always breaks after one term; in between the trip
    // count depends on (r, a) and varies over the points.
    for (k, tol) in [0.0, 10.0, 1e-3, 0.05].into_iter().enumerate() {
        let m = SeriesBreak::new(60, tol, 2.0).unwrap();
        check(&m, 10 + k as u64);
    }
    // Value against the same loop in plain Rust.
    let m = SeriesBreak::new(60, 1e-3, 2.0).unwrap();
    for x in [[0.5, 0.3], [-1.0, 2.0], [2.0, -0.5]] {
        let r = 0.9 / (1.0 + (-x[0]).exp());
        let a = x[1];
        let (mut term, mut sum) = (a, 0.0);
        for _ in 0..60 {
            sum += term;
            term *= r;
            if f64::abs(term) < 1e-3 {
                break;
            }
        }
        let lj = (0.9f64).ln() - (1.0 + (-x[0]).exp()).ln() - (1.0 + x[0].exp()).ln();
        let lp = uniform_lpdf(r, 0.0, 0.9) + lj + normal_lpdf(a, 1.0, 1.0) - (sum - 2.0).powi(2);
        let got = m.log_density(&x).unwrap();
        assert!((got - lp).abs() < 1e-10, "{got} vs {lp}");
    }
}

/// A `while` loop with a second, parameter-dependent exit in the body.
#[model]
fn while_break(n: usize, cap: f64) {
    let x = sample("x", Normal(0.5, 0.5));
    let mut k = 0;
    let mut s = 0.0;
    let mut t = x;
    while k < n {
        s += t / (k as f64 + 1.0);
        t = t * x;
        k += 1;
        if s > cap {
            break;
        }
    }
    factor(-s * s);
}

#[test]
fn break_in_a_while_loop() {
    for (k, cap) in [100.0, 0.5, 0.0, -10.0].into_iter().enumerate() {
        let m = WhileBreak::new(12, cap).unwrap();
        check(&m, 20 + k as u64);
    }
}

/// Nested loops: `break` leaves only the inner loop (data and parameter conditions).
#[model]
fn nested_break(rows: &[Vec<f64>], cap: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    for i in 0..rows.len() {
        let mut acc = 0.0;
        for j in 0..rows[i].len() {
            if rows[i][j] < -1.0 {
                break;
            }
            acc += mu * rows[i][j] + sigma;
            if acc > cap {
                break;
            }
        }
        factor(-0.5 * acc * acc);
        for j in 0..rows[i].len() {
            if rows[i][j] < -1.0 {
                break;
            }
            observe("row", Normal(mu, sigma), rows[i][j]);
        }
    }
}

#[test]
fn break_leaves_only_the_inner_loop() {
    let rows = vec![
        vec![0.5, 1.0, -2.0, 0.3],
        vec![1.5, 0.2, 0.7, 0.4],
        vec![-3.0, 1.0, 0.2, 0.1],
        vec![0.1, 0.4, 0.9, -1.5],
    ];
    for (k, cap) in [100.0, 1.0, 0.0].into_iter().enumerate() {
        let m = NestedBreak::new(&rows, cap).unwrap();
        check(&m, 30 + k as u64);
    }
    // With no parameter-dependent exit, the value is the truncated rows' likelihood.
    let m = NestedBreak::new(&rows, 1e300).unwrap();
    let x = [0.2, 0.1];
    let (mu, sigma) = (0.2, 0.1f64.exp());
    let mut lp = normal_lpdf(mu, 0.0, 1.0) + half_normal_lpdf(sigma, 1.0) + 0.1;
    for r in &rows {
        let used: Vec<f64> = r.iter().copied().take_while(|&v| v >= -1.0).collect();
        let acc: f64 = used.iter().map(|v| mu * v + sigma).sum();
        lp += -0.5 * acc * acc;
        lp += used.iter().map(|&v| normal_lpdf(v, mu, sigma)).sum::<f64>();
    }
    let got = m.log_density(&x).unwrap();
    assert!((got - lp).abs() < 1e-10, "{got} vs {lp}");
}

// ---------------------------------------------------------------- continue

/// Missing observations skipped with `continue` (data flag) in a fused likelihood loop.
#[model]
fn missing_values(y: &[f64], missing: &[usize], x: &[f64]) {
    let alpha = sample("alpha", Normal(0.0, 2.0));
    let beta = sample("beta", Normal(0.0, 2.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    for i in 0..y.len() {
        let m = alpha + beta * x[i];
        if missing[i] == 1 {
            continue;
        }
        observe("y", Normal(m, sigma), y[i]);
    }
}

#[test]
fn continue_skips_missing_observations() {
    let y = [1.0, 0.0, 2.3, 0.0, -0.7, 1.1];
    let missing = [0, 1, 0, 1, 0, 0];
    let x = [0.1, 0.5, 1.2, -0.3, -1.0, 0.8];
    let m = MissingValues::new(&y, &missing, &x).unwrap();
    check(&m, 40);
    let p = [0.3, -0.4, 0.2];
    let sigma = 0.2f64.exp();
    let mut lp = normal_lpdf(0.3, 0.0, 2.0)
        + normal_lpdf(-0.4, 0.0, 2.0)
        + half_normal_lpdf(sigma, 1.0)
        + 0.2;
    for i in 0..6 {
        if missing[i] == 0 {
            lp += normal_lpdf(y[i], 0.3 - 0.4 * x[i], sigma);
        }
    }
    let got = m.log_density(&p).unwrap();
    assert!((got - lp).abs() < 1e-12, "{got} vs {lp}");
}

/// A local-level recursion with missing observations: the level still moves at a missing
/// step (state carried across `continue`).
#[model]
fn local_level_missing(y: &[f64], missing: &[usize]) {
    let level0 = sample("level0", Normal(0.0, 5.0));
    let alpha = sample("alpha", Uniform(0.0, 1.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    let mut level = level0;
    for t in 0..y.len() {
        if missing[t] == 1 {
            level = level * alpha;
            continue;
        }
        observe("y", Normal(level, sigma), y[t]);
        level = alpha * level + (1.0 - alpha) * y[t];
    }
}

#[test]
fn continue_in_a_state_carrying_recursion() {
    let y = [0.5, 0.0, 1.2, 0.9, 0.0, 0.0, 1.7, 1.1];
    let missing = [0, 1, 0, 0, 1, 1, 0, 0];
    let m = LocalLevelMissing::new(&y, &missing).unwrap();
    check(&m, 50);
}

/// Observations above a parameter-dependent threshold skipped (a `continue` on a
/// parameter), in a fused loop and in a recursion.
#[model]
fn continue_on_parameter(y: &[f64], x: &[f64], c: f64) {
    let alpha = sample("alpha", Normal(0.0, 1.0));
    let beta = sample("beta", Normal(0.0, 1.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    for i in 0..y.len() {
        let m = alpha + beta * x[i];
        if m > c {
            continue;
        }
        observe("y", Normal(m, sigma), y[i]);
    }
    let mut s = alpha;
    for i in 0..y.len() {
        s = 0.5 * s + beta * x[i];
        if s * beta > c {
            s = s - 0.1;
            continue;
        }
        factor(-0.1 * s * s);
    }
}

#[test]
fn continue_on_parameter_conditions() {
    let y = [1.0, 0.0, 2.3, 0.4, -0.7, 1.1];
    let x = [0.1, 0.5, 1.2, -0.3, -1.0, 0.8];
    // c = ±100: one side only; c = 0: both sides over the points.
    for (k, c) in [100.0, -100.0, 0.0, 0.5].into_iter().enumerate() {
        let m = ContinueOnParameter::new(&y, &x, c).unwrap();
        check(&m, 60 + k as u64);
    }
}

/// `continue` in a `while` loop and in a `match` arm on data.
#[model]
fn while_continue(codes: &[i64], y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let mut i = 0;
    let mut level = mu;
    while i < y.len() {
        i += 1;
        match codes[i - 1] {
            0 => continue,
            1 => {
                level = level + 0.5 * mu;
                continue;
            }
            _ => {}
        }
        level = 0.8 * level + 0.1 * y[i - 1];
        observe("y", Normal(level, 1.0), y[i - 1]);
    }
}

#[test]
fn continue_in_while_and_match() {
    let codes = [2, 0, 2, 1, 2, 2, 0, 1, 2];
    let y = [0.3, 9.0, 0.5, 9.0, 0.1, -0.2, 9.0, 9.0, 0.4];
    let m = WhileContinue::new(&codes, &y).unwrap();
    check(&m, 70);
}

/// A loop that only accumulates into an outer scalar (no checkpoint), with a `break` on
/// data and one on a parameter: the reverse replays only the iterations that ran.
#[model]
fn accumulate_break(y: &[f64], cap: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let mut acc = 0.0;
    for i in 0..y.len() {
        if y[i] < -1.0 {
            break;
        }
        if mu * y[i] > cap {
            break;
        }
        acc += mu * y[i] + (mu * y[i]).exp();
    }
    factor(-0.5 * acc * acc);
}

#[test]
fn break_in_an_accumulating_loop() {
    let y = [0.5, 1.0, 0.2, 1.5, -2.0, 0.3];
    for (k, cap) in [100.0, 0.5, -100.0].into_iter().enumerate() {
        let m = AccumulateBreak::new(&y, cap).unwrap();
        check(&m, 80 + k as u64);
    }
}

/// A recursion over `zip` of data iterators with a parameter-dependent `break` (the
/// reverse walks back only the iterations that ran over the reversed iterator).
#[model]
fn zip_break(x: &[f64], y: &[f64], cap: f64) {
    let a = sample("a", Normal(0.5, 0.3));
    let sigma = sample("sigma", HalfNormal(1.0));
    let mut level = 0.0;
    for (i, (&xi, &yi)) in x.iter().zip(y.iter()).enumerate() {
        level = a * level + xi;
        if level > cap + 0.1 * i as f64 {
            break;
        }
        observe("y", Normal(level, sigma), yi);
    }
}

#[test]
fn break_over_zipped_iterators() {
    let x = [0.5, 1.0, 0.3, 0.8, 1.2, 0.1];
    let y = [0.4, 1.3, 0.9, 1.0, 1.9, 0.8];
    for (k, cap) in [100.0, 1.5, 0.6].into_iter().enumerate() {
        let m = ZipBreak::new(&x, &y, cap).unwrap();
        check(&m, 90 + k as u64);
    }
}

// ---------------------------------------------------------------- element updates

/// A local vector updated from its own elements (`v[i] += v[i - 1]`: a random walk's
/// cumulative sums), also `v[i] = v[i] * rho` reading the element it overwrites.
#[model]
fn cumulative_sums(y: &[f64]) {
    let rho = sample("rho", Uniform(0.0, 1.0));
    let eps = sample("eps", Normal(0.0, 1.0).iid(y.len()));
    let mut v = vec![0.0; y.len()];
    v[0] = eps[0];
    for i in 1..y.len() {
        v[i] = eps[i];
        v[i] += v[i - 1];
        v[i] = v[i] * rho;
    }
    for i in 0..y.len() {
        observe("y", Normal(v[i], 1.0), y[i]);
    }
}

#[test]
fn element_updates_reading_the_same_vector() {
    let m = CumulativeSums::new(&Y).unwrap();
    check(&m, 31);
    // The value against the recursion written out by hand, at one point.
    let x: Vec<f64> = (0..=Y.len()).map(|i| 0.3 * i as f64 - 1.0).collect();
    let rho = 1.0 / (1.0 + (-x[0]).exp());
    let eps = &x[1..];
    let (mut v, mut lp) = (eps[0], 0.0);
    for (i, y) in Y.iter().enumerate() {
        if i > 0 {
            v = (eps[i] + v) * rho;
        }
        lp += -0.5 * (y - v).powi(2) - 0.5 * (2.0 * std::f64::consts::PI).ln();
    }
    // Priors and the log-Jacobian of the interval transform.
    lp += eps
        .iter()
        .map(|e| -0.5 * e * e - 0.5 * (2.0 * std::f64::consts::PI).ln())
        .sum::<f64>();
    lp += rho.ln() + (1.0 - rho).ln();
    let got = m.log_density(&x).unwrap();
    assert!(
        (got - lp).abs() < 1e-12 * lp.abs().max(1.0),
        "{got} vs {lp}"
    );
}

// ---------------------------------------------------------------- constrain

/// Deterministics computed next to the likelihood: `constrain` runs the body without its
/// `observe`/`factor` statements and what only they need (see `ppl-macros` `ir::prune`),
/// and must still record the same values.
#[model]
fn deterministics_among_the_likelihood(y: &[f64], stop: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let rate = sample("rate", Gamma(2.0, 2.0));
    let mut level = 0.0;
    let mut sq = 0.0;
    for i in 0..y.len() {
        // A data condition: the number of deterministics must not depend on parameters.
        if y[i] > stop {
            break;
        }
        level = 0.5 * level + mu;
        sq += (y[i] - level).powi(2);
        deterministic("level", level);
        observe("y", Normal(level, 1.0), y[i]);
    }
    // Newton's iteration for the root of z³ = rate: its value is a deterministic.
    let mut z = 1.0 + rate;
    let mut step = 1.0;
    while step.abs() > 1e-14 {
        step = (z * z * z - rate) / (3.0 * z * z);
        z -= step;
    }
    deterministic("cube_root", z);
    factor(-0.1 * sq);
}

#[test]
fn constrain_records_deterministics_without_running_the_likelihood() {
    let y = [0.3, -1.2, 0.8, 2.5, 0.1];
    for stop in [10.0, 2.0] {
        let m = DeterministicsAmongTheLikelihood::new(&y, stop).unwrap();
        for x in [[0.4, -0.3], [1.5, 0.8], [-2.0, 0.1]] {
            let (mu, rate) = (x[0], x[1].exp());
            let mut expected = vec![mu, rate];
            let mut level = 0.0;
            for yi in y {
                if yi > stop {
                    break;
                }
                level = 0.5 * level + mu;
                expected.push(level);
            }
            expected.push(rate.cbrt());
            let mut got = Vec::new();
            m.constrain(&x, &mut got).unwrap();
            assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
            for (g, e) in got.iter().zip(&expected) {
                assert!(
                    (g - e).abs() <= 1e-14 * e.abs().max(1.0),
                    "{got:?} vs {expected:?}"
                );
            }
        }
        check(&m, 5);
    }
}

/// A deterministic after a parameter-dependent `break`: how many values a draw records
/// depends on the parameters, which the output cannot hold.
#[model]
fn deterministics_counted_by_a_parameter(y: &[f64], stop: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let mut level = 0.0;
    for i in 0..y.len() {
        if level > stop {
            break;
        }
        level = 0.5 * level + mu;
        deterministic("level", level);
        observe("y", Normal(level, 1.0), y[i]);
    }
}

#[test]
fn a_parameter_dependent_number_of_deterministics_is_a_clear_sampler_error() {
    let m = DeterministicsCountedByAParameter::new(&[0.3, 1.0, 2.0], 0.7).unwrap();
    let e = Nuts::new()
        .chains(1)
        .warmup(100)
        .draws(100)
        .progress(false)
        .run(&m)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("must record the same number at every point"),
        "{e}"
    );
}
