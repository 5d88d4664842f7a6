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

/// [`no_u_turn`] on `ρ = a + b` without forming the sum (Stan's checks across merged
/// subtrees use `ρ_left + p_first(right)` and `ρ_right + p_last(left)`).
#[inline]
pub(crate) fn no_u_turn_sum(
    velocity_minus: &[f64],
    velocity_plus: &[f64],
    a: &[f64],
    b: &[f64],
) -> bool {
    let n = velocity_minus.len();
    let (vm, vp, a, b) = (&velocity_minus[..n], &velocity_plus[..n], &a[..n], &b[..n]);
    let (mut plus, mut minus) = ([0.0; 4], [0.0; 4]);
    let ((vm4, vm_rest), (vp4, vp_rest)) = (vm.as_chunks::<4>(), vp.as_chunks::<4>());
    let ((a4, a_rest), (b4, b_rest)) = (a.as_chunks::<4>(), b.as_chunks::<4>());
    for (((m, p), a), b) in vm4.iter().zip(vp4).zip(a4).zip(b4) {
        for k in 0..4 {
            let rho = a[k] + b[k];
            plus[k] += p[k] * rho;
            minus[k] += m[k] * rho;
        }
    }
    let rest = vm_rest.iter().zip(vp_rest).zip(a_rest).zip(b_rest);
    for (k, (((m, p), a), b)) in rest.enumerate() {
        let rho = a + b;
        plus[k] += p * rho;
        minus[k] += m * rho;
    }
    let sum = |s: [f64; 4]| (s[0] + s[1]) + (s[2] + s[3]);
    sum(plus) > 0.0 && sum(minus) > 0.0
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

    #[test]
    fn criterion_on_a_sum_equals_criterion_on_the_formed_sum() {
        let (a, b) = ([0.5, -0.25, 1.0, 0.0, 2.0], [0.5, 1.25, -3.0, 0.5, -1.0]);
        let mut rho = [0.0; 5];
        add_into(&mut rho, &a, &b);
        let vs = [
            [1.0, 0.0, 0.5, 1.0, 1.0],
            [-1.0, 2.0, 0.0, 0.0, 1.0],
            [0.0, 0.0, -1.0, 0.0, 0.0],
        ];
        for vm in &vs {
            for vp in &vs {
                assert_eq!(no_u_turn_sum(vm, vp, &a, &b), no_u_turn(vm, vp, &rho));
            }
        }
    }
}
