//! `tokenward._native`: the Rust core seen from Python. The public package is
//! `tokenward` (python/tokenward/); this module is private to it.

mod errors;
mod json;
mod options;
mod runtime;
mod testing;
mod verifier;

use pyo3::prelude::*;

#[pymodule]
mod _native {
    #[pymodule_export]
    use crate::testing::TestIssuer;
    #[pymodule_export]
    use crate::verifier::{decode_unverified, scopes, Verifier};

    use pyo3::prelude::*;

    /// Called in a forked child (registered with `os.register_at_fork`).
    #[pyfunction]
    fn _after_fork_in_child() {
        crate::runtime::forget_after_fork();
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
