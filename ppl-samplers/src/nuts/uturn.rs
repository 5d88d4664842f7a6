//! The generalised no-U-turn criterion on momentum sums (Betancourt 2017, §A.4.2).
//!
//! The sampler uses the fused forms ([`no_u_turn_sum`], [`add_no_u_turn`],
//! [`close_pair`]); the plain criterion `no_u_turn` and `add_into` remain, in tests, as
//! the reference they must agree with exactly.

#[cfg(test)]
use crate::dynamics::point::dot;

/// Whether a trajectory with summed momentum `ρ = Σ p` and end velocities `p♯₋`, `p♯₊`
/// (`p♯ = M⁻¹ p`) may keep expanding (the reference for the fused checks, in tests).
///
/// # Formula
///
/// ```text
/// continue ⇔ p♯₊ · ρ > 0  and  p♯₋ · ρ > 0
/// ```
#[cfg(test)]
fn no_u_turn(velocity_minus: &[f64], velocity_plus: &[f64], rho: &[f64]) -> bool {
    dot(velocity_plus, rho) > 0.0 && dot(velocity_minus, rho) > 0.0
}

/// `no_u_turn` on `ρ = a + b` without forming the sum (Stan's checks across merged
/// subtrees use `ρ_left + p_first(right)` and `ρ_right + p_last(left)`).
#[inline(always)]
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

/// `ρ = a + b` into `rho`, then `no_u_turn` on it, in one pass (the same sums as
/// `add_into` followed by `no_u_turn`).
#[inline(always)]
pub(crate) fn add_no_u_turn(
    rho: &mut [f64],
    a: &[f64],
    b: &[f64],
    velocity_minus: &[f64],
    velocity_plus: &[f64],
) -> bool {
    let n = rho.len();
    let (a, b) = (&a[..n], &b[..n]);
    let (vm, vp) = (&velocity_minus[..n], &velocity_plus[..n]);
    let (mut plus, mut minus) = ([0.0; 4], [0.0; 4]);
    let (r4, r_rest) = rho.as_chunks_mut::<4>();
    let ((a4, a_rest), (b4, b_rest)) = (a.as_chunks::<4>(), b.as_chunks::<4>());
    let ((vm4, vm_rest), (vp4, vp_rest)) = (vm.as_chunks::<4>(), vp.as_chunks::<4>());
    for ((((r, a), b), m), p) in r4.iter_mut().zip(a4).zip(b4).zip(vm4).zip(vp4) {
        for k in 0..4 {
            r[k] = a[k] + b[k];
            plus[k] += p[k] * r[k];
            minus[k] += m[k] * r[k];
        }
    }
    let rest = r_rest
        .iter_mut()
        .zip(a_rest)
        .zip(b_rest)
        .zip(vm_rest)
        .zip(vp_rest);
    for (k, ((((r, a), b), m), p)) in rest.enumerate() {
        *r = a + b;
        plus[k] += p * *r;
        minus[k] += m * *r;
    }
    let sum = |s: [f64; 4]| (s[0] + s[1]) + (s[2] + s[3]);
    sum(plus) > 0.0 && sum(minus) > 0.0
}

/// Closes a two-point subtree whose first point has momentum `p_beg` and velocity
/// `v_beg` at its second point `(p, v)`: stores `p_end = p`, `v_end = v` and
/// `ρ = p_beg + p`, and returns `no_u_turn(v_beg, v, ρ)`, in one pass (the same values
/// as the copies, `add_into` and `no_u_turn` one after the other).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn close_pair(
    p: &[f64],
    v: &[f64],
    p_beg: &[f64],
    v_beg: &[f64],
    p_end: &mut [f64],
    v_end: &mut [f64],
    rho: &mut [f64],
) -> bool {
    let n = rho.len();
    let (p, v, p_beg, v_beg) = (&p[..n], &v[..n], &p_beg[..n], &v_beg[..n]);
    let (p_end, v_end) = (&mut p_end[..n], &mut v_end[..n]);
    let (mut plus, mut minus) = ([0.0; 4], [0.0; 4]);
    let ((p4, p_rest), (v4, v_rest)) = (p.as_chunks::<4>(), v.as_chunks::<4>());
    let ((pb4, pb_rest), (vb4, vb_rest)) = (p_beg.as_chunks::<4>(), v_beg.as_chunks::<4>());
    let ((pe4, pe_rest), (ve4, ve_rest)) = (p_end.as_chunks_mut::<4>(), v_end.as_chunks_mut::<4>());
    let (r4, r_rest) = rho.as_chunks_mut::<4>();
    let chunks = p4
        .iter()
        .zip(v4)
        .zip(pb4)
        .zip(vb4)
        .zip(pe4)
        .zip(ve4)
        .zip(r4);
    for ((((((p, v), pb), vb), pe), ve), r) in chunks {
        *pe = *p;
        *ve = *v;
        for k in 0..4 {
            r[k] = pb[k] + p[k];
            plus[k] += v[k] * r[k];
            minus[k] += vb[k] * r[k];
        }
    }
    let rest = p_rest.iter().zip(v_rest).zip(pb_rest).zip(vb_rest);
    let rest = rest.zip(pe_rest).zip(ve_rest).zip(r_rest);
    for (k, ((((((p, v), pb), vb), pe), ve), r)) in rest.enumerate() {
        *pe = *p;
        *ve = *v;
        *r = pb + p;
        plus[k] += v * *r;
        minus[k] += vb * *r;
    }
    let sum = |s: [f64; 4]| (s[0] + s[1]) + (s[2] + s[3]);
    sum(plus) > 0.0 && sum(minus) > 0.0
}

/// `out = a + b`.
#[cfg(test)]
fn add_into(out: &mut [f64], a: &[f64], b: &[f64]) {
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
                let mut fused = [f64::NAN; 5];
                assert_eq!(
                    add_no_u_turn(&mut fused, &a, &b, vm, vp),
                    no_u_turn(vm, vp, &rho)
                );
                assert_eq!(fused, rho);
                let (mut p_end, mut v_end, mut fused) = ([0.0; 5], [0.0; 5], [0.0; 5]);
                let closed = close_pair(&b, vp, &a, vm, &mut p_end, &mut v_end, &mut fused);
                assert_eq!(closed, no_u_turn(vm, vp, &rho));
                assert_eq!((p_end, v_end, fused), (b, *vp, rho));
            }
        }
    }
}
