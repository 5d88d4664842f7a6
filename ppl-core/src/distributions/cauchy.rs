//! The Cauchy distribution `Cauchy(mu, sigma)` (location, scale), and the overflow-free
//! helpers `ln(1 + w²)`, `w/(1 + w²)`, `1/(1 + w²)` shared with the half-Cauchy and
//! Student-t densities.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// `ln π`.
pub(crate) const LN_PI: f64 = 1.144_729_885_849_400_2;

/// The `z`-dependent pieces of the Cauchy log density and its partials, `z = d/σ`, without
/// forming `z` (which may overflow):
///
/// ```text
/// l = ln σ + ln(1 + z²)    g = z/(σ(1 + z²))    q = 1/(1 + z²)
/// |d| ≤ σ:  l = ln σ + ln_1p(z²)             g = z·q/σ     q = 1/(1 + z²)
/// |d| > σ:  l = 2 ln|d| - ln σ + ln_1p(r²)   g = p/d       q = r²·p     (r = σ/d, p = 1/(1 + r²))
/// ```
///
/// Shared with [`HalfCauchy`](crate::distributions::HalfCauchy) (`d = y`).
#[inline]
pub(crate) fn cauchy_terms<S: Scalar>(d: S, sigma: S) -> (S, S, S) {
    cauchy_terms_with(d, sigma, || d.abs().ln(), |w| w.ln_1p())
}

/// [`cauchy_terms`] with `ln|d|` from `ln_abs_d` (called only when `|d| > σ`) and
/// `ln(1 + w)`, `w = z²` or `r² ∈ [0, 1]`, from `ln_1p_unit`; the partials are the same.
#[inline(always)]
pub(crate) fn cauchy_terms_with<S: Scalar>(
    d: S,
    sigma: S,
    ln_abs_d: impl FnOnce() -> S,
    ln_1p_unit: impl Fn(S) -> S,
) -> (S, S, S) {
    if d.value().abs() <= sigma.value() {
        let z = d / sigma;
        let q = (z * z + 1.0).recip();
        (sigma.ln() + ln_1p_unit(z * z), z * q / sigma, q)
    } else {
        let r = sigma / d;
        let r2 = r * r;
        let p = (r2 + 1.0).recip();
        (
            ln_abs_d() * 2.0 - sigma.ln() + ln_1p_unit(r2),
            p / d,
            r2 * p,
        )
    }
}

/// Cauchy distribution with location `mu` and scale `sigma` (Stan's `cauchy`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, σ) = -ln π - ln σ - ln(1 + z²),   z = (y - μ)/σ
/// ∂/∂y = -2z/(σ(1 + z²))     ∂/∂μ = 2z/(σ(1 + z²))     ∂/∂σ = (z² - 1)/(σ(1 + z²))
/// ```
///
/// When `|y - μ| > σ` the terms are evaluated in `r = σ/(y - μ)` (`ln σ + ln(1 + z²) =
/// 2 ln|y - μ| - ln σ + ln(1 + r²)`), so far tails never form `z` and neither overflow nor
/// lose precision, even for `|y - μ|/σ` beyond `f64::MAX`.
///
/// Support: ℝ. Parameters: `mu` finite, `sigma > 0` finite (the half-width at half
/// maximum, not a variance). Invalid parameters or a non-finite `y` give `-∞` with zero
/// partials. The mean and variance do not exist.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{Cauchy, ContinuousDistribution};
/// let lp = Cauchy(0.0, 1.0).lpdf(1.0);
/// assert!((lp - (-(2.0 * std::f64::consts::PI).ln())).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cauchy<M, Sg>(pub M, pub Sg);

crate::continuous_distribution!(Cauchy, cauchy_lpdf, cauchy_lpdf_vjp, [mu: M, sigma: Sg]);

