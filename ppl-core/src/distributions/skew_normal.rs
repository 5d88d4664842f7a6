//! The skew-normal distribution `SkewNormal(xi, omega, alpha)` (location, scale, shape).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::{std_normal_log_cdf, std_normal_log_cdf_vjp, ScalarMath};
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Skew-normal distribution with location `xi`, scale `omega` and shape `alpha` (Stan's
/// `skew_normal`).
///
/// # Formula
///
/// ```text
/// p(y | ξ, ω, α) = 2/ω · φ(z) · Φ(αz),   z = (y - ξ)/ω
/// log p = ½ ln(2/π) - ln ω - ½ z² + ln Φ(αz)        (= -½ ln(2π) - ln ω - ½ z² + ln erfc(-αz/√2))
/// with m = φ(αz)/Φ(αz)   (the derivative of ln Φ at αz):
/// ∂/∂y = (αm - z)/ω     ∂/∂ξ = (z - αm)/ω     ∂/∂ω = (z² - αz·m - 1)/ω     ∂/∂α = z·m
/// ```
///
/// `ln Φ` and `m` come from [`std_normal_log_cdf`] and its derivative, which are accurate in
/// the far lower tail (`ln Φ(u) ≈ -u²/2 - ln(-u√(2π))`, `m ≈ -u`, no underflow), so the
/// density keeps its relative accuracy for any `αz`; the terms of the partials never cancel
/// there (`αm` and `-z` have the same sign when `αz < 0`).
///
/// `α = 0` is `Normal(ξ, ω)`; `α → ±∞` tends to a half-normal folded at `ξ`.
///
/// Support: ℝ. Parameters: `xi` finite, `omega > 0` finite (a scale, not the standard
/// deviation, which is `ω√(1 - 2δ²/π)`, `δ = α/√(1 + α²)`), `alpha` finite. Invalid
/// parameters or a non-finite `y` give `-∞` with zero partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Normal, SkewNormal};
/// // At z = 0, Φ(0) = ½ and the density is the normal one for any shape.
/// let lp = SkewNormal(1.0, 2.0, 5.0).lpdf(1.0);
/// assert!((lp - Normal(1.0, 2.0).lpdf(1.0)).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkewNormal<X, W, A>(pub X, pub W, pub A);

crate::continuous_distribution!(
    SkewNormal,
    skew_normal_lpdf,
    skew_normal_lpdf_vjp,
    [xi: X, omega: W, alpha: A]
);

/// `½ ln(2/π) = ln 2 - ½ ln(2π)`.
const HALF_LN_2_OVER_PI: f64 = std::f64::consts::LN_2 - HALF_LN_2PI;

#[inline]
fn valid<S: Scalar>(xi: S, omega: S, alpha: S, y: S) -> bool {
    omega.value() > 0.0 && omega.is_finite() && xi.is_finite() && alpha.is_finite() && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for SkewNormal<S, S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let SkewNormal(xi, omega, alpha) = *self;
        if !valid(xi, omega, alpha, y) {
            return neg_inf();
        }
        let z = (y - xi) / omega;
        -(z * z * 0.5) + std_normal_log_cdf(alpha * z) - omega.ln() + HALF_LN_2_OVER_PI
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let SkewNormal(xi, omega, alpha) = *self;
        if !valid(xi, omega, alpha, y) {
            return (
                neg_inf(),
                S::zero(),
                SkewNormal(S::zero(), S::zero(), S::zero()),
            );
        }
        let inv_omega = omega.recip();
        let z = (y - xi) * inv_omega;
        let u = alpha * z;
        let log_cdf = std_normal_log_cdf(u);
        let lp = -(z * z * 0.5) + log_cdf - omega.ln() + HALF_LN_2_OVER_PI;
        // m = d ln Φ(u)/du = φ(u)/Φ(u)
        let m = std_normal_log_cdf_vjp(u, log_cdf, S::one());
        let dz = alpha * m - z;
        let dy = dz * inv_omega;
        let domega = (z * z - u * m - 1.0) * inv_omega;
        (lp, dy, SkewNormal(-dy, domega, z * m))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

impl Sample for SkewNormal<f64, f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::finite("SkewNormal", "xi", self.0)?;
        validation::positive("SkewNormal", "omega", self.1)?;
        validation::finite("SkewNormal", "alpha", self.2)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let d = rand_distr::SkewNormal::new(self.0, self.1, self.2).map_err(|_| {
            Error::InvalidParameter {
                distribution: "SkewNormal",
                parameter: "omega",
                value: self.1,
                requirement: "finite and > 0",
            }
        })?;
        Ok(d.sample(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = SkewNormal<(), (), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-10.0, 10.0),
            &[
                Domain::Interval(-5.0, 5.0),
                Domain::LogUniform(0.05, 50.0),
                Domain::Interval(-10.0, 10.0),
            ],
        );
    }

    #[test]
    fn gradients_where_ln_phi_is_in_its_far_lower_tail() {
        // αz from -2400 to -40: ln Φ(αz) ≈ -(αz)²/2, m ≈ -αz.
        check_continuous_gradients::<Family>(
            Domain::Interval(5.0, 20.0),
            &[
                Domain::Interval(-1.0, 1.0),
                Domain::LogUniform(0.5, 2.0),
                Domain::Interval(-60.0, -20.0),
            ],
        );
        // ... and in its upper tail, where Φ(αz) → 1.
        check_continuous_gradients::<Family>(
            Domain::Interval(5.0, 20.0),
            &[
                Domain::Interval(-1.0, 1.0),
                Domain::LogUniform(0.5, 2.0),
                Domain::Interval(2.0, 20.0),
            ],
        );
    }

    #[test]
    fn shape_zero_is_the_normal() {
        use crate::distributions::Normal;
        for y in [-3.0, 0.1, 7.0] {
            let (lp, dy, SkewNormal(dxi, domega, _)) = SkewNormal(0.5, 2.0, 0.0).lpdf_grad(y);
            let (nlp, ndy, Normal(nmu, nsigma)) = Normal(0.5, 2.0).lpdf_grad(y);
            assert!((lp - nlp).abs() <= 4.0 * f64::EPSILON * nlp.abs());
            assert!((dy - ndy).abs() <= 4.0 * f64::EPSILON * ndy.abs());
            assert!((dxi - nmu).abs() <= 4.0 * f64::EPSILON * nmu.abs());
            assert!((domega - nsigma).abs() <= 4.0 * f64::EPSILON * nsigma.abs());
        }
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 0.0, 1.0],
                &[0.0, -1.0, 1.0],
                &[0.0, f64::INFINITY, 1.0],
                &[f64::NAN, 1.0, 1.0],
                &[0.0, 1.0, f64::NAN],
                &[0.0, 1.0, f64::NEG_INFINITY],
            ],
        );
        assert_eq!(
            SkewNormal(0.0, 1.0, 1.0).lpdf(f64::INFINITY),
            f64::NEG_INFINITY
        );
        let mut rng = crate::testing::rng_for("skew-normal-invalid");
        let err = SkewNormal(0.0, 1.0, f64::INFINITY)
            .sample(&mut rng)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "SkewNormal: parameter `alpha` = inf but it must be finite"
        );
        assert!(SkewNormal(0.0, 0.0, 1.0).sample(&mut rng).is_err());
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("skew_normal", |p, y| SkewNormal(p[0], p[1], p[2]).lpdf(y));
        check_reference_table("skew_normal", |p, y| {
            SkewNormal(p[0], p[1], p[2]).lpdf_grad(y).0
        });
    }

    #[test]
    fn sampler_moments() {
        // mean ξ + ωδ√(2/π), variance ω²(1 - 2δ²/π), δ = α/√(1 + α²)
        let (xi, omega, alpha) = (1.5, 2.0, -3.0);
        let d = SkewNormal(xi, omega, alpha);
        let delta: f64 = alpha / (1.0_f64 + alpha * alpha).sqrt();
        let mean = xi + omega * delta * (2.0 / std::f64::consts::PI).sqrt();
        let var = omega * omega * (1.0 - 2.0 * delta * delta / std::f64::consts::PI);
        check_moments("SkewNormal", |rng| d.sample(rng).unwrap(), mean, var);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = skew_normal_lpdf(0.5, 0.0, 2.0, 3.0);
        let (dy, dxi, domega, dalpha) = skew_normal_lpdf_vjp(0.5, 0.0, 2.0, 3.0, lp, 2.0);
        let (glp, gy, SkewNormal(gxi, gomega, galpha)) = SkewNormal(0.0, 2.0, 3.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!(
            (dy, dxi, domega, dalpha),
            (2.0 * gy, 2.0 * gxi, 2.0 * gomega, 2.0 * galpha)
        );
    }
}
