//! The normal distribution `Normal(mu, sigma)` (location, scale).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{
    lpdf_sum_vjp, validation, ContinuousDistribution, Data, Needed, NoAdjoint, Sample,
};
use crate::error::Result;
use crate::math::dispatch::with_avx2;
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

    /// With a data `σ` and [`Needed::NO_CONSTANT`], leaves out `-ln σ - ½ ln 2π`: no
    /// logarithm per observation (see [`Self::lpdf_constant`]).
    #[inline(always)]
    fn lpdf_grad_needed(&self, y: S, need: Needed) -> (S, S, Self) {
        let Normal(mu, sigma) = *self;
        let scale = if need.no_constant() && !need.has_param(1) {
            NormalScale::without_constant(sigma)
        } else {
            NormalScale::new(sigma)
        };
        let (lp, dy, dmu, dsigma) = scale.lpdf_grad(y, mu);
        (lp, dy, Normal(dmu, dsigma))
    }

    /// One branch-free pass (it vectorises); only if the sum is not finite (an invalid
    /// `σ`, a non-finite `μ` or `yᵢ`) the checked per-value default runs, which then gives
    /// `-∞` with zero adjoints for the invalid values. The same operations as
    /// [`NormalScale::lpdf_grad`], so the same results bit for bit.
    #[inline]
    fn lpdf_grad_values(&self, ys: &[S], lp_bar: S, y_bar: &mut [S], need: Needed) -> S {
        let Normal(mu, sigma) = *self;
        // The same choice as `lpdf_grad_needed`, which the fallback calls.
        let scale = if need.no_constant() && !need.has_param(1) {
            NormalScale::without_constant(sigma)
        } else {
            NormalScale::new(sigma)
        };
        let n = ys.len().min(y_bar.len());
        let (ys, y_bar) = (&ys[..n], &mut y_bar[..n]);
        let (inv_sigma, log_norm) = (scale.inv_sigma, scale.log_norm);
        let lp = crate::ad::reduce_sum(0..n, |i| {
            let z = (ys[i] - mu) * inv_sigma;
            y_bar[i] = -(z * inv_sigma) * lp_bar;
            -(z * z * 0.5) - log_norm
        });
        if scale.valid && lp.is_finite() {
            return lp;
        }
        crate::ad::reduce_sum(0..n, |i| {
            let (lp, dy, _) = self.lpdf_grad_needed(ys[i], need);
            y_bar[i] = dy * lp_bar;
            lp
        })
    }

    /// `-ln σ - ½ ln 2π` when `σ`'s partial is not needed (and `σ` is valid), else `0`.
    #[inline]
    fn lpdf_constant(&self, need: Needed) -> f64 {
        let sigma = self.1.value();
        if need.has_param(1) || !(sigma > 0.0 && sigma.is_finite()) {
            0.0
        } else {
            -(sigma.ln() + HALF_LN_2PI)
        }
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

    /// [`NormalScale::new`] without the normalising term (`log_norm = 0`): the values of
    /// [`NormalScale::lpdf_grad`] then leave out `-ln σ - ½ ln 2π`; no logarithm.
    #[inline(always)]
    pub fn without_constant(sigma: S) -> Self {
        NormalScale {
            inv_sigma: sigma.recip(),
            log_norm: S::zero(),
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

/// The normal log likelihood of many observations sharing one scale, summed:
/// `yₙ ~ Normal(μₙ, σ)`, `n = 1..N`. Each observation ([`NormalSums::add`]) costs only
/// `zₙ = (yₙ - μₙ)/σ` and its partials; the sum and the scale's partial come once, at the
/// end ([`NormalSums::finish`]):
///
/// ```text
/// Σₙ log p = -½ Σₙ zₙ² - N (ln σ + ½ ln 2π)
/// ∂/∂μₙ = zₙ/σ     ∂/∂yₙ = -zₙ/σ     ∂/∂σ = (Σₙ zₙ² - N)/σ
/// ```
///
/// Generated code uses it for a likelihood loop whose scale is a parameter the loop does
/// not change: one running sum instead of two (the log density's and `σ`'s adjoint's) and
/// no per-observation constant. As [`Normal::lpdf_grad`] per observation: an invalid `σ`
/// gives `-∞` with zero partials; an observation whose `z` is not finite (a non-finite `y`
/// or `μ`) makes the sum `-∞` and has zero partials itself.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, Normal, NormalSums};
/// let (sigma, obs) = (1.5, [(0.3, 0.0), (-1.0, 0.5), (2.0, 1.0)]);
/// let mut sums = NormalSums::new(sigma);
/// let dmu: Vec<f64> = obs.iter().map(|&(y, mu)| sums.add(y, mu)).collect();
/// let (lp, dsigma) = sums.finish();
/// let mut want = (0.0, 0.0);
/// for (k, &(y, mu)) in obs.iter().enumerate() {
///     let (lp_n, _, Normal(dmu_n, dsigma_n)) = Normal(mu, sigma).lpdf_grad(y);
///     want = (want.0 + lp_n, want.1 + dsigma_n);
///     assert!((dmu[k] - dmu_n).abs() < 1e-15);
/// }
/// assert!((lp - want.0).abs() < 1e-14 && (dsigma - want.1).abs() < 1e-14);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct NormalSums<S> {
    sigma: S,
    inv_sigma: S,
    valid_sigma: bool,
    sum_z2: S,
    /// Observations with a finite `z`.
    count: usize,
    /// No observation had a non-finite `z`.
    all_finite: bool,
}

impl<S: Scalar> NormalSums<S> {
    /// No observations yet, scale `σ` (one division).
    #[inline(always)]
    pub fn new(sigma: S) -> Self {
        let valid_sigma = sigma.value() > 0.0 && sigma.is_finite();
        NormalSums {
            sigma,
            // NaN for an invalid σ: every `z` is then NaN, which `add`'s one check catches.
            inv_sigma: if valid_sigma {
                sigma.recip()
            } else {
                S::cst(f64::NAN)
            },
            valid_sigma,
            sum_z2: S::zero(),
            count: 0,
            all_finite: true,
        }
    }

    /// Adds observation `y ~ Normal(μ, σ)`; returns `∂ log p/∂μ = z/σ` (`∂/∂y` is its
    /// negative), `0` for an invalid `σ` or a non-finite `z`.
    #[inline(always)]
    pub fn add(&mut self, y: S, mu: S) -> S {
        let z = (y - mu) * self.inv_sigma;
        // Finite `z` (false for NaN): one comparison, and the derivative part of a dual
        // `z` is finite whenever its value is (finite inputs, finite 1/σ).
        let finite = z.value().abs() < f64::INFINITY;
        if !finite {
            self.all_finite = false;
            return S::zero();
        }
        self.sum_z2 += z * z;
        self.count += 1;
        z * self.inv_sigma
    }

    /// `(Σ log p, ∂/∂σ)` over the observations added (`(0, 0)` for none).
    #[inline]
    pub fn finish(&self) -> (S, S) {
        if !self.valid_sigma {
            return (neg_inf(), S::zero());
        }
        let n = self.count as f64;
        let dsigma = (self.sum_z2 - n) * self.inv_sigma;
        if !self.all_finite {
            return (neg_inf(), dsigma);
        }
        let lp = -(self.sum_z2 * 0.5) - (self.sigma.ln() + HALF_LN_2PI) * n;
        (lp, dsigma)
    }
}

/// Lanes of the independent accumulators of [`normal_lpdf_slice_vjp`].
const LANES: usize = 8;

with_avx2! {
/// `Σᵢ log p(yᵢ | μᵢ, σ)` of [`Normal`] with one scale for all observations, accumulating
/// `lp_bar · ∂/∂μᵢ` into `mu_bar` and returning `(log p, lp_bar · Σᵢ ∂/∂σ)` — the
/// vectorised reverse rule of a `y[n] ~ Normal(mu[n], sigma)` likelihood with data `y`.
///
/// `ln σ` and `1/σ` are computed once ([`NormalScale`]); the loop over observations is
/// branch-free with 8 independent accumulators, so it vectorises: SSE2, or AVX2 when the
/// CPU has it (detected at run time, same results bit for bit). The partial w.r.t. the observations is `-∂/∂μᵢ` (add
/// `-mu_bar` contributions yourself if `y` is a parameter).
///
/// Works over the common length of `y`, `mu` and `mu_bar` (they should be equal: checked
/// in debug builds). An invalid `σ`, or a non-finite `yᵢ` or `μᵢ`, gives `-∞` and
/// contributes nothing to the adjoints, the valid terms contribute theirs (as the sum of
/// [`Normal::lpdf_grad`] over the elements).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{normal_lpdf_slice_vjp, ContinuousDistribution, Normal};
/// let (y, mu) = ([0.5, -1.0, 2.0], [0.0, 0.3, 1.0]);
/// let mut mu_bar = [0.0; 3];
/// let (lp, sigma_bar) = normal_lpdf_slice_vjp(&y, &mu, 1.5, 1.0, &mut mu_bar);
/// let want: f64 = (0..3).map(|i| Normal(mu[i], 1.5).lpdf(y[i])).sum();
/// assert!((lp - want).abs() < 1e-14);
/// let (_, _, Normal(dmu, _)) = Normal(mu[2], 1.5).lpdf_grad(y[2]);
/// assert!((mu_bar[2] - dmu).abs() < 1e-15);
/// ```
pub fn normal_lpdf_slice_vjp(y: &[f64], mu: &[f64], sigma: f64, lp_bar: f64, mu_bar: &mut [f64]) -> (f64, f64)
    = normal_slice;
}

#[inline(always)]
fn normal_slice(y: &[f64], mu: &[f64], sigma: f64, lp_bar: f64, mu_bar: &mut [f64]) -> (f64, f64) {
    debug_assert!(y.len() == mu.len() && mu.len() == mu_bar.len());
    let n = y.len().min(mu.len()).min(mu_bar.len());
    let (y, mu, mu_bar) = (&y[..n], &mu[..n], &mut mu_bar[..n]);
    let scale = NormalScale::new(sigma);
    if !scale.valid {
        return (f64::NEG_INFINITY, 0.0);
    }
    let inv_sigma = scale.inv_sigma;
    // (z², ∂/∂μ, 1 if valid else 0); an invalid term contributes no partials.
    let term = |yi: f64, mi: f64| -> (f64, f64, f64) {
        let valid = (yi - mi).abs() < f64::INFINITY && mi.abs() < f64::INFINITY;
        let z = (yi - mi) * inv_sigma;
        let z = if valid { z } else { 0.0 };
        (z * z, z * inv_sigma, if valid { 1.0 } else { 0.0 })
    };
    let (mut zz, mut ok) = ([0.0; LANES], [0.0; LANES]);
    let mut yc = y.chunks_exact(LANES);
    let mut mc = mu.chunks_exact(LANES);
    let mut bc = mu_bar.chunks_exact_mut(LANES);
    for ((yy, mm), bb) in (&mut yc).zip(&mut mc).zip(&mut bc) {
        for j in 0..LANES {
            let (z2, dmu, b) = term(yy[j], mm[j]);
            zz[j] += z2;
            ok[j] += b;
            bb[j] += lp_bar * dmu;
        }
    }
    let (mut zr, mut okr) = (0.0, 0.0);
    for ((&yi, &mi), bi) in yc
        .remainder()
        .iter()
        .zip(mc.remainder())
        .zip(bc.into_remainder())
    {
        let (z2, dmu, b) = term(yi, mi);
        zr += z2;
        okr += b;
        *bi += lp_bar * dmu;
    }
    let sum_z2 = zz.iter().sum::<f64>() + zr;
    let n_valid = ok.iter().sum::<f64>() + okr;
    // Σ over valid terms of ∂/∂σ = (zᵢ² - 1)/σ, as the elementwise rule sums them.
    let sigma_bar = lp_bar * (sum_z2 - n_valid) * inv_sigma;
    let lp = if n_valid == n as f64 {
        -0.5 * sum_z2 - n_valid * scale.log_norm
    } else {
        f64::NEG_INFINITY
    };
    (lp, sigma_bar)
}

/// [`normal_lpdf_slice_vjp`] for any scalar type: `(Σᵢ log p(yᵢ | μᵢ, σ), lp_bar · ∂/∂σ)`
/// with `lp_bar · ∂/∂μᵢ` added into `mu_bar`, for data `y` — the reverse rule the generated
/// code of a vectorised `observe(.., Normal(mu, sigma), y)` calls. On plain `f64` it runs
/// the SIMD kernel; on dual numbers (Hessian-vector products) each element's
/// [`ContinuousDistribution::lpdf_grad`].
///
/// # Errors
///
/// [`Error::DimensionMismatch`](crate::Error::DimensionMismatch) when `y` and `mu` differ
/// in length.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{normal_lpdf_sum_vjp, ContinuousDistribution, Normal};
/// let (y, mu) = ([0.5, -1.0], [0.0, 0.3]);
/// let mut mu_bar = [0.0; 2];
/// let (lp, _) = normal_lpdf_sum_vjp(&y, &mu, 1.5, 1.0, &mut mu_bar).unwrap();
/// assert!((lp - Normal(0.0, 1.5).lpdf(0.5) - Normal(0.3, 1.5).lpdf(-1.0)).abs() < 1e-14);
/// assert!(normal_lpdf_sum_vjp(&y[..1], &mu, 1.5, 1.0, &mut mu_bar).is_err());
/// ```
pub fn normal_lpdf_sum_vjp<S: Scalar>(
    y: &[f64],
    mu: &[S],
    sigma: S,
    lp_bar: S,
    mu_bar: &mut [S],
) -> Result<(S, S)> {
    if let (Some(m), Some(b)) = (S::as_f64_slice(mu), S::as_f64_slice_mut(mu_bar)) {
        if y.len() == m.len() && m.len() == b.len() {
            let (lp, sb) = normal_lpdf_slice_vjp(y, m, sigma.value(), lp_bar.value(), b);
            return Ok((S::cst(lp), S::cst(sb)));
        }
    }
    let mut sigma_bar = S::zero();
    let lp = lpdf_sum_vjp(
        &Normal(mu, sigma),
        Data(y),
        lp_bar,
        &mut NoAdjoint,
        &mut Normal(mu_bar, &mut sigma_bar),
    )?;
    Ok((lp, sigma_bar))
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
    fn normal_sums_match_the_per_observation_rule() {
        use crate::ad::Dual;
        use rand::Rng;
        let mut rng = crate::testing::rng_for("normal-sums");
        let mut u = || rng.random::<f64>();
        let eps = f64::EPSILON;
        for _ in 0..200 {
            let sigma = 0.05 + 5.0 * u();
            let n = 1 + (u() * 40.0) as usize;
            let obs: Vec<(f64, f64)> = (0..n).map(|_| (8.0 * u() - 4.0, 8.0 * u() - 4.0)).collect();
            let mut sums = NormalSums::new(sigma);
            let (mut lp, mut dsigma, mut size_lp, mut size_ds) = (0.0, 0.0, 0.0, 0.0);
            for &(y, mu) in &obs {
                let dmu = sums.add(y, mu);
                let (lp_n, dy_n, Normal(dmu_n, dsigma_n)) = Normal(mu, sigma).lpdf_grad(y);
                // z/σ either way: one rounding apart at most.
                assert!(
                    (dmu - dmu_n).abs() <= 2.0 * eps * dmu_n.abs(),
                    "{dmu} {dmu_n}"
                );
                assert_eq!(-dmu_n, dy_n);
                lp += lp_n;
                dsigma += dsigma_n;
                size_lp += lp_n.abs();
                size_ds += dsigma_n.abs() + 1.0 / sigma;
            }
            let (got_lp, got_dsigma) = sums.finish();
            // Both are sums of n terms of the sizes accumulated above, each rounded a few
            // times: n ε per unit of size bounds either sum's rounding error.
            let k = (n + 4) as f64 * eps;
            assert!((got_lp - lp).abs() <= 2.0 * k * size_lp, "{got_lp} {lp}");
            assert!(
                (got_dsigma - dsigma).abs() <= 2.0 * k * size_ds,
                "{got_dsigma} {dsigma}"
            );
            // The tangent of the sum: a Dual σ carries ∂/∂σ.
            let mut dual = NormalSums::new(Dual::new(sigma, 1.0));
            for &(y, mu) in &obs {
                dual.add(Dual::cst(y), Dual::cst(mu));
            }
            let (lp_d, _) = dual.finish();
            assert!((lp_d.d - got_dsigma).abs() <= 2.0 * k * size_ds);
        }
        // None added: nothing.
        assert_eq!(NormalSums::new(2.0).finish(), (0.0, 0.0));
        // An invalid σ: -∞, no partials.
        let mut bad = NormalSums::new(-1.0);
        assert_eq!(bad.add(0.5, 0.0), 0.0);
        assert_eq!(bad.finish(), (f64::NEG_INFINITY, 0.0));
        // A non-finite observation: -∞ and no partials for it; the others keep theirs.
        for (y, mu) in [
            (f64::NAN, 0.0),
            (0.0, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
        ] {
            let mut sums = NormalSums::new(1.0);
            let d1 = sums.add(0.5, 0.0);
            assert_eq!(sums.add(y, mu), 0.0);
            let (lp, dsigma) = sums.finish();
            assert_eq!(lp, f64::NEG_INFINITY);
            assert_eq!((d1, dsigma), (0.5, 0.25 - 1.0));
        }
    }

    #[test]
    fn sum_rule_kernel_matches_the_element_rule_and_the_baseline_build() {
        use crate::ad::Dual;
        let n = 203;
        let y: Vec<f64> = (0..n)
            .map(|i| ((i * 37) % 101) as f64 * 0.05 - 2.5)
            .collect();
        let mu: Vec<f64> = (0..n)
            .map(|i| ((i * 53) % 97) as f64 * 0.04 - 2.0)
            .collect();
        let (mut a, mut b) = (vec![0.5; n], vec![0.5; n]);
        // Public (AVX2 build on an AVX2 machine) against the private baseline build.
        let (lp_a, s_a) = normal_lpdf_slice_vjp(&y, &mu, 0.8, 1.5, &mut a);
        let (lp_b, s_b) = normal_slice(&y, &mu, 0.8, 1.5, &mut b);
        assert_eq!(
            (lp_a.to_bits(), s_a.to_bits()),
            (lp_b.to_bits(), s_b.to_bits())
        );
        assert!(a.iter().zip(&b).all(|(x, z)| x.to_bits() == z.to_bits()));
        // The generic entry: kernel on f64, element rule on duals; both sums of terms
        // of size ≤ max|lpᵢ|, so they agree within n·ε·max|lpᵢ|.
        let mut bar = vec![0.0; n];
        let (lp, sb) = normal_lpdf_sum_vjp(&y, &mu, 0.8, 1.0, &mut bar).unwrap();
        let mu_d: Vec<Dual> = mu.iter().map(|&m| Dual::cst(m)).collect();
        let mut bar_d = vec![Dual::cst(0.0); n];
        let (lp_d, sb_d) =
            normal_lpdf_sum_vjp(&y, &mu_d, Dual::cst(0.8), Dual::cst(1.0), &mut bar_d).unwrap();
        let big = (0..n)
            .map(|i| Normal(mu[i], 0.8).lpdf(y[i]).abs())
            .fold(0.0, f64::max);
        assert!((lp - lp_d.v).abs() <= n as f64 * f64::EPSILON * big);
        // σ̄ = Σ (zᵢ² − 1)/σ, summed in two orders: within n·ε·Σ|(zᵢ² − 1)/σ| (+ 1 ulp per
        // term for the kernel's z).
        let abs_terms: f64 = (0..n)
            .map(|i| (((y[i] - mu[i]) / 0.8).powi(2) - 1.0).abs() / 0.8)
            .sum();
        assert!((sb - sb_d.v).abs() <= (n as f64 + 4.0) * f64::EPSILON * abs_terms);
        for i in 0..n {
            assert!(
                (bar[i] - bar_d[i].v).abs() <= 4.0 * f64::EPSILON * bar[i].abs(),
                "{i}"
            );
        }
    }

    #[test]
    fn values_rule_is_the_checked_element_rule_summed() {
        let checked = |d: Normal<f64, f64>, ys: &[f64], need: Needed| {
            let mut bar = vec![7.0; ys.len()];
            let lp = crate::ad::reduce_sum(0..ys.len(), |i| {
                let (lp, dy, _) = d.lpdf_grad_needed(ys[i], need);
                bar[i] = dy * 0.5;
                lp
            });
            (lp, bar)
        };
        let finite: Vec<f64> = (0..11).map(|i| i as f64 * 0.7 - 3.1).collect();
        let mut with_inf = finite.clone();
        with_inf[4] = f64::INFINITY;
        let mut with_nan = finite.clone();
        with_nan[9] = f64::NAN;
        let needs = [Needed::VALUE, Needed::VALUE | Needed::NO_CONSTANT];
        for d in [Normal(0.3, 1.7), Normal(0.3, -1.0), Normal(f64::NAN, 1.0)] {
            for ys in [&finite, &with_inf, &with_nan] {
                for need in needs {
                    let mut bar = vec![7.0; ys.len()];
                    let lp = d.lpdf_grad_values(ys, 0.5, &mut bar, need);
                    let (want_lp, want_bar) = checked(d, ys, need);
                    // Bit for bit: the same operations in the same order.
                    assert_eq!(lp.to_bits(), want_lp.to_bits(), "{d:?} {need:?}");
                    assert!(bar
                        .iter()
                        .zip(&want_bar)
                        .all(|(a, b)| a.to_bits() == b.to_bits()));
                    if !(d.1 > 0.0) || ys.iter().any(|y| !y.is_finite()) {
                        assert_eq!(lp, f64::NEG_INFINITY);
                    }
                }
            }
        }
        // An invalid element contributes no adjoint; the others theirs.
        let mut bar = vec![7.0; 11];
        Normal(0.3, 1.7).lpdf_grad_values(&with_inf, 1.0, &mut bar, Needed::VALUE);
        assert_eq!(bar[4], 0.0);
        assert_eq!(bar[3], Normal(0.3, 1.7).lpdf_grad(finite[3]).1);
    }

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
    fn slice_rule_matches_the_elementwise_rule() {
        // Odd length (vector body and remainder).
        let n = 29;
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.77).sin() * 3.0).collect();
        let mu: Vec<f64> = (0..n).map(|i| (i as f64 * 0.31).cos()).collect();
        for sigma in [0.3, 1.0, 7.5] {
            let mut mu_bar = vec![0.25; n];
            let (lp, sigma_bar) = normal_lpdf_slice_vjp(&y, &mu, sigma, 2.0, &mut mu_bar);
            let (mut want_lp, mut want_sigma) = (0.0, 0.0);
            for i in 0..n {
                let (l, _, Normal(dmu, dsigma)) = Normal(mu[i], sigma).lpdf_grad(y[i]);
                want_lp += l;
                want_sigma += 2.0 * dsigma;
                assert!((mu_bar[i] - (0.25 + 2.0 * dmu)).abs() <= 1e-14 * dmu.abs().max(1.0));
            }
            assert!((lp - want_lp).abs() <= 1e-13 * want_lp.abs());
            assert!((sigma_bar - want_sigma).abs() <= 1e-13 * want_sigma.abs().max(1.0));
        }
        // Invalid scale, invalid terms.
        let mut mu_bar = [0.0; 3];
        let r = normal_lpdf_slice_vjp(&[0.0; 3], &[0.0; 3], -1.0, 1.0, &mut mu_bar);
        assert_eq!(r, (f64::NEG_INFINITY, 0.0));
        let (lp, sigma_bar) =
            normal_lpdf_slice_vjp(&[0.5, f64::NAN, 1.0], &[0.0; 3], 1.0, 1.0, &mut mu_bar);
        assert_eq!(lp, f64::NEG_INFINITY);
        assert_eq!(mu_bar[1], 0.0);
        assert!((mu_bar[2] - 1.0).abs() < 1e-15);
        assert!((sigma_bar - (0.25 - 1.0 + 1.0 - 1.0)).abs() < 1e-15);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = normal_lpdf(0.5, 0.0, 2.0);
        let (dy, dmu, dsigma) = normal_lpdf_vjp(0.5, 0.0, 2.0, lp, 2.0);
        let (_, gy, Normal(gmu, gsigma)) = Normal(0.0, 2.0).lpdf_grad(0.5);
        assert_eq!((dy, dmu, dsigma), (2.0 * gy, 2.0 * gmu, 2.0 * gsigma));
    }
}
