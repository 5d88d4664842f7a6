//! The Bernoulli and BernoulliLogit distributions: one trial with success probability
//! `theta`, or with success log-odds `alpha`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{lpmf_sum_vjp, validation, DiscreteDistribution, IntArg, Sample};
use crate::error::Result;
use crate::math::dispatch::with_avx2;
use crate::math::{inv_logit, kernels, log1p_exp, ScalarMath};
use rand::Rng;
use std::any::TypeId;

/// Bernoulli distribution with success probability `theta` (Stan's `bernoulli`).
///
/// # Formula
///
/// ```text
/// log P(k | θ) = ln θ          if k = 1        ∂/∂θ =  1/θ
///              = ln(1 - θ)     if k = 0        ∂/∂θ = -1/(1 - θ)
/// ```
///
/// `ln(1 - θ)` is computed as `ln_1p(-θ)`, exact for small `θ`.
///
/// Support: `k ∈ {0, 1}`. Parameter: `theta ∈ [0, 1]` (a probability, not log-odds: see
/// [`BernoulliLogit`]). A `k` outside `{0, 1}` or an invalid `theta` (outside `[0, 1]`,
/// NaN) gives `-∞` with zero partials; so does an outcome of probability zero (`k = 1`
/// with `θ = 0`, `k = 0` with `θ = 1`). At `θ = 0` (`k = 0`) and `θ = 1` (`k = 1`) the
/// partial is the one-sided derivative.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`](crate::Error::InvalidParameter)
/// when `theta` is not in `[0, 1]`.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{bernoulli_lpmf, Bernoulli, DiscreteDistribution};
/// let lp = Bernoulli(0.25).lpmf(1);
/// assert!((lp - 0.25f64.ln()).abs() < 1e-15);
/// let (lp0, Bernoulli(dtheta)) = Bernoulli(0.25).lpmf_grad(0);
/// assert!((lp0 - 0.75f64.ln()).abs() < 1e-15);
/// assert!((dtheta + 1.0 / 0.75).abs() < 1e-15);
/// assert_eq!(bernoulli_lpmf(2, 0.25), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bernoulli<P>(pub P);

crate::discrete_distribution!(Bernoulli, bernoulli_lpmf, bernoulli_lpmf_vjp, [theta: P]);

/// `true` when `k` has positive probability under `Bernoulli(theta)` with valid `theta`.
#[inline]
fn bernoulli_possible(theta: f64, k: i64) -> bool {
    match k {
        1 => theta > 0.0 && theta <= 1.0,
        0 => (0.0..1.0).contains(&theta),
        _ => false,
    }
}

impl<S: Scalar> DiscreteDistribution<S> for Bernoulli<S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let theta = self.0;
        if !bernoulli_possible(theta.value(), k) {
            return neg_inf();
        }
        if k == 1 {
            theta.ln()
        } else {
            (-theta).ln_1p()
        }
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let theta = self.0;
        if !bernoulli_possible(theta.value(), k) {
            return (neg_inf(), Bernoulli(S::zero()));
        }
        if k == 1 {
            (theta.ln(), Bernoulli(theta.recip()))
        } else {
            ((-theta).ln_1p(), Bernoulli(-(-theta + 1.0).recip()))
        }
    }
}

impl Sample for Bernoulli<f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        validation::probability("Bernoulli", "theta", self.0)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        // `u ∈ [0, 1)`: `θ = 0` never succeeds and `θ = 1` always does.
        let u: f64 = rng.random();
        Ok(i64::from(u < self.0))
    }
}

