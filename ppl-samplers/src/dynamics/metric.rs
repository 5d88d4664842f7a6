//! The metric used by a chain: diagonal or dense, behind one enum.

use super::{DenseMetric, DiagonalMetric};
use rand::Rng;

/// A Euclidean metric (the momentum distribution `N(0, M)`), diagonal or dense.
#[derive(Clone, Debug, PartialEq)]
pub enum Metric {
    /// Diagonal inverse mass matrix.
    Diagonal(DiagonalMetric),
    /// Dense inverse mass matrix.
    Dense(DenseMetric),
}

impl Metric {
    /// Dimension.
    pub fn dim(&self) -> usize {
        match self {
            Metric::Diagonal(m) => m.dim(),
            Metric::Dense(m) => m.dim(),
        }
    }

    /// `v = M⁻¹ p`.
    #[inline]
    pub fn velocity(&self, p: &[f64], v: &mut [f64]) {
        match self {
            Metric::Diagonal(m) => m.velocity(p, v),
            Metric::Dense(m) => m.velocity(p, v),
        }
    }

    /// `v = M⁻¹ p`, returning `pᵀ v` (twice the kinetic energy) from the same pass.
    #[inline]
    pub fn velocity_and_dot(&self, p: &[f64], v: &mut [f64]) -> f64 {
        match self {
            Metric::Diagonal(m) => m.velocity_and_dot(p, v),
            Metric::Dense(m) => {
                m.velocity(p, v);
                super::point::dot(p, v)
            }
        }
    }

    /// Draws `p ~ N(0, M)`.
    #[inline]
    pub fn sample_momentum<R: Rng + ?Sized>(&self, rng: &mut R, p: &mut [f64]) {
        match self {
            Metric::Diagonal(m) => m.sample_momentum(rng, p),
            Metric::Dense(m) => m.sample_momentum(rng, p),
        }
    }

    /// The inverse mass matrix: the diagonal (length `dim`) or the full matrix
    /// (row-major, length `dim²`).
    pub fn inv_mass(&self) -> &[f64] {
        match self {
            Metric::Diagonal(m) => m.inv_mass(),
            Metric::Dense(m) => m.inv_mass(),
        }
    }
}
