//! JSON to Python objects: from the JSON text the core verified, built in
//! one scan (no serde_json tree in between), or from serde_json values.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

/// Puts the members of the JSON object `text` into `dict` (which may be a
/// dict subclass), in the order they were written.
///
/// `text` is JSON the core has already accepted (an object, no duplicate
/// members, valid strings), so a single forward scan builds the Python
/// objects with no intermediate tree. Numbers other than plain integers, and
/// strings with escapes, are read by serde_json, the core's own parser, so
/// they come out exactly as the core read them. Text the scan does not
/// expect (it should never meet any) is read by serde_json as a whole.
pub fn fill_from_text(dict: &Bound<'_, PyDict>, text: &str) -> PyResult<()> {
    fill_noting(dict, text, None).map(|_| ())
}

/// The JSON object `text` as a new `dict` (see [`fill_from_text`]).
pub fn object_from_text<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    fill_from_text(&dict, text)?;
    Ok(dict)
}

/// Where one member of an object lies in its text: `from..value` is what
/// precedes the value (the opening brace or the comma, the name, the colon,
/// any whitespace), `value..end` the value as written.
#[derive(Clone, Debug)]
pub struct Member {
    pub from: usize,
    pub value: usize,
    pub end: usize,
    /// The value is an array or an object.
    pub container: bool,
}

/// [`fill_from_text`], noting where each member lies in `notes` (with its
/// name as put in the dict). False when the text had to be read as a whole
/// (nothing noted).
pub fn fill_noting<'py>(
    dict: &Bound<'py, PyDict>,
    text: &str,
    notes: Option<&mut Vec<(Bound<'py, PyString>, Member)>>,
) -> PyResult<bool> {
    let mut scan = Scan { py: dict.py(), text, bytes: text.as_bytes(), at: 0 };
    match scan.object_into(dict, 0, notes).and_then(|()| scan.end()) {
        Ok(()) => Ok(true),
        Err(Stop::Python(e)) => Err(*e),
        Err(Stop::Unexpected) => {
            dict.clear();
            let map: Map<String, Value> = serde_json::from_str(text)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("invalid JSON object: {e}")))?;
            fill(dict, &map)?;
            Ok(false)
        }
    }
}

/// The value that starts at byte `at` of `text`, as a new Python object,
/// and where it ends.
pub fn value_at<'py>(py: Python<'py>, text: &str, at: usize) -> PyResult<(Bound<'py, PyAny>, usize)> {
    let mut scan = Scan { py, text, bytes: text.as_bytes(), at };
    match scan.value(1) {
        Ok(value) => Ok((value, scan.at)),
        Err(Stop::Python(e)) => Err(*e),
        Err(Stop::Unexpected) => Err(pyo3::exceptions::PyValueError::new_err("no JSON value at that offset")),
    }
}

/// Members whose values differ from a model's: their indexes, with their new values.
pub type Changes<'py> = Vec<(usize, Bound<'py, PyAny>)>;

/// How the object `text` differs from `model`, an object text already
/// rendered whose members lie at `members` and whose closing part starts at
/// `suffix`: when every member has the same name in the same place, written
/// the same way (the same bytes between the values), the members whose
/// values are written differently, or are arrays or objects, each with its
/// new value; `None` when the layout differs. A value written the same way
/// reads as the same value, so the model's object for it can be reused.
pub fn changed_members<'py>(
    py: Python<'py>,
    text: &str,
    model: &str,
    members: &[Member],
    suffix: usize,
) -> PyResult<Option<Changes<'py>>> {
    let bytes = text.as_bytes();
    let model = model.as_bytes();
    let mut at = 0;
    let mut changed = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let before = &model[member.from..member.value];
        if !bytes[at..].starts_with(before) {
            return Ok(None);
        }
        at += before.len();
        let written = &model[member.value..member.end];
        // The bytes after a value (the next member's first ones, or the
        // suffix's) are never part of a value, so a value that merely starts
        // like the model's fails the next comparison.
        if !member.container && bytes[at..].starts_with(written) {
            at += written.len();
            continue;
        }
        let (value, end) = value_at(py, text, at)?;
        changed.push((i, value));
        at = end;
    }
    Ok((bytes[at..] == model[suffix..]).then_some(changed))
}

/// Nesting the scan follows: serde_json's own limit, which the core's
/// parse of the same text already held to.
const MAX_NESTING: usize = 128;

/// Why a scan stopped (boxed: the common path returns values, and a small
/// error keeps its `Result`s small).
enum Stop {
    Python(Box<PyErr>),
    Unexpected,
}

