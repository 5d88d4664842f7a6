//! The half-Cauchy distribution `HalfCauchy(sigma)`: `|X|` for `X ~ Cauchy(0, sigma)`.

use crate::ad::Scalar;
use crate::distributions::cauchy::{cauchy_terms, cauchy_terms_with, LN_PI};
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, ContinuousDistribution, Needed, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Half-Cauchy distribution with scale `sigma`: the Cauchy `Cauchy(0, sigma)` folded onto
/// `[0, ∞)`, a common weakly informative prior for scales (`HalfCauchy(5.0)`).
///
/// # Formula
///
/// ```text
/// p(y | σ) = 2 / (π σ (1 + (y/σ)²)),   y ≥ 0
/// log p(y | σ) = ln 2 - ln π - ln σ - ln(1 + z²),   z = y/σ
/// ∂/∂y = -2z/(σ(1 + z²))     ∂/∂σ = (z² - 1)/(σ(1 + z²))
/// ```
///
/// The `z`-terms use the overflow-free forms of [`Cauchy`](crate::distributions::Cauchy)
/// (in `σ/y` when `y > σ`). In Stan this is `y ~ cauchy(0, sigma)` with `y` declared
/// `<lower=0>`, whose truncation constant `ln 2` Stan drops; here it is included.
///
/// Support: `(0, ∞)` (a sample site is log-transformed); `y = 0` has the finite density
/// `2/(πσ)`; `y < 0` or non-finite `y` gives `-∞` with zero partials. Parameter:
/// `sigma > 0` finite, a scale (the median of `y`). An invalid `sigma` gives `-∞` with
/// zero partials. The mean does not exist.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, HalfCauchy};
/// let lp = HalfCauchy(5.0).lpdf(5.0);
/// assert!((lp + (5.0 * std::f64::consts::PI).ln()).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HalfCauchy<Sg>(pub Sg);

crate::continuous_distribution!(HalfCauchy, half_cauchy_lpdf, half_cauchy_lpdf_vjp, [sigma: Sg]);

/// `ln 2 - ln π`.
const LN_2_OVER_PI: f64 = std::f64::consts::LN_2 - LN_PI;

