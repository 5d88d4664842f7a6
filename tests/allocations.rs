//! Gradient evaluations allocate nothing after the first call: a counting global
//! allocator watches `log_density_gradient_in` (and the primal, JVP and Hessian-vector
//! product) with a reused `Workspace` on models with loops, recursions, local vectors and
//! a `while` loop.

use ppl::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// Counted per thread: the test harness runs other tests on other threads at the same time.
thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[model]
fn eight_schools(y: &[f64], sigma: &[f64]) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let tau = sample("tau", HalfCauchy(5.0));
    let theta_tilde = sample("theta_tilde", Normal(0.0, 1.0).iid(y.len()));
    for j in 0..y.len() {
        observe("y", Normal(mu + tau * theta_tilde[j], sigma[j]), y[j]);
    }
}

#[model]
fn garch11(y: &[f64], sigma1: f64) {
    let mu = sample("mu", Normal(0.0, 10.0));
    let alpha0 = sample("alpha0", HalfNormal(1.0));
    let alpha1 = sample("alpha1", Uniform(0.0, 1.0));
    let beta1 = sample("beta1", Uniform(0.0, 1.0 - alpha1));
    let mut sigma = sigma1;
    for t in 1..y.len() {
        sigma = (alpha0 + alpha1 * (y[t - 1] - mu).powi(2) + beta1 * sigma * sigma).sqrt();
        observe("y", Normal(mu, sigma), y[t]);
    }
}

