//! `tokenward._native`: the Rust core seen from Python. The public package is
//! `tokenward` (python/tokenward/); this module is private to it.

mod claims;
mod errors;
mod gate;
mod json;
mod logging;
mod options;
mod renderings;
mod runtime;
mod testing;
mod token;
mod verifier;

use pyo3::prelude::*;

#[pymodule]
mod _native {
    #[pymodule_export]
    use crate::claims::CoreClaims;
    #[pymodule_export]
    use crate::gate::Gate;
    #[pymodule_export]
    use crate::testing::TestIssuer;
    #[pymodule_export]
    use crate::verifier::{_any_of, _preset, _time_core, decode_unverified, Built, Verifier};

    use pyo3::prelude::*;
    use pyo3::types::PyDict;

    /// Called in a forked child (registered with `os.register_at_fork`).
    #[pyfunction]
    fn _after_fork_in_child() {
        crate::runtime::forget_after_fork();
    }

    /// Every verifier option (name, kind, default, doc), in documentation
    /// order: the core's table, which the stubs and docs are checked against.
    #[pyfunction]
    fn option_specs(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
        crate::options::specs(py)
    }

    /// Every provider preset (name, doc, args), from the core's table.
    #[pyfunction]
    fn provider_specs(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
        crate::options::provider_specs(py)
    }

    /// `python -m tokenward`: runs the tokenward command with `args` on this
    /// process's standard output and error; returns its exit code.
    #[pyfunction]
    fn _cli(py: Python<'_>, args: Vec<String>) -> i32 {
        use std::io::IsTerminal;
        py.detach(|| {
            let is_terminal = std::io::stdout().is_terminal();
            let run = || Ok(tokenward_cli::run(args, &mut std::io::stdout(), &mut std::io::stderr(), is_terminal));
            tokenward::contain(run).unwrap_or(70)
        })
    }

    /// Every stable error code, from the core.
    #[pyfunction]
    fn error_codes() -> Vec<&'static str> {
        tokenward::ErrorCode::ALL.iter().map(|code| code.as_str()).collect()
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        // tokenward's events to the `logging` module, logger "tokenward".
        crate::logging::install(m)?;
        // Test builds only: tokenward panics on purpose for PANIC_TOKEN and PANIC_PATH.
        m.add("_panic_injection", cfg!(feature = "panic-injection"))
    }
}
