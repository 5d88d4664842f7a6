//! One leapfrog step of the Hamiltonian flow, with a three-way outcome: ok, divergence
//! (a recoverable numerical failure), or a fatal model error.

use super::{Metric, Point};
use crate::error::is_recoverable;
use ppl_core::{Error, Model, Workspace};

/// Why a trajectory diverged.
#[derive(Clone, Debug, PartialEq)]
pub enum Divergence {
    /// The log density was `-∞` or NaN, or a gradient entry was not finite.
    NonFinite,
    /// The model reported a recoverable numerical failure (see
    /// [`is_recoverable`](crate::is_recoverable)).
    Model(Error),
    /// The energy error `H − H₀` exceeded the limit (1000 by default).
    EnergyError(f64),
}

/// The outcome of a leapfrog step.
#[derive(Clone, Debug, PartialEq)]
pub enum LeapfrogOutcome {
    /// The step succeeded; the point holds the new state.
    Ok,
    /// The step hit a numerical failure: the trajectory diverged.
    Divergent(Divergence),
    /// The model failed in a way that is not numerical; the chain must stop.
    Fatal(Error),
}

/// Evaluates `log π(q)` and its gradient at `point.q` into the point (the energy is not
/// updated). Non-finite values are a divergence, recoverable model errors too.
pub fn evaluate<M: Model + ?Sized>(
    model: &M,
    ws: &mut Workspace,
    point: &mut Point,
) -> LeapfrogOutcome {
    match model.log_density_gradient_in(&point.q, &mut point.grad, ws) {
        Ok(lp) => {
            point.log_density = lp;
            // A non-short-circuiting fold: it vectorises.
            let grad_finite = point.grad.iter().fold(true, |ok, g| ok & g.is_finite());
            if lp.is_finite() && grad_finite {
                LeapfrogOutcome::Ok
            } else {
                point.log_density = f64::NEG_INFINITY;
                LeapfrogOutcome::Divergent(Divergence::NonFinite)
            }
        }
        Err(e) => {
            point.log_density = f64::NEG_INFINITY;
            if is_recoverable(&e) {
                LeapfrogOutcome::Divergent(Divergence::Model(e))
            } else {
                LeapfrogOutcome::Fatal(e)
            }
        }
    }
}

/// One leapfrog step of size `step` (negative to integrate backwards), in place.
///
/// # Formula
///
/// ```text
/// p ← p + (ε/2) ∇log π(q)
/// q ← q + ε M⁻¹ p
/// p ← p + (ε/2) ∇log π(q)
/// ```
///
/// On a divergence the point's energy is `+∞` (its momentum and velocity are then
/// unspecified); on success velocity and energy are updated.
pub fn leapfrog<M: Model + ?Sized>(
    model: &M,
    ws: &mut Workspace,
    metric: &Metric,
    point: &mut Point,
    step: f64,
) -> LeapfrogOutcome {
    let half = 0.5 * step;
    let n = point.q.len();
    let (q, p, v, g) = (
        &mut point.q[..n],
        &mut point.p[..n],
        &mut point.velocity[..n],
        &point.grad[..n],
    );
    match metric {
        Metric::Diagonal(m) => {
            kick_drift(q, p, v, g, m.inv_mass(), half, step);
        }
        Metric::Dense(m) => {
            for (pi, gi) in p.iter_mut().zip(g) {
                *pi += half * gi;
            }
            m.velocity(p, v);
            for (qi, vi) in q.iter_mut().zip(v.iter()) {
                *qi += step * vi;
            }
        }
    }
    match metric {
        Metric::Diagonal(m) => {
            let lp = match model.log_density_gradient_in(&point.q, &mut point.grad, ws) {
                Ok(lp) => lp,
                Err(e) => return failed(point, e),
            };
            let (twice_kinetic, finite) = kick_kinetic(
                &mut point.p,
                &mut point.velocity,
                &point.grad,
                m.inv_mass(),
                half,
            );
            if !(lp.is_finite() && finite) {
                point.log_density = f64::NEG_INFINITY;
                point.energy = f64::INFINITY;
                return LeapfrogOutcome::Divergent(Divergence::NonFinite);
            }
            point.log_density = lp;
            let h = -lp + 0.5 * twice_kinetic;
            point.energy = if h.is_nan() { f64::INFINITY } else { h };
            LeapfrogOutcome::Ok
        }
        Metric::Dense(_) => {
            let outcome = evaluate(model, ws, point);
            if !matches!(outcome, LeapfrogOutcome::Ok) {
                point.energy = f64::INFINITY;
                return outcome;
            }
            for (p, g) in point.p.iter_mut().zip(&point.grad) {
                *p += half * g;
            }
            point.update_energy(metric);
            LeapfrogOutcome::Ok
        }
    }
}

/// Half kick, velocity and drift of a diagonal metric `m`, in one pass. (Separate
/// function so that the slices are known not to overlap and the loop vectorises.)
#[inline(always)]
fn kick_drift(
    q: &mut [f64],
    p: &mut [f64],
    v: &mut [f64],
    g: &[f64],
    m: &[f64],
    half: f64,
    step: f64,
) {
    let n = q.len();
    let (p, v, g, m) = (&mut p[..n], &mut v[..n], &g[..n], &m[..n]);
    for i in 0..n {
        let pi = p[i] + half * g[i];
        p[i] = pi;
        let vi = m[i] * pi;
        v[i] = vi;
        q[i] += step * vi;
    }
}

