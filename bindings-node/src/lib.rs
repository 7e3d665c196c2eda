//! The native addon behind the `tokenward` npm package. The JavaScript layer
//! (index.js) checks argument types and wraps errors; this layer converts and
//! calls the core.

// napi-derive registers exports only outside cfg(test), so under test they look unused.
#![cfg_attr(test, allow(dead_code))]

mod errors;
mod testing;
mod verifier;
