use ppl::prelude::*;

#[differentiable]
fn doubled(v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    for i in 0..v.len() {
        out[i] = 2.0 * v[i];
    }
    out
}

#[differentiable]
fn total(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i];
    }
    s
}

#[model]
fn vector_result(n: usize) {
    let theta = sample("theta", Normal(0.0, 1.0).iid(n));
    let d = doubled(&theta);
    factor(d);
}

#[model]
fn scalar_result(n: usize) {
    let theta = sample("theta", Normal(0.0, 1.0).iid(n));
    let d: Vec<f64> = total(&theta);
    factor(d[0]);
}

fn main() {}
