//! One NUTS transition: tree doubling with multinomial sampling (biased progressive
//! between the old tree and a new subtree, uniform within subtrees), the generalised
//! no-U-turn criterion with Stan's extra checks across merged subtrees, and divergence
//! detection.

use super::uturn::{add_into, no_u_turn};
use crate::dynamics::{leapfrog, Divergence, LeapfrogOutcome, Metric, Point};
use crate::sampler_stats::{DivergenceStart, SamplerStats, Transition};
use ppl_core::{Error, Model, Workspace};
use rand::Rng;

/// Reusable vectors and points, so that transitions allocate nothing once the pool has
/// reached the depth of the deepest tree.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    dim: usize,
    vecs: Vec<Vec<f64>>,
    points: Vec<Point>,
}

impl Scratch {
    pub(crate) fn new(dim: usize) -> Self {
        Self {
            dim,
            vecs: Vec::new(),
            points: Vec::new(),
        }
    }
    /// A zeroed vector of length `dim`.
    pub(crate) fn vec(&mut self) -> Vec<f64> {
        match self.vecs.pop() {
            Some(mut v) => {
                v.iter_mut().for_each(|x| *x = 0.0);
                v
            }
            None => vec![0.0; self.dim],
        }
    }
    /// A copy of `src`.
    pub(crate) fn vec_from(&mut self, src: &[f64]) -> Vec<f64> {
        let mut v = self.vec();
        v.copy_from_slice(src);
        v
    }
    pub(crate) fn give(&mut self, v: Vec<f64>) {
        self.vecs.push(v);
    }
    /// A copy of `src`.
    pub(crate) fn point_from(&mut self, src: &Point) -> Point {
        match self.points.pop() {
            Some(mut p) => {
                p.copy_from(src);
                p
            }
            None => src.clone(),
        }
    }
    pub(crate) fn give_point(&mut self, p: Point) {
        self.points.push(p);
    }
}

/// The model and buffers a chain evaluates with.
pub(crate) struct Hamiltonian<'a, M: ?Sized> {
    pub(crate) model: &'a M,
    pub(crate) ws: Workspace,
    pub(crate) metric: Metric,
    pub(crate) scratch: Scratch,
}

/// NUTS tuning constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NutsOptions {
    pub(crate) max_depth: usize,
    pub(crate) max_energy_error: f64,
}

/// `log(exp(a) + exp(b))`, exact for infinities.
#[inline]
fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

struct Builder<'h, 'a, M: ?Sized, R: ?Sized> {
    h: &'h mut Hamiltonian<'a, M>,
    rng: &'h mut R,
    /// Signed step size of the current direction.
    step: f64,
    h0: f64,
    max_energy_error: f64,
    n_leapfrog: usize,
    sum_metro_prob: f64,
    divergent: bool,
    /// Where the trajectory diverged (the first point past the threshold).
    divergence: Option<DivergenceStart>,
}

/// Ends and momentum sum of a (sub)trajectory being built, in integration order
/// (`beg` is next to the existing trajectory, `end` is the new frontier).
struct Ends<'v> {
    velocity_beg: &'v mut [f64],
    velocity_end: &'v mut [f64],
    rho: &'v mut [f64],
    p_beg: &'v mut [f64],
    p_end: &'v mut [f64],
}

