//! The dense Euclidean metric: correlated momenta from a full inverse mass matrix.

use crate::error::{Result, SamplerError};
use rand::Rng;
use rand_distr::StandardNormal;

/// A dense Euclidean metric, stored as the inverse mass matrix `M⁻¹ = Σ` (Stan's dense
/// `inv_metric`, an estimate of the posterior covariance), row-major, with its Cholesky
/// factor `Σ = L Lᵀ`.
///
/// # Formula
///
/// ```text
/// momentum     p = L⁻ᵀ z,  z ~ N(0, I)      so Cov(p) = L⁻ᵀ L⁻¹ = Σ⁻¹ = M
/// velocity     v = Σ p
/// kinetic      K(p) = ½ pᵀ Σ p
/// ```
///
/// # Examples
///
/// ```
/// use ppl_samplers::DenseMetric;
/// let m = DenseMetric::new(2, vec![2.0, 0.5, 0.5, 1.0]).unwrap();
/// assert_eq!(m.inv_mass(), &[2.0, 0.5, 0.5, 1.0]);
/// assert!(DenseMetric::new(2, vec![1.0, 2.0, 2.0, 1.0]).is_err()); // not positive definite
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DenseMetric {
    dim: usize,
    inv_mass: Vec<f64>,
    /// Lower Cholesky factor of `inv_mass`, row-major.
    chol: Vec<f64>,
}

impl DenseMetric {
    /// The unit metric `M = I` in `dim` dimensions.
    pub fn unit(dim: usize) -> Self {
        let mut eye = vec![0.0; dim * dim];
        for i in 0..dim {
            eye[i * dim + i] = 1.0;
        }
        Self {
            dim,
            inv_mass: eye.clone(),
            chol: eye,
        }
    }

    /// A metric from the row-major `dim × dim` inverse mass matrix.
    ///
    /// # Errors
    ///
    /// [`SamplerError::InvalidMetric`] when the length is not `dim²`, an entry is not
    /// finite, the matrix is not symmetric (to `1e-12` relative), or it is not positive
    /// definite (its Cholesky factorisation fails).
    pub fn new(dim: usize, inv_mass: Vec<f64>) -> Result<Self> {
        if inv_mass.len() != dim * dim {
            return Err(SamplerError::InvalidMetric(format!(
                "dense inverse mass matrix has {} entries, expected {dim}² = {}",
                inv_mass.len(),
                dim * dim
            )));
        }
        if let Some(v) = inv_mass.iter().find(|v| !v.is_finite()) {
            return Err(SamplerError::InvalidMetric(format!(
                "dense inverse mass matrix has a non-finite entry {v}"
            )));
        }
        for i in 0..dim {
            for j in 0..i {
                let (a, b) = (inv_mass[i * dim + j], inv_mass[j * dim + i]);
                if (a - b).abs() > 1e-12 * a.abs().max(b.abs()) {
                    return Err(SamplerError::InvalidMetric(format!(
                        "dense inverse mass matrix is not symmetric at ({i}, {j}): {a} vs {b}"
                    )));
                }
            }
        }
        let chol = cholesky(dim, &inv_mass).ok_or_else(|| {
            SamplerError::InvalidMetric(
                "dense inverse mass matrix is not positive definite".to_string(),
            )
        })?;
        Ok(Self {
            dim,
            inv_mass,
            chol,
        })
    }

    /// The inverse mass matrix, row-major.
    pub fn inv_mass(&self) -> &[f64] {
        &self.inv_mass
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `v = Σ p`.
    #[inline]
    pub fn velocity(&self, p: &[f64], v: &mut [f64]) {
        let n = self.dim;
        for (i, vi) in v.iter_mut().enumerate() {
            let row = &self.inv_mass[i * n..(i + 1) * n];
            *vi = row.iter().zip(p).map(|(a, b)| a * b).sum();
        }
    }

    /// Draws `p ~ N(0, Σ⁻¹)` by solving `Lᵀ p = z`.
    pub fn sample_momentum<R: Rng + ?Sized>(&self, rng: &mut R, p: &mut [f64]) {
        let n = self.dim;
        for pi in p.iter_mut() {
            *pi = rng.sample(StandardNormal);
        }
        // Back substitution with Lᵀ (upper triangular): (Lᵀ)_{ij} = L_{ji}.
        for i in (0..n).rev() {
            let mut s = p[i];
            for j in i + 1..n {
                s -= self.chol[j * n + i] * p[j];
            }
            p[i] = s / self.chol[i * n + i];
        }
    }
}

/// Lower Cholesky factor of a symmetric row-major matrix, or `None` if it is not positive
/// definite.
pub(crate) fn cholesky(n: usize, a: &[f64]) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn momentum_covariance_is_the_mass_matrix() {
        // Σ = [[2, 0.6], [0.6, 0.5]]; M = Σ⁻¹ = [[0.5, -0.6], [-0.6, 2]] / (1 - 0.36).
        let m = DenseMetric::new(2, vec![2.0, 0.6, 0.6, 0.5]).unwrap();
        let det = 2.0 * 0.5 - 0.36;
        let want = [0.5 / det, -0.6 / det, 2.0 / det];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let n = 200_000;
        let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
        let mut p = [0.0; 2];
        for _ in 0..n {
            m.sample_momentum(&mut rng, &mut p);
            s00 += p[0] * p[0];
            s01 += p[0] * p[1];
            s11 += p[1] * p[1];
        }
        let got = [s00 / n as f64, s01 / n as f64, s11 / n as f64];
        // Var of p_i p_j is at most ~(M_ii M_jj + M_ij²) ≤ 2·(3.2)²; 5 standard errors.
        let tol = 5.0 * (2.0f64 * 3.2 * 3.2 / n as f64).sqrt() * 3.2;
        for k in 0..3 {
            assert!((got[k] - want[k]).abs() < tol, "{got:?} vs {want:?}");
        }
        let mut v = [0.0; 2];
        m.velocity(&[1.0, 2.0], &mut v);
        assert_eq!(v, [2.0 + 1.2, 0.6 + 1.0]);
    }

    #[test]
    fn cholesky_reconstructs() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let l = cholesky(3, &a).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-14);
            }
        }
        assert!(cholesky(2, &[1.0, 2.0, 2.0, 1.0]).is_none());
    }
}
