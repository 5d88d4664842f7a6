//! The Gumbel (type I extreme value) distribution `Gumbel(mu, beta)` (location, scale).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Gumbel distribution (of maxima) with location `mu` and scale `beta` (Stan's `gumbel`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, β) = -ln β - z - e^(-z),   z = (y - μ)/β
/// ∂/∂y = (e^(-z) - 1)/β     ∂/∂μ = (1 - e^(-z))/β     ∂/∂β = (z·(1 - e^(-z)) - 1)/β
/// ```
///
/// `e^(-z) - 1` is evaluated as `expm1(-z)` (exact near the mode). For `z < -709`,
/// `e^(-z)` overflows and the log density is `-∞` (its true value is below `-1e308`).
///
/// Support: ℝ. Parameters: `mu` finite, `beta > 0` finite — a scale (the standard
/// deviation is `βπ/√6`), the mode is `μ`. Invalid parameters or a non-finite `y` give
/// `-∞` with zero partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Gumbel};
/// let lp = Gumbel(0.0, 1.0).lpdf(0.0);
/// assert!((lp + 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gumbel<M, B>(pub M, pub B);

crate::continuous_distribution!(Gumbel, gumbel_lpdf, gumbel_lpdf_vjp, [mu: M, beta: B]);

#[inline]
fn valid<S: Scalar>(mu: S, beta: S, y: S) -> bool {
    beta.value() > 0.0 && beta.is_finite() && mu.is_finite() && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for Gumbel<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Gumbel(mu, beta) = *self;
        if !valid(mu, beta, y) {
            return neg_inf();
        }
        let z = (y - mu) / beta;
        -z - (-z).exp() - beta.ln()
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Gumbel(mu, beta) = *self;
        if !valid(mu, beta, y) {
            return (neg_inf(), S::zero(), Gumbel(S::zero(), S::zero()));
        }
        let inv_beta = beta.recip();
        let z = (y - mu) * inv_beta;
        let lp = -z - (-z).exp() - beta.ln();
        // dmu = (1 - e^(-z))/β
        let one_minus_e = -(-z).exp_m1();
        let dmu = one_minus_e * inv_beta;
        (lp, -dmu, Gumbel(dmu, (z * one_minus_e - 1.0) * inv_beta))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

impl Sample for Gumbel<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("Gumbel", "mu", self.0)?;
        validation::positive("Gumbel", "beta", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let d = rand_distr::Gumbel::new(self.0, self.1).map_err(|_| Error::InvalidParameter {
            distribution: "Gumbel",
            parameter: "beta",
            value: self.1,
            requirement: "finite and > 0",
        })?;
        Ok(d.sample(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Gumbel<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-10.0, 30.0),
            &[Domain::Interval(-5.0, 5.0), Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn gradients_in_the_tails() {
        // Left tail: e^(-z) up to e^100; right tail: z up to 1000.
        check_continuous_gradients::<Family>(
            Domain::Interval(-100.0, -10.0),
            &[Domain::Interval(-1.0, 1.0), Domain::LogUniform(1.0, 10.0)],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(20.0, 100.0),
            &[Domain::Interval(-1.0, 1.0), Domain::LogUniform(0.1, 1.0)],
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
        assert_eq!(Gumbel(0.0, 1.0).lpdf(f64::NAN), f64::NEG_INFINITY);
        assert_eq!(Gumbel(0.0, 1.0).lpdf(-1e3), f64::NEG_INFINITY);
        let mut rng = crate::testing::rng_for("gumbel-invalid");
        let err = Gumbel(0.0, -1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Gumbel: parameter `beta` = -1 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("gumbel", |p, y| Gumbel(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        // mean μ + γβ, variance π²β²/6
        let d = Gumbel(1.5, 2.0);
        let mean = 1.5 + 0.577_215_664_901_532_9 * 2.0;
        let var = std::f64::consts::PI.powi(2) * 4.0 / 6.0;
        check_moments("Gumbel", |rng| d.sample(rng).unwrap(), mean, var);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = gumbel_lpdf(0.5, 0.0, 2.0);
        let (dy, dmu, dbeta) = gumbel_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (glp, gy, Gumbel(gmu, gbeta)) = Gumbel(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dmu, dbeta), (2.0 * gy, 2.0 * gmu, 2.0 * gbeta));
    }
}
