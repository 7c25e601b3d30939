//! Crash points for the crash-safety tests: `FAILPOINTS="<name>=return"` (the `fail` crate's
//! syntax) makes the process exit with code 86 at that point, as if it had been killed there.
//! Without the variable they cost one map lookup.

/// Exit code of a process stopped by a failpoint.
pub const EXIT_CODE: i32 = 86;

/// Exits the process when the failpoint `name` is configured to `return`.
pub fn crash_point(name: &str) {
    if fail::eval(name, |_| ()).is_some() {
        tracing::error!(failpoint = name, "failpoint: exiting here");
        std::process::exit(EXIT_CODE);
    }
}
