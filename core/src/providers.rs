//! Provider presets: the issuer, audience, key source, algorithms and claim
//! rules of the identity providers people use, defined once here and
//! reached with the same names and arguments from Rust, Python and Node.
//!
//! ```no_run
//! # fn run() -> Result<(), tokenward::Error> {
//! use serde_json::json;
//! let verifier = tokenward::providers::preset("auth0", json!({
//!     "domain": "example.eu.auth0.com",
//!     "audience": "https://api.example.com",
//! }))?
//! .leeway(std::time::Duration::from_secs(10))
//! .build()?;
//! # Ok(()) }
//! ```
//!
//! A preset fixes the issuer and the claim rules; every ordinary option
//! still applies on top (leeway, algorithms, cache settings), and the key
//! source may be replaced (`jwks`, `jwks_url`, `x509_url`, `key`) for
//! mirrored keys or tests. Arguments that become part of a URL (domains,
//! regions, pool ids, realms, tenants, project ids) are checked against
//! their character set first, so no preset can be steered to another host.

use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::error::{Error, ErrorCode};
use crate::fetch::check_url;
use crate::options::{option_spec, unknown_among, OptionKind, OptionSpec, Options, Spelling};
use crate::rules::ClaimRule;
use crate::verifier::{KeySpec, Verifier, VerifierBuilder};

/// One provider preset: its name, its arguments and what it sets.
#[derive(Debug, Clone, Copy)]
pub struct Provider {
    /// The preset's name, e.g. `auth0` (the Python class method and Node static method).
    pub name: &'static str,
    /// What the preset sets: issuer, audience, keys and extra rules, as documentation.
    pub doc: &'static str,
    /// The preset's own arguments; `default` is `"required"` for required ones.
    pub args: &'static [OptionSpec],
    build: fn(&Args) -> Result<VerifierBuilder, Error>,
}

const REQUIRED: &str = "required";

const fn arg(
    name: &'static str,
    camel: &'static str,
    kind: OptionKind,
    default: &'static str,
    doc: &'static str,
) -> OptionSpec {
    OptionSpec { name, camel, kind, default, doc }
}

