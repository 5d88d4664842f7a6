//! The continuous uniform distribution `Uniform(alpha, beta)` on an interval whose bounds
//! may be parameters.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, Open01};

/// Uniform distribution on `[alpha, beta]` (Stan's `uniform(alpha, beta)`: lower and upper
/// bound, not location and width; scipy's `uniform(loc = α, scale = β - α)`).
///
/// # Formula
///
/// ```text
/// log p(y | α, β) = -ln(β - α)   for α ≤ y ≤ β,   -∞ otherwise
/// ∂/∂y = 0     ∂/∂α = 1/(β - α)     ∂/∂β = -1/(β - α)     (inside)
/// ```
///
/// Support: `Interval(α, β)`. The bounds may be parameters: a sample site with this prior
/// gets the interval transform `y = α + (β - α) · logistic(u)` with active bounds, so
/// derivatives reach `α` and `β` through the transform as well as through `-ln(β - α)`.
/// Parameters: `alpha`, `beta` finite with `beta > alpha` and `beta - alpha` finite.
/// Invalid parameters, `y` outside `[α, β]` or a non-finite `y` give `-∞` with zero
/// partials.
///
/// # Errors
///
/// Drawing with invalid bounds is an [`Error::InvalidParameter`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{uniform_lpdf, ContinuousDistribution, Uniform};
/// let lp = Uniform(-1.0, 3.0).lpdf(0.5);
/// assert!((lp + 4f64.ln()).abs() < 1e-15);
/// assert_eq!(uniform_lpdf(0.5, -1.0, 3.0), lp);
/// assert_eq!(Uniform(-1.0, 3.0).lpdf(3.5), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniform<A, B>(pub A, pub B);

crate::continuous_distribution!(Uniform, uniform_lpdf, uniform_lpdf_vjp, [alpha: A, beta: B]);

/// The width `β - α`, or `None` outside the domain.
#[inline(always)]
fn width<S: Scalar>(alpha: S, beta: S, y: S) -> Option<S> {
    let w = beta - alpha;
    let valid = alpha.is_finite()
        && beta.is_finite()
        && w.value() > 0.0
        && w.is_finite()
        && y.value() >= alpha.value()
        && y.value() <= beta.value();
    valid.then_some(w)
}

impl<S: Scalar> ContinuousDistribution<S> for Uniform<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Uniform(alpha, beta) = *self;
        match width(alpha, beta, y) {
            Some(w) => -w.ln(),
            None => neg_inf(),
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Uniform(alpha, beta) = *self;
        let Some(w) = width(alpha, beta, y) else {
            return (neg_inf(), S::zero(), Uniform(S::zero(), S::zero()));
        };
        let inv_w = w.recip();
        (-w.ln(), S::zero(), Uniform(inv_w, -inv_w))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Interval(self.0, self.1)
    }
}

impl Sample for Uniform<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        let Uniform(alpha, beta) = *self;
        validation::finite("Uniform", "alpha", alpha)?;
        validation::finite("Uniform", "beta", beta)?;
        let requirement = if beta <= alpha {
            "greater than alpha"
        } else if (beta - alpha).is_infinite() {
            "such that beta - alpha is finite"
        } else {
            return Ok(());
        };
        Err(Error::InvalidParameter {
            distribution: "Uniform",
            parameter: "beta",
            value: beta,
            requirement,
        })
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let u: f64 = Open01.sample(rng);
        // Rounding may land on β; never outside [α, β].
        Ok((self.0 + (self.1 - self.0) * u).min(self.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Uniform<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-0.9, 0.9),
            &[Domain::Interval(-50.0, -1.0), Domain::Interval(1.0, 50.0)],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(1.0 + 1e-4, 1.0 + 9e-4),
            &[Domain::Interval(0.999, 1.0), Domain::Interval(1.001, 1.002)],
        );
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.5,
            &[
                &[1.0, 1.0],
                &[1.0, 0.0],
                &[f64::NAN, 1.0],
                &[0.0, f64::INFINITY],
                &[f64::NEG_INFINITY, 1.0],
                &[-1e308, 1e308],
            ],
        );
        for y in [-0.1, 1.1, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[0.0, 1.0]]);
        }
        // The closed interval: the bounds themselves have the density.
        assert_eq!(Uniform(0.0, 2.0).lpdf(0.0), -(2f64.ln()));
        assert_eq!(Uniform(0.0, 2.0).lpdf(2.0), -(2f64.ln()));
        let mut rng = crate::testing::rng_for("uniform-invalid");
        let err = Uniform(1.0, 0.5).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Uniform: parameter `beta` = 0.5 but it must be greater than alpha"
        );
        assert!(Uniform(-1e308, 1e308).sample(&mut rng).is_err());
        assert!(Uniform(f64::NAN, 1.0).sample(&mut rng).is_err());
    }

    #[test]
    fn support_has_the_parameters_as_bounds() {
        assert_eq!(Uniform(-1.0, 2.0).support(), Support::Interval(-1.0, 2.0));
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("uniform", |p, y| Uniform(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = Uniform(-1.0, 3.0);
        check_moments("Uniform", |rng| d.sample(rng).unwrap(), 1.0, 16.0 / 12.0);
        let mut rng = crate::testing::rng_for("uniform-in-support");
        let d = Uniform(1.0, 1.0 + 1e-15);
        assert!((0..1000).all(|_| {
            let y = d.sample(&mut rng).unwrap();
            (1.0..=1.0 + 1e-15).contains(&y)
        }));
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = uniform_lpdf(0.5, 0.0, 2.0);
        let (dy, dalpha, dbeta) = uniform_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (_, gy, Uniform(galpha, gbeta)) = Uniform(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, Uniform(0.0, 2.0).lpdf(0.5));
        assert_eq!((dy, dalpha, dbeta), (2.0 * gy, 2.0 * galpha, 2.0 * gbeta));
        assert_eq!((dalpha, dbeta), (1.0, -1.0));
    }
}