impl<M: Model + ?Sized, R: Rng + ?Sized> Builder<'_, '_, M, R> {
    /// Builds a subtree of `2^depth` leapfrog steps from `z` (which ends at the subtree's
    /// frontier), sampling `z_propose` uniformly (multinomially) within it and adding its
    /// weight to `log_sum_weight`. Returns whether the subtree is valid (no divergence, no
    /// U-turn inside it); `Err` on a fatal model error.
    fn build(
        &mut self,
        depth: usize,
        z: &mut Point,
        z_propose: &mut Point,
        ends: Ends<'_>,
        log_sum_weight: &mut f64,
    ) -> Result<bool, Error> {
        if depth == 0 {
            let outcome = leapfrog(self.h.model, &mut self.h.ws, &self.h.metric, z, self.step);
            self.n_leapfrog += 1;
            let (h, failure) = match outcome {
                LeapfrogOutcome::Ok => (z.energy, None),
                LeapfrogOutcome::Divergent(d) => (f64::INFINITY, Some(d)),
                LeapfrogOutcome::Fatal(e) => return Err(e),
            };
            if !(h - self.h0 <= self.max_energy_error) {
                self.divergent = true;
                if self.divergence.is_none() {
                    // Allocates, but only once per divergent transition.
                    self.divergence = Some(DivergenceStart {
                        position: z.q.clone(),
                        reason: failure.unwrap_or(Divergence::EnergyError(h - self.h0)),
                    });
                }
            }
            let log_weight = self.h0 - h;
            *log_sum_weight = log_sum_exp(*log_sum_weight, log_weight);
            self.sum_metro_prob += if log_weight > 0.0 {
                1.0
            } else {
                log_weight.exp()
            };
            z_propose.copy_from(z);
            ends.velocity_beg.copy_from_slice(&z.velocity);
            ends.velocity_end.copy_from_slice(&z.velocity);
            for (r, p) in ends.rho.iter_mut().zip(&z.p) {
                *r += p;
            }
            ends.p_beg.copy_from_slice(&z.p);
            ends.p_end.copy_from_slice(&z.p);
            return Ok(!self.divergent);
        }

        let sc = &mut self.h.scratch;
        let mut p_init_end = sc.vec();
        let mut velocity_init_end = sc.vec();
        let mut rho_init = sc.vec();
        let mut p_final_beg = sc.vec();
        let mut velocity_final_beg = sc.vec();
        let mut rho_final = sc.vec();
        let mut z_propose_final = sc.point_from(z);

        let result = (|| {
            // First half.
            let mut log_sum_weight_init = f64::NEG_INFINITY;
            let valid_init = self.build(
                depth - 1,
                z,
                z_propose,
                Ends {
                    velocity_beg: &mut *ends.velocity_beg,
                    velocity_end: &mut velocity_init_end,
                    rho: &mut rho_init,
                    p_beg: &mut *ends.p_beg,
                    p_end: &mut p_init_end,
                },
                &mut log_sum_weight_init,
            )?;
            if !valid_init {
                return Ok(false);
            }
            // Second half.
            let mut log_sum_weight_final = f64::NEG_INFINITY;
            let valid_final = self.build(
                depth - 1,
                z,
                &mut z_propose_final,
                Ends {
                    velocity_beg: &mut velocity_final_beg,
                    velocity_end: &mut *ends.velocity_end,
                    rho: &mut rho_final,
                    p_beg: &mut p_final_beg,
                    p_end: &mut *ends.p_end,
                },
                &mut log_sum_weight_final,
            )?;
            if !valid_final {
                return Ok(false);
            }
            // Uniform (multinomial) choice between the halves.
            let log_sum_weight_subtree = log_sum_exp(log_sum_weight_init, log_sum_weight_final);
            *log_sum_weight = log_sum_exp(*log_sum_weight, log_sum_weight_subtree);
            if log_sum_weight_final > log_sum_weight_subtree {
                z_propose.copy_from(&z_propose_final);
            } else {
                let accept = (log_sum_weight_final - log_sum_weight_subtree).exp();
                if self.rng.random::<f64>() < accept {
                    z_propose.copy_from(&z_propose_final);
                }
            }
            // Momentum sums and the three no-U-turn checks.
            let mut rho_subtree = self.h.scratch.vec();
            add_into(&mut rho_subtree, &rho_init, &rho_final);
            for (r, s) in ends.rho.iter_mut().zip(&rho_subtree) {
                *r += s;
            }
            let mut persist = no_u_turn(ends.velocity_beg, ends.velocity_end, &rho_subtree);
            let mut rho_extended = self.h.scratch.vec();
            add_into(&mut rho_extended, &rho_init, &p_final_beg);
            persist &= no_u_turn(ends.velocity_beg, &velocity_final_beg, &rho_extended);
            add_into(&mut rho_extended, &rho_final, &p_init_end);
            persist &= no_u_turn(&velocity_init_end, ends.velocity_end, &rho_extended);
            self.h.scratch.give(rho_subtree);
            self.h.scratch.give(rho_extended);
            Ok(persist)
        })();

        let sc = &mut self.h.scratch;
        sc.give(p_init_end);
        sc.give(velocity_init_end);
        sc.give(rho_init);
        sc.give(p_final_beg);
        sc.give(velocity_final_beg);
        sc.give(rho_final);
        sc.give_point(z_propose_final);
        result
    }
}

