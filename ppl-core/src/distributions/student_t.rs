//! The Student-t distribution `StudentT(nu, mu, sigma)` (degrees of freedom, location,
//! scale), with the `ν`-dependent pieces evaluated stably for large `ν`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::{digamma, lgamma, ScalarMath};
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Student-t distribution with `nu` degrees of freedom, location `mu` and scale `sigma`
/// (Stan's `student_t`).
///
/// # Formula
///
/// ```text
/// log p(y | ν, μ, σ) = C(ν) - ln σ - (ν+1)/2 · ln(1 + z²/ν),      z = (y - μ)/σ
/// C(ν) = ln Γ((ν+1)/2) - ln Γ(ν/2) - ½ ln(νπ)
/// ∂/∂y = -(ν+1) z / (σ(ν + z²))      ∂/∂μ = -∂/∂y
/// ∂/∂σ = ν(z² - 1) / (σ(ν + z²))
/// ∂/∂ν = ½ [D(ν) + q + ln(1 - q) + q/ν],   q = z²/(ν + z²)
/// D(ν) = ψ((ν+1)/2) - ψ(ν/2) - 1/ν
/// ```
///
/// Stable evaluation:
///
/// * `ln(1 + z²/ν)` is `ln_1p(w²)`, `w = z/√ν`, or `2 ln|w| + ln_1p(1/w²)` for `|w| > 1`
///   (no overflow of `w²`); `∂/∂y` and `∂/∂σ` are written in `1/z` when `|z| > 1`.
/// * For `ν ≥ 25`, `C(ν)` and `D(ν)` would cancel catastrophically (`ln Γ` of huge
///   arguments, `ψ` differences of order `1/ν²`); they use the asymptotic series
///   `C(ν) = -½ ln(2π) - Σₖ cₖ/((4k-2) ν^(2k-1))`, `D(ν) = Σₖ cₖ/ν^(2k)`,
///   `cₖ = (4ᵏ - 1) B₂ₖ / k` (Bernoulli numbers `B₂ₖ`), nine terms (relative error below
///   `1e-17` at `ν = 25`). Below 25, `lgamma` and `digamma` directly.
/// * `q + ln(1 - q) = -Σₙ qⁿ/n` (n ≥ 2) by its series when `q ≤ 0.1`, which keeps `∂/∂ν`
///   accurate to rounding when it is `O(1/ν²)`.
///
/// As `ν → ∞` this tends to `Normal(μ, σ)`; `ν = 1` is `Cauchy(μ, σ)`.
///
/// Support: ℝ. Parameters: `nu > 0` finite, `mu` finite, `sigma > 0` finite — a scale
/// (the standard deviation is `σ√(ν/(ν-2))` for `ν > 2`). Invalid parameters or a
/// non-finite `y` give `-∞` with zero partials; so does `|y - μ|/σ` overflowing `f64`.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{Cauchy, ContinuousDistribution, StudentT};
/// let lp = StudentT(1.0, 0.5, 2.0).lpdf(3.0);
/// assert!((lp - Cauchy(0.5, 2.0).lpdf(3.0)).abs() < 1e-14);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StudentT<N, M, Sg>(pub N, pub M, pub Sg);

crate::continuous_distribution!(
    StudentT,
    student_t_lpdf,
    student_t_lpdf_vjp,
    [nu: N, mu: M, sigma: Sg]
);

/// `ν` from which `C(ν)` and `D(ν)` use their asymptotic series.
const NU_ASYMPTOTIC: f64 = 25.0;

/// `cₖ = (4ᵏ - 1) B₂ₖ / k`, `k = 1..9`: the coefficients of `D(ν) = Σₖ cₖ ν^(-2k)`.
const D_SERIES: [f64; 9] = [
    0.5,
    -0.25,
    0.5,
    -2.125,
    15.5,
    -172.75,
    2730.5,
    -58098.0625,
    1601145.5,
];