/// Bernoulli distribution with success log-odds `alpha` (Stan's `bernoulli_logit`):
/// `Bernoulli(inv_logit(alpha))`, computed without forming the probability.
///
/// # Formula
///
/// ```text
/// log P(k | α) = k α - ln(1 + eᵅ)
///              = -log1p_exp(-α)    if k = 1        ∂/∂α = 1 - inv_logit(α) = inv_logit(-α)
///              = -log1p_exp(α)     if k = 0        ∂/∂α = -inv_logit(α)
/// ```
///
/// Each branch is stable for any finite `α` (no `1 - inv_logit` cancellation, no
/// overflow of `eᵅ`).
///
/// Support: `k ∈ {0, 1}`. Parameter: `alpha` finite (log-odds). A `k` outside `{0, 1}`
/// or a non-finite `alpha` gives `-∞` with zero partials.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`](crate::Error::InvalidParameter)
/// when `alpha` is not finite.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{bernoulli_logit_lpmf, BernoulliLogit, DiscreteDistribution};
/// // log-odds 0 is probability ½.
/// assert!((BernoulliLogit(0.0).lpmf(1) + std::f64::consts::LN_2).abs() < 1e-15);
/// // Far in the tail the log probability is still exact: ln(1 - inv_logit(800)) = -800.
/// assert_eq!(bernoulli_logit_lpmf(0, 800.0), -800.0);
/// let (_, BernoulliLogit(dalpha)) = BernoulliLogit(0.0).lpmf_grad(1);
/// assert!((dalpha - 0.5).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BernoulliLogit<A>(pub A);

crate::discrete_distribution!(
    BernoulliLogit,
    bernoulli_logit_lpmf,
    bernoulli_logit_lpmf_vjp,
    [alpha: A]
);

impl<S: Scalar> DiscreteDistribution<S> for BernoulliLogit<S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let alpha = self.0;
        if TypeId::of::<S>() == TypeId::of::<f64>() {
            // On plain values: one exponential for both tails (S::cst is the identity).
            return S::cst(bernoulli_logit_scalar(k, alpha.value()).0);
        }
        match k {
            _ if !alpha.is_finite() => neg_inf(),
            1 => -log1p_exp(-alpha),
            0 => -log1p_exp(alpha),
            _ => neg_inf(),
        }
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let alpha = self.0;
        if TypeId::of::<S>() == TypeId::of::<f64>() {
            let (lp, d) = bernoulli_logit_scalar(k, alpha.value());
            return (S::cst(lp), BernoulliLogit(S::cst(d)));
        }
        match k {
            _ if !alpha.is_finite() => (neg_inf(), BernoulliLogit(S::zero())),
            1 => (-log1p_exp(-alpha), BernoulliLogit(inv_logit(-alpha))),
            0 => (-log1p_exp(alpha), BernoulliLogit(-inv_logit(alpha))),
            _ => (neg_inf(), BernoulliLogit(S::zero())),
        }
    }
}

/// [`bernoulli_logit_term`] for scalar (non-vectorised) code: the same formulas with
/// libm's `exp` and `log1p` behind branches, one exponential shared by the value and the
/// partial (the previous rule took two). In a loop that does not vectorise, glibc's
/// table-driven functions beat the polynomial kernels (`cargo bench --bench kernels`).
#[inline(always)]
fn bernoulli_logit_scalar(k: i64, alpha: f64) -> (f64, f64) {
    if !(alpha.is_finite() && (k == 0 || k == 1)) {
        return (f64::NEG_INFINITY, 0.0);
    }
    let one = k == 1;
    let x = if one { -alpha } else { alpha };
    let t = (-x.abs()).exp();
    let sp = if x > 0.0 { x + t.ln_1p() } else { t.ln_1p() };
    let il = if x >= 0.0 { 1.0 } else { t } / (1.0 + t);
    (-sp, if one { il } else { -il })
}

