//! The lognormal distribution `LogNormal(mu, sigma)`: `ln y ~ Normal(mu, sigma)`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, ContinuousDistribution, Needed, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};

/// Lognormal distribution: `ln y` is normal with mean `mu` and standard deviation `sigma`
/// (Stan's `lognormal(mu, sigma)`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, σ) = -½ z² - ln σ - ½ ln(2π) - ln y,   z = (ln y - μ)/σ
/// ∂/∂y = -(z/σ + 1)/y     ∂/∂μ = z/σ     ∂/∂σ = (z² - 1)/σ
/// ```
///
/// Support: `(0, ∞)`. Parameters: `mu` finite (the log of the median, not the mean),
/// `sigma > 0` finite (the scale of `ln y`; scipy's `lognorm(s = σ, scale = e^μ)`).
/// Invalid parameters, `y ≤ 0` or a non-finite `y` give `-∞` with zero partials.
///
/// # Errors
///
/// Drawing with an invalid parameter is an [`Error::InvalidParameter`](crate::Error::InvalidParameter).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{lognormal_lpdf, ContinuousDistribution, LogNormal};
/// let lp = LogNormal(0.0, 1.0).lpdf(1.0);
/// assert!((lp + 0.918_938_533_204_672_8).abs() < 1e-15);
/// assert_eq!(lognormal_lpdf(1.0, 0.0, 1.0), lp);
/// assert_eq!(LogNormal(0.0, 1.0).lpdf(0.0), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormal<M, Sg>(pub M, pub Sg);

crate::continuous_distribution!(LogNormal, lognormal_lpdf, lognormal_lpdf_vjp, [mu: M, sigma: Sg]);

impl<S: Scalar> LogNormal<S, S> {
    #[inline(always)]
    fn valid(mu: S, sigma: S, y: S) -> bool {
        sigma.value() > 0.0
            && sigma.is_finite()
            && mu.is_finite()
            && y.value() > 0.0
            && y.is_finite()
    }

    /// Log density and partials; `ln y` is `known_ln_y` when given.
    #[inline(always)]
    fn lpdf_grad_known_ln(&self, y: S, known_ln_y: Option<S>) -> (S, S, Self) {
        let LogNormal(mu, sigma) = *self;
        if !Self::valid(mu, sigma, y) {
            return (neg_inf(), S::zero(), LogNormal(S::zero(), S::zero()));
        }
        let ln_y = known_ln_y.unwrap_or_else(|| y.ln());
        let inv_sigma = sigma.recip();
        let z = (ln_y - mu) * inv_sigma;
        let lp = -(z * z * 0.5) - sigma.ln() - ln_y - HALF_LN_2PI;
        let dmu = z * inv_sigma;
        let dy = -(dmu + 1.0) / y;
        (lp, dy, LogNormal(dmu, (z * z - 1.0) * inv_sigma))
    }
}

impl<S: Scalar> ContinuousDistribution<S> for LogNormal<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let LogNormal(mu, sigma) = *self;
        if !Self::valid(mu, sigma, y) {
            return neg_inf();
        }
        let ln_y = y.ln();
        let z = (ln_y - mu) / sigma;
        -(z * z * 0.5) - sigma.ln() - ln_y - HALF_LN_2PI
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        self.lpdf_grad_known_ln(y, None)
    }

    /// Takes `ln y` as given: no logarithm of `y`.
    #[inline]
    fn lpdf_grad_ln(&self, y: S, ln_y: S, need: Needed) -> (S, S, Self) {
        let _ = need;
        self.lpdf_grad_known_ln(y, Some(ln_y))
    }
    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for LogNormal<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("LogNormal", "mu", self.0)?;
        validation::positive("LogNormal", "sigma", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let z: f64 = StandardNormal.sample(rng);
        Ok((self.0 + self.1 * z).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = LogNormal<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e-3, 1e3),
            &[Domain::Interval(-5.0, 5.0), Domain::LogUniform(0.05, 20.0)],
        );
    }

    #[test]
    fn a_known_logarithm_gives_the_same_rule() {
        use crate::distributions::Needed;
        use rand::Rng;
        let eps = f64::EPSILON;
        let mut rng = crate::testing::rng_for("lognormal-known-ln");
        let mut u = || rng.random::<f64>();
        for _ in 0..300 {
            let (mu, sigma, x) = (10.0 * u() - 5.0, 0.05 + 5.0 * u(), 12.0 * u() - 6.0);
            let (d, y) = (LogNormal(mu, sigma), x.exp());
            // ln y given as computed: bit for bit.
            assert_eq!(d.lpdf_grad_ln(y, y.ln(), Needed::ALL), d.lpdf_grad(y));
            // As the log transform gives it: |x - ln(fl(eˣ))| ≤ δ = ε(1 + |x|), propagated
            // through each output's slope in ln y, plus a few roundings of each output.
            let (lp, dy, LogNormal(dmu, dsigma)) = d.lpdf_grad_ln(y, x, Needed::ALL);
            let (w_lp, w_dy, LogNormal(w_dmu, w_dsigma)) = d.lpdf_grad(y);
            let delta = eps * (1.0 + x.abs());
            let z = (x - mu) / sigma;
            let s2 = sigma * sigma;
            let scale = z * z + sigma.ln().abs() + x.abs() + 1.0;
            assert!((lp - w_lp).abs() <= (z.abs() / sigma + 1.0) * delta + 4.0 * eps * scale);
            let dmu_tol = delta / s2 + 4.0 * eps * w_dmu.abs();
            assert!((dmu - w_dmu).abs() <= dmu_tol);
            assert!((dy - w_dy).abs() <= dmu_tol / y + 4.0 * eps * w_dy.abs());
            let dsigma_tol = 2.0 * z.abs() * delta / s2 + 4.0 * eps * (z * z + 1.0) / sigma;
            assert!((dsigma - w_dsigma).abs() <= dsigma_tol);
        }
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
        for y in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[0.0, 1.0]]);
        }
        let mut rng = crate::testing::rng_for("lognormal-invalid");
        let err = LogNormal(0.0, f64::NAN).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "LogNormal: parameter `sigma` = NaN but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("lognormal", |p, y| LogNormal(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let (mu, sigma) = (0.3, 0.5f64);
        let d = LogNormal(mu, sigma);
        let s2 = sigma * sigma;
        let mean = (mu + s2 / 2.0).exp();
        let var = (s2.exp() - 1.0) * (2.0 * mu + s2).exp();
        check_moments("LogNormal", |rng| d.sample(rng).unwrap(), mean, var);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = lognormal_lpdf(0.5, 0.1, 2.0);
        let (dy, dmu, dsigma) = lognormal_lpdf_vjp(0.5, 0.1, 2.0, lp, 2.0);
        let (_, gy, LogNormal(gmu, gsigma)) = LogNormal(0.1, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, LogNormal(0.1, 2.0).lpdf(0.5));
        assert_eq!((dy, dmu, dsigma), (2.0 * gy, 2.0 * gmu, 2.0 * gsigma));
    }
}
