//! The Weibull distribution `Weibull(alpha, sigma)` (shape, scale; Stan's `weibull`).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Weibull distribution with **shape** `alpha` and **scale** `sigma` (Stan's
/// `weibull(alpha, sigma)`; scipy's `weibull_min(c = α, scale = σ)`).
///
/// # Formula
///
/// ```text
/// log p(y | α, σ) = ln α - ln σ + (α - 1) t - w,   t = ln(y/σ),  w = (y/σ)^α = e^(α t)
/// ∂/∂y = -(1 + α (w - 1))/y
/// ∂/∂α = 1/α - t (w - 1)
/// ∂/∂σ = α (w - 1)/σ
/// ```
///
/// `w - 1` is computed as `expm1(α t)`, so the partials are accurate where `y ≈ σ`; `t`
/// is `ln(y/σ)` (one rounding) unless `y/σ` under- or overflows, then `ln y - ln σ`.
///
/// Support: `(0, ∞)`. Parameters: `alpha > 0`, `sigma > 0`, both finite. Invalid
/// parameters, `y ≤ 0` (the density at `0` is `0`, `1/σ` or `∞` depending on `α`; it is
/// treated as outside the open support) or a non-finite `y` give `-∞` with zero partials,
/// as does a `w` so large that the density underflows to `0`.
///
/// # Errors
///
/// Drawing with an invalid parameter is an [`Error::InvalidParameter`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{weibull_lpdf, ContinuousDistribution, Weibull};
/// // Weibull(1, σ) is the exponential distribution with rate 1/σ.
/// let lp = Weibull(1.0, 2.0).lpdf(3.0);
/// assert!((lp - (-(2f64.ln()) - 1.5)).abs() < 1e-15);
/// assert_eq!(weibull_lpdf(3.0, 1.0, 2.0), lp);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weibull<A, Sg>(pub A, pub Sg);

crate::continuous_distribution!(Weibull, weibull_lpdf, weibull_lpdf_vjp, [alpha: A, sigma: Sg]);

/// The shared pieces `(t, w - 1, log p)`, or `None` outside the domain.
#[inline(always)]
fn pieces<S: Scalar>(alpha: S, sigma: S, y: S) -> Option<(S, S, S)> {
    let valid = alpha.value() > 0.0
        && alpha.is_finite()
        && sigma.value() > 0.0
        && sigma.is_finite()
        && y.value() > 0.0
        && y.is_finite();
    if !valid {
        return None;
    }
    let r = y / sigma;
    let t = if r.value().is_normal() && r.is_finite() {
        r.ln()
    } else {
        y.ln() - sigma.ln()
    };
    let wm1 = (alpha * t).exp_m1();
    if !wm1.is_finite() {
        return None;
    }
    let lp = alpha.ln() - sigma.ln() + (alpha - 1.0) * t - wm1 - 1.0;
    Some((t, wm1, lp))
}

impl<S: Scalar> ContinuousDistribution<S> for Weibull<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Weibull(alpha, sigma) = *self;
        match pieces(alpha, sigma, y) {
            Some((_, _, lp)) => lp,
            None => neg_inf(),
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Weibull(alpha, sigma) = *self;
        let Some((t, wm1, lp)) = pieces(alpha, sigma, y) else {
            return (neg_inf(), S::zero(), Weibull(S::zero(), S::zero()));
        };
        let a_wm1 = alpha * wm1;
        let dy = -(a_wm1 + 1.0) / y;
        let dalpha = alpha.recip() - t * wm1;
        let dsigma = a_wm1 / sigma;
        (lp, dy, Weibull(dalpha, dsigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for Weibull<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("Weibull", "alpha", self.0)?;
        validation::positive("Weibull", "sigma", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        // rand_distr takes (scale, shape); it cannot fail on validated parameters.
        let d = rand_distr::Weibull::new(self.1, self.0).map_err(|_| Error::InvalidParameter {
            distribution: "Weibull",
            parameter: "alpha",
            value: self.0,
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

    type Family = Weibull<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(0.1, 10.0),
            &[
                Domain::LogUniform(0.05, 20.0),
                Domain::LogUniform(0.1, 10.0),
            ],
        );
        // y close to σ, where w - 1 is small.
        check_continuous_gradients::<Family>(
            Domain::Interval(0.9, 1.1),
            &[Domain::LogUniform(0.05, 50.0), Domain::Interval(0.95, 1.05)],
        );
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 1.0],
                &[-1.0, 1.0],
                &[1.0, 0.0],
                &[1.0, -2.0],
                &[f64::NAN, 1.0],
                &[1.0, f64::INFINITY],
                &[f64::INFINITY, 1.0],
            ],
        );
        for y in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[2.0, 1.0]]);
        }
        // (y/σ)^α overflows: the density underflows to 0.
        check_invalid_params::<Family>(1e10, &[&[50.0, 1.0]]);
        let mut rng = crate::testing::rng_for("weibull-invalid");
        let err = Weibull(1.0, -1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Weibull: parameter `sigma` = -1 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("weibull", |p, y| Weibull(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        // σ Γ(1 + 1/α) and σ² (Γ(1 + 2/α) - Γ(1 + 1/α)²) from scipy.stats.weibull_min.
        let d = Weibull(1.7, 2.5);
        check_moments(
            "Weibull",
            |rng| d.sample(rng).unwrap(),
            2.230_611_256_248_310_2,
            1.824_092_670_286_586,
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = weibull_lpdf(0.5, 1.5, 2.0);
        let (dy, dalpha, dsigma) = weibull_lpdf_vjp(0.5, 1.5, 2.0, lp, 2.0);
        let (_, gy, Weibull(galpha, gsigma)) = Weibull(1.5, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, Weibull(1.5, 2.0).lpdf(0.5));
        assert_eq!((dy, dalpha, dsigma), (2.0 * gy, 2.0 * galpha, 2.0 * gsigma));
    }
}
