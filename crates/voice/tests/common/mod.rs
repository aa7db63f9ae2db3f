//! The tests that run espeak-ng and pocketsphinx are gated like the other telephony tests:
//! they run when `SWITCHYARD_TEST_TELEPHONY` is set (`.ci/run` sets it after installing
//! the Debian packages) and then fail, never skip, when a program is missing.

pub fn enabled(test: &str) -> bool {
    let on = std::env::var("SWITCHYARD_TEST_TELEPHONY").is_ok_and(|v| !v.trim().is_empty());
    if !on {
        println!("{test}: SWITCHYARD_TEST_TELEPHONY not set, skipped");
    }
    on
}
