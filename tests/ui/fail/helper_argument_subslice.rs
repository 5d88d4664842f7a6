use ppl::prelude::*;

#[differentiable]
fn total(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i];
    }
    s
}

#[model]
fn subslice(n: usize) {
    let theta = sample("theta", Normal(0.0, 1.0).iid(n));
    factor(total(&theta[1..]));
}

fn main() {}
