//! The Categorical and CategoricalLogit distributions over `K` categories, numbered
//! **from 0** (`k ∈ {0, ..., K-1}`, a Rust index — Stan numbers them from 1).
//!
//! Their parameter is a vector (a simplex `theta`, or unnormalised log-probabilities
//! `beta`), borrowed as a slice: `Categorical(&theta)`, `CategoricalLogit(&beta)`. They
//! do not implement [`DiscreteDistribution`](crate::distributions::DiscreteDistribution)
//! (whose partials are a fixed list of scalars); instead each has inherent methods
//!
//! ```text
//! lpmf(k) -> lp                                   log P(k)
//! lpmf_vjp(k, lp_bar, bar: &mut [S]) -> lp        bar[i] += lp_bar · ∂ log P(k)/∂param[i]
//! lpmf_sum(ks) / lpmf_sum_vjp(ks, lp_bar, bar)    Σⱼ log P(kⱼ): the parameter checked once
//! ```
//!
//! and Stan-named functions in the slice rule convention of [`crate::ad::rules`]:
//! `categorical_lpmf(k, theta)`, `categorical_lpmf_vjp(k, theta, lp, lp_bar, theta_bar)`,
//! and the same for `categorical_logit`. Adjoint slices are accumulated into (`+=`) over
//! the common length of the parameter and the adjoint (they should be equal: checked in
//! debug builds); nothing allocates.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{IntArg, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use rand::Rng;

/// How far `Σ θᵢ` may be from 1 (Stan's simplex tolerance).
pub const SIMPLEX_TOLERANCE: f64 = 1e-8;

/// Categorical distribution over `{0, ..., K-1}` with probabilities `theta` (Stan's
/// `categorical`, but **0-based**: category `k` has probability `theta[k]`).
///
/// # Formula
///
/// ```text
/// log P(k | θ) = ln θₖ                ∂/∂θᵢ = 1/θₖ if i = k, else 0
/// ```
///
/// Support: `k ∈ {0, ..., K-1}`. Parameter: `theta` a simplex of length `K ≥ 1`: every
/// `θᵢ ∈ [0, 1]` and `|Σ θᵢ - 1| ≤` [`SIMPLEX_TOLERANCE`]. The partials are those of
/// `ln θₖ` with `θ` unconstrained (the simplex constraint is the caller's
/// parameterisation, e.g. a softmax or stick-breaking transform). An invalid `theta`, a
/// `k` outside `0..K`, or `θₖ = 0` give `-∞` with zero partials (nothing is accumulated).
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when `theta` is not a
/// simplex (naming the first offending element, or the sum).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{categorical_lpmf, Categorical};
/// let theta = [0.2, 0.5, 0.3];
/// assert!((Categorical(&theta).lpmf(1) - 0.5f64.ln()).abs() < 1e-15);
/// let mut theta_bar = [0.0; 3];
/// let lp = Categorical(&theta).lpmf_vjp(2, 1.0, &mut theta_bar);
/// assert_eq!(theta_bar, [0.0, 0.0, 1.0 / 0.3]);
/// assert_eq!(lp, categorical_lpmf(2, &theta[..]));
/// // Categories are 0-based: 3 is out of range for K = 3.
/// assert_eq!(categorical_lpmf(3, &theta[..]), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Categorical<'a, S>(pub &'a [S]);

/// `k` as an index into a parameter vector of length `len`, if in range.
#[inline]
fn index(k: i64, len: usize) -> Option<usize> {
    usize::try_from(k).ok().filter(|&i| i < len)
}

/// The first violation of the simplex constraint, as `(parameter value, requirement)`.
fn simplex_violation<S: Scalar>(theta: &[S]) -> Option<(f64, &'static str)> {
    if theta.is_empty() {
        return Some((0.0, "a simplex: non-empty"));
    }
    let mut sum = 0.0;
    for t in theta {
        let v = t.value();
        if !(0.0..=1.0).contains(&v) {
            return Some((v, "a simplex: every element in [0, 1]"));
        }
        sum += v;
    }
    if (sum - 1.0).abs() > SIMPLEX_TOLERANCE {
        return Some((sum, "a simplex: elements summing to 1 (±1e-8)"));
    }
    None
}