/// Every provider preset, in documentation order.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "cotter",
        doc: "iss https://www.cotter.app, aud = the API key id, ES256, keys from https://www.cotter.app/api/v0/token/jwks.",
        args: &[arg("api_key_id", "apiKeyId", OptionKind::String, REQUIRED, "Your Cotter API key id: the tokens' aud.")],
        build: cotter,
    },
    Provider {
        name: "auth0",
        doc: "iss https://{domain}/ (and https://{custom_domain}/), aud = audience, RS256, keys from https://{domain}/.well-known/jwks.json.",
        args: &[
            arg("domain", "domain", OptionKind::String, REQUIRED, "The tenant's Auth0 domain, e.g. example.eu.auth0.com."),
            arg("audience", "audience", OptionKind::Strings, REQUIRED, "The API identifier(s) tokens are issued for."),
            arg("custom_domain", "customDomain", OptionKind::String, "none",
                "A custom domain: tokens issued under it are accepted too."),
        ],
        build: auth0,
    },
    Provider {
        name: "cognito",
        doc: "iss https://cognito-idp.{region}.amazonaws.com/{user_pool_id}, RS256, keys from {iss}/.well-known/jwks.json; \
              token_use must match; access tokens: client_id in client_ids (no aud); id tokens: aud in client_ids.",
        args: &[
            arg("region", "region", OptionKind::String, REQUIRED, "The AWS region, e.g. eu-west-1."),
            arg("user_pool_id", "userPoolId", OptionKind::String, REQUIRED, "The user pool id, e.g. eu-west-1_AbC123."),
            arg("client_ids", "clientIds", OptionKind::Strings, REQUIRED, "The app client id(s) tokens may be issued to."),
            arg("token_use", "tokenUse", OptionKind::String, REQUIRED, "\"access\" or \"id\": which tokens this verifier takes."),
        ],
        build: cognito,
    },
    Provider {
        name: "firebase",
        doc: "iss https://securetoken.google.com/{project_id}, aud = project_id, RS256, keys from Google's X.509 certificate map; \
              sub a non-empty string of at most 128 characters; auth_time present and not in the future.",
        args: &[arg("project_id", "projectId", OptionKind::String, REQUIRED, "The Firebase project id.")],
        build: firebase,
    },
    Provider {
        name: "google",
        doc: "iss accounts.google.com or https://accounts.google.com, aud in client_ids, RS256, keys from \
              https://www.googleapis.com/oauth2/v3/certs; hd = hosted_domain when given.",
        args: &[
            arg("client_ids", "clientIds", OptionKind::Strings, REQUIRED, "The OAuth client id(s) of your app: the id tokens' aud."),
            arg("hosted_domain", "hostedDomain", OptionKind::String, "none",
                "Accept only accounts of this Google Workspace domain (the hd claim)."),
        ],
        build: google,
    },
    Provider {
        name: "entra",
        doc: "Microsoft Entra ID: iss https://login.microsoftonline.com/{tid}/v2.0 (version 2) or https://sts.windows.net/{tid}/ \
              (version 1) for each allowed tenant, the tid claim equal to the tenant in iss, aud = audience, RS256.",
        args: &[
            arg("tenant", "tenant", OptionKind::String, REQUIRED,
                "The tenant id (a GUID), or organizations / common for a multi-tenant app (then list allowed_tenants)."),
            arg("audience", "audience", OptionKind::Strings, REQUIRED, "The application (client) id or App ID URI tokens are issued for."),
            arg("version", "version", OptionKind::Number, "2", "The access token version the app is configured for: 1 or 2."),
            arg("allowed_tenants", "allowedTenants", OptionKind::Strings, "the tenant",
                "Tenant ids (GUIDs) accepted by a multi-tenant app; no token of another tenant is accepted."),
        ],
        build: entra,
    },
    Provider {
        name: "okta",
        doc: "iss = issuer, aud = audience, RS256, keys from {issuer}/v1/keys (custom authorization server) or \
              {issuer}/oauth2/v1/keys (org server); cid in client_ids when given.",
        args: &[
            arg("issuer", "issuer", OptionKind::String, REQUIRED,
                "The authorization server's issuer, e.g. https://example.okta.com/oauth2/default."),
            arg("audience", "audience", OptionKind::Strings, REQUIRED, "The audience(s) the server issues tokens for, e.g. api://default."),
            arg("client_ids", "clientIds", OptionKind::Strings, "none", "Accept only tokens issued to these client ids (the cid claim)."),
        ],
        build: okta,
    },
    Provider {
        name: "keycloak",
        doc: "iss {base_url}/realms/{realm}, aud = audience, RS256, keys from {iss}/protocol/openid-connect/certs; \
              azp in authorized_parties when given.",
        args: &[
            arg("base_url", "baseUrl", OptionKind::String, REQUIRED, "The server's URL, e.g. https://sso.example.com (with any path prefix)."),
            arg("realm", "realm", OptionKind::String, REQUIRED, "The realm's name."),
            arg("audience", "audience", OptionKind::Strings, REQUIRED, "The client id(s) tokens are issued for (aud)."),
            arg("authorized_parties", "authorizedParties", OptionKind::Strings, "none",
                "Accept only tokens requested by these clients (the azp claim)."),
        ],
        build: keycloak,
    },
    Provider {
        name: "clerk",
        doc: "iss https://{frontend_api}, RS256, keys from {iss}/.well-known/jwks.json; azp in authorized_parties when given; \
              no aud unless audience is given.",
        args: &[
            arg("frontend_api", "frontendApi", OptionKind::String, REQUIRED,
                "The instance's Frontend API host, e.g. clerk.example.com or example.clerk.accounts.dev."),
            arg("authorized_parties", "authorizedParties", OptionKind::Strings, "none",
                "Origins allowed to request tokens, e.g. https://app.example.com (the azp claim)."),
            arg("audience", "audience", OptionKind::Strings, "none", "Accepted aud value(s), for JWT templates that set one."),
        ],
        build: clerk,
    },
    Provider {
        name: "supabase",
        doc: "iss https://{project_ref}.supabase.co/auth/v1, aud = audience, ES256 or RS256, keys from {iss}/.well-known/jwks.json.",
        args: &[
            arg("project_ref", "projectRef", OptionKind::String, REQUIRED, "The project reference, e.g. abcdefghijklmnopqrst."),
            arg("audience", "audience", OptionKind::Strings, "authenticated", "Accepted aud value(s)."),
        ],
        build: supabase,
    },
];

