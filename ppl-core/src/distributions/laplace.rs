//! The Laplace (double exponential) distribution `Laplace(mu, sigma)` (location, scale).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, Exp1};

/// Laplace distribution with location `mu` and scale `sigma` (Stan's `double_exponential`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, σ) = -ln 2 - ln σ - |y - μ|/σ
/// ∂/∂y = -sign(y - μ)/σ     ∂/∂μ = sign(y - μ)/σ     ∂/∂σ = (|y - μ|/σ - 1)/σ
/// ```
///
/// At `y = μ` the density has a kink: `∂/∂y` and `∂/∂μ` are the subgradient `0` there
/// (as the `abs` primitive's derivative), and `∂/∂σ = -1/σ`.
///
/// Support: ℝ. Parameters: `mu` finite, `sigma > 0` finite — a scale (mean absolute
/// deviation; the variance is `2σ²`), not a rate. Invalid parameters or a non-finite `y`
/// give `-∞` with zero partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Laplace};
/// let lp = Laplace(1.0, 2.0).lpdf(3.0);
/// assert!((lp - (-(4.0f64).ln() - 1.0)).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Laplace<M, Sg>(pub M, pub Sg);

crate::continuous_distribution!(
    Laplace,
    double_exponential_lpdf,
    double_exponential_lpdf_vjp,
    [mu: M, sigma: Sg]
);

#[inline]
fn valid<S: Scalar>(mu: S, sigma: S, y: S) -> bool {
    sigma.value() > 0.0 && sigma.is_finite() && mu.is_finite() && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for Laplace<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Laplace(mu, sigma) = *self;
        if !valid(mu, sigma, y) {
            return neg_inf();
        }
        -((y - mu).abs() / sigma) - sigma.ln() - std::f64::consts::LN_2
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Laplace(mu, sigma) = *self;
        if !valid(mu, sigma, y) {
            return (neg_inf(), S::zero(), Laplace(S::zero(), S::zero()));
        }
        let inv_sigma = sigma.recip();
        let d = y - mu;
        let abs_z = d.abs() * inv_sigma;
        let lp = -abs_z - sigma.ln() - std::f64::consts::LN_2;
        let dmu = if d.value() > 0.0 {
            inv_sigma
        } else if d.value() < 0.0 {
            -inv_sigma
        } else {
            S::zero()
        };
        (lp, -dmu, Laplace(dmu, (abs_z - 1.0) * inv_sigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

impl Sample for Laplace<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("Laplace", "mu", self.0)?;
        validation::positive("Laplace", "sigma", self.1)
    }
    /// The difference of two standard exponentials is standard Laplace.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let a: f64 = Exp1.sample(rng);
        let b: f64 = Exp1.sample(rng);
        Ok(self.0 + self.1 * (a - b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Laplace<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        // Each side of the kink separately, so no stencil crosses y = mu.
        check_continuous_gradients::<Family>(
            Domain::Interval(0.5, 30.0),
            &[Domain::Interval(-5.0, 0.0), Domain::LogUniform(0.05, 50.0)],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(-30.0, -0.5),
            &[Domain::Interval(0.0, 5.0), Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn subgradient_at_the_kink() {
        let (lp, dy, Laplace(dmu, dsigma)) = Laplace(1.0, 2.0).lpdf_grad(1.0);
        assert_eq!(lp, -(4.0f64).ln());
        assert_eq!((dy, dmu, dsigma), (0.0, 0.0, -0.5));
        // The value on Dual uses `abs`, whose derivative at 0 is the same subgradient.
        use crate::ad::Dual;
        let d = Laplace(Dual::new(1.0, 1.0), Dual::new(2.0, 0.0)).lpdf(Dual::new(1.0, 0.0));
        assert_eq!(d.d, 0.0);
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 0.0],
                &[0.0, -1.0],
                &[f64::NAN, 1.0],
                &[f64::NEG_INFINITY, 1.0],
                &[0.0, f64::INFINITY],
            ],
        );
        assert_eq!(Laplace(0.0, 1.0).lpdf(f64::NEG_INFINITY), f64::NEG_INFINITY);
        let mut rng = crate::testing::rng_for("laplace-invalid");
        let err = Laplace(0.0, -2.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Laplace: parameter `sigma` = -2 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("laplace", |p, y| Laplace(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = Laplace(1.5, 2.0);
        check_moments("Laplace", |rng| d.sample(rng).unwrap(), 1.5, 8.0);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = double_exponential_lpdf(0.5, 0.0, 2.0);
        let (dy, dmu, dsigma) = double_exponential_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (glp, gy, Laplace(gmu, gsigma)) = Laplace(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dmu, dsigma), (2.0 * gy, 2.0 * gmu, 2.0 * gsigma));
    }
}
