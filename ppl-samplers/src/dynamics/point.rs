//! A phase-space point: position, momentum, velocity, and the cached log density,
//! gradient and energy.

use super::Metric;
use rand::Rng;

/// A point `(q, p)` of phase space with everything the integrator and the tree reuse.
///
/// # Formula
///
/// ```text
/// H(q, p) = −log π(q) + ½ pᵀ M⁻¹ p        (energy)
/// v = M⁻¹ p                               (velocity, "p♯" in Betancourt 2017)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Position on the unconstrained space.
    pub q: Vec<f64>,
    /// Momentum.
    pub p: Vec<f64>,
    /// `M⁻¹ p`.
    pub velocity: Vec<f64>,
    /// `∇ log π(q)`.
    pub grad: Vec<f64>,
    /// `log π(q)`.
    pub log_density: f64,
    /// `H(q, p)`; `+∞` when the log density is not finite.
    pub energy: f64,
}

impl Point {
    /// A zero point of dimension `dim` (log density `-∞`).
    pub fn new(dim: usize) -> Self {
        Self {
            q: vec![0.0; dim],
            p: vec![0.0; dim],
            velocity: vec![0.0; dim],
            grad: vec![0.0; dim],
            log_density: f64::NEG_INFINITY,
            energy: f64::INFINITY,
        }
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.q.len()
    }

    /// Copies `other` into `self` without allocating.
    #[inline]
    pub fn copy_from(&mut self, other: &Point) {
        self.q.copy_from_slice(&other.q);
        self.p.copy_from_slice(&other.p);
        self.velocity.copy_from_slice(&other.velocity);
        self.grad.copy_from_slice(&other.grad);
        self.log_density = other.log_density;
        self.energy = other.energy;
    }

    /// Recomputes the velocity and the energy from `p` and the cached log density
    /// (a NaN energy becomes `+∞`, as in Stan).
    #[inline]
    pub fn update_energy(&mut self, metric: &Metric) {
        metric.velocity(&self.p, &mut self.velocity);
        let kinetic: f64 = 0.5 * dot(&self.p, &self.velocity);
        let h = -self.log_density + kinetic;
        self.energy = if h.is_nan() { f64::INFINITY } else { h };
    }

    /// Draws a fresh momentum `p ~ N(0, M)` and updates velocity and energy.
    pub fn resample_momentum<R: Rng + ?Sized>(&mut self, metric: &Metric, rng: &mut R) {
        metric.sample_momentum(rng, &mut self.p);
        self.update_energy(metric);
    }
}

/// `Σ a_i b_i`.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
