//! A count of entry-id comparisons in unit tests (test builds only): `scale_tests` measures
//! planning work in operations, never in time. Imports nothing, so every file may count.

use std::cell::Cell;

thread_local! {
    static COMPARISONS: Cell<u64> = const { Cell::new(0) };
}

/// Called by `EntryId`'s comparisons.
pub fn compared() {
    COMPARISONS.with(|c| c.set(c.get() + 1));
}

/// Starts counting from zero on this thread.
pub fn reset() {
    COMPARISONS.with(|c| c.set(0));
}

/// Comparisons on this thread since [`reset`].
pub fn count() -> u64 {
    COMPARISONS.with(Cell::get)
}