/// One `bernoulli_logit` term and its partial on plain values, branch-free:
/// `(log P(k | α), ∂/∂α)` = `(-log1p_exp(-α), inv_logit(-α))` for `k = 1`,
/// `(-log1p_exp(α), -inv_logit(α))` for `k = 0`, from one `e^-|α|` (the fused kernel
/// [`kernels::log1p_exp_and_inv_logit`]); `(-∞, 0)` for any other `k` or a non-finite `α`.
///
/// Inlined and free of branches, so a loop over observations vectorises (see
/// [`bernoulli_logit_lpmf_slice_vjp`]); in a loop that cannot vectorise, the scalar rule
/// (`BernoulliLogit(α).lpmf_grad(k)`, libm based) is faster.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::bernoulli_logit_term;
/// let (lp, d) = bernoulli_logit_term(1, 0.0);
/// assert_eq!((lp, d), (-std::f64::consts::LN_2, 0.5));
/// assert_eq!(bernoulli_logit_term(2, 0.0), (f64::NEG_INFINITY, 0.0));
/// ```
#[inline(always)]
pub fn bernoulli_logit_term(k: i64, alpha: f64) -> (f64, f64) {
    let one = k == 1;
    // x = -α for k = 1, α for k = 0: log P = -log1p_exp(x), ∂/∂α = ∓inv_logit(x).
    let x = if one { -alpha } else { alpha };
    let (sp, il) = kernels::log1p_exp_and_inv_logit(x);
    let valid = (one || k == 0) && alpha.abs() < f64::INFINITY;
    let lp = if valid { -sp } else { f64::NEG_INFINITY };
    let d = if valid {
        if one {
            il
        } else {
            -il
        }
    } else {
        0.0
    };
    (lp, d)
}

/// Lanes of the independent accumulators of the slice rules (a multiple of the vector
/// width of SSE2 and AVX2).
const LANES: usize = 8;

with_avx2! {
/// `Σᵢ log P(kᵢ | αᵢ)` of [`BernoulliLogit`] over slices, accumulating
/// `lp_bar · ∂/∂αᵢ` into `alpha_bar` — the vectorised reverse rule of a
/// `bernoulli_logit` likelihood (logistic regression), for generated code that has the
/// linear predictors in a slice.
///
/// Works over the common length of `k`, `alpha` and `alpha_bar` (they should be equal:
/// checked in debug builds). The loop runs [`bernoulli_logit_term`] over chunks of 8 with
/// independent accumulators, so it vectorises: SSE2, or AVX2 when the CPU has it (detected
/// at run time, same results bit for bit).
/// An invalid term (`k ∉ {0, 1}`, non-finite `α`) makes the sum `-∞` and adds nothing to
/// its adjoint.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{bernoulli_logit_lpmf_slice_vjp, BernoulliLogit, DiscreteDistribution};
/// let (k, alpha) = ([1, 0, 1], [0.3, -1.2, 2.0]);
/// let mut alpha_bar = [0.0; 3];
/// let lp = bernoulli_logit_lpmf_slice_vjp(&k, &alpha, 1.0, &mut alpha_bar);
/// let want: f64 = (0..3).map(|i| BernoulliLogit(alpha[i]).lpmf(k[i])).sum();
/// assert!((lp - want).abs() < 1e-15);
/// assert_eq!(alpha_bar[1], BernoulliLogit(-1.2).lpmf_grad(0).1 .0);
/// ```
pub fn bernoulli_logit_lpmf_slice_vjp(k: &[i64], alpha: &[f64], lp_bar: f64, alpha_bar: &mut [f64]) -> f64
    = bernoulli_logit_slice;
}

#[inline(always)]
fn bernoulli_logit_slice(k: &[i64], alpha: &[f64], lp_bar: f64, alpha_bar: &mut [f64]) -> f64 {
    debug_assert!(k.len() == alpha.len() && alpha.len() == alpha_bar.len());
    let n = k.len().min(alpha.len()).min(alpha_bar.len());
    let (k, alpha, alpha_bar) = (&k[..n], &alpha[..n], &mut alpha_bar[..n]);
    let mut acc = [0.0; LANES];
    let mut kc = k.chunks_exact(LANES);
    let mut ac = alpha.chunks_exact(LANES);
    let mut bc = alpha_bar.chunks_exact_mut(LANES);
    for ((kk, aa), bb) in (&mut kc).zip(&mut ac).zip(&mut bc) {
        for j in 0..LANES {
            let (lp, d) = bernoulli_logit_term(kk[j], aa[j]);
            acc[j] += lp;
            bb[j] += lp_bar * d;
        }
    }
    let mut total = 0.0;
    for ((&ki, &ai), bi) in kc
        .remainder()
        .iter()
        .zip(ac.remainder())
        .zip(bc.into_remainder())
    {
        let (lp, d) = bernoulli_logit_term(ki, ai);
        total += lp;
        *bi += lp_bar * d;
    }
    acc.iter().sum::<f64>() + total
}

