//! Stable log/exp compositions: log_sum_exp, log1p_exp, log1m_exp, log_diff_exp, logit and the inverse-logit family.
//!
//! # Formulas (value as computed; derivative)
//!
//! ```text
//! log_sum_exp(a, b)   = m + ln1p(e^(-|a-b|)), m = max(a, b)   ∂a = e^(a-y), ∂b = e^(b-y)
//! log_sum_exp_slice(x)= m + ln Σ e^(xᵢ-m)                     ∂xᵢ = e^(xᵢ-y) = softmax(x)ᵢ
//! log1p_exp(x)        = ln(1 + eˣ): x > 0: x + ln1p(e^(-x)), else ln1p(eˣ)
//!                                                              y' = inv_logit(x)
//! log1m_exp(x)        = ln(1 - eˣ), x < 0: x > -ln 2: ln(-expm1(x)), else ln1p(-eˣ)
//!                                                              y' = -1/expm1(-x)
//! log_diff_exp(a, b)  = ln(eᵃ - eᵇ) = a + log1m_exp(b - a), a > b
//!                                   ∂a = -1/expm1(b-a), ∂b = -1/expm1(a-b)
//! logit(p)            = ln(p/(1-p)); 2 atanh(2p-1) for p ∈ [¼, ¾]   y' = 1/(p(1-p))
//! inv_logit(x)        = 1/(1+e^(-x)) for x ≥ 0, eˣ/(1+eˣ) for x < 0
//!                                                              y' = inv_logit(x)·inv_logit(-x)
//! log_inv_logit(x)    = -log1p_exp(-x)                         y' = inv_logit(-x)
//! log1m_inv_logit(x)  = -log1p_exp(x)                          y' = -inv_logit(x)
//! ```
//!
//! Every derivative is itself written with stable primitives (`inv_logit(x)·inv_logit(-x)`
//! rather than `y(1-y)`, `expm1` rather than `1 - eˣ`), so first and second derivatives keep
//! their relative accuracy in both tails.
//!
//! # Edge cases
//!
//! * `log_sum_exp`: `-∞` when every argument is `-∞` (its partials are then `0`, not NaN);
//!   `+∞` if an argument is `+∞`; the empty slice gives `-∞`.
//! * `log1m_exp(0) = -∞`, NaN for `x > 0`; `log_diff_exp(a, a) = -∞`, NaN for `a < b`,
//!   `log_diff_exp(a, -∞) = a`.
//! * `logit(0) = -∞`, `logit(1) = +∞`, NaN outside `[0, 1]`.
//! * NaN propagates.
//!
//! # Examples
//!
//! ```
//! use ppl_core::ad::Dual;
//! use ppl_core::math::{inv_logit, log1m_exp, log1p_exp, log_inv_logit, log_sum_exp, logit};
//! assert_eq!(log1p_exp(800.0f64), 800.0);
//! assert!((log1p_exp(-800.0f64)).abs() < 1e-300);
//! assert!((log_sum_exp(1000.0f64, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
//! assert!((log1m_exp(-1e-20f64) - (1e-20f64).ln()).abs() < 1e-13);
//! assert!((logit(0.75f64) - 3f64.ln()).abs() < 1e-15);
//! assert!((inv_logit(3f64.ln()) - 0.75).abs() < 1e-15);
//! assert_eq!(log_inv_logit(-800.0f64), -800.0);
//! // d/dx log1p_exp(x) = inv_logit(x)
//! let y = log1p_exp(Dual::new(0.0, 1.0));
//! assert_eq!(y.d, 0.5);
//! ```

use crate::ad::rules::BinaryRule;
use crate::ad::Scalar;
use crate::math::elementary::{exp, exp_m1, ln_1p};
use crate::{binary_primitive, unary_primitive};
use std::f64::consts::LN_2;

