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
