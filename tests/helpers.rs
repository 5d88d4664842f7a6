//! `#[differentiable]` helpers and `#[custom_derivative]` primitives called from models:
//! gradients, JVPs and Hessian-vector products checked against finite differences with
//! `ppl::testing::check_gradients`, and plain `f64` calls from ordinary Rust.

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
        .map(|i| (0..d).map(|j| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0).collect())
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