/// `ln(eᵃ + eᵇ)` on plain values.
fn log_sum_exp_value(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let (m, d) = if a >= b { (a, b - a) } else { (b, a - b) };
    if m.is_infinite() {
        return m; // both -∞, or one +∞
    }
    m + d.exp().ln_1p()
}

/// Rule type of [`log_sum_exp`].
#[derive(Clone, Copy, Debug)]
pub struct LogSumExp;
impl BinaryRule for LogSumExp {
    #[inline]
    fn value(a: f64, b: f64) -> f64 {
        log_sum_exp_value(a, b)
    }
    #[inline]
    fn partials<S: Scalar>(a: S, b: S, y: S) -> (S, S) {
        if y.value() == f64::NEG_INFINITY {
            return (S::zero(), S::zero());
        }
        (exp(a - y), exp(b - y))
    }
}

binary_primitive!(
    /// `ln(eᵃ + eᵇ)` without overflow; partials `e^(a-y)`, `e^(b-y)` (both `0` when `y = -∞`).
    log_sum_exp, log_sum_exp_vjp, LogSumExp
);

/// Index of the largest entry (first of ties) and its value; `None` if `x` is empty, its
/// maximum is not finite, or an entry is NaN — then the returned `f64` is the result of
/// `log_sum_exp_slice` (`-∞`, `+∞` or NaN).
pub(crate) fn argmax_finite<S: Scalar>(x: &[S]) -> Result<usize, f64> {
    let mut best: Option<(usize, f64)> = None;
    for (i, xi) in x.iter().enumerate() {
        let v = xi.value();
        if v.is_nan() {
            return Err(f64::NAN);
        }
        if best.is_none_or(|(_, m)| v > m) {
            best = Some((i, v));
        }
    }
    match best {
        Some((i, m)) if m.is_finite() => Ok(i),
        Some((_, m)) => Err(m),
        None => Err(f64::NEG_INFINITY),
    }
}

/// `Σ_{j≠k} e^(xⱼ - xₖ)` for the index `k` of the maximum (`k < x.len()`); two plain
/// loops over `x[..k]` and `x[k+1..]`, so they vectorise.
pub(crate) fn sum_exp_others<S: Scalar>(x: &[S], k: usize) -> S {
    let (head, rest) = x.split_at(k);
    let (xk, tail) = match rest.split_first() {
        Some((&xk, tail)) => (xk, tail),
        None => return S::zero(),
    };
    let a: S = head.iter().map(|&xj| exp(xj - xk)).sum();
    let b: S = tail.iter().map(|&xj| exp(xj - xk)).sum();
    a + b
}

/// `ln Σᵢ e^(xᵢ)` without overflow: `xₖ + ln1p(Σ_{j≠k} e^(xⱼ - xₖ))`, `xₖ = max x` (the
/// `ln1p` keeps full accuracy when one entry dominates, also for the tangent on `Dual`).
///
/// `-∞` for the empty slice and when every entry is `-∞`; `+∞` if an entry is `+∞`; NaN
/// if an entry is NaN. Derivative: `∂y/∂xᵢ = e^(xᵢ - y) = softmax(x)ᵢ`.
pub fn log_sum_exp_slice<S: Scalar>(x: &[S]) -> S {
    match argmax_finite(x) {
        Ok(k) => x[k] + ln_1p(sum_exp_others(x, k)),
        Err(v) => S::cst(v),
    }
}

/// Reverse rule of [`log_sum_exp_slice`]: `x_bar[i] += y_bar · e^(xᵢ - y)`.
///
/// Accumulates into `x_bar` over the common length of `x` and `x_bar` (they should be
/// equal: checked in debug builds). Adds nothing when `y` is not finite (`-∞`: no
/// gradient; `+∞`: undefined).
pub fn log_sum_exp_slice_vjp<S: Scalar>(x: &[S], y: S, y_bar: S, x_bar: &mut [S]) {
    debug_assert_eq!(
        x.len(),
        x_bar.len(),
        "log_sum_exp_slice_vjp: length mismatch"
    );
    if !y.is_finite() {
        return;
    }
    for (xb, &xi) in x_bar.iter_mut().zip(x) {
        *xb += y_bar * exp(xi - y);
    }
}

