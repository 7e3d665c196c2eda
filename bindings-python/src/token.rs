//! The token argument of `verify`, `validate`, `verify_async` and
//! `decode_unverified`: a `str`, or `bytes`, `bytearray` or `memoryview`
//! holding its ASCII text. Text that is not valid UTF-8 (a `str` with lone
//! surrogates, undecodable bytes) is handed to the core with U+FFFD in place
//! of the bad parts, so the core refuses it as malformed, as it does for Node
//! (whose strings convert the same way); no check is written here.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

pub enum Token {
    /// A `str`'s UTF-8, borrowed from Python (the common case: no copy).
    Text(PyBackedStr),
    Owned(String),
}

impl Token {
    pub fn as_str(&self) -> &str {
        match self {
            Token::Text(text) => text,
            Token::Owned(text) => text,
        }
    }
}

fn lossy(bytes: &[u8]) -> Token {
    Token::Owned(String::from_utf8_lossy(bytes).into_owned())
}

impl<'py> FromPyObject<'_, 'py> for Token {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Token> {
        if let Ok(text) = obj.cast::<PyString>() {
            return Ok(match PyBackedStr::try_from(text.to_owned()) {
                Ok(text) => Token::Text(text),
                Err(_) => Token::Owned(text.to_string_lossy().into_owned()),
            });
        }
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            return Ok(lossy(bytes.as_bytes()));
        }
        if let Ok(bytes) = obj.cast::<PyByteArray>() {
            return Ok(lossy(&bytes.to_vec()));
        }
        if obj.is_instance_of::<PyMemoryView>() {
            let bytes = obj.py().get_type::<PyBytes>().call1((obj,))?;
            return Ok(lossy(bytes.cast::<PyBytes>()?.as_bytes()));
        }
        let found = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        Err(PyTypeError::new_err(format!("the token must be a str or bytes; got {found}")))
    }
}