/// `cₖ / (4k - 2)`: the coefficients of `C(ν) + ½ ln(2π) = -Σₖ cₖ/(4k-2) ν^(1-2k)`.
const C_SERIES: [f64; 9] = [
    0.5 / 2.0,
    -0.25 / 6.0,
    0.5 / 10.0,
    -2.125 / 14.0,
    15.5 / 18.0,
    -172.75 / 22.0,
    2730.5 / 26.0,
    -58098.0625 / 30.0,
    1601145.5 / 34.0,
];

/// `Σₖ coef[k] xᵏ` by Horner's rule.
#[inline]
fn horner<S: Scalar>(coef: &[f64], x: S) -> S {
    coef.iter().rev().fold(S::zero(), |acc, &c| acc * x + c)
}

/// `C(ν) = ln Γ((ν+1)/2) - ln Γ(ν/2) - ½ ln(νπ)`.
#[inline]
fn student_t_log_norm<S: Scalar>(nu: S) -> S {
    if nu.value() >= NU_ASYMPTOTIC {
        let inv = nu.recip();
        -(horner(&C_SERIES, inv * inv) * inv) - HALF_LN_2PI
    } else {
        lgamma((nu + 1.0) * 0.5) - lgamma(nu * 0.5) - (nu * std::f64::consts::PI).ln() * 0.5
    }
}

/// `D(ν) = ψ((ν+1)/2) - ψ(ν/2) - 1/ν = 2 C'(ν)`.
#[inline]
fn digamma_gap<S: Scalar>(nu: S) -> S {
    if nu.value() >= NU_ASYMPTOTIC {
        let inv2 = nu.recip().square();
        horner(&D_SERIES, inv2) * inv2
    } else {
        digamma((nu + 1.0) * 0.5) - digamma(nu * 0.5) - nu.recip()
    }
}

/// `ln(1 + w²)` without overflow of `w²` and accurate for tiny `w`.
#[inline]
fn log1p_square<S: Scalar>(w: S) -> S {
    if w.value().abs() <= 1.0 {
        (w * w).ln_1p()
    } else {
        let iw = w.recip();
        w.abs().ln() * 2.0 + (iw * iw).ln_1p()
    }
}

/// `q + ln(1 - q)` given `q` and `l = -ln(1 - q)`: `-Σₙ₌₂..₁₉ qⁿ/n` for `q ≤ 0.1` (truncation
/// below `1e-17` relative), `q - l` otherwise (cancellation at most 20-fold there).
#[inline]
fn q_plus_log1m_q<S: Scalar>(q: S, l: S) -> S {
    if q.value() <= 0.1 {
        let mut acc = S::cst(1.0 / 19.0);
        for n in (2..19).rev() {
            acc = acc * q + 1.0 / n as f64;
        }
        -(acc * q * q)
    } else {
        q - l
    }
}

#[inline]
fn valid<S: Scalar>(nu: S, mu: S, sigma: S, y: S) -> bool {
    nu.value() > 0.0
        && nu.is_finite()
        && sigma.value() > 0.0
        && sigma.is_finite()
        && mu.is_finite()
        && y.is_finite()
}

