//! The native addon behind the `tokenward` npm package. The JavaScript layer
//! (index.js, verifier.js, options.js) checks argument types and builds
//! errors; this layer converts, calls the core, and returns refusals as
//! plain objects. Every entry point runs the core under `tokenward::contain`,
//! so a panic reaches JS as an `ERR_INTERNAL` refusal, never a crash or a
//! Promise that never settles.

// napi-derive registers exports only outside cfg(test), so under test they look unused.
#![cfg_attr(test, allow(dead_code))]

mod errors;
mod gate;
mod logging;
mod options;
mod testing;
mod verifier;

/// `npx tokenward`: runs the tokenward command with `args` on this process's
/// standard output and error; returns its exit code (the `issuer` command
/// runs until the process is interrupted).
#[napi_derive::napi(catch_unwind)]
pub fn run_cli(args: Vec<String>) -> i32 {
    use std::io::IsTerminal;
    let is_terminal = std::io::stdout().is_terminal();
    let run = || Ok(tokenward_cli::run(args, &mut std::io::stdout(), &mut std::io::stderr(), is_terminal));
    tokenward::contain(run).unwrap_or(70)
}
