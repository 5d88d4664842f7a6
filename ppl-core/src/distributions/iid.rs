//! `dist.iid(n)`: `n` independent copies of a univariate distribution, as one vector site.

use crate::ad::Scalar;
use crate::distributions::{ContinuousDistribution, DiscreteDistribution, Needed, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// `n` independent draws of `dist`: `log p(y) = Σᵢ log p(yᵢ)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iid<D> {
    /// The distribution of each element.
    pub dist: D,
    /// The number of elements.
    pub n: usize,
}

/// Adds `.iid(n)` to every distribution.
pub trait IidExt: Sized {
    /// `n` independent copies: `Normal(0.0, 1.0).iid(8)`.
    fn iid(self, n: usize) -> Iid<Self> {
        Iid { dist: self, n }
    }
}
impl<D: Copy> IidExt for D {}

impl<D> Iid<D> {
    fn check_len(&self, name: &str, found: usize) -> Result<()> {
        if found == self.n {
            Ok(())
        } else {
            Err(Error::DimensionMismatch {
                what: format!("{name}.iid({})", self.n),
                expected: self.n,
                found,
            })
        }
    }

    /// `Σᵢ log p(yᵢ)`; an error if `y.len() != n`.
    pub fn lpdf<S: Scalar>(&self, y: &[S]) -> Result<S>
    where
        D: ContinuousDistribution<S>,
    {
        self.check_len(D::NAME, y.len())?;
        Ok(y.iter().map(|&yi| self.dist.lpdf(yi)).sum())
    }

    /// `Σᵢ log p(yᵢ)`, accumulating `lp_bar · ∂/∂yᵢ` into `y_bar` and returning the value
    /// with the parameter adjoints `lp_bar · Σᵢ ∂/∂params` (packed as `D`).
    pub fn lpdf_vjp<S: Scalar>(&self, y: &[S], lp_bar: S, y_bar: &mut [S]) -> Result<(S, D)>
    where
        D: ContinuousDistribution<S>,
    {
        self.lpdf_vjp_needed(y, lp_bar, y_bar, Needed::ALL)
    }

    /// [`lpdf_vjp`](Self::lpdf_vjp) computing only the parameter partials flagged in
    /// `need` (the others come back as `0`; the value's partial is always accumulated):
    /// for priors whose parameters are data, e.g. `Beta(2.0, 2.0).iid(n)` skips three
    /// digammas per element. See [`ContinuousDistribution::lpdf_grad_needed`].
    ///
    /// ```
    /// use ppl_core::distributions::{Beta, IidExt, Needed};
    /// let y = [0.2, 0.7];
    /// let mut y_bar = [0.0; 2];
    /// let (lp, Beta(da, db)) = Beta(2.0, 2.0).iid(2)
    ///     .lpdf_vjp_needed(&y, 1.0, &mut y_bar, Needed::VALUE).unwrap();
    /// assert!((lp - (6.0f64 * 0.2 * 0.8).ln() - (6.0f64 * 0.7 * 0.3).ln()).abs() < 1e-14);
    /// assert_eq!((da, db), (0.0, 0.0));
    /// ```
    pub fn lpdf_vjp_needed<S: Scalar>(
        &self,
        y: &[S],
        lp_bar: S,
        y_bar: &mut [S],
        need: Needed,
    ) -> Result<(S, D)>
    where
        D: ContinuousDistribution<S>,
    {
        self.check_len(D::NAME, y.len())?;
        self.check_len(D::NAME, y_bar.len())?;
        let k = D::PARAM_NAMES.len();
        let (mut acc, mut buf) = ([S::zero(); 8], [S::zero(); 8]);
        let mut total = S::zero();
        for (yi, yb) in y.iter().zip(y_bar.iter_mut()) {
            let (lp, dy, dp) = self.dist.lpdf_grad_needed(*yi, need | Needed::VALUE);
            total += lp;
            *yb += dy * lp_bar;
            dp.write_params(&mut buf[..k]);
            for j in 0..k {
                acc[j] += buf[j];
            }
        }
        for a in &mut acc[..k] {
            *a *= lp_bar;
        }
        Ok((total, D::from_params(&acc[..k])))
    }

    /// `Σᵢ log P(kᵢ)`; an error if `k.len() != n`.
    pub fn lpmf<S: Scalar>(&self, k: &[i64]) -> Result<S>
    where
        D: DiscreteDistribution<S>,
    {
        self.check_len(D::NAME, k.len())?;
        Ok(k.iter().map(|&ki| self.dist.lpmf(ki)).sum())
    }
}

impl<D: Sample> Sample for Iid<D> {
    type Value = Vec<D::Value>;
    fn validate(&self) -> Result<()> {
        self.dist.validate()
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Vec<D::Value>> {
        self.validate()?;
        (0..self.n).map(|_| self.dist.sample(rng)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::Normal;
    use crate::testing::{check_function, GradientFunction};
    use rand::rngs::StdRng;

    struct IidNormal;
    impl GradientFunction for IidNormal {
        fn name(&self) -> String {
            "Normal(mu, sigma).iid(3)".into()
        }
        fn dim(&self) -> usize {
            5
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            let mut x: Vec<f64> = (0..4).map(|_| rng.random_range(-2.0..2.0)).collect();
            x.push(rng.random_range(0.5..3.0));
            x
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            Normal(x[3], x[4]).iid(3).lpdf(&x[..3]).unwrap()
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            grad.iter_mut().for_each(|g| *g = S::zero());
            let (lp, Normal(dmu, dsigma)) = Normal(x[3], x[4])
                .iid(3)
                .lpdf_vjp(&x[..3], S::one(), &mut grad[..3])
                .unwrap();
            grad[3] = dmu;
            grad[4] = dsigma;
            lp
        }
    }

    #[test]
    fn iid_gradient_matches_finite_differences() {
        check_function(&IidNormal);
    }

    #[test]
    fn iid_checks_lengths_and_draws_n_values() {
        let d = Normal(0.0, 1.0).iid(3);
        assert!(d.lpdf(&[0.0, 1.0]).is_err());
        let mut rng = crate::testing::rng_for("iid");
        assert_eq!(d.sample(&mut rng).unwrap().len(), 3);
        assert!(Normal(0.0, -1.0).iid(2).sample(&mut rng).is_err());
    }
}
