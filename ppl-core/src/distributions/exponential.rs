//! The exponential distribution `Exponential(rate)` (Stan's `exponential`, rate parameter).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, Exp1};

/// Exponential distribution with **rate** `beta` (mean `1/β`; Stan's `exponential(beta)`).
///
/// # Formula
///
/// ```text
/// log p(y | β) = ln β - β y                 (y ≥ 0)
/// ∂/∂y = -β      ∂/∂β = 1/β - y
/// ```
///
/// Support: `(0, ∞)` (a sample site gets the `exp` transform); the density is also
/// evaluated at `y = 0`, where it is finite (`ln β`). Parameter: `beta > 0` finite, the
/// rate (scipy's `expon(scale = 1/β)`). Invalid parameters, `y < 0` or a non-finite `y`
/// give `-∞` with zero partials.
///
/// # Errors
///
/// Drawing with an invalid `beta` is an [`Error::InvalidParameter`](crate::Error::InvalidParameter).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{exponential_lpdf, ContinuousDistribution, Exponential};
/// let lp = Exponential(2.0).lpdf(0.5);
/// assert!((lp - (2f64.ln() - 1.0)).abs() < 1e-15);
/// assert_eq!(exponential_lpdf(0.5, 2.0), lp);
/// assert_eq!(Exponential(2.0).lpdf(-1.0), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exponential<B>(pub B);

crate::continuous_distribution!(Exponential, exponential_lpdf, exponential_lpdf_vjp, [beta: B]);

impl<S: Scalar> Exponential<S> {
    #[inline(always)]
    fn valid(beta: S, y: S) -> bool {
        beta.value() > 0.0 && beta.is_finite() && y.value() >= 0.0 && y.is_finite()
    }
}

impl<S: Scalar> ContinuousDistribution<S> for Exponential<S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Exponential(beta) = *self;
        if !Self::valid(beta, y) {
            return neg_inf();
        }
        beta.ln() - beta * y
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Exponential(beta) = *self;
        if !Self::valid(beta, y) {
            return (neg_inf(), S::zero(), Exponential(S::zero()));
        }
        let lp = beta.ln() - beta * y;
        (lp, -beta, Exponential(beta.recip() - y))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for Exponential<f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("Exponential", "beta", self.0)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let e: f64 = Exp1.sample(rng);
        Ok(e / self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Exponential<()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e-3, 50.0),
            &[Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(0.3, &[&[0.0], &[-1.0], &[f64::NAN], &[f64::INFINITY]]);
        check_invalid_params::<Family>(-0.3, &[&[1.0]]);
        check_invalid_params::<Family>(f64::INFINITY, &[&[1.0]]);
        check_invalid_params::<Family>(f64::NAN, &[&[1.0]]);
        // y = 0 is inside the closed support: finite density and partials.
        assert_eq!(
            Exponential(2.0).lpdf_grad(0.0),
            (2f64.ln(), -2.0, Exponential(0.5))
        );
        let mut rng = crate::testing::rng_for("exponential-invalid");
        let err = Exponential(0.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Exponential: parameter `beta` = 0 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("exponential", |p, y| Exponential(p[0]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = Exponential(2.5);
        check_moments("Exponential", |rng| d.sample(rng).unwrap(), 0.4, 0.16);
        let d = Exponential(1e-3);
        check_moments(
            "Exponential small rate",
            |rng| d.sample(rng).unwrap(),
            1e3,
            1e6,
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = exponential_lpdf(0.5, 2.0);
        let (dy, dbeta) = exponential_lpdf_vjp(0.5, 2.0, lp, 3.0);
        let (_, gy, Exponential(gbeta)) = Exponential(2.0).lpdf_grad(0.5);
        assert_eq!(lp, Exponential(2.0).lpdf(0.5));
        assert_eq!((dy, dbeta), (3.0 * gy, 3.0 * gbeta));
    }
}
