//! The diagonal Euclidean metric: independent momenta with per-coordinate masses.

use crate::error::{Result, SamplerError};
use rand::Rng;
use rand_distr::StandardNormal;

/// A diagonal Euclidean metric, stored as the inverse mass matrix `M⁻¹ = diag(m)` (Stan's
/// `inv_metric`, an estimate of the posterior variances).
///
/// # Formula
///
/// ```text
/// momentum     p ~ N(0, M),       M = diag(1 / m)
/// velocity     v = M⁻¹ p = m ⊙ p
/// kinetic      K(p) = ½ pᵀ M⁻¹ p = ½ Σ m_i p_i²
/// ```
///
/// # Examples
///
/// ```
/// use ppl_samplers::DiagonalMetric;
/// let m = DiagonalMetric::new(vec![4.0, 0.25]).unwrap();
/// assert_eq!(m.inv_mass(), &[4.0, 0.25]);
/// assert!(DiagonalMetric::new(vec![1.0, -1.0]).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DiagonalMetric {
    inv_mass: Vec<f64>,
    /// `1 / √m_i`: the standard deviations of the momenta.
    momentum_sd: Vec<f64>,
}

impl DiagonalMetric {
    /// The unit metric `M = I` in `dim` dimensions.
    pub fn unit(dim: usize) -> Self {
        Self {
            inv_mass: vec![1.0; dim],
            momentum_sd: vec![1.0; dim],
        }
    }

    /// A metric from the inverse mass diagonal.
    ///
    /// # Errors
    ///
    /// [`SamplerError::InvalidMetric`] unless every entry is finite and `> 0`.
    pub fn new(inv_mass: Vec<f64>) -> Result<Self> {
        if let Some((i, v)) = inv_mass
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(SamplerError::InvalidMetric(format!(
                "diagonal entry {i} of the inverse mass matrix is {v}; it must be finite and > 0"
            )));
        }
        let momentum_sd = inv_mass.iter().map(|m| 1.0 / m.sqrt()).collect();
        Ok(Self {
            inv_mass,
            momentum_sd,
        })
    }

    /// The inverse mass diagonal `m`.
    pub fn inv_mass(&self) -> &[f64] {
        &self.inv_mass
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.inv_mass.len()
    }

    /// `v = M⁻¹ p`.
    #[inline]
    pub fn velocity(&self, p: &[f64], v: &mut [f64]) {
        for ((vi, pi), mi) in v.iter_mut().zip(p).zip(&self.inv_mass) {
            *vi = mi * pi;
        }
    }

    /// `v = M⁻¹ p`, returning `pᵀ v` from the same pass (four interleaved partial sums,
    /// as [`dot`](super::point::dot)).
    #[inline]
    pub fn velocity_and_dot(&self, p: &[f64], v: &mut [f64]) -> f64 {
        let n = v.len().min(p.len()).min(self.inv_mass.len());
        let (p, v, m) = (&p[..n], &mut v[..n], &self.inv_mass[..n]);
        let mut acc = [0.0; 4];
        let ((p4, p_rest), (m4, m_rest)) = (p.as_chunks::<4>(), m.as_chunks::<4>());
        let (v4, v_rest) = v.as_chunks_mut::<4>();
        for ((v, p), m) in v4.iter_mut().zip(p4).zip(m4) {
            for k in 0..4 {
                v[k] = m[k] * p[k];
                acc[k] += p[k] * v[k];
            }
        }
        for (k, ((v, p), m)) in v_rest.iter_mut().zip(p_rest).zip(m_rest).enumerate() {
            *v = m * p;
            acc[k] += p * *v;
        }
        (acc[0] + acc[1]) + (acc[2] + acc[3])
    }

    /// Draws `p ~ N(0, M)`.
    pub fn sample_momentum<R: Rng + ?Sized>(&self, rng: &mut R, p: &mut [f64]) {
        for (pi, sd) in p.iter_mut().zip(&self.momentum_sd) {
            let z: f64 = rng.sample(StandardNormal);
            *pi = z * sd;
        }
    }
}
