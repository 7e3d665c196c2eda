//! Time claims for people: the instant in UTC and how far it is from now.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// The time claims shown, in order.
pub const TIME_CLAIMS: [&str; 4] = ["exp", "nbf", "iat", "auth_time"];

pub fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// `2025-06-01 12:00:00 UTC`; `None` outside the years 1 to 9999.
pub fn utc(unix: f64) -> Option<String> {
    if !(-62_135_596_800.0..=253_402_300_799.0).contains(&unix) {
        return None;
    }
    let secs = unix.floor() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = tokenward::inspect::civil_date(days);
    let (h, m, s) = (rest / 3600, rest / 60 % 60, rest % 60);
    Some(format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02} UTC"))
}

/// `3 minutes ago`, `in 9 minutes`.
pub fn relative(unix: f64, now: f64) -> String {
    let delta = unix - now;
    // Unverified input: any number may come; ten thousand years is plenty.
    let secs = delta.abs().round().min(315_576_000_000.0) as u64;
    let (n, unit) = match secs {
        0..90 => (secs, "second"),
        90..5400 => ((secs + 30) / 60, "minute"),
        5400..129_600 => ((secs + 1800) / 3600, "hour"),
        _ => ((secs + 43_200) / 86_400, "day"),
    };
    let amount = format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if delta < 0.0 {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

/// How a time claim reads: `expired 3 minutes ago`, `expires in 9 minutes`,
/// or the bare relative time for the others.
pub fn describe(claim: &str, unix: f64, now: f64) -> String {
    let when = relative(unix, now);
    match claim {
        "exp" if unix <= now => format!("expired {when}"),
        "exp" => format!("expires {when}"),
        "nbf" if unix > now => format!("not valid until {when}"),
        "iat" if unix > now => format!("issued {when} (in the future)"),
        _ => when,
    }
}

/// The time claims present in `claims`: `{"exp": {"unix", "utc", "relative"}}`.
pub fn table(claims: &Map<String, Value>) -> Map<String, Value> {
    let now = now();
    TIME_CLAIMS
        .iter()
        .filter_map(|name| {
            let unix = claims.get(*name)?.as_f64()?;
            let shown = json!({"unix": unix, "utc": utc(unix), "relative": describe(name, unix, now)});
            Some(((*name).to_owned(), shown))
        })
        .collect()
}

/// The time claims as aligned lines for people.
pub fn lines(claims: &Map<String, Value>) -> String {
    let mut text = String::new();
    for (name, shown) in table(claims) {
        let utc = shown["utc"].as_str().unwrap_or("(out of range)");
        let relative = shown["relative"].as_str().unwrap_or_default();
        text.push_str(&format!("  {name:<10} {utc}  {relative}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_instants_in_utc() {
        assert_eq!(utc(0.0).unwrap(), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400.0).unwrap(), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000.0).unwrap(), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(1e13), None);
    }

    #[test]
    fn says_how_far_an_instant_is_in_words() {
        assert_eq!(describe("exp", 1000.0 - 180.0, 1000.0), "expired 3 minutes ago");
        assert_eq!(describe("exp", 1000.0 + 540.0, 1000.0), "expires in 9 minutes");
        assert_eq!(relative(1000.0 - 1.0, 1000.0), "1 second ago");
        assert_eq!(relative(1000.0 + 7200.0, 1000.0), "in 2 hours");
        assert_eq!(relative(1000.0 + 3.0 * 86_400.0, 1000.0), "in 3 days");
    }
}
