//! Interval transform x = lo + (hi - lo) logistic(u); bounds may be parameters.
//!
//! Also home of the small stable logistic helpers shared by the simplex and
//! correlation-Cholesky transforms (`σ(u)` and `σ(-u)` without cancellation,
//! `softplus`, `ln σ(u) + ln σ(-u)`, `ln(1 - tanh² u)`).

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::ScalarTransform;

/// `(σ(u), σ(-u))` with `σ(u) = 1/(1 + e^(-u))`, both to full relative precision: with
/// `e = exp(-|u|) ≤ 1`, the one on the side of `u` is `1/(1+e)` and the other `e/(1+e)`.
#[inline]
pub(crate) fn logistic_pair<S: Scalar>(u: S) -> (S, S) {
    let neg_abs = if u.value() >= 0.0 { -u } else { u };
    let e = neg_abs.exp();
    let inv = (e + 1.0).recip();
    let small = e * inv;
    if u.value() >= 0.0 {
        (inv, small)
    } else {
        (small, inv)
    }
}

/// `softplus(a) = ln(1 + eᵃ) = max(a, 0) + ln(1 + e^(-|a|))` (never overflows; `-ln σ(-a)`).
#[inline]
pub(crate) fn softplus<S: Scalar>(a: S) -> S {
    if a.value() > 0.0 {
        a + (-a).exp().ln_1p()
    } else {
        a.exp().ln_1p()
    }
}

/// `ln σ(u) + ln σ(-u) = -|u| - 2 ln(1 + e^(-|u|))`, finite for every finite `u`.
#[inline]
pub(crate) fn log_logistic_pair_sum<S: Scalar>(u: S) -> S {
    let neg_abs = if u.value() >= 0.0 { -u } else { u };
    neg_abs - ln_one_plus_unit(neg_abs.exp()) * 2.0
}

/// `ln(1 + e)` for `e = e^(-|u|) ∈ (0, 1]`, as the logarithm of the rounded sum: absolute
/// error at most `ε` (half an ulp of `1 + e`, plus the logarithm's rounding of a result
/// ≤ ln 2). In `-|u| - 2 ln(1 + e)`, whose size is at least `2 ln 2`, that is below two
/// ulps. Not `ln_1p`: its relative accuracy for tiny `e` is not needed here, and glibc's
/// `log` is about a quarter faster than its `log1p`.
#[inline(always)]
fn ln_one_plus_unit<S: Scalar>(e: S) -> S {
    (e + 1.0).ln()
}

/// `ln(1 - tanh² u) = ln 4 - 2|u| - 2 ln(1 + e^(-2|u|))` (the log of `sech² u`), finite
/// for every finite `u` where `1 - tanh(u)²` itself would round to 0 beyond `|u| ≈ 19`.
#[inline]
pub(crate) fn log1m_tanh_sq<S: Scalar>(u: S) -> S {
    log_logistic_pair_sum(u * 2.0) + std::f64::consts::LN_2 * 2.0
}

/// The transform of ℝ onto the open interval `(lo, hi)`; both bounds may be parameters.
///
/// # Formula
///
/// ```text
/// y      = lo + (hi - lo) σ(u),           σ(u) = 1 / (1 + e^(-u))
/// ln J   = ln(hi - lo) + ln σ(u) + ln σ(-u)
///        = ln(hi - lo) - |u| - 2 ln(1 + e^(-|u|))
/// ∂y/∂u  = (hi - lo) σ(u) σ(-u)      ∂y/∂lo = σ(-u)       ∂y/∂hi = σ(u)
/// ∂lnJ/∂u = σ(-u) - σ(u)             ∂lnJ/∂lo = -1/(hi - lo)   ∂lnJ/∂hi = 1/(hi - lo)
/// inverse: u = ln(y - lo) - ln(hi - y)
/// ```
///
/// # Numerics
///
/// `y` is computed from the nearer bound: `lo + (hi - lo) σ(u)` for `u ≤ 0` and
/// `hi - (hi - lo) σ(-u)` for `u > 0`, so `y` stays strictly inside `(lo, hi)` while the
/// distance to the bound, `(hi - lo) σ(-|u|) ≈ (hi - lo) e^(-|u|)`, exceeds half an ulp of
/// the bound: for `(0, 1)` up to `u ≈ 36.7` above (and down to `u ≈ -745` below, where
/// `σ(u)` underflows); beyond that `y` equals the bound (the closure of the support).
/// The log-Jacobian is computed in log space and is finite for every finite `u`.
/// The inverse subtracts `y` from each bound separately, so it has no cancellation in
/// `1 - (y - lo)/(hi - lo)` near `hi`.
///
/// Bounds must be finite (infinite bounds are mapped to the one-sided transforms by
/// [`constrain_scalar`](crate::transforms::constrain_scalar)). When `hi ≤ lo` (or a bound
/// is NaN) the support is empty: `ln J = -∞`, so the log density rejects the point, and the
/// reverse rule returns zero adjoints.
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{IntervalTransform, ScalarTransform};
/// let t = IntervalTransform::new(-1.0, 3.0);
/// let (y, log_j) = t.constrain(0.0);
/// assert_eq!(y, 1.0);                                   // the midpoint
/// assert!(log_j.abs() < 1e-15);                        // ln(4 · ½ · ½) = 0
/// assert!((t.unconstrain(y).unwrap()).abs() < 1e-15);
/// assert!(t.unconstrain(3.0).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntervalTransform<S> {
    /// Lower bound.
    pub lo: S,
    /// Upper bound.
    pub hi: S,
}