impl<S: Scalar> Categorical<'_, S> {
    /// `θₖ` if the parameter is a simplex, `k` in range and `θₖ > 0`.
    #[inline]
    fn probability(&self, k: i64) -> Option<(usize, S)> {
        let i = index(k, self.0.len())?;
        if simplex_violation(self.0).is_some() || self.0[i].value() <= 0.0 {
            return None;
        }
        Some((i, self.0[i]))
    }

    /// `log P(k | θ) = ln θₖ`.
    #[inline]
    pub fn lpmf(&self, k: i64) -> S {
        self.probability(k).map_or_else(neg_inf, |(_, t)| t.ln())
    }

    /// `log P(k | θ)`, adding `lp_bar / θₖ` to `theta_bar[k]`.
    #[inline]
    pub fn lpmf_vjp(&self, k: i64, lp_bar: S, theta_bar: &mut [S]) -> S {
        debug_assert_eq!(theta_bar.len(), self.0.len(), "Categorical: adjoint length");
        match self.probability(k) {
            Some((i, t)) => {
                if let Some(b) = theta_bar.get_mut(i) {
                    *b += lp_bar / t;
                }
                t.ln()
            }
            None => neg_inf(),
        }
    }

    /// `Σⱼ log P(kⱼ | θ)` over a count or a slice of categories (the simplex is checked
    /// once); `-∞` if any `kⱼ` is impossible.
    pub fn lpmf_sum<K: IntArg>(&self, ks: K) -> S {
        self.lpmf_sum_vjp(ks, S::zero(), &mut [])
    }

    /// [`lpmf_sum`](Self::lpmf_sum), adding `lp_bar · Σⱼ ∂ log P(kⱼ)/∂θ` to `theta_bar`
    /// (nothing if the sum is `-∞`; pass an empty `theta_bar` for the value only).
    pub fn lpmf_sum_vjp<K: IntArg>(&self, ks: K, lp_bar: S, theta_bar: &mut [S]) -> S {
        debug_assert!(
            theta_bar.is_empty() || theta_bar.len() == self.0.len(),
            "Categorical: adjoint length"
        );
        if simplex_violation(self.0).is_some() {
            return neg_inf();
        }
        let n = ks.arg_len().unwrap_or(1);
        let mut total = S::zero();
        for j in 0..n {
            match index(ks.at(j), self.0.len()).filter(|&i| self.0[i].value() > 0.0) {
                Some(i) => total += self.0[i].ln(),
                None => return neg_inf(),
            }
        }
        for j in 0..n {
            if let Some(i) = index(ks.at(j), self.0.len()) {
                if let Some(b) = theta_bar.get_mut(i) {
                    *b += lp_bar / self.0[i];
                }
            }
        }
        total
    }
}

/// `log P(k | θ)` of [`Categorical`] (Stan's `categorical_lpmf`, 0-based `k`).
#[inline]
pub fn categorical_lpmf<S: Scalar>(k: i64, theta: &[S]) -> S {
    Categorical(theta).lpmf(k)
}

/// Reverse rule of [`categorical_lpmf`]: `theta_bar[k] += lp_bar / θₖ`.
#[inline]
pub fn categorical_lpmf_vjp<S: Scalar>(
    k: i64,
    theta: &[S],
    _lp: S,
    lp_bar: S,
    theta_bar: &mut [S],
) {
    Categorical(theta).lpmf_vjp(k, lp_bar, theta_bar);
}

impl Sample for Categorical<'_, f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        match simplex_violation(self.0) {
            None => Ok(()),
            Some((value, requirement)) => Err(Error::InvalidParameter {
                distribution: "Categorical",
                parameter: "theta",
                value,
                requirement,
            }),
        }
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        let total: f64 = self.0.iter().sum();
        Ok(draw_index(rng, total, self.0.iter().copied()))
    }
}

/// Inverse-CDF draw from non-negative `weights` summing to `total > 0`: the first index
/// whose cumulative weight exceeds `u · total` (rounding at the top end falls back to the
/// last index of positive weight).
fn draw_index<R: Rng + ?Sized>(rng: &mut R, total: f64, weights: impl Iterator<Item = f64>) -> i64 {
    let u: f64 = rng.random::<f64>() * total;
    let mut cumulative = 0.0;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if w > 0.0 {
            cumulative += w;
            last = i;
            if u < cumulative {
                return i as i64;
            }
        }
    }
    last as i64
}