impl From<PyErr> for Stop {
    fn from(e: PyErr) -> Self {
        Stop::Python(Box::new(e))
    }
}

/// Where the first `"` or `\\` at or after `from` is, eight bytes at a time
/// (a string ends at the next `"` unless a backslash comes first).
fn quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        // A byte of `quote` (`backslash`) is zero where the word has a quote
        // (backslash); the lowest flagged byte is exact (a borrow can only
        // flag bytes above a real match), and the lowest is the one wanted.
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let flags = (quote.wrapping_sub(ONES) & !quote | backslash.wrapping_sub(ONES) & !backslash) & HIGH;
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = bytes.get(at..)?;
    tail.iter().position(|&b| b == b'"' || b == b'\\').map(|i| at + i)
}

struct Scan<'t, 'py> {
    py: Python<'py>,
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t, 'py> Scan<'t, 'py> {
    /// The next byte that is not whitespace, left under the cursor.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Result<(), Stop> {
        if self.peek() != Some(byte) {
            return Err(Stop::Unexpected);
        }
        self.at += 1;
        Ok(())
    }

    fn end(&mut self) -> Result<(), Stop> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Stop::Unexpected),
        }
    }

    fn object_into(
        &mut self,
        dict: &Bound<'py, PyDict>,
        depth: usize,
        mut notes: Option<&mut Vec<(Bound<'py, PyString>, Member)>>,
    ) -> Result<(), Stop> {
        let mut from = 0;
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            let name = key(self.py, &self.string()?);
            self.expect(b':')?;
            let first = self.peek();
            let start = self.at;
            let value = self.value(depth + 1)?;
            if let Some(notes) = notes.as_deref_mut() {
                let container = matches!(first, Some(b'[' | b'{'));
                notes.push((name.clone(), Member { from, value: start, end: self.at, container }));
            }
            from = self.at;
            dict.set_item(name, value)?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Unexpected),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Bound<'py, PyAny>, Stop> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                items.push(self.value(depth + 1)?);
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(Stop::Unexpected),
                }
            }
        }
        Ok(PyList::new(self.py, items)?.into_any())
    }

    fn value(&mut self, depth: usize) -> Result<Bound<'py, PyAny>, Stop> {
        if depth > MAX_NESTING {
            return Err(Stop::Unexpected);
        }
        let py = self.py;
        Ok(match self.peek().ok_or(Stop::Unexpected)? {
            b'"' => PyString::new(py, &self.string()?).into_any(),
            b'{' => {
                let dict = PyDict::new(py);
                self.object_into(&dict, depth, None)?;
                dict.into_any()
            }
            b'[' => self.array(depth)?,
            b't' => self.literal("true", PyBool::new(py, true).to_owned().into_any())?,
            b'f' => self.literal("false", PyBool::new(py, false).to_owned().into_any())?,
            b'n' => self.literal("null", py.None().into_bound(py))?,
            _ => self.number()?,
        })
    }

    fn literal(&mut self, word: &str, value: Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>, Stop> {
        if !self.bytes[self.at..].starts_with(word.as_bytes()) {
            return Err(Stop::Unexpected);
        }
        self.at += word.len();
        Ok(value)
    }

    /// A string at the cursor (after whitespace): borrowed from the text
    /// unless it has escapes, which serde_json decodes.
    #[inline]
    fn string(&mut self) -> Result<Cow<'t, str>, Stop> {
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            self.at = quote_or_backslash(self.bytes, self.at).ok_or(Stop::Unexpected)?;
            if self.bytes[self.at] == b'"' {
                break;
            }
            escaped = true;
            self.at += 2;
        }
        self.at += 1;
        let text = self.text.get(start..self.at - 1).ok_or(Stop::Unexpected)?;
        if !escaped {
            return Ok(Cow::Borrowed(text));
        }
        let quoted = self.text.get(start - 1..self.at).ok_or(Stop::Unexpected)?;
        serde_json::from_str::<String>(quoted).map(Cow::Owned).map_err(|_| Stop::Unexpected)
    }

    /// A number: a plain non-negative integer read here, anything else
    /// (sign, fraction, exponent, beyond 64 bits) by serde_json.
    fn number(&mut self) -> Result<Bound<'py, PyAny>, Stop> {
        let start = self.at;
        let mut plain = true;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'0'..=b'9' => {}
                b'-' | b'+' | b'.' | b'e' | b'E' => plain = false,
                _ => break,
            }
            self.at += 1;
        }
        let digits = self.text.get(start..self.at).filter(|d| !d.is_empty()).ok_or(Stop::Unexpected)?;
        if plain {
            if let Ok(n) = digits.parse::<u64>() {
                let Ok(int) = n.into_pyobject(self.py);
                return Ok(int.into_any());
            }
        }
        let number: serde_json::Number = serde_json::from_str(digits).map_err(|_| Stop::Unexpected)?;
        Ok(to_py(self.py, &Value::Number(number))?)
    }
}

pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            fill(&dict, map)?;
            dict.into_any()
        }
    })
}

/// A JSON object as a new `dict`.
pub fn object_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    fill(&dict, map)?;
    Ok(dict)
}

/// Puts every member of `map` into `dict` (which may be a dict subclass).
pub fn fill(dict: &Bound<'_, PyDict>, map: &Map<String, Value>) -> PyResult<()> {
    let py = dict.py();
    for (k, v) in map {
        dict.set_item(key(py, k), to_py(py, v)?)?;
    }
    Ok(())
}

/// Member names that come back on every verify (the registered claims, the
/// common OpenID Connect and OAuth ones, the header's): one Python string
/// each, reused, instead of a new one per token. (A reused string also
/// carries its hash, so the dict insert skips hashing it.)
fn key<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    let interned = match name {
        "iss" => pyo3::intern!(py, "iss"),
        "sub" => pyo3::intern!(py, "sub"),
        "aud" => pyo3::intern!(py, "aud"),
        "exp" => pyo3::intern!(py, "exp"),
        "nbf" => pyo3::intern!(py, "nbf"),
        "iat" => pyo3::intern!(py, "iat"),
        "jti" => pyo3::intern!(py, "jti"),
        "scope" => pyo3::intern!(py, "scope"),
        "scp" => pyo3::intern!(py, "scp"),
        "azp" => pyo3::intern!(py, "azp"),
        "client_id" => pyo3::intern!(py, "client_id"),
        "sid" => pyo3::intern!(py, "sid"),
        "auth_time" => pyo3::intern!(py, "auth_time"),
        "nonce" => pyo3::intern!(py, "nonce"),
        "acr" => pyo3::intern!(py, "acr"),
        "amr" => pyo3::intern!(py, "amr"),
        "at_hash" => pyo3::intern!(py, "at_hash"),
        "email" => pyo3::intern!(py, "email"),
        "email_verified" => pyo3::intern!(py, "email_verified"),
        "name" => pyo3::intern!(py, "name"),
        "given_name" => pyo3::intern!(py, "given_name"),
        "family_name" => pyo3::intern!(py, "family_name"),
        "roles" => pyo3::intern!(py, "roles"),
        "groups" => pyo3::intern!(py, "groups"),
        "alg" => pyo3::intern!(py, "alg"),
        "kid" => pyo3::intern!(py, "kid"),
        "typ" => pyo3::intern!(py, "typ"),
        _ => return PyString::new(py, name),
    };
    interned.clone()
}

/// Python data to a serde_json value, through `json.dumps` so that every
/// JSON-able object Python accepts is accepted here too.
pub fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let text: String = value.py().import("json")?.call_method1("dumps", (value,))?.extract()?;
    serde_json::from_str(&text).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// Deepest nesting [`claims_from_py`] follows; deeper values read as null.
const MAX_DEPTH: usize = 64;

/// A dict of claims built by hand, as the JSON object the core reads. Values
/// JSON cannot hold (a `datetime`, NaN, a cycle, nesting deeper than
/// [`MAX_DEPTH`]) read as null, which every claim reader treats as a claim of
/// the wrong type, so no value makes a reader raise.
pub fn claims_from_py(dict: &Bound<'_, PyDict>) -> PyResult<Map<String, Value>> {
    object_from_py(dict, 0)
}

fn object_from_py(dict: &Bound<'_, PyDict>, depth: usize) -> PyResult<Map<String, Value>> {
    let mut map = Map::with_capacity(dict.len());
    for (k, v) in dict.iter() {
        if let Ok(name) = k.cast::<PyString>() {
            map.insert(name.to_string_lossy().into_owned(), data_from_py(&v, depth + 1)?);
        }
    }
    Ok(map)
}

fn data_from_py(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH || value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(i.into());
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(u.into());
        }
        return Ok(value
            .extract::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_string_lossy().into_owned()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        return Ok(Value::Object(object_from_py(d, depth)?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value.try_iter()?.map(|item| data_from_py(&item?, depth + 1)).collect::<PyResult<_>>()?;
        return Ok(Value::Array(items));
    }
    Ok(Value::Null)
}