impl<S> IntervalTransform<S> {
    /// The transform onto `(lo, hi)`.
    pub fn new(lo: S, hi: S) -> Self {
        IntervalTransform { lo, hi }
    }
}

impl<S: Scalar> IntervalTransform<S> {
    /// The transform onto `(0, 1)`: `y = σ(u)`, `ln J = ln σ(u) + ln σ(-u)`.
    pub fn unit() -> Self {
        IntervalTransform {
            lo: S::zero(),
            hi: S::one(),
        }
    }

    fn valid(&self) -> bool {
        self.hi.value() > self.lo.value()
    }
}

impl<S: Scalar> ScalarTransform<S> for IntervalTransform<S> {
    #[inline(always)]
    fn constrain(&self, x: S) -> (S, S) {
        let (lo, hi) = (self.lo, self.hi);
        let width = hi - lo;
        // One exponential for σ(u), σ(-u) and ln J (see `logistic_pair` and
        // `log_logistic_pair_sum`): e = exp(-|u|).
        let neg_abs = if x.value() >= 0.0 { -x } else { x };
        let e = neg_abs.exp();
        let inv = (e + 1.0).recip();
        let small = e * inv;
        let y = if x.value() > 0.0 {
            hi - width * small
        } else if x.value() == 0.0 {
            lo + width * inv
        } else {
            lo + width * small
        };
        if !self.valid() {
            return (y, S::cst(f64::NEG_INFINITY));
        }
        (y, width.ln() + (neg_abs - ln_one_plus_unit(e) * 2.0))
    }

    #[inline(always)]
    fn constrain_vjp(&self, x: S, y_bar: S, log_jac_bar: S) -> (S, Self) {
        if !self.valid() {
            return (S::zero(), IntervalTransform::new(S::zero(), S::zero()));
        }
        let width = self.hi - self.lo;
        let (p, q) = logistic_pair(x);
        let inv_width = width.recip();
        let x_bar = y_bar * width * p * q + log_jac_bar * (q - p);
        let lo_bar = y_bar * q - log_jac_bar * inv_width;
        let hi_bar = y_bar * p + log_jac_bar * inv_width;
        (x_bar, IntervalTransform::new(lo_bar, hi_bar))
    }