impl<S: Scalar> ContinuousDistribution<S> for StudentT<S, S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let StudentT(nu, mu, sigma) = *self;
        if !valid(nu, mu, sigma, y) {
            return neg_inf();
        }
        let w = (y - mu) / sigma / nu.sqrt();
        student_t_log_norm(nu) - sigma.ln() - (nu + 1.0) * log1p_square(w) * 0.5
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let StudentT(nu, mu, sigma) = *self;
        if !valid(nu, mu, sigma, y) {
            return (
                neg_inf(),
                S::zero(),
                StudentT(S::zero(), S::zero(), S::zero()),
            );
        }
        let z = (y - mu) / sigma;
        let w = z / nu.sqrt();
        let l = log1p_square(w);
        let lp = student_t_log_norm(nu) - sigma.ln() - (nu + 1.0) * l * 0.5;
        // dz = ∂lp/∂z = -(ν+1) z/(ν + z²);  sz = σ ∂lp/∂σ = ν(z² - 1)/(ν + z²).
        let (dz, sz) = if z.value().abs() <= 1.0 {
            let den = (z * z + nu).recip();
            (-((nu + 1.0) * z * den), nu * (z * z - 1.0) * den)
        } else {
            let iz = z.recip();
            let den = (nu * iz * iz + 1.0).recip();
            (-((nu + 1.0) * iz * den), nu * (-(iz * iz) + 1.0) * den)
        };
        // q = w²/(1 + w²), and l = ln(1 + w²) = -ln(1 - q).
        let q = if w.value().abs() <= 1.0 {
            w * w / (w * w + 1.0)
        } else {
            (w.recip().square() + 1.0).recip()
        };
        let dnu = (digamma_gap(nu) + q_plus_log1m_q(q, l) + q / nu) * 0.5;
        let inv_sigma = sigma.recip();
        let dy = dz * inv_sigma;
        (lp, dy, StudentT(dnu, -dy, sz * inv_sigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Real
    }
}

impl Sample for StudentT<f64, f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("StudentT", "nu", self.0)?;
        validation::finite("StudentT", "mu", self.1)?;
        validation::positive("StudentT", "sigma", self.2)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let t: f64 = standard_t(self.0)?.sample(rng);
        Ok(self.1 + self.2 * t)
    }
}

