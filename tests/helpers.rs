//! `#[differentiable]` helpers and `#[custom_derivative]` primitives called from models:
//! gradients, JVPs and Hessian-vector products checked against finite differences with
//! `ppl::testing::check_gradients`, and plain `f64` calls from ordinary Rust.

// Helper bodies are in the model language, which indexes vectors in loops.
#![allow(clippy::needless_range_loop, clippy::assign_op_pattern)]

use ppl::prelude::*;
use ppl::testing::check_gradients;

/// Softplus with a cut-off, written with a loop and early returns: the first `k` with
/// `x < k` decides the branch (a loop that computes parameter-dependent values and
/// leaves early).
#[differentiable]
fn staged(x: f64, levels: usize) -> f64 {
    if x > 30.0 {
        return x;
    }
    let mut acc = 0.0;
    for k in 0..levels {
        acc += (x * (k as f64 + 1.0)).sin() / (k as f64 + 1.0);
        if x < k as f64 - 2.0 {
            return acc + (1.0 + x.exp()).ln();
        }
    }
    acc * 0.5 + x * x
}

#[model]
fn staged_model(levels: usize) {
    let x = sample("x", Normal(0.0, 2.0));
    let y = sample("y", Normal(1.0, 1.0));
    factor(staged(x, levels) - 0.1 * staged(x * y, levels + 1));
}

#[test]
fn scalar_helper_with_loop_and_early_return() {
    check_gradients(&StagedModel::new(4).unwrap()).unwrap();
}

#[test]
fn helpers_are_plain_functions_for_ordinary_rust() {
    // x = 40 returns at once; x = -5 returns from the loop at k = 0 (x < -2).
    assert_eq!(staged(40.0, 3), 40.0);
    let x: f64 = -5.0;
    let expected = x.sin() + (1.0 + x.exp()).ln();
    assert!((staged(x, 3) - expected).abs() < 1e-15);
    let x: f64 = 0.5;
    let acc: f64 = (0..3)
        .map(|k| (x * (k as f64 + 1.0)).sin() / (k as f64 + 1.0))
        .sum();
    assert!((staged(x, 3) - (acc * 0.5 + x * x)).abs() < 1e-15);
}

/// A linear predictor over a parameter vector and a data row, through a local vector.
#[differentiable]
fn predictor(beta: &[f64], x: &[f64], offset: f64) -> f64 {
    let mut terms = vec![0.0; beta.len()];
    for j in 0..beta.len() {
        terms[j] = beta[j] * x[j];
    }
    let mut s = offset;
    for j in 0..terms.len() {
        s += terms[j];
    }
    s
}

/// Softmax of a parameter vector scaled by a scalar: a helper returning a vector.
#[differentiable]
fn scaled_softmax(z: &[f64], scale: f64) -> Vec<f64> {
    let mut m = z[0] * scale;
    for k in 1..z.len() {
        m = m.max(z[k] * scale);
    }
    let mut out = vec![0.0; z.len()];
    let mut total = 0.0;
    for k in 0..z.len() {
        out[k] = (z[k] * scale - m).exp();
        total += out[k];
    }
    for k in 0..z.len() {
        out[k] = out[k] / total;
    }
    out
}

/// A helper calling helpers: log of the softmax entry picked by `k`, plus a predictor.
#[differentiable]
fn nested(z: &[f64], scale: f64, k: usize, x: &[f64]) -> f64 {
    let p: Vec<f64> = scaled_softmax(z, scale);
    p[k].ln() + 0.1 * predictor(z, x, scale)
}

#[model]
fn regression(x: &[Vec<f64>], y: &[f64]) {
    let beta = sample("beta", Normal(0.0, 1.0).iid(x[0].len()));
    let alpha = sample("alpha", Normal(0.0, 2.0));
    let sigma = sample("sigma", LogNormal(0.0, 0.5));
    for n in 0..y.len() {
        observe("y", Normal(predictor(&beta, &x[n], alpha), sigma), y[n]);
    }
}