macro_rules! log_exp_unary {
    ($(#[$doc:meta])* $name:ident, $vjp:ident, $rule:ident, $value:path, |$x:ident, $y:ident| $deriv:expr) => {
        crate::unary_rule!($rule, $name, $value, |$x, $y| $deriv);
        unary_primitive!($(#[$doc])* $name, $vjp, $rule);
    };
}

/// `ln(1 + eˣ)` on plain values.
fn log1p_exp_value(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `ln(1 - eˣ)` on plain values.
fn log1m_exp_value(x: f64) -> f64 {
    if x > 0.0 || x.is_nan() {
        f64::NAN
    } else if x > -LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// `1/(1 + e^(-x))` on plain values.
fn inv_logit_value(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(p/(1-p))` on plain values.
fn logit_value(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        f64::NAN
    } else if (0.25..=0.75).contains(&p) {
        2.0 * (2.0 * p - 1.0).atanh()
    } else {
        (p / (1.0 - p)).ln()
    }
}

fn log_inv_logit_value(x: f64) -> f64 {
    -log1p_exp_value(-x)
}

fn log1m_inv_logit_value(x: f64) -> f64 {
    -log1p_exp_value(x)
}

log_exp_unary!(
    /// Softplus `ln(1 + eˣ)`, stable in both tails (`x` for large `x`, `eˣ` for very negative
    /// `x`); derivative `inv_logit(x)`.
    log1p_exp, log1p_exp_vjp, Log1pExp, log1p_exp_value, |x, y| inv_logit(x)
);
log_exp_unary!(
    /// `ln(1 - eˣ)` for `x ≤ 0` (`-∞` at 0, NaN for `x > 0`), switching between
    /// `ln(-expm1(x))` and `ln1p(-eˣ)` at `-ln 2`; derivative `-eˣ/(1-eˣ) = -1/expm1(-x)`.
    log1m_exp, log1m_exp_vjp, Log1mExp, log1m_exp_value, |x, y| -exp_m1(-x).recip()
);
log_exp_unary!(
    /// The logistic sigmoid `1/(1 + e^(-x))`, stable in both tails; derivative
    /// `inv_logit(x)·inv_logit(-x)` (relatively accurate where `y ≈ 1`).
    inv_logit, inv_logit_vjp, InvLogit, inv_logit_value, |x, y| inv_logit(x) * inv_logit(-x)
);
log_exp_unary!(
    /// `logit(p) = ln(p/(1-p))` for `p ∈ [0, 1]` (`±∞` at the ends, NaN outside), as
    /// `2 atanh(2p-1)` near `p = ½`; derivative `1/(p(1-p))`.
    logit, logit_vjp, Logit, logit_value, |p, y| (p * (-p + 1.0)).recip()
);
log_exp_unary!(
    /// `ln inv_logit(x) = -log1p_exp(-x)`; derivative `inv_logit(-x)`.
    log_inv_logit, log_inv_logit_vjp, LogInvLogit, log_inv_logit_value, |x, y| inv_logit(-x)
);
log_exp_unary!(
    /// `ln(1 - inv_logit(x)) = -log1p_exp(x)`; derivative `-inv_logit(x)`.
    log1m_inv_logit, log1m_inv_logit_vjp, Log1mInvLogit, log1m_inv_logit_value,
    |x, y| -inv_logit(x)
);

/// `ln(eᵃ - eᵇ)` on plain values.
fn log_diff_exp_value(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || b > a {
        f64::NAN
    } else if b == f64::NEG_INFINITY {
        a
    } else if a == f64::INFINITY {
        if b == f64::INFINITY {
            f64::NAN
        } else {
            a
        }
    } else {
        a + log1m_exp_value(b - a)
    }
}

/// Rule type of [`log_diff_exp`].
#[derive(Clone, Copy, Debug)]
pub struct LogDiffExp;
impl BinaryRule for LogDiffExp {
    #[inline]
    fn value(a: f64, b: f64) -> f64 {
        log_diff_exp_value(a, b)
    }
    #[inline]
    fn partials<S: Scalar>(a: S, b: S, _y: S) -> (S, S) {
        (-exp_m1(b - a).recip(), -exp_m1(a - b).recip())
    }
}

binary_primitive!(
    /// `ln(eᵃ - eᵇ) = a + log1m_exp(b - a)` for `a ≥ b` (`-∞` at `a = b`, NaN for `a < b`);
    /// partials `∂a = eᵃ/(eᵃ-eᵇ) = -1/expm1(b-a)`, `∂b = -eᵇ/(eᵃ-eᵇ) = -1/expm1(a-b)`.
    log_diff_exp, log_diff_exp_vjp, LogDiffExp
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::check_reference_table;
    use crate::testing::{check_function, Domain, GradientFunction};
    use crate::{check_binary, check_unary};
    use rand::rngs::StdRng;
    use rand::Rng;

    #[test]
    fn reference_values() {
        check_reference_table("log1p_exp", |_, x| log1p_exp(x));
        check_reference_table("log1m_exp", |_, x| log1m_exp(x));
        check_reference_table("log_diff_exp", |p, x| log_diff_exp(p[0], x));
        check_reference_table("inv_logit", |_, x| inv_logit(x));
        check_reference_table("log_inv_logit", |_, x| log_inv_logit(x));
        check_reference_table("log1m_inv_logit", |_, x| log1m_inv_logit(x));
        check_reference_table("logit", |_, p| logit(p));
    }

    #[test]
    fn special_values() {
        let inf = f64::INFINITY;
        assert_eq!(log_sum_exp(-inf, -inf), -inf);
        assert_eq!(log_sum_exp_vjp(-inf, -inf, -inf, 1.0), (0.0, 0.0));
        assert_eq!(log_sum_exp(inf, 3.0), inf);
        assert_eq!(log_sum_exp(-inf, 3.0), 3.0);
        assert_eq!(log_sum_exp_vjp(-inf, 3.0, 3.0, 1.0), (0.0, 1.0));
        assert!(log_sum_exp(f64::NAN, 3.0).is_nan());
        assert_eq!(log_sum_exp_slice::<f64>(&[]), -inf);
        assert_eq!(log_sum_exp_slice(&[-inf, -inf]), -inf);
        let mut g = [0.0; 2];
        log_sum_exp_slice_vjp(&[-inf, -inf], -inf, 1.0, &mut g);
        assert_eq!(g, [0.0, 0.0]);
        assert_eq!(log_sum_exp_slice(&[1.0, inf]), inf);
        assert!(log_sum_exp_slice(&[1.0, f64::NAN]).is_nan());
        assert_eq!(log1m_exp(0.0f64), -inf);
        assert!(log1m_exp(0.1f64).is_nan());
        assert_eq!(log1m_exp(-inf), 0.0);
        assert_eq!(log_diff_exp(2.0f64, 2.0), -inf);
        assert_eq!(log_diff_exp(2.0f64, -inf), 2.0);
        assert_eq!(log_diff_exp_vjp(2.0f64, -inf, 2.0, 1.0), (1.0, 0.0));
        assert!(log_diff_exp(1.0f64, 2.0).is_nan());
        assert_eq!(logit(0.0f64), -inf);
        assert_eq!(logit(1.0f64), inf);
        assert!(logit(1.5f64).is_nan());
        assert_eq!(inv_logit(inf), 1.0);
        assert_eq!(inv_logit(-inf), 0.0);
        assert_eq!(log1p_exp(inf), inf);
        assert_eq!(log1p_exp(-inf), 0.0);
        // the derivative of inv_logit keeps relative accuracy in the upper tail
        let d = inv_logit_vjp(40.0f64, inv_logit(40.0), 1.0);
        assert!((d / (-40.0f64).exp() - 1.0).abs() < 1e-15, "{d}");
    }

    #[test]
    fn unary_rules_match_finite_differences() {
        for (name, d) in [
            ("center", Domain::Interval(-5.0, 5.0)),
            ("upper", Domain::Interval(5.0, 700.0)),
            ("lower", Domain::Interval(-700.0, -5.0)),
        ] {
            check_unary!(&format!("log1p_exp {name}"), log1p_exp, log1p_exp_vjp, d);
            check_unary!(&format!("inv_logit {name}"), inv_logit, inv_logit_vjp, d);
            check_unary!(
                &format!("log_inv_logit {name}"),
                log_inv_logit,
                log_inv_logit_vjp,
                d
            );
            check_unary!(
                &format!("log1m_inv_logit {name}"),
                log1m_inv_logit,
                log1m_inv_logit_vjp,
                d
            );
        }
        for (name, d) in [
            ("near 0", Domain::Interval(-0.69, -1e-6)),
            ("switch", Domain::Interval(-2.0, -0.3)),
            ("lower", Domain::Interval(-700.0, -2.0)),
        ] {
            check_unary!(&format!("log1m_exp {name}"), log1m_exp, log1m_exp_vjp, d);
        }
        for (name, d) in [
            ("center", Domain::Interval(0.01, 0.99)),
            ("lower", Domain::LogUniform(1e-12, 0.01)),
            ("upper", Domain::Interval(0.99, 1.0 - 1e-9)),
        ] {
            check_unary!(&format!("logit {name}"), logit, logit_vjp, d);
        }
    }

    #[test]
    fn binary_rules_match_finite_differences() {
        let wide = Domain::Interval(-50.0, 50.0);
        check_binary!("log_sum_exp", log_sum_exp, log_sum_exp_vjp, wide, wide);
        check_binary!(
            "log_sum_exp huge",
            log_sum_exp,
            log_sum_exp_vjp,
            Domain::Interval(600.0, 700.0),
            Domain::Interval(600.0, 700.0)
        );
        check_binary!(
            "log_diff_exp",
            log_diff_exp,
            log_diff_exp_vjp,
            Domain::Interval(10.0, 20.0),
            Domain::Interval(-20.0, 9.0)
        );
        check_binary!(
            "log_diff_exp close",
            log_diff_exp,
            log_diff_exp_vjp,
            Domain::Interval(1.0, 1.1),
            Domain::Interval(0.5, 0.95)
        );
        check_binary!(
            "log_diff_exp far",
            log_diff_exp,
            log_diff_exp_vjp,
            Domain::Interval(-600.0, -500.0),
            Domain::Interval(-800.0, -610.0)
        );
    }

    struct LseCheck {
        n: usize,
        spread: f64,
    }

    impl GradientFunction for LseCheck {
        fn name(&self) -> String {
            format!("log_sum_exp_slice n={} spread={}", self.n, self.spread)
        }
        fn dim(&self) -> usize {
            self.n
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            (0..self.n)
                .map(|_| rng.random_range(-self.spread..self.spread))
                .collect()
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            log_sum_exp_slice(x)
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            let y = log_sum_exp_slice(x);
            grad.iter_mut().for_each(|g| *g = S::zero());
            log_sum_exp_slice_vjp(x, y, S::one(), grad);
            y
        }
    }

    #[test]
    fn log_sum_exp_slice_matches_finite_differences() {
        check_function(&LseCheck { n: 1, spread: 3.0 });
        check_function(&LseCheck { n: 5, spread: 3.0 });
        check_function(&LseCheck {
            n: 7,
            spread: 300.0,
        });
    }
}