/// `Σᵢ log P(kᵢ | αᵢ)` of [`BernoulliLogit`] over slices, accumulating
/// `lp_bar · ∂/∂αᵢ` into `alpha_bar`, for any scalar type: the vectorised reverse rule the
/// generated code of a vectorised `observe(.., BernoulliLogit(eta), k)` calls. On plain
/// `f64` with `i64` outcomes it runs [`bernoulli_logit_lpmf_slice_vjp`]; otherwise (dual
/// numbers for Hessian-vector products, other integer types) each element's
/// [`DiscreteDistribution::lpmf_grad`].
///
/// # Errors
///
/// [`Error::DimensionMismatch`](crate::Error::DimensionMismatch) when the lengths of `k` and
/// `alpha` differ (a scalar `k` broadcasts).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{bernoulli_logit_lpmf_sum_vjp, BernoulliLogit, DiscreteDistribution};
/// let (k, alpha) = ([1i64, 0], [0.3, -1.2]);
/// let mut alpha_bar = [0.0; 2];
/// let lp = bernoulli_logit_lpmf_sum_vjp(&k[..], &alpha, 1.0, &mut alpha_bar).unwrap();
/// assert!((lp - BernoulliLogit(0.3).lpmf(1) - BernoulliLogit(-1.2).lpmf(0)).abs() < 1e-15);
/// assert!(bernoulli_logit_lpmf_sum_vjp(&k[..1], &alpha, 1.0, &mut alpha_bar).is_err());
/// ```
pub fn bernoulli_logit_lpmf_sum_vjp<S: Scalar, K: IntArg>(
    k: K,
    alpha: &[S],
    lp_bar: S,
    alpha_bar: &mut [S],
) -> Result<S> {
    if let (Some(ks), Some(a), Some(b)) = (
        k.as_i64_slice(),
        S::as_f64_slice(alpha),
        S::as_f64_slice_mut(alpha_bar),
    ) {
        if ks.len() == a.len() && a.len() == b.len() {
            return Ok(S::cst(bernoulli_logit_lpmf_slice_vjp(
                ks,
                a,
                lp_bar.value(),
                b,
            )));
        }
    }
    lpmf_sum_vjp(
        &BernoulliLogit(alpha),
        k,
        lp_bar,
        &mut BernoulliLogit(alpha_bar),
    )
}