/// Categorical distribution over `{0, ..., K-1}` with log-probabilities `beta` up to a
/// constant (Stan's `categorical_logit`, but **0-based**): `Categorical(softmax(beta))`.
///
/// # Formula
///
/// ```text
/// log P(k | β) = βₖ - ln Σᵢ e^βᵢ               ∂/∂βᵢ = [i = k] - softmax(β)ᵢ
/// ```
///
/// Evaluated as `(βₖ - βⱼ) - ln(1 + Σᵢ≠ⱼ e^(βᵢ-βⱼ))` with `βⱼ` the largest element:
/// stable for any finite `β`, and relatively accurate even for the dominant category
/// (where the log mass is near 0). Nothing is allocated (no softmax vector is formed).
///
/// Support: `k ∈ {0, ..., K-1}`. Parameter: `beta` of length `K ≥ 1`, every element
/// finite. A non-finite element, an empty `beta` or a `k` outside `0..K` give `-∞` with
/// zero partials (nothing is accumulated).
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when `beta` is empty or has a
/// non-finite element.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{categorical_logit_lpmf, CategoricalLogit};
/// let beta = [0.0, 2f64.ln()];                  // softmax = [1/3, 2/3]
/// assert!((CategoricalLogit(&beta).lpmf(1) - (2.0f64 / 3.0).ln()).abs() < 1e-15);
/// let mut beta_bar = [0.0; 2];
/// CategoricalLogit(&beta).lpmf_vjp(1, 1.0, &mut beta_bar);
/// assert!((beta_bar[0] + 1.0 / 3.0).abs() < 1e-15 && (beta_bar[1] - 1.0 / 3.0).abs() < 1e-15);
/// // Shift invariance, even far beyond exp's range.
/// let far = [1000.0, 1000.0 + 2f64.ln()];
/// assert!((categorical_logit_lpmf(1, &far[..]) - (2.0f64 / 3.0).ln()).abs() < 1e-13);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CategoricalLogit<'a, S>(pub &'a [S]);

impl<S: Scalar> CategoricalLogit<'_, S> {
    /// `true` when `beta` is non-empty and finite.
    #[inline]
    fn valid(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(|b| b.is_finite())
    }

    /// `(j, s)` with `j` the (first) index of the largest `βⱼ` and
    /// `s = Σᵢ≠ⱼ e^(βᵢ-βⱼ)`, so that `log_sum_exp(β) = βⱼ + ln(1 + s)` and
    /// `log softmax(β)ₖ = (βₖ - βⱼ) - ln(1 + s)`: both terms `≤ 0`, so the log mass of the
    /// dominant category (near 0) keeps its relative accuracy, unlike `βₖ - log_sum_exp(β)`.
    #[inline]
    fn normaliser(&self) -> (usize, S) {
        let mut j = 0;
        for (i, b) in self.0.iter().enumerate() {
            if b.value() > self.0[j].value() {
                j = i;
            }
        }
        let top = self.0[j];
        let mut s = S::zero();
        for (i, &b) in self.0.iter().enumerate() {
            if i != j {
                s += (b - top).exp();
            }
        }
        (j, s)
    }

    /// `log P(k | β) = βₖ - log_sum_exp(β)`.
    #[inline]
    pub fn lpmf(&self, k: i64) -> S {
        match index(k, self.0.len()) {
            Some(i) if self.valid() => {
                let (j, s) = self.normaliser();
                (self.0[i] - self.0[j]) - s.ln_1p()
            }
            _ => neg_inf(),
        }
    }

    /// `log P(k | β)`, adding `lp_bar · ([i = k] - softmax(β)ᵢ)` to `beta_bar[i]`.
    #[inline]
    pub fn lpmf_vjp(&self, k: i64, lp_bar: S, beta_bar: &mut [S]) -> S {
        self.lpmf_sum_vjp(k, lp_bar, beta_bar)
    }

    /// `Σⱼ log P(kⱼ | β)` over a count or a slice of categories (the normaliser is
    /// computed once); `-∞` if any `kⱼ` is out of range.
    pub fn lpmf_sum<K: IntArg>(&self, ks: K) -> S {
        self.lpmf_sum_vjp(ks, S::zero(), &mut [])
    }

    /// [`lpmf_sum`](Self::lpmf_sum), adding `lp_bar · (cᵢ - N softmax(β)ᵢ)` to `beta_bar[i]`
    /// (`cᵢ` the number of `kⱼ` equal to `i`, `N` the number of terms; nothing if the sum
    /// is `-∞`; pass an empty `beta_bar` for the value only). At the largest `βⱼ` the
    /// partial is evaluated as `(cⱼ - N) + N s/(1 + s)` (`1 - softmaxⱼ = s/(1+s)` without
    /// cancellation).
    pub fn lpmf_sum_vjp<K: IntArg>(&self, ks: K, lp_bar: S, beta_bar: &mut [S]) -> S {
        debug_assert!(
            beta_bar.is_empty() || beta_bar.len() == self.0.len(),
            "CategoricalLogit: adjoint length"
        );
        if !self.valid() {
            return neg_inf();
        }
        let n = ks.arg_len().unwrap_or(1);
        let (top, s) = self.normaliser();
        let mut total = S::zero();
        for j in 0..n {
            match index(ks.at(j), self.0.len()) {
                Some(i) => total += self.0[i] - self.0[top],
                None => return neg_inf(),
            }
        }
        let ln1p_s = s.ln_1p();
        let nf = n as f64;
        if !beta_bar.is_empty() {
            let mut at_top = 0usize;
            for j in 0..n {
                match index(ks.at(j), self.0.len()) {
                    Some(i) if i == top => at_top += 1,
                    Some(i) => {
                        if let Some(b) = beta_bar.get_mut(i) {
                            *b += lp_bar;
                        }
                    }
                    None => {}
                }
            }
            let shift = self.0[top] + ln1p_s;
            for (i, (b, &beta)) in beta_bar.iter_mut().zip(self.0).enumerate() {
                if i == top {
                    *b += lp_bar * ((s / (s + 1.0)) * nf + (at_top as f64 - nf));
                } else {
                    *b -= lp_bar * (beta - shift).exp() * nf;
                }
            }
        }
        total - ln1p_s * nf
    }
}