    fn unconstrain(&self, y: f64) -> Result<f64> {
        let (lo, hi) = (self.lo.value(), self.hi.value());
        if !(y > lo && y < hi) {
            return Err(Error::OutOfSupport {
                what: "interval transform",
                value: y,
                requirement: format!("({lo}, {hi})"),
            });
        }
        Ok((y - lo).ln() - (hi - y).ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn interval_passes_the_transform_checks() {
        let u = Domain::Interval(-6.0, 6.0);
        let bound_pairs = [
            (Domain::Interval(-3.0, -1.0), Domain::Interval(-0.5, 4.0)),
            (Domain::Interval(0.0, 1e-3), Domain::Interval(2e-3, 5e-3)),
            (
                Domain::Interval(100.0, 101.0),
                Domain::Interval(102.0, 150.0),
            ),
        ];
        for (lo, hi) in bound_pairs {
            check_scalar_transform::<IntervalTransform<()>>(&[lo, hi], u);
        }
    }

    #[test]
    fn interval_is_stable_at_extreme_arguments() {
        for (lo, hi) in [(0.0, 1.0), (-2.0, 5.0), (1e6, 1e6 + 1.0)] {
            check_scalar_extremes::<IntervalTransform<()>>(&[lo, hi], &EXTREME_U);
        }
        // y stays strictly inside (0, 1) at u = ±30 and reaches the closure only beyond.
        let t = IntervalTransform::<f64>::unit();
        for u in [-30.0, 30.0, -700.0] {
            let y = t.constrain(u).0;
            assert!(y > 0.0 && y < 1.0, "y({u}) = {y}");
        }
        assert_eq!(t.constrain(40.0).0, 1.0);
        assert!(t.constrain(40.0).1.is_finite());
        assert_eq!(t.constrain(-800.0).0, 0.0);
        // the inverse at u = 30 is accurate: ln(y) - ln(1 - y) with 1 - y exact.
        let y = t.constrain(30.0).0;
        assert!((t.unconstrain(y).unwrap() - 30.0).abs() < 1e-2);
    }

    /// Reference values from mpmath at 50 digits of Stan's formula
    /// (`y = lo + (hi-lo) σ(u)`, `ln J = ln(hi-lo) + ln σ(u) + ln σ(-u)`), `(lo, hi) = (-2, 5)`.
    #[test]
    fn interval_matches_high_precision_references() {
        let t = IntervalTransform::new(-2.0, 5.0);
        for (u, y_ref, lj_ref) in [
            (35.0, 4.999_999_999_999_996, -33.054_089_850_944_685),
            (-35.0, -1.999_999_999_999_995_6, -33.054_089_850_944_685),
            (0.5, 2.357_215_318_412_982, 0.497_756_180_695_099_97),
        ] {
            let (y, lj) = t.constrain(u);
            // y within one ulp of the bound's magnitude; ln J to 1e-15 relative
            assert!(
                (y - y_ref).abs() <= 5.0 * f64::EPSILON,
                "y({u}) = {y} vs {y_ref}"
            );
            assert!(
                (lj - lj_ref).abs() <= 1e-15 * lj_ref.abs().max(1.0),
                "{lj} vs {lj_ref}"
            );
        }
        // the distance to the upper bound at u = 35 is resolved (4.41e-15 exactly)
        let gap = 5.0 - t.constrain(35.0).0;
        assert!((gap - 4.413_581_732_102_89e-15).abs() <= 4.5e-16, "{gap}");
    }

    #[test]
    fn interval_rejects_values_outside_and_empty_supports() {
        let t = IntervalTransform::new(0.0, 2.0);
        for y in [0.0, 2.0, -1.0, 3.0, f64::NAN, f64::INFINITY] {
            let err = t.unconstrain(y).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::OutOfSupport {
                        what: "interval transform",
                        ..
                    }
                ),
                "{err}"
            );
        }
        assert!(t.unconstrain(1.5).is_ok());
        let msg = t.unconstrain(3.0).unwrap_err().to_string();
        assert!(msg.contains("(0, 2)"), "{msg}");
        // an empty support rejects through ln J = -∞ with zero adjoints
        let bad = IntervalTransform::new(Dual::new(1.0, 1.0), Dual::new(1.0, 0.0));
        let (_, lj) = bad.constrain(Dual::new(0.3, 1.0));
        assert_eq!(lj.v, f64::NEG_INFINITY);
        let (xb, tb) = bad.constrain_vjp(Dual::cst(0.3), Dual::cst(1.0), Dual::cst(1.0));
        assert_eq!((xb.v, tb.lo.v, tb.hi.v), (0.0, 0.0, 0.0));
        assert!(IntervalTransform::new(2.0, 1.0).unconstrain(1.5).is_err());
    }

    #[test]
    fn stable_helpers_match_naive_forms() {
        for u in [-20.0, -3.0, -0.1, 0.0, 0.1, 3.0, 20.0] {
            let s = 1.0 / (1.0 + (-u).exp());
            let (p, q) = logistic_pair(u);
            assert!((p - s).abs() < 1e-16 && (q - (1.0 - s)).abs() < 1e-15);
            assert!((softplus(u) - (1.0 + u.exp()).ln()).abs() < 1e-14);
            if u.abs() < 5.0 {
                assert!((log_logistic_pair_sum(u) - (s * (1.0 - s)).ln()).abs() < 1e-14);
            } else {
                // -|u| - 2 ln(1 + e^(-|u|)) with ln(1 + t) = t - t²/2 + … to 1e-17
                let t = (-u.abs()).exp();
                let asymptotic = -u.abs() - 2.0 * (t - t * t / 2.0 + t * t * t / 3.0);
                assert!((log_logistic_pair_sum(u) - asymptotic).abs() < 1e-14 * u.abs());
            }
            let t = u.tanh();
            if u.abs() < 15.0 {
                assert!((log1m_tanh_sq(u) - (1.0 - t * t).ln()).abs() < 1e-9);
            }
        }
        // ln(1 + e) through `ln` of the rounded sum: absolute error ≤ 2ε in the sum (doc of
        // `ln_one_plus_unit`), plus ≤ 1 ulp of `ln_1p`'s own in the reference.
        for k in -4000..=4000 {
            let u = k as f64 * 0.01 + 0.003;
            let e = (-u.abs()).exp();
            let reference = -u.abs() - 2.0 * e.ln_1p();
            let got = log_logistic_pair_sum(u);
            let tol = 2.0 * f64::EPSILON + 2.0 * f64::EPSILON * reference.abs();
            assert!((got - reference).abs() <= tol, "{u}: {got} vs {reference}");
        }
        // far tails: no overflow, no -∞
        assert_eq!(softplus(800.0), 800.0);
        assert_eq!(log1m_tanh_sq(400.0), 4f64.ln() - 800.0);
    }
}