#[model]
fn categorical_scores(counts: &[usize], x: &[f64]) {
    let z = sample("z", Normal(0.0, 1.0).iid(counts.len()));
    let temp = sample("temp", LogNormal(0.0, 0.3));
    let p: Vec<f64> = scaled_softmax(&z, temp);
    for k in 0..counts.len() {
        factor(counts[k] as f64 * p[k].ln());
    }
    let mut local = vec![0.0; counts.len()];
    for k in 0..counts.len() {
        local[k] = z[k] * 0.5 + p[k];
    }
    factor(-0.5 * predictor(&local, x, temp).powi(2));
    factor(nested(&z, temp, 1, x) + nested(&local, 2.0, 0, &x[..]));
}

fn rows(n: usize, d: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            (0..d)
                .map(|j| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0)
                .collect()
        })
        .collect()
}

#[test]
fn helper_over_parameter_vector_and_data_row() {
    let x = rows(12, 3);
    let y: Vec<f64> = (0..12).map(|i| (i as f64 * 0.7).sin()).collect();
    check_gradients(&Regression::new(&x, &y).unwrap()).unwrap();
}

#[test]
fn helper_returning_a_vector_and_nested_helpers() {
    check_gradients(&CategoricalScores::new(&[3, 0, 5, 2], &[0.5, -1.0, 2.0, 0.25]).unwrap())
        .unwrap();
}

#[test]
fn vector_helpers_are_plain_functions_too() {
    let p = scaled_softmax(&[0.0, 1.0, 2.0], 2.0);
    let e: Vec<f64> = [0.0f64, 2.0, 4.0].iter().map(|v| (v - 4.0).exp()).collect();
    let t: f64 = e.iter().sum();
    for (a, b) in p.iter().zip(&e) {
        assert!((a - b / t).abs() < 1e-15);
    }
    assert_eq!(predictor(&[1.0, 2.0], &[3.0, 4.0], 0.5), 11.5);
    let n = nested(&[0.0, 1.0, 2.0], 2.0, 2, &[1.0, 1.0, 1.0]);
    assert!((n - ((e[2] / t).ln() + 0.1 * 5.0)).abs() < 1e-14);
}

/// Kepler's equation `M = E - e sin E` solved for the eccentric anomaly `E` by Newton's
/// method (a `while` loop on `f64`), differentiated by the implicit function theorem
/// instead of through the iterations.
#[custom_derivative(partials = kepler_partials)]
fn kepler(m: f64, e: f64) -> f64 {
    let mut ecc_anomaly = if e < 0.8 {
        m
    } else {
        std::f64::consts::PI.copysign(m)
    };
    let mut step = 1.0;
    let mut iterations = 0;
    while step.abs() > 1e-15 * (1.0 + ecc_anomaly.abs()) && iterations < 100 {
        step = (ecc_anomaly - e * ecc_anomaly.sin() - m) / (1.0 - e * ecc_anomaly.cos());
        ecc_anomaly -= step;
        iterations += 1;
    }
    ecc_anomaly
}

/// `dE/dM = 1 / (1 - e cos E)`, `dE/de = sin E / (1 - e cos E)`, at the solution `E`.
fn kepler_partials<S: Scalar>(_m: S, e: S, ecc_anomaly: S) -> (S, S) {
    let d = -(e * ecc_anomaly.cos()) + 1.0;
    (d.recip(), ecc_anomaly.sin() / d)
}

