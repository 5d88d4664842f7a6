use ppl::prelude::*;

#[differentiable]
fn clipped(v: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    for i in 0..n {
        if v[i] > 1.0 {
            return out;
        }
        out[i] = v[i];
    }
    out
}

#[differentiable]
fn no_value(x: f64) {
    let _ = x;
}

#[differentiable]
fn closure_inside(x: f64) -> f64 {
    let f = |t: f64| t * x;
    f(2.0)
}

fn main() {}
