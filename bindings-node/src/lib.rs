//! The native addon behind the `tokenward` npm package. The JavaScript layer
//! (index.js) checks argument types and wraps errors; this layer converts and
//! calls the core.

mod errors;
mod testing;
mod verifier;
