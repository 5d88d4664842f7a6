//! The half-normal distribution `HalfNormal(sigma)`: `|X|` for `X ~ Normal(0, sigma)`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};

/// Half-normal distribution with scale `sigma`: the normal `Normal(0, sigma)` folded onto
/// `[0, ∞)`.
///
/// # Formula
///
/// ```text
/// log p(y | σ) = ln 2 - ½ ln(2π) - ln σ - ½ z²,   z = y/σ,   y ≥ 0
/// ∂/∂y = -z/σ     ∂/∂σ = (z² - 1)/σ
/// ```
///
/// Stan has no `half_normal`: there this is `y ~ normal(0, sigma)` with `y` declared
/// `<lower=0>`, whose truncation constant `ln 2` Stan drops; here it is included, so the
/// density integrates to one.
///
/// Support: `(0, ∞)` (a sample site is log-transformed); `y = 0` itself has the finite
/// density `√(2/π)/σ`, and `y < 0` or non-finite `y` gives `-∞` with zero partials.
/// Parameter: `sigma > 0` finite, the scale of the underlying normal (not the standard
/// deviation of `y`, which is `σ√(1 - 2/π)`). An invalid `sigma` gives `-∞` with zero
/// partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, HalfNormal, Normal};
/// let lp = HalfNormal(2.0).lpdf(1.0);
/// assert!((lp - (2.0f64.ln() + Normal(0.0, 2.0).lpdf(1.0))).abs() < 1e-15);
/// assert_eq!(HalfNormal(2.0).lpdf(-1.0), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HalfNormal<Sg>(pub Sg);

crate::continuous_distribution!(HalfNormal, half_normal_lpdf, half_normal_lpdf_vjp, [sigma: Sg]);

/// `ln 2 - ½ ln(2π) = ½ ln(2/π)`.
const HALF_LN_2_OVER_PI: f64 = std::f64::consts::LN_2 - HALF_LN_2PI;

#[inline]
fn valid<S: Scalar>(sigma: S, y: S) -> bool {
    sigma.value() > 0.0 && sigma.is_finite() && y.value() >= 0.0 && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for HalfNormal<S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let HalfNormal(sigma) = *self;
        if !valid(sigma, y) {
            return neg_inf();
        }
        let z = y / sigma;
        -(z * z * 0.5) - sigma.ln() + HALF_LN_2_OVER_PI
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let HalfNormal(sigma) = *self;
        if !valid(sigma, y) {
            return (neg_inf(), S::zero(), HalfNormal(S::zero()));
        }
        let inv_sigma = sigma.recip();
        let z = y * inv_sigma;
        let lp = -(z * z * 0.5) - sigma.ln() + HALF_LN_2_OVER_PI;
        (lp, -(z * inv_sigma), HalfNormal((z * z - 1.0) * inv_sigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for HalfNormal<f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("HalfNormal", "sigma", self.0)
    }
    /// `σ·|Z|` with `Z` standard normal.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let z: f64 = StandardNormal.sample(rng);
        Ok(self.0 * z.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = HalfNormal<()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e-3, 100.0),
            &[Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn invalid_parameters_and_values_outside_the_support() {
        check_invalid_params::<Family>(0.3, &[&[0.0], &[-1.0], &[f64::NAN], &[f64::INFINITY]]);
        // y < 0: -inf with zero partials; y = 0 is in the closed support.
        check_invalid_params::<Family>(-0.3, &[&[1.0]]);
        assert_eq!(HalfNormal(1.0).lpdf(f64::INFINITY), f64::NEG_INFINITY);
        assert_eq!(HalfNormal(1.0).lpdf(0.0), HALF_LN_2_OVER_PI);
        assert_eq!(HalfNormal(1.0).lpdf_grad(0.0).1, 0.0);
        assert_eq!(HalfNormal(1.0).support(), Support::Positive);
        let mut rng = crate::testing::rng_for("half-normal-invalid");
        let err = HalfNormal(-1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "HalfNormal: parameter `sigma` = -1 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("half_normal", |p, y| HalfNormal(p[0]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = HalfNormal(2.0);
        let mean = 2.0 * (2.0 / std::f64::consts::PI).sqrt();
        let var = 4.0 * (1.0 - 2.0 / std::f64::consts::PI);
        check_moments("HalfNormal", |rng| d.sample(rng).unwrap(), mean, var);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = half_normal_lpdf(0.5, 2.0);
        let (dy, dsigma) = half_normal_lpdf_vjp(0.5, 2.0, lp, 2.0);
        let (glp, gy, HalfNormal(gsigma)) = HalfNormal(2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dsigma), (2.0 * gy, 2.0 * gsigma));
    }
}