/// The standard Student-t sampler of `rand_distr` (`nu` already validated).
pub(crate) fn standard_t(nu: f64) -> Result<rand_distr::StudentT<f64>> {
    rand_distr::StudentT::new(nu).map_err(|_| Error::InvalidParameter {
        distribution: "StudentT",
        parameter: "nu",
        value: nu,
        requirement: "finite and > 0",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = StudentT<(), (), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-20.0, 20.0),
            &[
                Domain::LogUniform(0.5, 100.0),
                Domain::Interval(-5.0, 5.0),
                Domain::LogUniform(0.05, 50.0),
            ],
        );
    }

    #[test]
    fn gradients_for_small_and_huge_nu_and_far_tails() {
        check_continuous_gradients::<Family>(
            Domain::Interval(-5.0, 5.0),
            &[
                Domain::LogUniform(0.02, 0.5),
                Domain::Interval(-1.0, 1.0),
                Domain::LogUniform(0.1, 10.0),
            ],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(-5.0, 5.0),
            &[
                Domain::LogUniform(100.0, 1e8),
                Domain::Interval(-1.0, 1.0),
                Domain::LogUniform(0.5, 2.0),
            ],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(1e3, 1e5),
            &[
                Domain::LogUniform(0.5, 50.0),
                Domain::Interval(-1.0, 1.0),
                Domain::LogUniform(0.01, 1.0),
            ],
        );
    }

    #[test]
    fn asymptotic_series_are_exact_from_the_threshold_on() {
        // (ν, D(ν), C(ν)) from mpmath (40 digits, rounded). At ν = 25 the series are at their
        // least accurate (truncation below 1e-17); the direct forms there lose
        // ε·|ψ(ν/2)| / D(ν) ≈ 1e-13 relative to cancellation, which the series avoid.
        for (nu, d, c) in [
            (25.0, 0.000_799_362_034_233_301_9, -0.928_935_871_633_36),
            (25.5, 0.000_768_345_570_728_172_9, -0.928_739_946_529_619_8),
            (30.0, 0.000_555_247_596_238_397_5, -0.927_270_325_378_845_7),
        ] {
            let got = digamma_gap(nu);
            assert!(
                (got - d).abs() <= 4.0 * f64::EPSILON * d,
                "D({nu}) = {got} vs {d}"
            );
            let got = student_t_log_norm(nu);
            assert!(
                (got - c).abs() <= 4.0 * f64::EPSILON,
                "C({nu}) = {got} vs {c}"
            );
            // The direct forms agree to their own accuracy.
            let direct = digamma((nu + 1.0) * 0.5) - digamma(nu * 0.5) - 1.0 / nu;
            assert!((direct - d).abs() <= 64.0 * f64::EPSILON * digamma(nu * 0.5));
        }
        // The series of q + ln(1 - q) joins the direct form at q = 0.1.
        let q: f64 = 0.1;
        let direct = q + (-q).ln_1p();
        let series = q_plus_log1m_q(q, -(-q).ln_1p());
        assert!((series - direct).abs() <= 1e-15 * direct.abs());
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 0.0, 1.0],
                &[-1.0, 0.0, 1.0],
                &[f64::INFINITY, 0.0, 1.0],
                &[f64::NAN, 0.0, 1.0],
                &[3.0, f64::NAN, 1.0],
                &[3.0, 0.0, 0.0],
                &[3.0, 0.0, -1.0],
                &[3.0, 0.0, f64::INFINITY],
            ],
        );
        assert_eq!(StudentT(3.0, 0.0, 1.0).lpdf(f64::NAN), f64::NEG_INFINITY);
        let mut rng = crate::testing::rng_for("student-t-invalid");
        let err = StudentT(0.0, 0.0, 1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "StudentT: parameter `nu` = 0 but it must be finite and > 0"
        );
        assert!(StudentT(3.0, 0.0, -1.0).sample(&mut rng).is_err());
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("student_t", |p, y| StudentT(p[0], p[1], p[2]).lpdf(y));
        check_reference_table("student_t", |p, y| {
            StudentT(p[0], p[1], p[2]).lpdf_grad(y).0
        });
    }

    #[test]
    fn nu_partial_matches_reference_values() {
        // ∂/∂ν is O(1/ν²) for large ν: checked against high-precision values.
        check_reference_table("student_t_dnu", |p, y| {
            StudentT(p[0], p[1], p[2]).lpdf_grad(y).2 .0
        });
    }

    #[test]
    fn sampler_moments() {
        let d = StudentT(10.0, 1.5, 2.0);
        check_moments(
            "StudentT",
            |rng| d.sample(rng).unwrap(),
            1.5,
            4.0 * 10.0 / 8.0,
        );
    }

    #[test]
    fn sampler_quantiles_for_heavy_tails() {
        // ν = 2: quantile (2p - 1)/√(2p(1 - p)), density (2 + t²)^(-3/2).
        let (mu, sigma) = (1.5, 2.0);
        let d = StudentT(2.0, mu, sigma);
        for p in [0.5, 0.75, 0.95] {
            let t = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            let dens = (2.0 + t * t).powf(-1.5) / sigma;
            check_quantile(
                "StudentT2",
                |rng| d.sample(rng).unwrap(),
                p,
                mu + sigma * t,
                dens,
            );
        }
        // ν = 1 is Cauchy: quantile tan(π(p - ½)).
        let d = StudentT(1.0, mu, sigma);
        let t = (std::f64::consts::PI * 0.4).tan();
        let dens = 1.0 / (std::f64::consts::PI * sigma * (1.0 + t * t));
        check_quantile(
            "StudentT1",
            |rng| d.sample(rng).unwrap(),
            0.9,
            mu + sigma * t,
            dens,
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = student_t_lpdf(0.5, 3.0, 0.0, 2.0);
        let (dy, dnu, dmu, dsigma) = student_t_lpdf_vjp(0.5, 3.0, 0.0, 2.0, lp, 2.0);
        let (glp, gy, StudentT(gnu, gmu, gsigma)) = StudentT(3.0, 0.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!(
            (dy, dnu, dmu, dsigma),
            (2.0 * gy, 2.0 * gnu, 2.0 * gmu, 2.0 * gsigma)
        );
    }
}
