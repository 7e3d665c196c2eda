//! The core's option table, so the JS layer converts, and index.d.ts
//! documents, exactly the options the core knows.

use napi_derive::napi;

/// One verifier option.
#[napi(object, js_name = "OptionSpec")]
pub struct OptionDescription {
    /// snake_case (Rust, Python).
    pub name: String,
    /// camelCase: the Node option name.
    pub camel: String,
    /// `string`, `strings`, `json`, `bytes`, `number` or `flag`: what the JS value is converted to.
    pub kind: String,
    /// The default, as documentation text (empty for key sources).
    pub default: String,
    /// What the option does.
    pub doc: String,
}

/// Every verifier option, in documentation order.
#[napi]
pub fn option_specs() -> Vec<OptionDescription> {
    described(tokenward::OPTIONS)
}

/// One provider preset.
#[napi(object, js_name = "ProviderSpec")]
pub struct ProviderDescription {
    /// The preset's name: the `Verifier` static method.
    pub name: String,
    /// What the preset sets.
    pub doc: String,
    /// The preset's own arguments (`default` is "required" for required ones).
    pub args: Vec<OptionDescription>,
}

/// Every provider preset, in documentation order.
#[napi]
pub fn provider_specs() -> Vec<ProviderDescription> {
    tokenward::providers::PROVIDERS
        .iter()
        .map(|p| ProviderDescription { name: p.name.to_owned(), doc: p.doc.to_owned(), args: described(p.args) })
        .collect()
}

fn described(specs: &[tokenward::OptionSpec]) -> Vec<OptionDescription> {
    specs
        .iter()
        .map(|spec| OptionDescription {
            name: spec.name.to_owned(),
            camel: spec.camel.to_owned(),
            kind: spec.kind.as_str().to_owned(),
            default: spec.default.to_owned(),
            doc: spec.doc.to_owned(),
        })
        .collect()
}