/// Second half kick, velocity and `pᵀ v` (twice the kinetic energy) of a diagonal metric
/// `m`, and whether the gradient `g` is finite, in one pass: the same operations per
/// entry, and the same four interleaved partial sums, as the kick followed by
/// [`Metric::velocity_and_dot`].
#[inline(always)]
fn kick_kinetic(p: &mut [f64], v: &mut [f64], g: &[f64], m: &[f64], half: f64) -> (f64, bool) {
    let n = p.len();
    let (v, g, m) = (&mut v[..n], &g[..n], &m[..n]);
    let mut acc = [0.0; 4];
    let mut finite = true;
    let ((p4, p_rest), (v4, v_rest)) = (p.as_chunks_mut::<4>(), v.as_chunks_mut::<4>());
    let ((g4, g_rest), (m4, m_rest)) = (g.as_chunks::<4>(), m.as_chunks::<4>());
    for (((p, v), g), m) in p4.iter_mut().zip(v4).zip(g4).zip(m4) {
        for k in 0..4 {
            finite &= g[k].is_finite();
            p[k] += half * g[k];
            v[k] = m[k] * p[k];
            acc[k] += p[k] * v[k];
        }
    }
    let rest = p_rest.iter_mut().zip(v_rest).zip(g_rest).zip(m_rest);
    for (k, (((p, v), g), m)) in rest.enumerate() {
        finite &= g.is_finite();
        *p += half * g;
        *v = m * *p;
        acc[k] += *p * *v;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3]), finite)
}

/// The outcome of a model error at `point` (whose energy becomes `+∞`).
#[cold]
fn failed(point: &mut Point, e: Error) -> LeapfrogOutcome {
    point.log_density = f64::NEG_INFINITY;
    point.energy = f64::INFINITY;
    if is_recoverable(&e) {
        LeapfrogOutcome::Divergent(Divergence::Model(e))
    } else {
        LeapfrogOutcome::Fatal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamics::DiagonalMetric;
    use crate::test_models::{Correlated2d, EightSchools};
    use rand::SeedableRng;

    fn start<M: Model>(model: &M, q: &[f64], metric: &Metric, seed: u64) -> Point {
        let mut z = Point::new(q.len());
        z.q.copy_from_slice(q);
        assert_eq!(
            evaluate(model, &mut Workspace::new(), &mut z),
            LeapfrogOutcome::Ok
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        z.resample_momentum(metric, &mut rng);
        z
    }

    #[test]
    fn energy_error_is_second_order_and_steps_are_reversible() {
        let model = EightSchools::default();
        let metric = Metric::Diagonal(DiagonalMetric::new(vec![0.8; 10]).unwrap());
        let q: Vec<f64> = (0..10).map(|i| 0.3 * (i as f64) - 1.2).collect();
        let z0 = start(&model, &q, &metric, 3);
        let mut ws = Workspace::new();
        // Energy error after a fixed integration time T: O(ε²), so halving ε divides it
        // by ~4 (between 3 and 5 allows for the next-order term).
        let err = |eps: f64, ws: &mut Workspace| {
            let mut z = z0.clone();
            let steps = (0.4 / eps).round() as usize;
            for _ in 0..steps {
                assert_eq!(
                    leapfrog(&model, ws, &metric, &mut z, eps),
                    LeapfrogOutcome::Ok
                );
            }
            (z.energy - z0.energy).abs()
        };
        let (e1, e2) = (err(0.02, &mut ws), err(0.01, &mut ws));
        assert!(e1 / e2 > 3.0 && e1 / e2 < 5.0, "{e1} {e2}");
        // Forward then backward returns to the start (up to rounding).
        let mut z = z0.clone();
        for _ in 0..20 {
            leapfrog(&model, &mut ws, &metric, &mut z, 0.05);
        }
        for _ in 0..20 {
            leapfrog(&model, &mut ws, &metric, &mut z, -0.05);
        }
        for (a, b) in z.q.iter().zip(&z0.q).chain(z.p.iter().zip(&z0.p)) {
            assert!((a - b).abs() < 1e-11, "{a} vs {b}");
        }
    }

    #[test]
    fn dense_metric_step_matches_the_flow_of_a_gaussian() {
        // For a Gaussian with the dense metric Σ⁻¹ = M⁻¹ = Σ the flow is a rotation with
        // period 2π: the energy is conserved to O(ε²).
        let cov = Correlated2d::covariance();
        let metric = Metric::Dense(crate::dynamics::DenseMetric::new(2, cov.to_vec()).unwrap());
        let z0 = start(&Correlated2d, &[0.0, 1.0], &metric, 5);
        let mut z = z0.clone();
        let mut ws = Workspace::new();
        for _ in 0..100 {
            leapfrog(&Correlated2d, &mut ws, &metric, &mut z, 0.1);
        }
        assert!((z.energy - z0.energy).abs() < 0.01);
    }

    #[test]
    fn non_finite_density_is_a_divergence_and_fatal_errors_are_fatal() {
        let metric = Metric::Diagonal(DiagonalMetric::unit(1));
        let model = crate::test_models::Faulty { fail_above: 1.0 };
        let mut ws = Workspace::new();
        let mut z = Point::new(1);
        z.q[0] = -1.0;
        assert_eq!(evaluate(&model, &mut ws, &mut z), LeapfrogOutcome::Ok);
        z.p[0] = -20.0;
        z.update_energy(&metric);
        assert!(matches!(
            leapfrog(&model, &mut ws, &metric, &mut z, 0.1),
            LeapfrogOutcome::Divergent(Divergence::Model(Error::NonFinite { .. }))
        ));
        assert_eq!(z.energy, f64::INFINITY);
        z.q[0] = 0.5;
        evaluate(&model, &mut ws, &mut z);
        z.p[0] = 20.0;
        assert!(matches!(
            leapfrog(&model, &mut ws, &metric, &mut z, 0.1),
            LeapfrogOutcome::Fatal(Error::DimensionMismatch { .. })
        ));
    }
}