/// The preset called `name`.
pub fn provider(name: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.name == name)
}

fn unknown_provider(name: &str) -> Error {
    let names: Vec<&str> = PROVIDERS.iter().map(|p| p.name).collect();
    Error::config(format!(
        "unknown provider {:?}; the providers are {}",
        crate::error::truncate(name),
        names.join(", ")
    ))
}

/// The builder of preset `name` with its arguments (a JSON object, snake_case
/// keys); ordinary options can then be set on the builder.
pub fn preset(name: &str, args: Value) -> Result<VerifierBuilder, Error> {
    let provider = provider(name).ok_or_else(|| unknown_provider(name))?;
    let Value::Object(given) = args else {
        return Err(Error::config(format!("the {name} preset's arguments must be an object")));
    };
    let mut args = Map::new();
    for (key, value) in given {
        let spec = provider.args.iter().find(|a| a.name == key).ok_or_else(|| {
            let known: Vec<&str> = provider.args.iter().map(|a| a.name).collect();
            unknown_among(&key, &known, &format!("{name} argument"))
        })?;
        if !value.is_null() {
            args.insert(spec.name.to_owned(), value);
        }
    }
    provider.builder(Args { provider, values: args })
}

/// Builds a verifier from preset `name` and one object holding both the
/// preset's arguments and ordinary options, spelled as `spelling` says: the
/// bindings' `Verifier.auth0(...)`. The preset's issuer and rules stay: the
/// `issuer` and `discover` options are refused, and so is `audience` where
/// the preset takes its audience from an argument of its own.
pub fn build(name: &str, given: Value, spelling: Spelling) -> Result<Verifier, Error> {
    let provider = provider(name).ok_or_else(|| unknown_provider(name))?;
    let Value::Object(given) = given else {
        return Err(Error::config(format!("the {name} preset's arguments must be an object")));
    };
    let mut args = Map::new();
    let mut options = Map::new();
    for (key, value) in given {
        if let Some(spec) = provider.args.iter().find(|a| a.spelled(spelling) == key) {
            if !value.is_null() {
                args.insert(spec.name.to_owned(), value);
            }
            continue;
        }
        match option_spec(&key, spelling) {
            Some(spec) if matches!(spec.name, "issuer" | "discover" | "audience") => {
                return Err(Error::config(format!(
                    "the {name} preset sets {}; it cannot be given as an option here",
                    spec.spelled(spelling)
                )))
            }
            Some(_) => {
                options.insert(key, value);
            }
            None => {
                let mut known: Vec<&str> = provider.args.iter().map(|a| a.spelled(spelling)).collect();
                known.extend(crate::OPTIONS.iter().map(|o| o.spelled(spelling)));
                return Err(unknown_among(&key, &known, "option"));
            }
        }
    }
    let builder = provider.builder(Args { provider, values: args })?;
    // required_claims adds to the preset's, never removes one.
    let mut required = builder.required().to_vec();
    let builder = Options::from_json_spelled(Value::Object(options), spelling)?.apply_to(builder)?;
    for claim in builder.required() {
        if !required.contains(claim) {
            required.push(claim.clone());
        }
    }
    builder.required_claims(required).build()
}

impl Provider {
    fn builder(&self, args: Args) -> Result<VerifierBuilder, Error> {
        if let Some(missing) = self.args.iter().find(|a| a.default == REQUIRED && !args.values.contains_key(a.name)) {
            return Err(Error::config(format!("the {} preset needs {}", self.name, missing.name)));
        }
        (self.build)(&args)
    }
}

/// A preset's arguments, checked by name and type as they are read.
struct Args {
    provider: &'static Provider,
    values: Map<String, Value>,
}

impl Args {
    fn wrong(&self, name: &str, expected: &str) -> Error {
        Error::config(format!("{} argument {name} must be {expected}", self.provider.name))
    }

