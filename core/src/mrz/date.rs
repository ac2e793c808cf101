//! Calendar dates for document fields: validation, the two-digit-year
//! century rules, and today's date from a Unix time. The calendar itself
//! (month lengths, leap years, days since 1970) is the `time` crate's; this
//! type adds the MRZ rules and the `YYYY-MM-DD` form every door writes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Result;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 1974.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

impl Date {
    /// The date, if it exists (no 31 April, no 29 February 2023).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let month_of_year = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
        time::Date::from_calendar_date(year, month_of_year, u8::try_from(day).ok()?).ok()?;
        Some(Date { year, month, day })
    }

    /// The UTC date of a Unix time in seconds.
    pub fn from_unix(seconds: i64) -> Date {
        // `time` covers years -9999 to 9999; a clock outside them is clamped.
        let moment = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(if seconds < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        });
        Date {
            year: moment.year(),
            month: u32::from(u8::from(moment.month())),
            day: u32::from(moment.day()),
        }
    }

    /// Today's UTC date from the system clock.
    pub fn today() -> Result<Date> {
        crate::clock::now_unix().map(Date::from_unix)
    }

    /// The same month and day `years` later (28 February for 29 February).
    pub fn add_years(self, years: i32) -> Date {
        let year = self.year + years;
        Date::new(year, self.month, self.day).unwrap_or(Date {
            year,
            month: 2,
            day: 28,
        })
    }

    /// Parses `YYMMDD` digits into (two-digit year, month, day); `None` when not digits.
    pub(crate) fn split_yymmdd(text: &str) -> Option<(i32, u32, u32)> {
        if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
        Some((number(0..2)? as i32, number(2..4)?, number(4..6)?))
    }

    /// A birth date from a two-digit year: the latest century that does not
    /// put it after `today`.
    pub fn birth_date(yy: i32, month: u32, day: u32, today: Date) -> Option<Date> {
        let recent = Date::new(2000 + yy, month, day)?;
        if recent <= today {
            Some(recent)
        } else {
            Date::new(1900 + yy, month, day)
        }
    }

    /// An expiry date from a two-digit year: the century that puts it within
    /// 50 years of `today`, either way.
    pub fn expiry_date(yy: i32, month: u32, day: u32, today: Date) -> Option<Date> {
        let century = today.year - today.year.rem_euclid(100);
        [century - 100, century, century + 100]
            .into_iter()
            .filter_map(|base| Date::new(base + yy, month, day))
            .find(|date| *date >= today.add_years(-50) && *date < today.add_years(50))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::str::FromStr for Date {
    type Err = crate::Error;

    /// Reads `YYYY-MM-DD` exactly (four-digit year, two-digit month and day).
    fn from_str(text: &str) -> Result<Date> {
        let invalid = || {
            crate::Error::new(
                crate::ErrorCode::InvalidArgument,
                format!("{text:?} is not a YYYY-MM-DD date"),
            )
        };
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(invalid());
        }
        let number =
            |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| invalid());
        Date::new(number(0..4)? as i32, number(5..7)?, number(8..10)?).ok_or_else(invalid)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_dates_are_refused() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2026, 4, 31).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 1, 0).is_none());
    }

    #[test]
    fn dates_read_and_write_as_iso_8601() {
        let date: Date = "2024-02-29".parse().unwrap();
        assert_eq!(date.to_string(), "2024-02-29");
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("29/02/2024".parse::<Date>().is_err());
        assert!("26-11-22".parse::<Date>().is_err());
        assert!("2026-1-22".parse::<Date>().is_err());
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2024-02-29\"");
    }

    #[test]
    fn unix_times_map_to_utc_dates() {
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix(1_700_000_000).to_string(), "2023-11-14");
        assert_eq!(Date::from_unix(951_782_400).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix(-86_400).to_string(), "1969-12-31");
    }

    #[test]
    fn birth_dates_are_never_in_the_future() {
        let today = Date::new(2026, 11, 22).unwrap();
        assert_eq!(
            Date::birth_date(74, 8, 12, today).unwrap().to_string(),
            "1974-08-12"
        );
        assert_eq!(
            Date::birth_date(5, 1, 2, today).unwrap().to_string(),
            "2005-01-02"
        );
        assert_eq!(
            Date::birth_date(26, 11, 22, today).unwrap().to_string(),
            "2026-11-22"
        );
        assert_eq!(
            Date::birth_date(26, 11, 23, today).unwrap().to_string(),
            "1926-11-23"
        );
    }

    #[test]
    fn expiry_dates_fall_within_fifty_years() {
        let today = Date::new(2026, 11, 22).unwrap();
        assert_eq!(
            Date::expiry_date(12, 4, 15, today).unwrap().to_string(),
            "2012-04-15"
        );
        assert_eq!(
            Date::expiry_date(35, 2, 1, today).unwrap().to_string(),
            "2035-02-01"
        );
        assert_eq!(
            Date::expiry_date(80, 1, 1, today).unwrap().to_string(),
            "1980-01-01"
        );
        assert_eq!(
            Date::expiry_date(76, 11, 21, today).unwrap().to_string(),
            "2076-11-21"
        );
    }
}