/// `log P(k | β)` of [`CategoricalLogit`] (Stan's `categorical_logit_lpmf`, 0-based `k`).
#[inline]
pub fn categorical_logit_lpmf<S: Scalar>(k: i64, beta: &[S]) -> S {
    CategoricalLogit(beta).lpmf(k)
}

/// Reverse rule of [`categorical_logit_lpmf`]: `beta_bar[i] += lp_bar · ([i = k] - softmax(β)ᵢ)`.
#[inline]
pub fn categorical_logit_lpmf_vjp<S: Scalar>(
    k: i64,
    beta: &[S],
    _lp: S,
    lp_bar: S,
    beta_bar: &mut [S],
) {
    CategoricalLogit(beta).lpmf_vjp(k, lp_bar, beta_bar);
}

impl Sample for CategoricalLogit<'_, f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        if self.0.is_empty() {
            return Err(Error::InvalidParameter {
                distribution: "CategoricalLogit",
                parameter: "beta",
                value: 0.0,
                requirement: "non-empty",
            });
        }
        match self.0.iter().find(|b| !b.is_finite()) {
            None => Ok(()),
            Some(&value) => Err(Error::InvalidParameter {
                distribution: "CategoricalLogit",
                parameter: "beta",
                value,
                requirement: "finite in every element",
            }),
        }
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        let max = self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = self.0.iter().map(|b| (b - max).exp()).sum();
        Ok(draw_index(
            rng,
            total,
            self.0.iter().map(|b| (b - max).exp()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::math::log_sum_exp_slice;
    use crate::testing::distribution_checks::*;
    use crate::testing::{check_function, Domain, GradientFunction};
    use rand::rngs::StdRng;

    /// `x ↦ log P(k | softmax(x))` through `Categorical`, chaining `theta_bar` through
    /// the softmax by hand: checks `lpmf_vjp` where the simplex stays exact.
    struct SoftmaxCategorical {
        k: i64,
        dim: usize,
        domain: Domain,
    }

    fn softmax_of<S: Scalar>(x: &[S]) -> Vec<S> {
        let lse = log_sum_exp_slice(x);
        x.iter().map(|&xi| (xi - lse).exp()).collect()
    }

    impl GradientFunction for SoftmaxCategorical {
        fn name(&self) -> String {
            format!("Categorical(softmax(x)), K = {}, k = {}", self.dim, self.k)
        }
        fn dim(&self) -> usize {
            self.dim
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            (0..self.dim).map(|_| self.domain.sample(rng)).collect()
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            self.domain.max_step(x[i])
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            Categorical(&softmax_of(x)).lpmf(self.k)
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            let theta = softmax_of(x);
            let mut theta_bar = vec![S::zero(); self.dim];
            let lp = Categorical(&theta).lpmf_vjp(self.k, S::one(), &mut theta_bar);
            // x_bar = θ ⊙ (θ_bar - <θ, θ_bar>).
            let dot: S = theta.iter().zip(&theta_bar).map(|(&t, &b)| t * b).sum();
            for i in 0..self.dim {
                grad[i] = theta[i] * (theta_bar[i] - dot);
            }
            lp
        }
    }

    /// `β ↦ log P(k | β)` of `CategoricalLogit`, or of `Σⱼ log P(kⱼ | β)` over `ks`.
    struct Logit {
        ks: Vec<i64>,
        dim: usize,
        domain: Domain,
    }

    impl GradientFunction for Logit {
        fn name(&self) -> String {
            format!("CategoricalLogit, K = {}, k = {:?}", self.dim, self.ks)
        }
        fn dim(&self) -> usize {
            self.dim
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            (0..self.dim).map(|_| self.domain.sample(rng)).collect()
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            self.domain.max_step(x[i])
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            if self.ks.len() == 1 {
                categorical_logit_lpmf(self.ks[0], x)
            } else {
                CategoricalLogit(x).lpmf_sum(&self.ks[..])
            }
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            grad.iter_mut().for_each(|g| *g = S::zero());
            if self.ks.len() == 1 {
                let lp = categorical_logit_lpmf(self.ks[0], x);
                categorical_logit_lpmf_vjp(self.ks[0], x, lp, S::one(), grad);
                lp
            } else {
                CategoricalLogit(x).lpmf_sum_vjp(&self.ks[..], S::one(), grad)
            }
        }
    }

    #[test]
    fn categorical_gradients_match_finite_differences() {
        for (k, dim) in [(0, 1), (0, 2), (1, 3), (4, 5)] {
            check_function(&SoftmaxCategorical {
                k,
                dim,
                domain: Domain::Interval(-4.0, 4.0),
            });
        }
        // The partial of ln θₖ itself, exactly.
        let theta = [0.25, 0.75];
        let mut bar = [1.0, 1.0];
        categorical_lpmf_vjp(1, &theta[..], 0.0, 3.0, &mut bar);
        assert_eq!(bar, [1.0, 1.0 + 3.0 / 0.75]);
    }

    #[test]
    fn categorical_logit_gradients_match_finite_differences() {
        for (k, dim) in [(0, 1), (0, 2), (2, 3), (6, 7)] {
            check_function(&Logit {
                ks: vec![k],
                dim,
                domain: Domain::Interval(-5.0, 5.0),
            });
        }
        check_function(&Logit {
            ks: vec![1],
            dim: 4,
            domain: Domain::Interval(-600.0, 600.0),
        });
        check_function(&Logit {
            ks: vec![0, 2, 2, 1, 0],
            dim: 3,
            domain: Domain::Interval(-3.0, 3.0),
        });
    }

    #[test]
    fn sums_agree_with_elementwise_calls() {
        let theta = [0.1, 0.6, 0.3];
        let ks = [2i64, 0, 1, 1];
        let mut bar = [0.0; 3];
        let total = Categorical(&theta).lpmf_sum_vjp(&ks[..], 2.0, &mut bar);
        let mut bar1 = [0.0; 3];
        let mut expect = 0.0;
        for &k in &ks {
            expect += Categorical(&theta).lpmf_vjp(k, 2.0, &mut bar1);
        }
        assert!((total - expect).abs() < 1e-15);
        assert_eq!(bar, bar1);
        assert_eq!(Categorical(&theta).lpmf_sum(1i64), 0.6f64.ln());

        let beta = [0.3, -1.0, 2.0];
        let mut bar = [0.0; 3];
        let total = CategoricalLogit(&beta).lpmf_sum_vjp(&ks[..], 2.0, &mut bar);
        let mut bar1 = [0.0; 3];
        let mut expect = 0.0;
        for &k in &ks {
            expect += CategoricalLogit(&beta).lpmf_vjp(k, 2.0, &mut bar1);
        }
        assert!((total - expect).abs() < 1e-14);
        for i in 0..3 {
            assert!((bar[i] - bar1[i]).abs() < 1e-14);
        }
        let usize_ks = [2usize, 0, 1, 1];
        assert_eq!(CategoricalLogit(&beta).lpmf_sum(&usize_ks[..]), total);
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        let good = [0.2, 0.5, 0.3];
        let bad: [&[f64]; 6] = [
            &[],
            &[0.2, 0.5, 0.31],
            &[-0.1, 0.8, 0.3],
            &[f64::NAN, 0.5, 0.5],
            &[1.5, -0.5],
            &[f64::INFINITY, 0.0],
        ];
        for theta in bad {
            let mut bar = vec![0.0; theta.len()];
            assert_eq!(Categorical(theta).lpmf(0), f64::NEG_INFINITY, "{theta:?}");
            assert_eq!(
                Categorical(theta).lpmf_vjp(0, 1.0, &mut bar),
                f64::NEG_INFINITY
            );
            assert!(bar.iter().all(|b| *b == 0.0));
            assert_eq!(Categorical(theta).lpmf_sum(&[0i64][..]), f64::NEG_INFINITY);
        }
        for k in [-1, 3, i64::MAX, i64::MIN] {
            let mut bar = [0.0; 3];
            assert_eq!(
                Categorical(&good).lpmf_vjp(k, 1.0, &mut bar),
                f64::NEG_INFINITY
            );
            assert_eq!(
                CategoricalLogit(&good).lpmf_vjp(k, 1.0, &mut bar),
                f64::NEG_INFINITY
            );
            assert_eq!(bar, [0.0; 3]);
            assert_eq!(Categorical(&good).lpmf_sum(&[0, k][..]), f64::NEG_INFINITY);
        }
        // Zero probability: -∞, nothing accumulated (no 1/0).
        let mut bar = [0.0; 2];
        assert_eq!(
            Categorical(&[0.0, 1.0]).lpmf_vjp(0, 1.0, &mut bar),
            f64::NEG_INFINITY
        );
        assert_eq!(bar, [0.0; 2]);
        // Within the tolerance is a simplex.
        assert!(Categorical(&[0.5, 0.5 + 1e-9]).lpmf(1).is_finite());
        for beta in [
            &[][..],
            &[0.0, f64::NAN][..],
            &[f64::INFINITY, 0.0][..],
            &[f64::NEG_INFINITY][..],
        ] {
            let mut bar = vec![0.0; beta.len()];
            assert_eq!(
                CategoricalLogit(beta).lpmf_vjp(0, 1.0, &mut bar),
                f64::NEG_INFINITY
            );
            assert!(bar.iter().all(|b| *b == 0.0));
        }
        let d = Categorical(&[Dual::new(0.0, 1.0), Dual::new(1.0, -1.0)]).lpmf(0);
        assert_eq!((d.v, d.d), (f64::NEG_INFINITY, 0.0));

        let mut rng = crate::testing::rng_for("categorical-invalid");
        let err = Categorical(&[0.5, 0.6]).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Categorical: parameter `theta` = 1.1 but it must be a simplex: elements summing to 1 (±1e-8)"
        );
        let err = Categorical(&[1.5, -0.5]).sample(&mut rng).unwrap_err();
        assert!(err.to_string().contains("= 1.5"), "{err}");
        assert!(Categorical::<f64>(&[]).sample(&mut rng).is_err());
        assert!(CategoricalLogit::<f64>(&[]).sample(&mut rng).is_err());
        let err = CategoricalLogit(&[0.0, f64::NAN])
            .sample(&mut rng)
            .unwrap_err();
        assert!(err.to_string().contains("finite"), "{err}");
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("categorical", |p, k| Categorical(p).lpmf(k as i64));
        check_reference_table("categorical_logit", |p, k| {
            CategoricalLogit(p).lpmf(k as i64)
        });
    }

    #[test]
    fn sampler_moments() {
        // Each category's indicator is Bernoulli(θᵢ); the draw itself has mean Σ i θᵢ.
        let theta = [0.1, 0.0, 0.6, 0.3];
        let mean: f64 = theta.iter().enumerate().map(|(i, t)| i as f64 * t).sum();
        let second: f64 = theta
            .iter()
            .enumerate()
            .map(|(i, t)| (i * i) as f64 * t)
            .sum();
        let d = Categorical(&theta);
        check_moments(
            "Categorical",
            |rng| d.sample(rng).unwrap() as f64,
            mean,
            second - mean * mean,
        );
        for (i, &t) in theta.iter().enumerate() {
            check_moments(
                &format!("Categorical indicator {i}"),
                |rng| f64::from(d.sample(rng).unwrap() == i as i64),
                t,
                t * (1.0 - t),
            );
        }
        // ln 0 is not a valid logit: a weight of e⁻¹⁵⁰⁰ relative stands in for it.
        let beta: Vec<f64> = theta
            .iter()
            .map(|&t| if t > 0.0 { t.ln() + 700.0 } else { -800.0 })
            .collect();
        let d = CategoricalLogit(&beta);
        check_moments(
            "CategoricalLogit",
            |rng| d.sample(rng).unwrap() as f64,
            mean,
            second - mean * mean,
        );
    }
}