#[model]
fn adstock(x: &[f64], y: &[f64]) {
    let decay = sample("decay", Beta(2.0, 2.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    let mut a = vec![0.0; y.len()];
    let mut mu = Vec::with_capacity(y.len());
    for t in 1..y.len() {
        a[t] = x[t] + decay * a[t - 1];
    }
    for t in 0..y.len() {
        mu.push(a[t] * 0.5);
    }
    observe("y", Normal(mu, sigma), y);
}

#[model]
fn newton(obs: f64) {
    let a = sample("a", Normal(1.0, 1.0));
    let mut z = a * 0.5;
    let mut step = 1.0;
    while step.abs() > 1e-12 {
        step = (z * z * z + z - a) / (3.0 * z * z + 1.0);
        z = z - step;
    }
    observe("obs", Normal(z, 0.5), obs);
}

/// A scalar `#[differentiable]` helper with a recorded loop, an early return, a local
/// vector and a slice argument: its scratch buffers and stacks come from the workspace.
#[differentiable]
#[allow(clippy::needless_range_loop)]
fn damped_sum(theta: &[f64], rate: f64, data: &[f64]) -> f64 {
    let mut w = vec![0.0; theta.len()];
    let mut carry = 0.0;
    for k in 0..theta.len() {
        carry = carry * rate + theta[k] * data[k];
        w[k] = carry;
        if carry > 1e6 {
            return carry;
        }
    }
    let mut s = 0.0;
    for k in 0..w.len() {
        s += w[k] * w[k];
    }
    s
}

/// A `#[custom_derivative]` primitive solved by Newton iterations.
#[custom_derivative(partials = cube_root_partials)]
fn cube_root_of(a: f64) -> f64 {
    let mut z = a.abs().max(1.0);
    let mut step = 1.0;
    while step.abs() > 1e-14 * (1.0 + z.abs()) {
        step = (z * z * z - a) / (3.0 * z * z);
        z -= step;
    }
    z
}

fn cube_root_partials<S: Scalar>(_a: S, z: S) -> S {
    (z * z * 3.0).recip()
}

#[model]
fn with_helpers(data: &[f64]) {
    let theta = sample("theta", Normal(0.0, 1.0).iid(data.len()));
    let rate = sample("rate", Uniform(0.0, 1.0));
    let b = sample("b", Normal(2.0, 1.0));
    factor(-0.1 * damped_sum(&theta, rate, data));
    factor(-0.1 * damped_sum(&theta, 0.5, &data[..]));
    observe("c", Normal(cube_root_of(b * b + 1.0), 1.0), 1.3);
}

#[differentiable]
fn vol_step(prev: f64, shock: f64, a: f64, b: f64) -> f64 {
    (0.1 + a * shock * shock + b * prev * prev).sqrt()
}

/// A helper on loop-carried state: called in the replay of a recorded loop.
#[model]
fn helper_recursion(r: &[f64]) {
    let a = sample("a", Uniform(0.0, 1.0));
    let b = sample("b", Uniform(0.0, 1.0 - a));
    let mut s = 1.0;
    for t in 1..r.len() {
        s = vol_step(s, r[t - 1], a, b);
        observe("r", Normal(0.0, s), r[t]);
    }
}

/// Allocations made by `f` after one warm-up call.
fn allocations_after_warmup(mut f: impl FnMut()) -> usize {
    f();
    let before = allocations();
    for _ in 0..10 {
        f();
    }
    allocations() - before
}

fn check<M: Model>(name: &str, m: &M) {
    let n = m.dim();
    let x: Vec<f64> = (0..n).map(|i| 0.1 * i as f64 - 0.2).collect();
    let v: Vec<f64> = (0..n).map(|i| 1.0 - 0.05 * i as f64).collect();
    let (mut g, mut hv) = (vec![0.0; n], vec![0.0; n]);
    let mut ws = Workspace::new();
    let grads = allocations_after_warmup(|| {
        m.log_density_gradient_in(&x, &mut g, &mut ws).unwrap();
    });
    assert_eq!(grads, 0, "{name}: gradient evaluations allocated");
    let primal = allocations_after_warmup(|| {
        m.log_density_in(&x, &mut ws).unwrap();
    });
    assert_eq!(primal, 0, "{name}: log density evaluations allocated");
    let jvps = allocations_after_warmup(|| {
        m.log_density_jvp_in(&x, &v, &mut ws).unwrap();
    });
    assert_eq!(jvps, 0, "{name}: JVP evaluations allocated");
    let hvps = allocations_after_warmup(|| {
        m.log_density_hvp_in(&x, &v, &mut hv, &mut ws).unwrap();
    });
    assert_eq!(hvps, 0, "{name}: Hessian-vector products allocated");
}

#[test]
fn no_allocation_after_warmup() {
    let y8 = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    let s8 = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
    check("eight schools", &EightSchools::new(&y8, &s8).unwrap());
    let y: Vec<f64> = (0..50)
        .map(|t| ((t * 37 % 11) as f64 - 5.0) * 0.3)
        .collect();
    check("garch", &Garch11::new(&y, 1.0).unwrap());
    let x: Vec<f64> = (0..50).map(|t| ((t * 13 % 7) as f64) * 0.5).collect();
    check("adstock", &Adstock::new(&x, &y).unwrap());
    check("newton", &Newton::new(0.7).unwrap());
    let d: Vec<f64> = (0..6).map(|t| 0.3 * t as f64 - 0.5).collect();
    check("helpers", &WithHelpers::new(&d).unwrap());
    check("helper recursion", &HelperRecursion::new(&y).unwrap());
}

#[test]
fn the_counter_sees_allocations() {
    // The check above could not pass vacuously: allocating is counted.
    let n = allocations_after_warmup(|| {
        let v: Vec<f64> = std::hint::black_box(vec![1.0; 16]);
        std::hint::black_box(v);
    });
    assert!(n >= 10, "counted {n}");
}

/// Vector-distribution sites and observations (data arguments lifted into workspace
/// buffers) and a loop with `break`/`continue`.
#[model]
fn vector_sites(alpha: &[f64], l: &[Vec<f64>], z: &[Vec<f64>], ys: &[i64]) {
    let theta = sample("theta", Dirichlet(alpha));
    let corr = sample("corr", LkjCholesky(2, 2.0));
    let mu = sample("mu", MultiNormal(vec![0.0; 2], l));
    observe("ys", Categorical(theta), ys);
    for i in 0..z.len() {
        if z[i][0] > 5.0 {
            continue;
        }
        observe("z", MultiNormal(mu, corr), z[i]);
    }
    let mut s = mu[0];
    for i in 0..ys.len() {
        if s > 3.0 {
            break;
        }
        s = 0.5 * s + theta[ys[i] as usize];
    }
    factor(-s * s);
}

#[test]
fn no_allocation_after_warmup_with_vector_sites_and_exits() {
    let l = vec![vec![1.0, 0.0], vec![0.5, 0.8]];
    let z = vec![vec![0.3, 0.2], vec![9.0, 0.0], vec![-0.4, 1.0]];
    let m = VectorSites::new(&[1.0, 2.0, 3.0], &l, &z, &[0, 2, 1, 1]).unwrap();
    check("vector sites", &m);
}
