use ppl::prelude::*;

#[model]
fn integer_from_parameter(y: &[f64]) {
    let u = sample("u", Uniform(0.0, 10.0));
    let k = u.floor() as usize;
    factor(y[0] * k as f64);
}

fn main() {}
