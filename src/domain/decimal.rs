//! What a payroll number read from Nmbrs REST means (issue 23, REST-NOTES §7). Nmbrs keeps
//! hours, percentages and amounts as float32 and prints them as JSON numbers with about eight
//! significant digits, often one float32 step off: it means 33.33 and says `33.329998`, means
//! 32 and says `31.999998`. [`as_meant`] turns such a number into the decimal Nmbrs meant, once,
//! where the REST edge reads it; everything after compares and publishes meanings.
//!
//! **The rule.** A value with at most 2 decimal places is kept as it is. Otherwise, the first of
//! the value rounded to 0, 1 and 2 places (half away from zero) whose float32 lies within
//! [`STEPS`] float32 steps of the float32 of the value read is what Nmbrs meant; when none is,
//! the value is kept as read (a percentage such as `50.526318` has no shorter meaning; noise is
//! never turned into 0 or null).
//!
//! **Why two steps.** One for the noise itself (real responses are one step off: `19.200003` is
//! one step above the float32 of 19.2), one for the printing: eight significant digits do not
//! always name a float32 exactly (between 10 and 16, say, they are 1e-6 apart and float32
//! steps 9.5e-7), so the value read can land one step beside the float32 Nmbrs printed.
//!
//! **Where it is exact.** Every value of at most 2 places with magnitude below 2^15 (32 768: hours,
//! percentages, wages, monthly salaries) comes back exactly from its float32, or from one
//! float32 step either side, printed with 8 or 9 significant digits or in full (the property
//! test below). There, a float32 step is under 0.002, so a shorter decimal cannot be within two
//! steps of a two-place value unless it is that value. Above, float32 cannot hold cents at all;
//! the rule then gives the shortest decimal float32 cannot tell from the value read.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// How many float32 steps a candidate meaning may lie from the value read (module doc).
pub const STEPS: u32 = 2;

/// The decimal Nmbrs meant by `read`, a number as a REST response printed it (module doc).
/// Pure; idempotent (`as_meant(as_meant(x)) == as_meant(x)`).
pub fn as_meant(read: Decimal) -> Decimal {
    if read.normalize().scale() <= 2 {
        return read;
    }
    let Some(stored) = float32(read) else { return read };
    (0..=2)
        .map(|places| read.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
        .find(|candidate| float32(*candidate).is_some_and(|c| steps_between(c, stored) <= STEPS))
        .map_or(read, |meant| meant.normalize())
}

/// The float32 nearest to `d` (correctly rounded from its exact text); `None` if not finite.
fn float32(d: Decimal) -> Option<f32> {
    f32::from_str(&d.to_string()).ok().filter(|f| f.is_finite())
}

/// How many float32 values lie between `a` and `b`, plus one (0 when equal; `+0.0` and `-0.0`
/// are equal).
fn steps_between(a: f32, b: f32) -> u32 {
    // Bit patterns ordered like the values: negative floats count down from zero.
    let ordered = |x: f32| {
        let bits = i64::from(x.to_bits().cast_signed());
        if bits < 0 { i64::from(i32::MIN) - bits } else { bits }
    };
    u32::try_from(ordered(a).abs_diff(ordered(b))).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn meant(s: &str) -> String {
        as_meant(d(s)).to_string()
    }

    #[test]
    fn the_field_values_come_back_as_nmbrs_meant_them() {
        // Field case 13 (contract and schedule hours, day hours, salaries) and REST-NOTES §7.
        let cases = [
            ("19.200003", "19.2"),
            ("31.999998", "32"),
            ("27.699999", "27.7"),
            ("6.4000006", "6.4"),
            ("5.5499997", "5.55"),
            ("12.969999", "12.97"),
            ("2210.4001", "2210.4"),
            ("15.310001", "15.31"),
            ("33.329998", "33.33"),
        ];
        for (read, expected) in cases {
            assert_eq!(meant(read), expected, "{read}");
        }
    }

    #[test]
    fn values_of_at_most_two_places_and_genuine_fractions_are_kept() {
        for kept in ["8", "8.0", "7.50", "-3.25", "0", "0.01", "123456.78", "1000000"] {
            assert_eq!(as_meant(d(kept)), d(kept), "{kept}");
            assert_eq!(as_meant(d(kept)).to_string(), kept, "{kept}: not even its scale changes");
        }
        // A percentage with no shorter meaning (19.2 h of 38), a real third decimal, tiny values.
        for kept in ["50.526318", "73.02631", "84.210526", "1.005", "0.125", "0.0000001", "-0.0000001"] {
            assert_eq!(meant(kept), kept, "{kept}");
        }
    }

    #[test]
    fn noise_is_never_zero_and_negative_values_mean_their_negative() {
        assert_eq!(meant("-7.4999995"), "-7.5");
        assert_eq!(meant("-2210.4001"), "-2210.4");
        assert_eq!(meant("0.0099999998"), "0.01");
        assert_eq!(meant("-0.0099999998"), "-0.01");
        assert_eq!(meant("0.30000001"), "0.3");
    }

    #[test]
    fn three_steps_off_is_no_longer_noise() {
        let f = 19.2_f32;
        let three_up = f32::from_bits(f.to_bits() + 3);
        let two_up = f32::from_bits(f.to_bits() + 2);
        assert_eq!(meant(&format!("{two_up:.9}")), "19.2");
        assert_ne!(meant(&format!("{three_up:.9}")), "19.2");
        assert_eq!(steps_between(-0.0, 0.0), 0);
        assert_eq!(steps_between(f32::from_bits(1), -f32::from_bits(1)), 2);
    }

    #[test]
    fn the_rule_is_idempotent_on_the_field_values() {
        for read in ["19.200003", "50.526318", "31.999998", "7.25"] {
            assert_eq!(as_meant(as_meant(d(read))), as_meant(d(read)));
        }
    }

    /// The ways a float32 reaches us as JSON: 8 significant digits (as Nmbrs prints:
    /// `33.329998`), 9 (enough to name any float32), its shortest round-trip form, and the
    /// full text of the float64 it widens to.
    fn printed(x: f32) -> [String; 4] {
        [format!("{x:.7e}"), format!("{x:.8e}"), format!("{x}"), format!("{}", f64::from(x))]
    }

    fn parsed(s: &str) -> Decimal {
        Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s)).unwrap()
    }

    proptest! {
        /// Two-place values in realistic ranges (hours, percentages, wages, salaries, negatives
        /// included) through float32 and back, as printed in every way, also one float32 step
        /// either side: always exactly the value.
        #[test]
        fn two_place_values_survive_float32(
            cents in prop_oneof![-2_400i64..=2_400, -10_000i64..=10_000, -500_000i64..=500_000, -3_276_799i64..=3_276_799],
        ) {
            let value = Decimal::new(cents, 2);
            let stored: f32 = value.to_string().parse().unwrap();
            // Zero's neighbours are 1e-45: no response carries those.
            let beside = if stored == 0.0 { vec![stored] } else {
                vec![f32::from_bits(stored.to_bits() - 1), stored, f32::from_bits(stored.to_bits() + 1)]
            };
            for x in beside {
                for text in printed(x) {
                    prop_assert_eq!(as_meant(parsed(&text)), value, "{} read as {}", value, text);
                }
            }
        }
    }
}