#[inline]
fn valid<S: Scalar>(sigma: S, y: S) -> bool {
    sigma.value() > 0.0 && sigma.is_finite() && y.value() >= 0.0 && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for HalfCauchy<S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let HalfCauchy(sigma) = *self;
        if !valid(sigma, y) {
            return neg_inf();
        }
        -cauchy_terms(y, sigma).0 + LN_2_OVER_PI
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let HalfCauchy(sigma) = *self;
        if !valid(sigma, y) {
            return (neg_inf(), S::zero(), HalfCauchy(S::zero()));
        }
        let (l, g, q) = cauchy_terms(y, sigma);
        let dsigma = (-(q * 2.0) + 1.0) / sigma;
        (-l + LN_2_OVER_PI, -(g * 2.0), HalfCauchy(dsigma))
    }

    /// With `ln y` given: `2 ln y` in the far branch comes free, and `ln(1 + w)` for
    /// `w = z²` or `r² ∈ [0, 1]` (see [`cauchy_terms`]) is the logarithm of the rounded sum,
    /// not `ln_1p`: absolute error below `2ε` in `log p` (half an ulp of `1 + w ≤ 2`, plus
    /// the rounding of a result ≤ ln 2), where glibc's `log1p` costs several times a `log`
    /// on a dependency chain. The partials are those of `lpdf_grad`, bit for bit.
    #[inline]
    fn lpdf_grad_ln(&self, y: S, ln_y: S, need: Needed) -> (S, S, Self) {
        let _ = need;
        let HalfCauchy(sigma) = *self;
        if !valid(sigma, y) {
            return (neg_inf(), S::zero(), HalfCauchy(S::zero()));
        }
        let (l, g, q) = cauchy_terms_with(y, sigma, || ln_y, |w| (w + 1.0).ln());
        let dsigma = (-(q * 2.0) + 1.0) / sigma;
        (-l + LN_2_OVER_PI, -(g * 2.0), HalfCauchy(dsigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for HalfCauchy<f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("HalfCauchy", "sigma", self.0)
    }
    /// `|X|` with `X ~ Cauchy(0, σ)`.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let d = rand_distr::Cauchy::new(0.0, self.0).map_err(|_| Error::InvalidParameter {
            distribution: "HalfCauchy",
            parameter: "sigma",
            value: self.0,
            requirement: "finite and > 0",
        })?;
        let x: f64 = d.sample(rng);
        Ok(x.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = HalfCauchy<()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e-3, 1e3),
            &[Domain::LogUniform(0.05, 50.0)],
        );
    }

    #[test]
    fn a_known_logarithm_gives_the_same_rule_up_to_rounding() {
        use crate::distributions::Needed;
        use rand::Rng;
        let eps = f64::EPSILON;
        let mut rng = crate::testing::rng_for("half-cauchy-known-ln");
        let mut u = || rng.random::<f64>();
        for _ in 0..2000 {
            // Both branches (y below and above σ), far tails included.
            let (sigma, x) = ((12.0 * u() - 6.0).exp(), 30.0 * u() - 15.0);
            let (d, y) = (HalfCauchy(sigma), x.exp());
            let (lp, dy, HalfCauchy(ds)) = d.lpdf_grad_ln(y, x, Needed::ALL);
            let (want, want_dy, HalfCauchy(want_ds)) = d.lpdf_grad(y);
            assert_eq!((dy, ds), (want_dy, want_ds));
            // ln(1 + w) to 2ε absolute (the doc of `lpdf_grad_ln`) against ln_1p's 1 ulp;
            // 2 ln y: 2|x - ln(fl(eˣ))| ≤ 2ε(1 + |x|); the sum's roundings: 4ε |terms|.
            let terms = sigma.ln().abs() + 2.0 * x.abs() + 1.0;
            let tol = 3.0 * eps + 2.0 * eps * (1.0 + x.abs()) + 4.0 * eps * terms;
            assert!((lp - want).abs() <= tol, "{sigma} {x}: {lp} vs {want}");
        }
    }

    #[test]
    fn gradients_in_the_far_tail() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e4, 1e8),
            &[Domain::LogUniform(1e-3, 1.0)],
        );
    }

    #[test]
    fn invalid_parameters_and_values_outside_the_support() {
        check_invalid_params::<Family>(0.3, &[&[0.0], &[-1.0], &[f64::NAN], &[f64::INFINITY]]);
        check_invalid_params::<Family>(-0.3, &[&[1.0]]);
        assert_eq!(HalfCauchy(1.0).lpdf(f64::INFINITY), f64::NEG_INFINITY);
        assert_eq!(HalfCauchy(1.0).lpdf(0.0), LN_2_OVER_PI);
        assert_eq!(HalfCauchy(1.0).support(), Support::Positive);
        let mut rng = crate::testing::rng_for("half-cauchy-invalid");
        let err = HalfCauchy(f64::INFINITY).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "HalfCauchy: parameter `sigma` = inf but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("half_cauchy", |p, y| HalfCauchy(p[0]).lpdf(y));
    }

    #[test]
    fn sampler_quantiles() {
        // Quantile p is σ·tan(πp/2); density 2/(πσ(1 + (q/σ)²)).
        let sigma = 5.0;
        let d = HalfCauchy(sigma);
        for p in [0.25, 0.5, 0.9] {
            let q = sigma * (std::f64::consts::FRAC_PI_2 * p).tan();
            let dens = 2.0 / (std::f64::consts::PI * sigma * (1.0 + (q / sigma).powi(2)));
            check_quantile("HalfCauchy", |rng| d.sample(rng).unwrap(), p, q, dens);
        }
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = half_cauchy_lpdf(0.5, 2.0);
        let (dy, dsigma) = half_cauchy_lpdf_vjp(0.5, 2.0, lp, 2.0);
        let (glp, gy, HalfCauchy(gsigma)) = HalfCauchy(2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dsigma), (2.0 * gy, 2.0 * gsigma));
    }
}
