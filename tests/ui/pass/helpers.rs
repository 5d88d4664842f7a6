//! `#[differentiable]` helpers defined in another module and imported by a glob, a helper
//! called by path, and a `#[custom_derivative]` primitive: users depend on `ppl` alone.
use ppl::prelude::*;
use ppl::testing::check_gradients;

mod shapes {
    use ppl::prelude::*;

    /// Smooth ramp with an early return.
    #[differentiable]
    #[inline]
    pub fn ramp(x: f64, width: f64) -> f64 {
        if x > 20.0 * width {
            return x;
        }
        width * (x / width).exp().ln_1p()
    }

    /// Weighted sum of squares of a vector.
    #[differentiable]
    pub fn weighted_norm(v: &[f64], w: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..v.len() {
            s += w[i] * v[i] * v[i];
        }
        s
    }
}

use shapes::*;

/// `y = x^(1/3)` by bisection, with `dy/dx = 1 / (3 y^2)`.
#[custom_derivative(partials = cbrt_partials)]
fn cbrt_by_bisection(x: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, x.max(1.0));
    while hi - lo > 1e-15 * hi {
        let mid = 0.5 * (lo + hi);
        if mid * mid * mid > x {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

fn cbrt_partials<S: Scalar>(_x: S, y: S) -> S {
    (y * y * 3.0).recip()
}

#[model]
fn helpers(w: &[f64]) {
    let v = sample("v", Normal(0.0, 1.0).iid(w.len()));
    let s = sample("s", LogNormal(0.0, 1.0));
    factor(-0.5 * weighted_norm(&v, w) + ramp(v[0] - 1.0, 0.5));
    factor(-shapes::ramp(s, 2.0) + cbrt_by_bisection(s + 1.0));
}

fn main() {
    assert!((cbrt_by_bisection(8.0) - 2.0).abs() < 1e-12);
    assert_eq!(ramp(100.0, 1.0), 100.0);
    let m = Helpers::new(&[1.0, 0.5, 2.0]).unwrap();
    check_gradients(&m).unwrap();
}
