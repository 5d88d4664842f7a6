//! Lower-bound transform x = lo + exp(u) (Positive is lo = 0).

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::ScalarTransform;

/// The transform of ℝ onto `(lo, ∞)`; the bound may be a parameter. `Positive` is `lo = 0`
/// ([`LowerBound::positive`]).
///
/// # Formula
///
/// ```text
/// y     = lo + eᵘ          ln J = u
/// ∂y/∂u = eᵘ   ∂y/∂lo = 1  ∂lnJ/∂u = 1   ∂lnJ/∂lo = 0
/// inverse: u = ln(y - lo)
/// ```
///
/// # Numerics
///
/// `y > lo` strictly while `eᵘ` exceeds half an ulp of `lo` (for `lo = 0` down to
/// `u ≈ -745`, where `eᵘ` underflows; for `lo = 5`, down to `u ≈ -35.7`); below that
/// `y = lo`, the closure of the support. `y` overflows to `+∞` above `u ≈ 709.78`. The log
/// Jacobian is `u` itself, exact. The inverse `ln(y - lo)` is as accurate as the difference
/// `y - lo` (exact when `y` is within a factor 2 of `lo`).
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{LowerBound, ScalarTransform};
/// let t = LowerBound::new(2.0);
/// let (y, log_j) = t.constrain(0.0);
/// assert_eq!((y, log_j), (3.0, 0.0));
/// assert_eq!(t.unconstrain(3.0).unwrap(), 0.0);
/// assert!(t.unconstrain(2.0).is_err());
/// let (x_bar, bounds_bar) = t.constrain_vjp(0.0, 1.0, 1.0);
/// assert_eq!((x_bar, bounds_bar.lo), (2.0, 1.0));  // e⁰ + 1, ∂y/∂lo
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LowerBound<S> {
    /// The lower bound.
    pub lo: S,
}

impl<S> LowerBound<S> {
    /// The transform onto `(lo, ∞)`.
    pub fn new(lo: S) -> Self {
        LowerBound { lo }
    }
}

impl<S: Scalar> LowerBound<S> {
    /// The transform onto `(0, ∞)`: `y = eᵘ`, `ln J = u`.
    pub fn positive() -> Self {
        LowerBound { lo: S::zero() }
    }
}

impl<S: Scalar> ScalarTransform<S> for LowerBound<S> {
    #[inline]
    fn constrain(&self, x: S) -> (S, S) {
        (self.lo + x.exp(), x)
    }

    #[inline]
    fn constrain_vjp(&self, x: S, y_bar: S, log_jac_bar: S) -> (S, Self) {
        (y_bar * x.exp() + log_jac_bar, LowerBound { lo: y_bar })
    }

    fn unconstrain(&self, y: f64) -> Result<f64> {
        let lo = self.lo.value();
        if !(y > lo && y < f64::INFINITY) {
            return Err(Error::OutOfSupport {
                what: "lower-bound transform",
                value: y,
                requirement: format!("({lo}, ∞)"),
            });
        }
        Ok((y - lo).ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn lower_bound_passes_the_transform_checks() {
        let u = Domain::Interval(-6.0, 6.0);
        for lo in [
            Domain::Interval(-5.0, 5.0),
            Domain::Interval(1e3, 2e3),
            Domain::Interval(-1e-3, 1e-3),
        ] {
            check_scalar_transform::<LowerBound<()>>(&[lo], u);
        }
    }

    #[test]
    fn positive_is_exp() {
        let t = LowerBound::<f64>::positive();
        assert_eq!(t.constrain(1.5), (1.5f64.exp(), 1.5));
        assert_eq!(t.unconstrain(1.5f64.exp()).unwrap(), 1.5);
        assert_eq!(
            t.constrain_vjp(1.5, 2.0, 3.0),
            (2.0 * 1.5f64.exp() + 3.0, LowerBound::new(2.0))
        );
    }

    #[test]
    fn lower_bound_is_stable_at_extreme_arguments() {
        for lo in [0.0, -3.0, 5.0, 1e4] {
            check_scalar_extremes::<LowerBound<()>>(&[lo], &EXTREME_U);
        }
        // documented limits: strictly inside down to e⁻⁷⁴⁵ for lo = 0; overflow above 709.78
        assert!(LowerBound::<f64>::positive().constrain(-740.0).0 > 0.0);
        assert_eq!(LowerBound::new(5.0).constrain(-40.0).0, 5.0);
        assert_eq!(LowerBound::new(0.0).constrain(710.0).0, f64::INFINITY);
    }

    #[test]
    fn lower_bound_rejects_values_outside() {
        let t = LowerBound::new(1.0);
        for y in [1.0, 0.0, -5.0, f64::NAN, f64::INFINITY] {
            let err = t.unconstrain(y).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::OutOfSupport {
                        what: "lower-bound transform",
                        ..
                    }
                ),
                "{err}"
            );
            assert!(err.to_string().contains("(1, ∞)"), "{err}");
        }
    }
}
