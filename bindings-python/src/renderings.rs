//! Renderings: the Python objects made for verified claims, kept so that
//! the next claims are turned into a `Claims` dict with less work.
//!
//! - The same claims again (a verified-token cache hit: a session's token on
//!   every request): the dict is copied from the rendering, and only arrays
//!   and objects are built again.
//! - Other claims laid out like recent ones (the same member names in the
//!   same order, written the same way: one issuer's tokens): members whose
//!   values are written the same way are copied (`iss`, `aud`, `scope`...),
//!   the rest read from the text.
//!
//! Not a second cache of verdicts: every call is still decided by the core,
//! and only its answer is rendered. A rendering is a pure function of the
//! payload's JSON text, and a part of one is reused only for the same bytes.
//!
//! Each call gets a new `Claims` dict; only immutable objects (`str`, `int`,
//! `float`, `bool`, `None`) are shared between calls. Arrays and objects are
//! built afresh from the signed text on every call: handing out one list or
//! dict twice (the same object, or a shallow `dict.copy()`) would let one
//! request's `claims["roles"].append("admin")` reach the next request.
//!
//! The exact rendering of some claims is kept from the second time the same
//! core `Claims` comes back (a hit returns the core's stored `Claims`, at the
//! same address), in slots chosen by that address, so a stream of distinct
//! tokens keeps none. Used only with the GIL held and with `try_lock`, so a
//! caller never waits (a busy lock renders from scratch); the lock is never
//! held while Python objects are made or released, so no Python code runs
//! under it and a forked child never inherits it locked.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use tokenward::Claims;

use crate::json::{self, Member};

/// Slots for exact renderings, per verifier (a power of two). About 1 KiB
/// of Python objects each when full.
const SLOTS: usize = 256;

/// Layouts kept per verifier: an issuer's access and id tokens, a second issuer's...
const LAYOUTS: usize = 4;

/// The objects made for one set of claims, and where its members lie.
struct Rendering {
    /// The claims rendered (their text is the model the members point into).
    claims: Claims,
    /// The members in signed order, with None for arrays and objects.
    template: Py<PyDict>,
    names: Vec<Py<PyString>>,
    members: Vec<Member>,
    /// Where the text after the last value starts.
    suffix: usize,
}

#[derive(Default)]
enum Slot {
    #[default]
    Empty,
    /// Claims rendered once; the next time they come back they are kept.
    Seen(Claims),
    Kept(Arc<Rendering>),
}

struct State {
    slots: Vec<Slot>,
    /// Recent renderings of distinct layouts, newest first.
    layouts: VecDeque<Arc<Rendering>>,
}

pub struct Renderings {
    state: Mutex<State>,
}

impl Default for Renderings {
    fn default() -> Self {
        let slots = (0..SLOTS).map(|_| Slot::Empty).collect();
        Renderings { state: Mutex::new(State { slots, layouts: VecDeque::with_capacity(LAYOUTS) }) }
    }
}

fn slot_of(claims: &Claims) -> usize {
    let address = claims.to_json().as_ptr() as usize as u64;
    (address.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// What to do, decided under the lock.
enum Plan {
    Exact(Arc<Rendering>),
    /// The second time these claims came back: render them and keep it.
    Keep,
    /// Render from these layouts when one fits.
    Fresh(Vec<Arc<Rendering>>),
}

impl Renderings {
    /// A new `Claims` dict (made by `new`, empty or from a template) holding
    /// the members of `claims`.
    pub fn render<'py>(
        &self,
        py: Python<'py>,
        claims: &Claims,
        new: impl Fn(Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let text = claims.to_json();
        let at = slot_of(claims);
        let plan = {
            let Ok(mut state) = self.state.try_lock() else {
                let dict = new(None)?;
                json::fill_from_text(&dict, text)?;
                return Ok(dict);
            };
            match &state.slots[at] {
                Slot::Kept(kept) if kept.claims.to_json() == text => Plan::Exact(Arc::clone(kept)),
                Slot::Seen(seen) if seen.to_json() == text => Plan::Keep,
                _ => {
                    let previous = std::mem::replace(&mut state.slots[at], Slot::Seen(claims.clone()));
                    let layouts = state.layouts.iter().cloned().collect();
                    drop(state);
                    drop(previous);
                    Plan::Fresh(layouts)
                }
            }
        };
        match plan {
            Plan::Exact(kept) => {
                let dict = new(Some(kept.template.bind(py)))?;
                for (name, member) in kept.names.iter().zip(&kept.members).filter(|(_, m)| m.container) {
                    dict.set_item(name, json::value_at(py, text, member.value)?.0)?;
                }
                Ok(dict)
            }
            Plan::Keep => {
                let dict = new(None)?;
                if let Some(kept) = read(&dict, claims)? {
                    let previous = match self.state.try_lock() {
                        Ok(mut state) => std::mem::replace(&mut state.slots[at], Slot::Kept(Arc::new(kept))),
                        Err(_) => Slot::Kept(Arc::new(kept)),
                    };
                    drop(previous);
                }
                Ok(dict)
            }
            Plan::Fresh(layouts) => {
                for model in &layouts {
                    let changed =
                        json::changed_members(py, text, model.claims.to_json(), &model.members, model.suffix)?;
                    if let Some(changed) = changed {
                        let dict = new(Some(model.template.bind(py)))?;
                        for (i, value) in changed {
                            dict.set_item(&model.names[i], value)?;
                        }
                        return Ok(dict);
                    }
                }
                drop(layouts);
                let dict = new(None)?;
                if let Some(layout) = read(&dict, claims)? {
                    let dropped = match self.state.try_lock() {
                        Ok(mut state) => {
                            state.layouts.push_front(Arc::new(layout));
                            let keep = LAYOUTS.min(state.layouts.len());
                            state.layouts.split_off(keep)
                        }
                        Err(_) => VecDeque::new(),
                    };
                    drop(dropped);
                }
                Ok(dict)
            }
        }
    }
}

/// Fills `dict` from the text, and returns the rendering to keep (none when
/// the text had to be read as a whole).
fn read(dict: &Bound<'_, PyDict>, claims: &Claims) -> PyResult<Option<Rendering>> {
    let py = dict.py();
    let text = claims.to_json();
    let mut notes = Vec::new();
    if !json::fill_noting(dict, text, Some(&mut notes))? {
        return Ok(None);
    }
    let template = dict.copy()?;
    for (name, member) in &notes {
        if member.container {
            template.set_item(name, py.None())?;
        }
    }
    let suffix = notes.last().map_or(0, |(_, member)| member.end);
    let (names, members) = notes.into_iter().map(|(name, member)| (name.unbind(), member)).unzip();
    Ok(Some(Rendering { claims: claims.clone(), template: template.unbind(), names, members, suffix }))
}