    fn string(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.values.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(_) => Err(self.wrong(name, "a non-empty string")),
        }
    }

    fn required(&self, name: &str) -> Result<&str, Error> {
        self.string(name)?.ok_or_else(|| self.wrong(name, "given"))
    }

    fn strings(&self, name: &str) -> Result<Vec<String>, Error> {
        let list = match self.values.get(name) {
            None => return Ok(Vec::new()),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong(name, "a string or a list of strings"))?,
            Some(_) => return Err(self.wrong(name, "a string or a list of strings")),
        };
        if list.iter().any(String::is_empty) {
            return Err(self.wrong(name, "a list of non-empty strings"));
        }
        Ok(list)
    }

    fn required_strings(&self, name: &str) -> Result<Vec<String>, Error> {
        let list = self.strings(name)?;
        if list.is_empty() {
            return Err(self.wrong(name, "at least one value"));
        }
        Ok(list)
    }

    /// A DNS host name: labels of letters, digits and `-`, no scheme, port or path.
    fn host(&self, name: &str) -> Result<Option<String>, Error> {
        let Some(host) = self.string(name)? else { return Ok(None) };
        if host.contains("://") || host.contains('/') {
            return Err(Error::config(format!(
                "{} argument {name} is a host name alone (e.g. example.com), without a scheme or path",
                self.provider.name
            )));
        }
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if host.len() > 253 || !host.contains('.') || !host.split('.').all(label_ok) {
            return Err(self.wrong(name, "a host name such as example.com (letters, digits, - and .)"));
        }
        // A last label of digits (or 0x...) makes a URL parser read an IP
        // address, which the issuer string would not say: a name only.
        let last = host.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
        if last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x") {
            return Err(self.wrong(name, "a host name, not an IP address"));
        }
        Ok(Some(host.to_ascii_lowercase()))
    }

    /// A path segment made of `allowed` characters.
    fn segment(&self, name: &str, allowed: fn(u8) -> bool, shape: &str) -> Result<&str, Error> {
        let value = self.required(name)?;
        if value.len() > 128 || value == "." || value == ".." || !value.bytes().all(allowed) {
            return Err(self.wrong(name, shape));
        }
        Ok(value)
    }

    /// A base URL (https, or http to a loopback address), without query or fragment.
    fn base_url(&self, name: &str) -> Result<String, Error> {
        let text = self.required(name)?;
        let url = check_url(text, name).map_err(Error::config)?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(self.wrong(name, "a URL without credentials, query or fragment"));
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }
}

