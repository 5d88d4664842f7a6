//! Upper-bound transform x = hi - exp(u).

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::ScalarTransform;

/// The transform of ℝ onto `(-∞, hi)`; the bound may be a parameter.
///
/// # Formula
///
/// ```text
/// y     = hi - eᵘ           ln J = u
/// ∂y/∂u = -eᵘ   ∂y/∂hi = 1  ∂lnJ/∂u = 1   ∂lnJ/∂hi = 0
/// inverse: u = ln(hi - y)
/// ```
///
/// # Numerics
///
/// As for [`LowerBound`](crate::transforms::LowerBound) mirrored: `y < hi` strictly while
/// `eᵘ` exceeds half an ulp of `hi` (for `hi = 0` down to `u ≈ -745`), `y = hi` below
/// that; `y` overflows to `-∞` above `u ≈ 709.78`.
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{ScalarTransform, UpperBound};
/// let t = UpperBound::new(2.0);
/// assert_eq!(t.constrain(0.0), (1.0, 0.0));
/// assert_eq!(t.unconstrain(1.0).unwrap(), 0.0);
/// assert!(t.unconstrain(2.5).is_err());
/// let (x_bar, bounds_bar) = t.constrain_vjp(0.0, 1.0, 1.0);
/// assert_eq!((x_bar, bounds_bar.hi), (0.0, 1.0));  // -e⁰ + 1, ∂y/∂hi
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpperBound<S> {
    /// The upper bound.
    pub hi: S,
}

impl<S> UpperBound<S> {
    /// The transform onto `(-∞, hi)`.
    pub fn new(hi: S) -> Self {
        UpperBound { hi }
    }
}

impl<S: Scalar> ScalarTransform<S> for UpperBound<S> {
    #[inline]
    fn constrain(&self, x: S) -> (S, S) {
        (self.hi - x.exp(), x)
    }

    #[inline]
    fn constrain_vjp(&self, x: S, y_bar: S, log_jac_bar: S) -> (S, Self) {
        (log_jac_bar - y_bar * x.exp(), UpperBound { hi: y_bar })
    }

    fn unconstrain(&self, y: f64) -> Result<f64> {
        let hi = self.hi.value();
        if !(y < hi && y > f64::NEG_INFINITY) {
            return Err(Error::OutOfSupport {
                what: "upper-bound transform",
                value: y,
                requirement: format!("(-∞, {hi})"),
            });
        }
        Ok((hi - y).ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn upper_bound_passes_the_transform_checks() {
        let u = Domain::Interval(-6.0, 6.0);
        for hi in [
            Domain::Interval(-5.0, 5.0),
            Domain::Interval(-2e3, -1e3),
            Domain::Interval(-1e-3, 1e-3),
        ] {
            check_scalar_transform::<UpperBound<()>>(&[hi], u);
        }
    }

    #[test]
    fn upper_bound_is_stable_at_extreme_arguments() {
        for hi in [0.0, -3.0, 5.0, -1e4] {
            check_scalar_extremes::<UpperBound<()>>(&[hi], &EXTREME_U);
        }
        assert!(UpperBound::new(0.0).constrain(-740.0).0 < 0.0);
        assert_eq!(UpperBound::new(5.0).constrain(-40.0).0, 5.0);
        assert_eq!(UpperBound::new(0.0).constrain(710.0).0, f64::NEG_INFINITY);
    }

    #[test]
    fn upper_bound_rejects_values_outside() {
        let t = UpperBound::new(-1.0);
        for y in [-1.0, 0.0, 5.0, f64::NAN, f64::NEG_INFINITY] {
            let err = t.unconstrain(y).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::OutOfSupport {
                        what: "upper-bound transform",
                        ..
                    }
                ),
                "{err}"
            );
            assert!(err.to_string().contains("(-∞, -1)"), "{err}");
        }
    }
}
