use ppl::prelude::*;

#[custom_derivative]
fn solve(a: f64) -> f64 {
    a.cbrt()
}

fn main() {}
