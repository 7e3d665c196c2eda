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
mod options;
mod testing;
mod verifier;
