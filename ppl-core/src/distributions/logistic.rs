//! The logistic distribution `Logistic(mu, sigma)` (location, scale).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, Open01};

/// Logistic distribution with location `mu` and scale `sigma` (Stan's `logistic`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, σ) = -z - ln σ - 2 ln(1 + e^(-z))          z = (y - μ)/σ
///                 = -|z| - ln σ - 2 ln(1 + e^(-|z|))      (evaluated form: no overflow)
/// ∂/∂y = -tanh(z/2)/σ     ∂/∂μ = tanh(z/2)/σ     ∂/∂σ = (z·tanh(z/2) - 1)/σ
/// ```
///
/// The density is symmetric in `z`, so the evaluated form only ever exponentiates
/// `-|z| ≤ 0`: it is exact to rounding in both tails.
///
/// Support: ℝ. Parameters: `mu` finite, `sigma > 0` finite — a scale (the standard
/// deviation is `σπ/√3`). Invalid parameters or a non-finite `y` give `-∞` with zero
/// partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Logistic};
/// let lp = Logistic(0.0, 1.0).lpdf(0.0);
/// assert!((lp + 4.0f64.ln()).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Logistic<M, Sg>(pub M, pub Sg);

crate::continuous_distribution!(Logistic, logistic_lpdf, logistic_lpdf_vjp, [mu: M, sigma: Sg]);

#[inline]
fn valid<S: Scalar>(mu: S, sigma: S, y: S) -> bool {
    sigma.value() > 0.0 && sigma.is_finite() && mu.is_finite() && y.is_finite()
}

/// `-|z| - 2 ln(1 + e^(-|z|))`, the log density of the standard logistic at `z`.
#[inline]
fn std_logistic_lpdf<S: Scalar>(z: S) -> S {
    let a = z.abs();
    -a - (-a).exp().ln_1p() * 2.0
}

impl<S: Scalar> ContinuousDistribution<S> for Logistic<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Logistic(mu, sigma) = *self;
        if !valid(mu, sigma, y) {
            return neg_inf();
        }
        std_logistic_lpdf((y - mu) / sigma) - sigma.ln()
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Logistic(mu, sigma) = *self;
        if !valid(mu, sigma, y) {
            return (neg_inf(), S::zero(), Logistic(S::zero(), S::zero()));
        }
        let inv_sigma = sigma.recip();
        let z = (y - mu) * inv_sigma;
        let lp = std_logistic_lpdf(z) - sigma.ln();
        let t = (z * 0.5).tanh();
        let dmu = t * inv_sigma;
        (lp, -dmu, Logistic(dmu, (z * t - 1.0) * inv_sigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

impl Sample for Logistic<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("Logistic", "mu", self.0)?;
        validation::positive("Logistic", "sigma", self.1)
    }
    /// Inverse CDF: `μ + σ·logit(u)`, `u` uniform on the open interval `(0, 1)`.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let u: f64 = Open01.sample(rng);
        Ok(self.0 + self.1 * (u.ln() - (-u).ln_1p()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Logistic<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-30.0, 30.0),
            &[Domain::Interval(-5.0, 5.0), Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn gradients_in_the_tails() {
        // |z| from 40 to 2000: e^(-|z|) underflows towards 0 without harm.
        check_continuous_gradients::<Family>(
            Domain::Interval(20.0, 100.0),
            &[Domain::Interval(-1.0, 1.0), Domain::LogUniform(0.05, 0.5)],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(-100.0, -20.0),
            &[Domain::Interval(-1.0, 1.0), Domain::LogUniform(0.05, 0.5)],
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
                &[f64::INFINITY, 1.0],
                &[0.0, f64::INFINITY],
            ],
        );
        assert_eq!(Logistic(0.0, 1.0).lpdf(f64::INFINITY), f64::NEG_INFINITY);
        let mut rng = crate::testing::rng_for("logistic-invalid");
        let err = Logistic(f64::NAN, 1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Logistic: parameter `mu` = NaN but it must be finite"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("logistic", |p, y| Logistic(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = Logistic(1.5, 2.0);
        let var = 4.0 * std::f64::consts::PI.powi(2) / 3.0;
        check_moments("Logistic", |rng| d.sample(rng).unwrap(), 1.5, var);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = logistic_lpdf(0.5, 0.0, 2.0);
        let (dy, dmu, dsigma) = logistic_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (glp, gy, Logistic(gmu, gsigma)) = Logistic(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dmu, dsigma), (2.0 * gy, 2.0 * gmu, 2.0 * gsigma));
    }
}
