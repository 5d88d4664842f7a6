//! Reductions and products with data: sum, mean, dot, squared_norm, data-matrix times vector.
