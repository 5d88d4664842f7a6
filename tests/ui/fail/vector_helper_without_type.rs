use ppl::prelude::*;

#[differentiable]
fn doubled(v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    for i in 0..v.len() {
        out[i] = 2.0 * v[i];
    }
    out
}

#[model]
fn vector_result(n: usize) {
    let theta = sample("theta", Normal(0.0, 1.0).iid(n));
    let d = doubled(&theta);
    factor(d);
}

fn main() {}
