//! softmax and log_softmax of a vector, with reverse rules.
//!
//! # Formulas
//!
//! ```text
//! softmax(x)ᵢ     = yᵢ = e^(xᵢ - m) / Σⱼ e^(xⱼ - m),  m = max x      (shift-invariant, no overflow)
//! log_softmax(x)ᵢ = yᵢ = xᵢ - log_sum_exp(x)
//!
//! softmax VJP:      x̄ᵢ += yᵢ (ȳᵢ - Σⱼ yⱼ ȳⱼ)
//! log_softmax VJP:  x̄ᵢ += ȳᵢ - e^(yᵢ) Σⱼ ȳⱼ
//! ```
//!
//! # Edge cases and lengths
//!
//! * An empty `x` writes nothing.
//! * If every entry is `-∞` the result is the limit of equal entries: `softmax = 1/n`,
//!   `log_softmax = -ln n` (no NaN); `-∞` entries among finite ones get `0` / `-∞`. A `+∞`
//!   or NaN entry makes every output NaN (the limit depends on how `+∞` was approached).
//! * These are internal rules: all slices should have the same length (checked in debug
//!   builds). In release builds they operate on the common prefix (every loop zips the
//!   slices), never reading or writing out of bounds.
//!
//! # Examples
//!
//! ```
//! use ppl_core::math::{log_softmax, softmax};
//! let x = [1.0, 2.0, 1000.0]; // no overflow
//! let mut y = [0.0; 3];
//! softmax(&x, &mut y);
//! assert_eq!(y, [0.0, 0.0, 1.0]); // e^(-998) underflows
//! log_softmax(&x, &mut y);
//! assert_eq!(y, [1.0 - 1000.0, 2.0 - 1000.0, 0.0]);
//! softmax(&[0.0, 3f64.ln()], &mut y[..2]);
//! assert!((y[0] - 0.25).abs() < 1e-16 && (y[1] - 0.75).abs() < 1e-16);
//! ```

use crate::ad::Scalar;
use crate::math::elementary::{exp, exp_m1, ln_1p};
use crate::math::log_exp::{argmax_finite, sum_exp_others};

/// Writes `softmax(x)` into `out` (see the module docs).
///
/// With `k` the index of the largest entry and `s = Σ_{j≠k} e^(xⱼ - xₖ)`, `yₖ = 1/(1+s)` and
/// `yᵢ = e^(xᵢ - xₖ)·yₖ`: no difference of nearly equal numbers, so values and tangents
/// (on `Dual`) stay relatively accurate when one entry dominates.
pub fn softmax<S: Scalar>(x: &[S], out: &mut [S]) {
    debug_assert_eq!(x.len(), out.len(), "softmax: length mismatch");
    match argmax_finite(x) {
        Ok(k) => {
            let yk = (sum_exp_others(x, k) + 1.0).recip();
            let xk = x[k];
            for (i, (o, &xi)) in out.iter_mut().zip(x).enumerate() {
                *o = if i == k { yk } else { exp(xi - xk) * yk };
            }
        }
        Err(v) if v == f64::NEG_INFINITY => {
            let u = S::cst(1.0 / x.len().max(1) as f64);
            out.iter_mut().zip(x).for_each(|(o, _)| *o = u);
        }
        Err(_) => out
            .iter_mut()
            .zip(x)
            .for_each(|(o, _)| *o = S::cst(f64::NAN)),
    }
}

/// Index of the largest entry of `y` (first of ties; 0 for an empty or NaN slice).
fn argmax<S: Scalar>(y: &[S]) -> usize {
    let mut k = 0;
    for (i, yi) in y.iter().enumerate() {
        if yi.value() > y[k].value() {
            k = i;
        }
    }
    k
}

/// Reverse rule of [`softmax`]: `x_bar[i] += y[i] · (y_bar[i] - Σⱼ y[j] y_bar[j])`.
///
/// Evaluated as `y[i] · ((y_bar[i] - y_bar[k]) - Σ_{j≠k} y[j] (y_bar[j] - y_bar[k]))` with `k`
/// the largest `y` (equal since `Σ y = 1`), which avoids the cancellation `y_bar[k] - Σ y ȳ`
/// when `y[k] ≈ 1`.
pub fn softmax_vjp<S: Scalar>(x: &[S], y: &[S], y_bar: &[S], x_bar: &mut [S]) {
    debug_assert!(
        x.len() == y.len() && y.len() == y_bar.len() && y_bar.len() == x_bar.len(),
        "softmax_vjp: length mismatch"
    );
    let n = y.len().min(y_bar.len());
    if n == 0 {
        return;
    }
    let k = argmax(&y[..n]);
    let bk = y_bar[k];
    let c: S = y
        .iter()
        .zip(y_bar)
        .enumerate()
        .filter(|&(j, _)| j != k)
        .map(|(_, (&yj, &bj))| yj * (bj - bk))
        .sum();
    for ((xb, &yi), &bi) in x_bar.iter_mut().zip(y).zip(y_bar) {
        *xb += yi * (bi - bk - c);
    }
}

/// Writes `log_softmax(x) = x - log_sum_exp(x)` into `out` (see the module docs):
/// `yₖ = -ln1p(s)`, `yᵢ = (xᵢ - xₖ) - ln1p(s)` with `k` and `s` as in [`softmax`].
pub fn log_softmax<S: Scalar>(x: &[S], out: &mut [S]) {
    debug_assert_eq!(x.len(), out.len(), "log_softmax: length mismatch");
    match argmax_finite(x) {
        Ok(k) => {
            let l = ln_1p(sum_exp_others(x, k));
            let xk = x[k];
            for (i, (o, &xi)) in out.iter_mut().zip(x).enumerate() {
                *o = if i == k { -l } else { (xi - xk) - l };
            }
        }
        Err(v) if v == f64::NEG_INFINITY => {
            let l = S::cst(-(x.len().max(1) as f64).ln());
            out.iter_mut().zip(x).for_each(|(o, _)| *o = l);
        }
        Err(_) => out
            .iter_mut()
            .zip(x)
            .for_each(|(o, _)| *o = S::cst(f64::NAN)),
    }
}

