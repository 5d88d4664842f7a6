//! The normal distribution `Normal(mu, sigma)` (location, scale).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};

/// `½ ln(2π)`.
pub(crate) const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// Normal distribution with mean `mu` and standard deviation `sigma` (Stan's `normal`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, σ) = -½ z² - ln σ - ½ ln(2π),   z = (y - μ)/σ
/// ∂/∂y = -z/σ     ∂/∂μ = z/σ     ∂/∂σ = (z² - 1)/σ
/// ```
///
/// Support: ℝ. Parameters: `mu` finite, `sigma > 0` (scale, not variance or precision).
/// Invalid parameters or a non-finite `y` give `-∞` with zero partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Normal};
/// let lp = Normal(0.0, 1.0).lpdf(0.0);
/// assert!((lp + 0.918_938_533_204_672_8).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal<M, S>(pub M, pub S);

crate::continuous_distribution!(Normal, normal_lpdf, normal_lpdf_vjp, [mu: M, sigma: Sg]);

impl<S: Scalar> ContinuousDistribution<S> for Normal<S, S> {
    // Inlined into loops, the σ-only work (`1/σ`, the branch-free `ln σ` kernel) is
    // loop-invariant when σ is, and LLVM hoists it.
    #[inline(always)]
    fn lpdf(&self, y: S) -> S {
        let Normal(mu, sigma) = *self;
        NormalScale::new(sigma).lpdf(y, mu)
    }

    #[inline(always)]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Normal(mu, sigma) = *self;
        let (lp, dy, dmu, dsigma) = NormalScale::new(sigma).lpdf_grad(y, mu);
        (lp, dy, Normal(dmu, dsigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

/// The σ-dependent parts of [`Normal`]'s log density, `1/σ` and `ln σ`, computed once for
/// many observations sharing one scale (a likelihood loop `y[n] ~ Normal(mu[n], sigma)`):
/// generated code can build it before the loop and call [`NormalScale::lpdf_grad`] per
/// observation, which then costs no logarithm and no division.
///
/// # Formula
///
/// ```text
/// log p(y | μ, σ) = -½ z² - ln σ - ½ ln(2π),   z = (y - μ)·(1/σ)
/// ∂/∂y = -z/σ     ∂/∂μ = z/σ     ∂/∂σ = (z² - 1)/σ
/// ```
///
/// Same results as [`Normal::lpdf_grad`] (bit for bit: the same operations), including
/// `-∞` with zero partials for an invalid `σ`, `μ` or a non-finite `y`.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Normal, NormalScale};
/// let scale = NormalScale::new(2.0);
/// for (y, mu) in [(0.5, 0.0), (1.5, -1.0)] {
///     let (lp, dy, dmu, dsigma) = scale.lpdf_grad(y, mu);
///     assert_eq!((lp, dy, Normal(dmu, dsigma)), Normal(mu, 2.0).lpdf_grad(y));
///     assert_eq!(scale.lpdf(y, mu), Normal(mu, 2.0).lpdf(y));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormalScale<S> {
    /// `1/σ`.
    pub inv_sigma: S,
    /// `ln σ + ½ ln(2π)`, the normalising term.
    pub log_norm: S,
    /// `σ > 0` and finite.
    pub valid: bool,
}

impl<S: Scalar> NormalScale<S> {
    /// Prepares `1/σ` and `ln σ` (one division, one logarithm).
    #[inline(always)]
    pub fn new(sigma: S) -> Self {
        NormalScale {
            inv_sigma: sigma.recip(),
            log_norm: sigma.ln() + HALF_LN_2PI,
            valid: sigma.value() > 0.0 && sigma.is_finite(),
        }
    }

    /// `log p(y | μ, σ)`.
    #[inline(always)]
    pub fn lpdf(&self, y: S, mu: S) -> S {
        if !(self.valid && mu.is_finite() && y.is_finite()) {
            return neg_inf();
        }
        let z = (y - mu) * self.inv_sigma;
        -(z * z * 0.5) - self.log_norm
    }

    /// `(log p, ∂/∂y, ∂/∂μ, ∂/∂σ)`.
    #[inline(always)]
    pub fn lpdf_grad(&self, y: S, mu: S) -> (S, S, S, S) {
        if !(self.valid && mu.is_finite() && y.is_finite()) {
            return (neg_inf(), S::zero(), S::zero(), S::zero());
        }
        let inv_sigma = self.inv_sigma;
        let z = (y - mu) * inv_sigma;
        let lp = -(z * z * 0.5) - self.log_norm;
        let dmu = z * inv_sigma;
        (lp, -dmu, dmu, (z * z - 1.0) * inv_sigma)
    }
}

impl Sample for Normal<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("Normal", "mu", self.0)?;
        validation::positive("Normal", "sigma", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let z: f64 = StandardNormal.sample(rng);
        Ok(self.0 + self.1 * z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Normal<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-10.0, 10.0),
            &[Domain::Interval(-5.0, 5.0), Domain::LogUniform(0.05, 20.0)],
        );
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 0.0],
                &[0.0, -1.0],
                &[f64::NAN, 1.0],
                &[0.0, f64::INFINITY],
            ],
        );
        assert_eq!(Normal(0.0, 1.0).lpdf(f64::INFINITY), f64::NEG_INFINITY);
        let mut rng = crate::testing::rng_for("normal-invalid");
        let err = Normal(0.0, -1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Normal: parameter `sigma` = -1 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("normal", |p, y| Normal(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = Normal(1.5, 2.0);
        check_moments("Normal", |rng| d.sample(rng).unwrap(), 1.5, 4.0);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = normal_lpdf(0.5, 0.0, 2.0);
        let (dy, dmu, dsigma) = normal_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (_, gy, Normal(gmu, gsigma)) = Normal(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!((dy, dmu, dsigma), (2.0 * gy, 2.0 * gmu, 2.0 * gsigma));
    }
}
