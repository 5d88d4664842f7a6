use ppl::prelude::*;

#[model]
fn vector_distribution_at_site(counts: &[i64]) {
    let p = sample("p", Dirichlet(vec![1.0; 3]));
    for k in 0..counts.len() {
        factor(counts[k] as f64 * p[k].ln());
    }
}

fn main() {}