fn lower_digit_dash(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn base(issuers: Vec<String>, keys: KeySpec, algorithms: &[Algorithm]) -> VerifierBuilder {
    Verifier::builder().issuers(issuers).preset_keys(keys).algorithms(algorithms.iter().copied())
}

fn cotter(args: &Args) -> Result<VerifierBuilder, Error> {
    let api_key_id = args.required("api_key_id")?;
    Ok(base(
        vec!["https://www.cotter.app".into()],
        KeySpec::JwksUrl("https://www.cotter.app/api/v0/token/jwks".into()),
        &[Algorithm::ES256],
    )
    .audience(api_key_id))
}

fn auth0(args: &Args) -> Result<VerifierBuilder, Error> {
    let domain = args.host("domain")?.ok_or_else(|| args.wrong("domain", "given"))?;
    let mut issuers = vec![format!("https://{domain}/")];
    issuers.extend(args.host("custom_domain")?.map(|d| format!("https://{d}/")));
    let keys = KeySpec::JwksUrl(format!("https://{domain}/.well-known/jwks.json"));
    Ok(base(issuers, keys, &[Algorithm::RS256]).audiences(args.required_strings("audience")?))
}

fn cognito(args: &Args) -> Result<VerifierBuilder, Error> {
    let region = args.segment("region", lower_digit_dash, "an AWS region such as eu-west-1")?;
    let pool =
        args.segment("user_pool_id", |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_', "a user pool id")?;
    if pool.split_once('_').map(|(r, _)| r) != Some(region) {
        return Err(args.wrong("user_pool_id", &format!("a pool of region {region} ({region}_...)")));
    }
    let client_ids = args.required_strings("client_ids")?;
    let token_use = args.required("token_use")?;
    let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool}");
    let keys = KeySpec::JwksUrl(format!("{issuer}/.well-known/jwks.json"));
    let builder = base(vec![issuer], keys, &[Algorithm::RS256])
        .required_claims(["exp", "token_use"])
        .claim_rule(ClaimRule::one_of("token_use", [token_use]));
    match token_use {
        "access" => Ok(builder.claim_rule(ClaimRule::OneOf {
            claim: "client_id".into(),
            values: client_ids,
            code: ErrorCode::InvalidAudience,
        })),
        "id" => Ok(builder.audiences(client_ids)),
        _ => Err(args.wrong("token_use", "\"access\" or \"id\"")),
    }
}

/// Where Google publishes the certificates that sign Firebase ID tokens.
pub const FIREBASE_CERTIFICATES: &str =
    "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com";

fn firebase(args: &Args) -> Result<VerifierBuilder, Error> {
    let project =
        args.segment("project_id", lower_digit_dash, "a Firebase project id (lowercase letters, digits and -)")?;
    Ok(base(
        vec![format!("https://securetoken.google.com/{project}")],
        KeySpec::X509Url(FIREBASE_CERTIFICATES.into()),
        &[Algorithm::RS256],
    )
    .audience(project)
    .required_claims(["exp", "iat", "sub", "auth_time"])
    .claim_rule(ClaimRule::BoundedString { claim: "sub".into(), max_chars: 128 })
    .claim_rule(ClaimRule::NotInFuture { claim: "auth_time".into() }))
}

fn google(args: &Args) -> Result<VerifierBuilder, Error> {
    let builder = base(
        vec!["https://accounts.google.com".into(), "accounts.google.com".into()],
        KeySpec::JwksUrl("https://www.googleapis.com/oauth2/v3/certs".into()),
        &[Algorithm::RS256],
    )
    .audiences(args.required_strings("client_ids")?);
    Ok(match args.host("hosted_domain")? {
        Some(domain) => builder.claim_rule(ClaimRule::one_of("hd", [domain])),
        None => builder,
    })
}

fn entra(args: &Args) -> Result<VerifierBuilder, Error> {
    let tenant = args.required("tenant")?.to_ascii_lowercase();
    let allowed = args.strings("allowed_tenants")?;
    let multi = matches!(tenant.as_str(), "organizations" | "common");
    if !multi && !is_guid(&tenant) {
        return Err(args.wrong("tenant", "a tenant id (GUID), organizations or common"));
    }
    let tenants: Vec<String> = match (multi, allowed.is_empty()) {
        (true, true) => {
            return Err(Error::config(format!(
                "a {tenant} (multi-tenant) entra preset needs allowed_tenants: the tenant ids whose tokens it accepts"
            )))
        }
        (true, false) => allowed,
        (false, true) => vec![tenant.clone()],
        (false, false) => {
            return Err(Error::config(
                "allowed_tenants is for an organizations or common tenant; a single tenant allows only itself",
            ))
        }
    };
    if let Some(bad) = tenants.iter().find(|t| !is_guid(t)) {
        return Err(Error::config(format!(
            "allowed_tenants entry {:?} is not a tenant id (GUID)",
            crate::error::truncate(bad)
        )));
    }
    let tenants: Vec<String> = tenants.iter().map(|t| t.to_ascii_lowercase()).collect();
    let version = match args.values.get("version") {
        None => 2,
        Some(v) if v.as_f64() == Some(2.0) => 2,
        Some(v) if v.as_f64() == Some(1.0) => 1,
        Some(_) => return Err(args.wrong("version", "1 or 2")),
    };
    let (issuers, keys): (Vec<String>, String) = if version == 2 {
        (
            tenants.iter().map(|t| format!("https://login.microsoftonline.com/{t}/v2.0")).collect(),
            format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
        )
    } else {
        (
            tenants.iter().map(|t| format!("https://sts.windows.net/{t}/")).collect(),
            format!("https://login.microsoftonline.com/{tenant}/discovery/keys"),
        )
    };
    Ok(base(issuers, KeySpec::JwksUrl(keys), &[Algorithm::RS256])
        .audiences(args.required_strings("audience")?)
        .claim_rule(ClaimRule::InIssuer { claim: "tid".into() }))
}

fn okta(args: &Args) -> Result<VerifierBuilder, Error> {
    let issuer = args.base_url("issuer")?;
    let keys =
        if issuer.contains("/oauth2/") { format!("{issuer}/v1/keys") } else { format!("{issuer}/oauth2/v1/keys") };
    let builder =
        base(vec![issuer], KeySpec::JwksUrl(keys), &[Algorithm::RS256]).audiences(args.required_strings("audience")?);
    let clients = args.strings("client_ids")?;
    Ok(if clients.is_empty() {
        builder
    } else {
        builder.claim_rule(ClaimRule::OneOf { claim: "cid".into(), values: clients, code: ErrorCode::InvalidAudience })
    })
}

fn keycloak(args: &Args) -> Result<VerifierBuilder, Error> {
    let base_url = args.base_url("base_url")?;
    let realm = args.segment(
        "realm",
        |b| b.is_ascii_alphanumeric() || b"-_.".contains(&b),
        "a realm name (letters, digits, - _ .)",
    )?;
    let issuer = format!("{base_url}/realms/{realm}");
    let keys = KeySpec::JwksUrl(format!("{issuer}/protocol/openid-connect/certs"));
    let builder = base(vec![issuer], keys, &[Algorithm::RS256]).audiences(args.required_strings("audience")?);
    Ok(authorized_parties(builder, args.strings("authorized_parties")?))
}

fn clerk(args: &Args) -> Result<VerifierBuilder, Error> {
    let host = args.host("frontend_api")?.ok_or_else(|| args.wrong("frontend_api", "given"))?;
    let issuer = format!("https://{host}");
    let keys = KeySpec::JwksUrl(format!("{issuer}/.well-known/jwks.json"));
    let builder = base(vec![issuer], keys, &[Algorithm::RS256]).audiences(args.strings("audience")?);
    Ok(authorized_parties(builder, args.strings("authorized_parties")?))
}

fn authorized_parties(builder: VerifierBuilder, parties: Vec<String>) -> VerifierBuilder {
    if parties.is_empty() {
        return builder;
    }
    builder.claim_rule(ClaimRule::OneOf { claim: "azp".into(), values: parties, code: ErrorCode::InvalidAudience })
}

fn supabase(args: &Args) -> Result<VerifierBuilder, Error> {
    let project = args.segment(
        "project_ref",
        |b| b.is_ascii_lowercase() || b.is_ascii_digit(),
        "a project ref (lowercase letters and digits)",
    )?;
    let issuer = format!("https://{project}.supabase.co/auth/v1");
    let keys = KeySpec::JwksUrl(format!("{issuer}/.well-known/jwks.json"));
    let mut audience = args.strings("audience")?;
    if audience.is_empty() {
        audience.push("authenticated".into());
    }
    Ok(base(vec![issuer], keys, &[Algorithm::ES256, Algorithm::RS256]).audiences(audience))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(name: &str, args: Value) -> String {
        let err = preset(name, args).and_then(VerifierBuilder::build).expect_err("should be refused");
        assert_eq!(err.kind(), ErrorCode::Configuration);
        err.message().to_owned()
    }

    #[test]
    fn arguments_that_become_urls_cannot_steer_a_preset_to_another_host() {
        for domain in [
            "https://evil.example",
            "evil.example/x",
            "evil.example:8443",
            "a..b",
            "-a.example",
            "x",
            "0x7f.1",
            "10.0.0.1",
        ] {
            refused("auth0", json!({"domain": domain, "audience": "api"}));
        }
        refused(
            "cognito",
            json!({"region": "eu-west-1.evil", "user_pool_id": "eu-west-1_a", "client_ids": "c", "token_use": "id"}),
        );
        refused(
            "cognito",
            json!({"region": "eu-west-1", "user_pool_id": "eu-west-1_a/../x", "client_ids": "c", "token_use": "id"}),
        );
        refused(
            "cognito",
            json!({"region": "eu-west-1", "user_pool_id": "us-east-1_a", "client_ids": "c", "token_use": "id"}),
        );
        refused("keycloak", json!({"base_url": "https://sso.example", "realm": "..", "audience": "a"}));
        refused("keycloak", json!({"base_url": "https://sso.example", "realm": "a/b", "audience": "a"}));
        refused("keycloak", json!({"base_url": "https://u:p@sso.example", "realm": "r", "audience": "a"}));
        refused("keycloak", json!({"base_url": "https://:p@sso.example", "realm": "r", "audience": "a"}));
        refused("firebase", json!({"project_id": "Proj/x"}));
        refused("supabase", json!({"project_ref": "abc.evil"}));
        refused("entra", json!({"tenant": "contoso.evil", "audience": "a"}));
        refused("entra", json!({"tenant": "common", "audience": "a"}));
        refused("entra", json!({"tenant": "common", "audience": "a", "allowed_tenants": ["not-a-guid"]}));
        refused("okta", json!({"issuer": "http://okta.example", "audience": "a"}));
    }

    #[test]
    fn presets_set_issuer_audience_keys_and_rules() {
        let v = preset(
            "auth0",
            json!({"domain": "Tenant.EU.auth0.com", "audience": "api", "custom_domain": "login.example.com"}),
        )
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(v.policy().issuers, ["https://tenant.eu.auth0.com/", "https://login.example.com/"]);
        assert_eq!(v.policy().audiences, ["api"]);
        let v = preset("cognito", json!({"region": "eu-west-1", "user_pool_id": "eu-west-1_Ab1", "client_ids": ["c1"], "token_use": "access"}))
            .unwrap()
            .build()
            .unwrap();
        assert!(v.policy().audiences.is_empty());
        assert_eq!(v.policy().rules().len(), 2);
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let v = preset("entra", json!({"tenant": tenant, "audience": "app", "version": 1})).unwrap().build().unwrap();
        assert_eq!(v.policy().issuers, [format!("https://sts.windows.net/{tenant}/")]);
    }

    #[test]
    fn unknown_arguments_and_missing_ones_are_named() {
        assert!(refused("auth0", json!({"domian": "a.example", "audience": "x"})).contains("did you mean `domain`?"));
        assert!(refused("auth0", json!({"domain": "a.example"})).contains("audience"));
        assert!(preset("nope", json!({})).err().expect("unknown").message().contains("auth0"));
    }

    #[test]
    fn options_apply_over_a_preset_but_issuer_and_audience_stay() {
        let v = build(
            "auth0",
            json!({"domain": "a.example", "audience": "api", "leeway": 5, "jwks": r#"{"keys":[]}"#}),
            Spelling::Snake,
        );
        assert_eq!(v.unwrap_err().kind(), ErrorCode::JwksInvalid, "the jwks option replaced the preset's key source");
        let v =
            build("auth0", json!({"domain": "a.example", "audience": "api", "leeway": 5}), Spelling::Snake).unwrap();
        assert_eq!(v.policy().leeway.as_secs(), 5);
        let err = build("auth0", json!({"domain": "a.example", "audience": "api", "issuer": "x"}), Spelling::Snake)
            .unwrap_err();
        assert!(err.message().contains("sets issuer"), "{}", err.message());
        let err = build("google", json!({"clientIds": "c", "audience": "x"}), Spelling::Camel).unwrap_err();
        assert!(err.message().contains("sets audience"), "{}", err.message());
        let v = build("firebase", json!({"project_id": "p", "required_claims": ["email"]}), Spelling::Snake).unwrap();
        assert_eq!(v.policy().required_claims, ["exp", "iat", "sub", "auth_time", "email"]);
        let v = build("firebase", json!({"project_id": "p", "required_claims": []}), Spelling::Snake).unwrap();
        assert_eq!(v.policy().required_claims, ["exp", "iat", "sub", "auth_time"], "never fewer than the preset's");
        let err = build("google", json!({"clientIds": "c", "leway": 1}), Spelling::Camel).unwrap_err();
        assert!(err.message().contains("did you mean `leeway`?"), "{}", err.message());
    }
}
