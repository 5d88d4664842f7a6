//! The generalised no-U-turn criterion on momentum sums (Betancourt 2017, §A.4.2).

use crate::dynamics::point::dot;

/// Whether a trajectory with summed momentum `ρ = Σ p` and end velocities `p♯₋`, `p♯₊`
/// (`p♯ = M⁻¹ p`) may keep expanding.
///
/// # Formula
///
/// ```text
/// continue ⇔ p♯₊ · ρ > 0  and  p♯₋ · ρ > 0
/// ```
#[inline]
pub(crate) fn no_u_turn(velocity_minus: &[f64], velocity_plus: &[f64], rho: &[f64]) -> bool {
    dot(velocity_plus, rho) > 0.0 && dot(velocity_minus, rho) > 0.0
}

/// `out = a + b`.
#[inline]
pub(crate) fn add_into(out: &mut [f64], a: &[f64], b: &[f64]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_on_a_circle() {
        // Harmonic oscillator with unit mass: momentum rotates; ρ along +x.
        let rho = [1.0, 0.0];
        assert!(no_u_turn(&[0.5, 0.5], &[0.5, -0.5], &rho));
        assert!(!no_u_turn(&[-0.1, 1.0], &[0.5, -0.5], &rho));
        assert!(!no_u_turn(&[0.5, 1.0], &[-0.5, -0.5], &rho));
    }
}