/// Radial velocities of a star on an eccentric orbit of known period: semi-amplitude,
/// eccentricity, argument of periastron, phase and offset, with the true anomaly from
/// the eccentric anomaly of Kepler's equation.
#[model]
fn radial_velocity(t: &[f64], rv: &[f64], period: f64) {
    let amplitude = sample("amplitude", LogNormal(1.0, 0.5));
    let e = sample("e", Uniform(0.0, 0.9));
    let omega = sample("omega", Normal(0.0, 2.0));
    let phase = sample("phase", Normal(0.0, 2.0));
    let offset = sample("offset", Normal(0.0, 5.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    let root = ((1.0 + e) / (1.0 - e)).sqrt();
    for i in 0..t.len() {
        let mean_anomaly = 2.0 * std::f64::consts::PI * t[i] / period + phase;
        let ecc_anomaly = kepler(mean_anomaly, e);
        let nu = 2.0 * (root * (0.5 * ecc_anomaly).tan()).atan();
        let model_rv = amplitude * ((nu + omega).cos() + e * omega.cos()) + offset;
        observe("rv", Normal(model_rv, sigma), rv[i]);
    }
}

#[test]
fn kepler_solves_the_equation() {
    for &e in &[0.0, 0.1, 0.5, 0.9, 0.99] {
        for k in 0..40 {
            let m = -6.0 + 0.3 * k as f64;
            let ea = kepler(m, e);
            assert!((ea - e * ea.sin() - m).abs() < 1e-13, "e={e} m={m}");
        }
    }
}

#[test]
fn kepler_orbit_gradients_use_the_implicit_derivative() {
    let period = 3.7;
    let t: Vec<f64> = (0..15).map(|i| 0.41 * i as f64).collect();
    let rv: Vec<f64> = t
        .iter()
        .map(|&ti| {
            let (k, e, w, phi, v0) = (3.0, 0.4, 0.7, 0.2, 1.0);
            let m = 2.0 * std::f64::consts::PI * ti / period + phi;
            let ea = kepler(m, e);
            let nu = 2.0 * (((1.0 + e) / (1.0 - e)).sqrt() * (0.5 * ea).tan()).atan();
            k * ((nu + w).cos() + e * w.cos()) + v0 + 0.1 * (ti * 13.0).sin()
        })
        .collect();
    let m = RadialVelocity::new(&t, &rv, period).unwrap();
    check_gradients(&m).unwrap();
}

/// One step of a volatility recursion: called on loop-carried state (a recorded loop in
/// the model's reverse sweep, replayed iteration by iteration).
#[differentiable]
fn vol_step(prev: f64, shock: f64, a: f64, b: f64) -> f64 {
    (0.1 + a * shock * shock + b * prev * prev).sqrt()
}

/// Reads rows of a data matrix and a vector of indices: passive arguments passed as written.
#[differentiable]
fn picked_rows(theta: &[f64], x: &[Vec<f64>], pick: &[usize], scale: f64) -> f64 {
    let mut s = 0.0;
    for (r, &i) in pick.iter().enumerate() {
        s += x[r][i] * theta[i] * scale;
    }
    s
}

#[model]
fn volatility(r: &[f64], x: &[Vec<f64>], pick: &[usize]) {
    let a = sample("a", Uniform(0.0, 1.0));
    let b = sample("b", Uniform(0.0, 1.0 - a));
    let theta = sample("theta", Normal(0.0, 1.0).iid(3));
    let mut s = 1.0;
    for t in 1..r.len() {
        s = vol_step(s, r[t - 1], a, b);
        observe("r", Normal(0.0, s), r[t]);
    }
    if s > 1e9 {
        factor(-s);
    }
    factor(-0.5 * picked_rows(&theta, x, pick, 0.5).powi(2));
    deterministic("final_scale", vol_step(s, 0.0, a, b));
}

#[test]
fn helpers_on_loop_carried_state_and_with_passive_arguments() {
    let r: Vec<f64> = (0..20)
        .map(|t| ((t * 37 % 11) as f64 - 5.0) * 0.2)
        .collect();
    let x = rows(2, 3);
    let m = Volatility::new(&r, &x, &[2, 0]).unwrap();
    check_gradients(&m).unwrap();
    let mut out = Vec::new();
    m.constrain(&vec![0.1; m.dim()], &mut out).unwrap();
    assert!(out.last().is_some_and(|v| v.is_finite() && *v > 0.0));
}

/// Weighted log-likelihood term with a data value and an integer weight.
#[differentiable]
fn weighted_term(mu: f64, y: f64, w: usize, flags: &[usize]) -> f64 {
    let sign = if flags[0] == 1 { 1.0 } else { -1.0 };
    -0.5 * w as f64 * (y - mu) * (y - mu) * sign
}

#[model]
fn loop_variables(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 3.0));
    let flags = vec![1usize];
    for (i, &y_i) in y.iter().enumerate() {
        factor(weighted_term(mu, y_i, i + 1, &flags));
    }
    for y_i in y.iter() {
        factor(0.1 * weighted_term(mu, *y_i, 2, &flags[..]));
    }
}

#[test]
fn loop_variables_and_integers_are_passed_with_their_types() {
    check_gradients(&LoopVariables::new(&[0.5, -1.0, 2.0]).unwrap()).unwrap();
}