#[inline]
fn valid<S: Scalar>(mu: S, sigma: S, y: S) -> bool {
    sigma.value() > 0.0 && sigma.is_finite() && mu.is_finite() && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for Cauchy<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Cauchy(mu, sigma) = *self;
        if !valid(mu, sigma, y) {
            return neg_inf();
        }
        -cauchy_terms(y - mu, sigma).0 - LN_PI
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Cauchy(mu, sigma) = *self;
        if !valid(mu, sigma, y) {
            return (neg_inf(), S::zero(), Cauchy(S::zero(), S::zero()));
        }
        let (l, g, q) = cauchy_terms(y - mu, sigma);
        let dmu = g * 2.0;
        let dsigma = (-(q * 2.0) + 1.0) / sigma;
        (-l - LN_PI, -dmu, Cauchy(dmu, dsigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

impl Sample for Cauchy<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("Cauchy", "mu", self.0)?;
        validation::positive("Cauchy", "sigma", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let d = rand_distr::Cauchy::new(self.0, self.1).map_err(|_| Error::InvalidParameter {
            distribution: "Cauchy",
            parameter: "sigma",
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

    type Family = Cauchy<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-50.0, 50.0),
            &[Domain::Interval(-5.0, 5.0), Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn gradients_in_the_far_tail() {
        // |z| up to 1e7: the 1/z forms of the partials.
        check_continuous_gradients::<Family>(
            Domain::Interval(1e3, 1e5),
            &[Domain::Interval(-5.0, 5.0), Domain::LogUniform(0.01, 1.0)],
        );
    }

    #[test]
    fn far_tails_neither_overflow_nor_lose_precision() {
        // |y - mu|/sigma = 1e600 overflows f64, the log density does not.
        let (lp, dy, Cauchy(dmu, dsigma)) = Cauchy(0.0, 1e-300).lpdf_grad(1e300);
        let want = -(std::f64::consts::PI.ln()) - 2.0 * 1e300f64.ln() + 1e-300f64.ln();
        assert!((lp - want).abs() <= 4.0 * f64::EPSILON * want.abs());
        assert_eq!((dy, dmu), (-2e-300, 2e-300));
        assert!((dsigma - 1e300).abs() <= 2.0 * f64::EPSILON * 1e300);
        // Both branches agree where they meet (|y - mu| = sigma).
        for (d, s) in [(1.0, 1.0), (3e-7, 3e-7), (-5.0, 5.0), (1e200, 1e200)] {
            // `d` itself takes the first branch, `d·(1 + 4ε)` the second.
            let (a, b) = (
                cauchy_terms(d, s),
                cauchy_terms(d * (1.0 + 4.0 * f64::EPSILON), s),
            );
            assert!((a.0 - b.0).abs() < 1e-13 * a.0.abs().max(1.0));
            assert!((a.1 - b.1).abs() < 1e-13 * a.1.abs());
            assert!((a.2 - b.2).abs() < 1e-13 * a.2.abs());
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
                &[0.0, f64::NAN],
            ],
        );
        assert_eq!(Cauchy(0.0, 1.0).lpdf(f64::INFINITY), f64::NEG_INFINITY);
        assert_eq!(Cauchy(0.0, 1.0).lpdf(f64::NAN), f64::NEG_INFINITY);
        let mut rng = crate::testing::rng_for("cauchy-invalid");
        let err = Cauchy(0.0, 0.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cauchy: parameter `sigma` = 0 but it must be finite and > 0"
        );
        assert!(Cauchy(f64::NAN, 1.0).sample(&mut rng).is_err());
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("cauchy", |p, y| Cauchy(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_quantiles() {
        // No moments: the median is mu and the quartiles mu ± sigma.
        let d = Cauchy(1.5, 2.0);
        let f = |q: f64| 1.0 / (std::f64::consts::PI * 2.0 * (1.0 + ((q - 1.5) / 2.0).powi(2)));
        check_quantile("Cauchy", |rng| d.sample(rng).unwrap(), 0.5, 1.5, f(1.5));
        check_quantile("Cauchy", |rng| d.sample(rng).unwrap(), 0.25, -0.5, f(-0.5));
        check_quantile("Cauchy", |rng| d.sample(rng).unwrap(), 0.75, 3.5, f(3.5));
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = cauchy_lpdf(0.5, 0.0, 2.0);
        let (dy, dmu, dsigma) = cauchy_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (glp, gy, Cauchy(gmu, gsigma)) = Cauchy(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dmu, dsigma), (2.0 * gy, 2.0 * gmu, 2.0 * gsigma));
    }
}