impl Sample for BernoulliLogit<f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        validation::finite("BernoulliLogit", "alpha", self.0)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        Bernoulli(inv_logit(self.0)).sample(rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    #[test]
    fn bernoulli_gradients_match_finite_differences() {
        type Family = Bernoulli<()>;
        check_discrete_gradients::<Family>(&[0, 1], &[Domain::Interval(0.0, 1.0)]);
        // Near the edges, where one branch is steep.
        check_discrete_gradients::<Family>(&[0, 1], &[Domain::LogUniform(1e-12, 1e-3)]);
        check_discrete_gradients::<Family>(&[0, 1], &[Domain::Interval(0.999, 1.0)]);
    }

    #[test]
    fn bernoulli_logit_gradients_match_finite_differences() {
        type Family = BernoulliLogit<()>;
        check_discrete_gradients::<Family>(&[0, 1], &[Domain::Interval(-8.0, 8.0)]);
        check_discrete_gradients::<Family>(&[0, 1], &[Domain::Interval(-700.0, 700.0)]);
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params_discrete::<Bernoulli<()>>(
            1,
            &[&[-0.1], &[1.5], &[f64::NAN], &[f64::INFINITY], &[0.0]],
        );
        check_invalid_params_discrete::<Bernoulli<()>>(0, &[&[-1e-300], &[1.0]]);
        for k in [-1, 2, i64::MAX, i64::MIN] {
            check_invalid_params_discrete::<Bernoulli<()>>(k, &[&[0.5]]);
            check_invalid_params_discrete::<BernoulliLogit<()>>(k, &[&[0.5]]);
        }
        check_invalid_params_discrete::<BernoulliLogit<()>>(
            1,
            &[&[f64::NAN], &[f64::INFINITY], &[f64::NEG_INFINITY]],
        );
        // Dual: -∞ with zero tangent at a zero-probability outcome.
        let lp = Bernoulli(Dual::new(0.0, 1.0)).lpmf(1);
        assert_eq!((lp.v, lp.d), (f64::NEG_INFINITY, 0.0));
        let mut rng = crate::testing::rng_for("bernoulli-invalid");
        let err = Bernoulli(1.5).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Bernoulli: parameter `theta` = 1.5 but it must be in [0, 1]"
        );
        assert!(BernoulliLogit(f64::NAN).sample(&mut rng).is_err());
    }

    #[test]
    fn edges_are_exact() {
        assert_eq!(Bernoulli(0.0).lpmf(0), 0.0);
        assert_eq!(Bernoulli(1.0).lpmf(1), 0.0);
        assert_eq!(Bernoulli(0.0).lpmf_grad(0), (0.0, Bernoulli(-1.0)));
        assert_eq!(Bernoulli(1.0).lpmf_grad(1), (0.0, Bernoulli(1.0)));
        assert_eq!(BernoulliLogit(-800.0).lpmf(1), -800.0);
        assert_eq!(BernoulliLogit(800.0).lpmf(1), 0.0);
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("bernoulli", |p, k| Bernoulli(p[0]).lpmf(k as i64));
        check_reference_table("bernoulli_logit", |p, k| {
            BernoulliLogit(p[0]).lpmf(k as i64)
        });
    }

    #[test]
    fn sampler_moments() {
        for theta in [0.3, 0.999, 0.0, 1.0] {
            let d = Bernoulli(theta);
            let name = format!("Bernoulli({theta})");
            check_moments(
                &name,
                |rng| d.sample(rng).unwrap() as f64,
                theta,
                theta * (1.0 - theta),
            );
        }
        let d = BernoulliLogit(-1.2);
        let p = 1.0 / (1.0 + 1.2f64.exp());
        check_moments(
            "BernoulliLogit",
            |rng| d.sample(rng).unwrap() as f64,
            p,
            p * (1.0 - p),
        );
    }

    #[test]
    fn slice_rule_matches_the_elementwise_rule() {
        // Odd length (vector body and remainder), both outcomes, tails, invalid terms.
        let n = 37;
        let alpha: Vec<f64> = (0..n).map(|i| (i as f64 - 18.0) * 2.7).collect();
        let k: Vec<i64> = (0..n).map(|i| (i % 3 == 0) as i64).collect();
        let mut bar = vec![0.5; n];
        let lp = bernoulli_logit_lpmf_slice_vjp(&k, &alpha, 2.0, &mut bar);
        let mut want = 0.0;
        for i in 0..n {
            let (l, BernoulliLogit(d)) = BernoulliLogit(alpha[i]).lpmf_grad(k[i]);
            // The generic (Dual) path is the independent reference of the f64 kernel path.
            let dual = BernoulliLogit(Dual::new(alpha[i], 1.0)).lpmf(k[i]);
            assert!((l - dual.v).abs() <= 1e-15 * dual.v.abs().max(1.0), "{i}");
            assert!(
                (d - dual.d).abs() <= 1e-15 * dual.d.abs().max(1e-300),
                "{i}"
            );
            want += l;
            assert_eq!(bar[i], 0.5 + 2.0 * d, "{i}");
        }
        assert!((lp - want).abs() <= 1e-13 * want.abs());
        let mut bar = [0.0; 2];
        let lp = bernoulli_logit_lpmf_slice_vjp(&[1, 2], &[0.5, 0.5], 1.0, &mut bar);
        assert_eq!(lp, f64::NEG_INFINITY);
        assert_eq!(bar[1], 0.0);
        let lp = bernoulli_logit_lpmf_slice_vjp(&[1], &[f64::NAN], 1.0, &mut bar[..1]);
        assert_eq!(lp, f64::NEG_INFINITY);
    }

    #[test]
    fn dispatched_kernel_is_bit_identical_to_the_baseline_build() {
        // On an AVX2 machine the public function runs the AVX2 build; the private body
        // here is the baseline (SSE2) build. Same lanes, same summation order.
        let n = 1003;
        let alpha: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f64 * 0.06 - 30.0)
            .collect();
        let k: Vec<i64> = (0..n).map(|i| ((i * 31) % 7 < 3) as i64).collect();
        let (mut a, mut b) = (vec![0.25; n], vec![0.25; n]);
        let lp_a = bernoulli_logit_lpmf_slice_vjp(&k, &alpha, 1.5, &mut a);
        let lp_b = bernoulli_logit_slice(&k, &alpha, 1.5, &mut b);
        assert_eq!(lp_a.to_bits(), lp_b.to_bits());
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn generic_sum_rule_takes_the_kernel_on_f64_and_the_element_rule_on_duals() {
        let n = 21;
        let alpha: Vec<f64> = (0..n).map(|i| (i as f64 - 10.0) * 1.3).collect();
        let k: Vec<i64> = (0..n).map(|i| (i % 2) as i64).collect();
        let mut bar = vec![0.0; n];
        let lp = bernoulli_logit_lpmf_sum_vjp(&k[..], &alpha, 2.0, &mut bar).unwrap();
        let alpha_d: Vec<Dual> = alpha.iter().map(|&a| Dual::new(a, 0.0)).collect();
        let mut bar_d = vec![Dual::cst(0.0); n];
        let lp_d =
            bernoulli_logit_lpmf_sum_vjp(&k[..], &alpha_d, Dual::cst(2.0), &mut bar_d).unwrap();
        // Kernel terms are within 2 ulp of the libm-based element rule: |Δ| ≤ 4ε Σ|lpᵢ|.
        let scale: f64 = (0..n)
            .map(|i| BernoulliLogit(alpha[i]).lpmf(k[i]).abs())
            .sum();
        assert!((lp - lp_d.v).abs() <= 4.0 * f64::EPSILON * scale);
        for i in 0..n {
            assert!(
                (bar[i] - bar_d[i].v).abs() <= 8.0 * f64::EPSILON * bar[i].abs(),
                "{i}"
            );
        }
        // Mismatched lengths are an error naming the argument, not a panic.
        let e = bernoulli_logit_lpmf_sum_vjp(&k[..3], &alpha, 1.0, &mut bar).unwrap_err();
        assert!(e.to_string().contains("BernoulliLogit"), "{e}");
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = bernoulli_lpmf(0, 0.3);
        let (dtheta,) = bernoulli_lpmf_vjp(0, 0.3, lp, 2.0);
        let (_, Bernoulli(g)) = Bernoulli(0.3).lpmf_grad(0);
        assert_eq!(lp, Bernoulli(0.3).lpmf(0));
        assert_eq!(dtheta, 2.0 * g);

        let lp = bernoulli_logit_lpmf(1, -0.7);
        let (dalpha,) = bernoulli_logit_lpmf_vjp(1, -0.7, lp, 3.0);
        let (_, BernoulliLogit(g)) = BernoulliLogit(-0.7).lpmf_grad(1);
        assert_eq!(lp, BernoulliLogit(-0.7).lpmf(1));
        assert_eq!(dalpha, 3.0 * g);
        // The logit form agrees with the probability form.
        let theta = inv_logit(-0.7);
        assert!((lp - Bernoulli(theta).lpmf(1)).abs() < 1e-15);
    }
}
