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

    /// Copies what a sample needs from `other`: position, log density, gradient and
    /// energy (not the momentum and velocity, which the next transition redraws).
    #[inline]
    pub fn copy_sample_from(&mut self, other: &Point) {
        self.q.copy_from_slice(&other.q);
        self.grad.copy_from_slice(&other.grad);
        self.log_density = other.log_density;
        self.energy = other.energy;
    }

    /// As [`copy_sample_from`](Self::copy_sample_from) by swapping buffers instead of
    /// copying: `other`'s position and gradient are left unspecified.
    #[inline]
    pub(crate) fn take_sample_from(&mut self, other: &mut Point) {
        std::mem::swap(&mut self.q, &mut other.q);
        std::mem::swap(&mut self.grad, &mut other.grad);
        self.log_density = other.log_density;
        self.energy = other.energy;
    }

    /// Recomputes the velocity and the energy from `p` and the cached log density
    /// (a NaN energy becomes `+∞`, as in Stan).
    #[inline]
    pub fn update_energy(&mut self, metric: &Metric) {
        let kinetic = 0.5 * metric.velocity_and_dot(&self.p, &mut self.velocity);
        let h = -self.log_density + kinetic;
        self.energy = if h.is_nan() { f64::INFINITY } else { h };
    }

    /// Draws a fresh momentum `p ~ N(0, M)` and updates velocity and energy.
    pub fn resample_momentum<R: Rng + ?Sized>(&mut self, metric: &Metric, rng: &mut R) {
        metric.sample_momentum(rng, &mut self.p);
        self.update_energy(metric);
    }
}

/// `Σ a_i b_i`, summed in four interleaved partial sums (`i mod 4`) so the additions
/// pipeline and vectorise; the order is fixed, so the result is reproducible.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let ((a4, a_rest), (b4, b_rest)) = (a.as_chunks::<4>(), b.as_chunks::<4>());
    for (x, y) in a4.iter().zip(b4) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    for (k, (x, y)) in a_rest.iter().zip(b_rest).enumerate() {
        acc[k] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::dot;

    #[test]
    fn dot_matches_the_sequential_sum_for_every_length() {
        for n in 0..13 {
            let a: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 1.0).collect();
            let b: Vec<f64> = (0..n).map(|i| 2.0 - i as f64 * 0.25).collect();
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            // Inputs are multiples of 1/8 and sums stay small: both orders are exact.
            assert_eq!(dot(&a, &b), exact, "n = {n}");
        }
    }
}