/// Reverse rule of [`log_softmax`]: `x_bar[i] += y_bar[i] - e^(y[i]) · Σⱼ y_bar[j]`.
///
/// For the largest entry `k` this is evaluated as
/// `-y_bar[k]·expm1(y[k]) - e^(y[k]) Σ_{j≠k} y_bar[j]` (no cancellation when `e^(y[k]) ≈ 1`).
pub fn log_softmax_vjp<S: Scalar>(x: &[S], y: &[S], y_bar: &[S], x_bar: &mut [S]) {
    debug_assert!(
        x.len() == y.len() && y.len() == y_bar.len() && y_bar.len() == x_bar.len(),
        "log_softmax_vjp: length mismatch"
    );
    let n = y.len().min(y_bar.len());
    if n == 0 {
        return;
    }
    let k = argmax(&y[..n]);
    let others: S = y_bar
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != k && j < n)
        .map(|(_, &b)| b)
        .sum();
    let total = others + y_bar[k];
    for (i, ((xb, &yi), &bi)) in x_bar.iter_mut().zip(y).zip(y_bar).enumerate() {
        *xb += if i == k {
            -(bi * exp_m1(yi)) - exp(yi) * others
        } else {
            bi - exp(yi) * total
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_function, GradientFunction};
    use rand::rngs::StdRng;
    use rand::Rng;

    /// `f(x) = Σᵢ wᵢ g(x)ᵢ` for a fixed random `w`, `g` = softmax or log_softmax: its gradient is
    /// the VJP with `y_bar = w`, so `check_function` tests the VJP along a random cotangent.
    struct Linear {
        log: bool,
        w: Vec<f64>,
        spread: f64,
    }

    impl Linear {
        fn new(log: bool, n: usize, spread: f64) -> Self {
            let mut rng = crate::testing::rng_for(&format!("softmax weights {log} {n}"));
            let w = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
            Linear { log, w, spread }
        }
        fn forward<S: Scalar>(&self, x: &[S], y: &mut [S]) {
            if self.log {
                log_softmax(x, y)
            } else {
                softmax(x, y)
            }
        }
    }

    impl GradientFunction for Linear {
        fn name(&self) -> String {
            format!(
                "{} n={} spread={}",
                if self.log { "log_softmax" } else { "softmax" },
                self.w.len(),
                self.spread
            )
        }
        fn dim(&self) -> usize {
            self.w.len()
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            (0..self.w.len())
                .map(|_| rng.random_range(-self.spread..self.spread))
                .collect()
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            let mut y = vec![S::zero(); x.len()];
            self.forward(x, &mut y);
            y.iter().zip(&self.w).map(|(&yi, &wi)| yi * wi).sum()
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            let mut y = vec![S::zero(); x.len()];
            self.forward(x, &mut y);
            let y_bar: Vec<S> = self.w.iter().map(|&w| S::cst(w)).collect();
            grad.iter_mut().for_each(|g| *g = S::zero());
            if self.log {
                log_softmax_vjp(x, &y, &y_bar, grad);
            } else {
                softmax_vjp(x, &y, &y_bar, grad);
            }
            y.iter().zip(&self.w).map(|(&yi, &wi)| yi * wi).sum()
        }
    }

    #[test]
    fn vjps_match_finite_differences() {
        for log in [false, true] {
            check_function(&Linear::new(log, 1, 2.0));
            check_function(&Linear::new(log, 4, 2.0));
            check_function(&Linear::new(log, 6, 40.0));
        }
    }

    #[test]
    fn values_and_edge_cases() {
        let x = [1.0, 2.0, 3.0];
        let mut y = [0.0; 3];
        softmax(&x, &mut y);
        let z: f64 = x.iter().map(|v: &f64| v.exp()).sum();
        for (yi, xi) in y.iter().zip(&x) {
            assert!((yi - xi.exp() / z).abs() < 4.0 * f64::EPSILON * yi);
        }
        log_softmax(&x, &mut y);
        for (yi, xi) in y.iter().zip(&x) {
            assert!((yi - (xi - z.ln())).abs() < 1e-15);
        }
        // shift invariance with huge entries, no overflow
        softmax(&[1000.0, 1000.0], &mut y[..2]);
        assert_eq!(&y[..2], &[0.5, 0.5]);
        // all -∞: the limit of equal entries
        let ninf = f64::NEG_INFINITY;
        softmax(&[ninf, ninf], &mut y[..2]);
        assert_eq!(&y[..2], &[0.5, 0.5]);
        log_softmax(&[ninf, ninf], &mut y[..2]);
        assert_eq!(&y[..2], &[-(2f64.ln()), -(2f64.ln())]);
        // a -∞ entry among finite ones
        softmax(&[ninf, 0.0], &mut y[..2]);
        assert_eq!(&y[..2], &[0.0, 1.0]);
        log_softmax(&[ninf, 0.0], &mut y[..2]);
        assert_eq!(&y[..2], &[ninf, 0.0]);
        // empty
        softmax::<f64>(&[], &mut []);
        log_softmax::<f64>(&[], &mut []);
    }
}
