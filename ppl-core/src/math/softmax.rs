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
//!   entry gives NaN (the limit depends on how it was approached).
//! * These are internal rules: all slices should have the same length (checked in debug
//!   builds). In release builds they operate on the common prefix (every loop zips the
//!   slices), never reading or writing out of bounds.
//!
//! # Examples
//!
//! ```
//! use ppl_core::math::{log_softmax, softmax};
//! let x = [1.0, 2.0, 1000.0];
//! let mut y = [0.0; 3];
//! softmax(&x, &mut y);
//! assert!((y[2] - 1.0).abs() < 1e-15 && y[0] > 0.0);
//! log_softmax(&x, &mut y);
//! assert!((y[1] - (2.0 - 1000.0)).abs() < 1e-12);
//! ```

use crate::ad::Scalar;
use crate::math::elementary::exp;
use crate::math::log_exp::log_sum_exp_slice;

/// Largest primal value of `x` (`-∞` for the empty slice).
fn max_value<S: Scalar>(x: &[S]) -> f64 {
    x.iter().fold(f64::NEG_INFINITY, |m, xi| {
        if xi.value() > m {
            xi.value()
        } else {
            m
        }
    })
}

/// Writes `softmax(x)` into `out` (see the module docs).
pub fn softmax<S: Scalar>(x: &[S], out: &mut [S]) {
    debug_assert_eq!(x.len(), out.len(), "softmax: length mismatch");
    let m = max_value(x);
    if m == f64::NEG_INFINITY {
        let u = S::cst(1.0 / x.len().max(1) as f64);
        out.iter_mut().zip(x).for_each(|(o, _)| *o = u);
        return;
    }
    let mut sum = S::zero();
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = exp(xi - m);
        sum += *o;
    }
    let inv = sum.recip();
    for (o, _) in out.iter_mut().zip(x) {
        *o *= inv;
    }
}

/// Reverse rule of [`softmax`]: `x_bar[i] += y[i] · (y_bar[i] - Σⱼ y[j] y_bar[j])`.
pub fn softmax_vjp<S: Scalar>(x: &[S], y: &[S], y_bar: &[S], x_bar: &mut [S]) {
    debug_assert!(
        x.len() == y.len() && y.len() == y_bar.len() && y_bar.len() == x_bar.len(),
        "softmax_vjp: length mismatch"
    );
    let dot: S = y.iter().zip(y_bar).map(|(&yi, &bi)| yi * bi).sum();
    for ((xb, &yi), &bi) in x_bar.iter_mut().zip(y).zip(y_bar) {
        *xb += yi * (bi - dot);
    }
}

/// Writes `log_softmax(x) = x - log_sum_exp(x)` into `out` (see the module docs).
pub fn log_softmax<S: Scalar>(x: &[S], out: &mut [S]) {
    debug_assert_eq!(x.len(), out.len(), "log_softmax: length mismatch");
    if max_value(x) == f64::NEG_INFINITY {
        let l = S::cst(-(x.len().max(1) as f64).ln());
        out.iter_mut().zip(x).for_each(|(o, _)| *o = l);
        return;
    }
    let lse = log_sum_exp_slice(x);
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = xi - lse;
    }
}

/// Reverse rule of [`log_softmax`]: `x_bar[i] += y_bar[i] - e^(y[i]) · Σⱼ y_bar[j]`.
pub fn log_softmax_vjp<S: Scalar>(x: &[S], y: &[S], y_bar: &[S], x_bar: &mut [S]) {
    debug_assert!(
        x.len() == y.len() && y.len() == y_bar.len() && y_bar.len() == x_bar.len(),
        "log_softmax_vjp: length mismatch"
    );
    let total: S = y_bar.iter().copied().sum();
    for ((xb, &yi), &bi) in x_bar.iter_mut().zip(y).zip(y_bar) {
        *xb += bi - exp(yi) * total;
    }
}
