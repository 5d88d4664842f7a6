//! Analyses over the IR: activity, and (to come) the reverse plan of each region.

pub mod activity;