/// One NUTS transition from `z` (position, log density and gradient must be current);
/// on return `z` is the new draw. A fresh momentum is drawn first.
///
/// # Algorithm
///
/// Hoffman & Gelman (2014) tree doubling with Betancourt's (2017) multinomial sampling,
/// as in Stan ≥ 2.26 (`base_nuts::transition`): each doubling extends the trajectory
/// forward or backward with probability ½ by a subtree of the current size; the new
/// subtree's sample replaces the current one with probability
/// `min(1, w_subtree / w_old)` (biased progressive sampling); inside subtrees the halves
/// are merged with probability `w_final / (w_init + w_final)` (uniform). Expansion stops at
/// a U-turn of the whole trajectory or across the two merged parts (checked on
/// `ρ_left + p_first(right)` and `ρ_right + p_last(left)` as well), at a divergence
/// (`H − H₀ > max_energy_error` or a numerical failure, the diverging subtree being
/// discarded), or at `max_depth`.
pub(crate) fn transition<M: Model + ?Sized, R: Rng + ?Sized>(
    h: &mut Hamiltonian<'_, M>,
    options: NutsOptions,
    step_size: f64,
    z: &mut Point,
    rng: &mut R,
) -> Result<Transition, Error> {
    z.resample_momentum(&h.metric, rng);
    let h0 = z.energy;

    let sc = &mut h.scratch;
    let mut z_fwd = sc.point_from(z);
    let mut z_bck = sc.point_from(z);
    let mut z_propose = sc.point_from(z);
    let mut p_fwd_fwd = sc.vec_from(&z.p);
    let mut v_fwd_fwd = sc.vec_from(&z.velocity);
    let mut p_fwd_bck = sc.vec_from(&z.p);
    let mut v_fwd_bck = sc.vec_from(&z.velocity);
    let mut p_bck_fwd = sc.vec_from(&z.p);
    let mut v_bck_fwd = sc.vec_from(&z.velocity);
    let mut p_bck_bck = sc.vec_from(&z.p);
    let mut v_bck_bck = sc.vec_from(&z.velocity);
    let mut rho = sc.vec_from(&z.p);
    let mut rho_fwd = sc.vec();
    let mut rho_bck = sc.vec();
    let mut rho_extended = sc.vec();

    let mut builder = Builder {
        h,
        rng,
        step: step_size,
        h0,
        max_energy_error: options.max_energy_error,
        n_leapfrog: 0,
        sum_metro_prob: 0.0,
        divergent: false,
        divergence: None,
    };
    let mut log_sum_weight = 0.0; // the initial point has weight exp(H₀ − H₀) = 1
    let mut depth = 0;
    // `z` itself holds the current sample.
    let result = (|| {
        while depth < options.max_depth {
            rho_fwd.iter_mut().for_each(|x| *x = 0.0);
            rho_bck.iter_mut().for_each(|x| *x = 0.0);
            let mut log_sum_weight_subtree = f64::NEG_INFINITY;
            let valid = if builder.rng.random::<f64>() > 0.5 {
                // Extend forward: the old trajectory becomes the backward part.
                rho_bck.copy_from_slice(&rho);
                p_bck_fwd.copy_from_slice(&p_fwd_fwd);
                v_bck_fwd.copy_from_slice(&v_fwd_fwd);
                builder.step = step_size;
                builder.build(
                    depth,
                    &mut z_fwd,
                    &mut z_propose,
                    Ends {
                        velocity_beg: &mut v_fwd_bck,
                        velocity_end: &mut v_fwd_fwd,
                        rho: &mut rho_fwd,
                        p_beg: &mut p_fwd_bck,
                        p_end: &mut p_fwd_fwd,
                    },
                    &mut log_sum_weight_subtree,
                )?
            } else {
                // Extend backward: the old trajectory becomes the forward part.
                rho_fwd.copy_from_slice(&rho);
                p_fwd_bck.copy_from_slice(&p_bck_bck);
                v_fwd_bck.copy_from_slice(&v_bck_bck);
                builder.step = -step_size;
                builder.build(
                    depth,
                    &mut z_bck,
                    &mut z_propose,
                    Ends {
                        velocity_beg: &mut v_bck_fwd,
                        velocity_end: &mut v_bck_bck,
                        rho: &mut rho_bck,
                        p_beg: &mut p_bck_fwd,
                        p_end: &mut p_bck_bck,
                    },
                    &mut log_sum_weight_subtree,
                )?
            };
            if !valid {
                break;
            }
            depth += 1;
            // Biased progressive sampling between the old tree and the new subtree.
            if log_sum_weight_subtree > log_sum_weight {
                z.copy_from(&z_propose);
            } else {
                let accept = (log_sum_weight_subtree - log_sum_weight).exp();
                if builder.rng.random::<f64>() < accept {
                    z.copy_from(&z_propose);
                }
            }
            log_sum_weight = log_sum_exp(log_sum_weight, log_sum_weight_subtree);
            add_into(&mut rho, &rho_bck, &rho_fwd);
            let mut persist = no_u_turn(&v_bck_bck, &v_fwd_fwd, &rho);
            add_into(&mut rho_extended, &rho_bck, &p_fwd_bck);
            persist &= no_u_turn(&v_bck_bck, &v_fwd_bck, &rho_extended);
            add_into(&mut rho_extended, &rho_fwd, &p_bck_fwd);
            persist &= no_u_turn(&v_bck_fwd, &v_fwd_fwd, &rho_extended);
            if !persist {
                break;
            }
        }
        Ok(())
    })();

    let n_leapfrog = builder.n_leapfrog;
    let sum_metro_prob = builder.sum_metro_prob;
    let divergent = builder.divergent;
    let divergence = builder.divergence.take();
    let sc = &mut h.scratch;
    for v in [
        p_fwd_fwd,
        v_fwd_fwd,
        p_fwd_bck,
        v_fwd_bck,
        p_bck_fwd,
        v_bck_fwd,
        p_bck_bck,
        v_bck_bck,
        rho,
        rho_fwd,
        rho_bck,
        rho_extended,
    ] {
        sc.give(v);
    }
    sc.give_point(z_fwd);
    sc.give_point(z_bck);
    sc.give_point(z_propose);
    result?;

    Ok(Transition {
        stats: SamplerStats {
            log_density: z.log_density,
            accept_stat: sum_metro_prob / n_leapfrog.max(1) as f64,
            step_size,
            tree_depth: depth,
            n_leapfrog,
            divergent,
            energy: z.energy,
        },
        divergence,
    })
}
