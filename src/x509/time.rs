//! Certificate validity times: RFC 5280 4.1.2.5 UTCTime / GeneralizedTime to seconds since the
//! Unix epoch, and back to the text OpenSSL prints.

use super::der::{tag, DerError, DerResult};

const SECONDS_PER_DAY: i64 = 86_400;
/// Days from 0000-03-01 (the start of the proleptic Gregorian cycle we count in) to 1970-01-01.
const EPOCH_DAY_OFFSET: i64 = 719_468;
const DAYS_PER_400_YEARS: i64 = 146_097;

const MONTH_ABBREVIATIONS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date. Counting years from March puts the leap
/// day at the end of the year, so month lengths before it never depend on the year.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let march_year = if month <= 2 { year - 1 } else { year };
    let era = march_year.div_euclid(400);
    let year_of_era = march_year.rem_euclid(400);
    let month_from_march = (i64::from(month) + 9) % 12;
    // 153 days per five months (31+30+31+30+31) spreads March..January's lengths exactly.
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_400_YEARS + day_of_era - EPOCH_DAY_OFFSET
}

/// The inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + EPOCH_DAY_OFFSET;
    let era = shifted.div_euclid(DAYS_PER_400_YEARS);
    let day_of_era = shifted.rem_euclid(DAYS_PER_400_YEARS);
    // Remove the leap days accumulated so far (one per 4 years, minus centuries, plus the 400th
    // year's) so that dividing by 365 yields the year within the era.
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    (year, month, day)
}

/// Broken-down UTC time of `epoch_secs`.
struct CivilTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl CivilTime {
    fn from_epoch(epoch_secs: i64) -> Self {
        let (year, month, day) = civil_from_days(epoch_secs.div_euclid(SECONDS_PER_DAY));
        let second_of_day = epoch_secs.rem_euclid(SECONDS_PER_DAY) as u32;
        CivilTime {
            year,
            month,
            day,
            hour: second_of_day / 3600,
            minute: second_of_day / 60 % 60,
            second: second_of_day % 60,
        }
    }
}

/// `epoch_secs` the way OpenSSL's `ASN1_TIME_print` shows it: `Mar  1 12:00:00 2024 GMT`.
pub fn format_time(epoch_secs: i64) -> String {
    let t = CivilTime::from_epoch(epoch_secs);
    format!(
        "{} {:2} {:02}:{:02}:{:02} {} GMT",
        MONTH_ABBREVIATIONS[(t.month - 1) as usize],
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.year
    )
}

/// The date of `epoch_secs` in ISO 8601: `2024-03-01`.
pub fn iso_date(epoch_secs: i64) -> String {
    let t = CivilTime::from_epoch(epoch_secs);
    format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)
}

/// Date and time of `epoch_secs` in ISO 8601: `2024-03-01T12:00:00Z`.
pub fn iso_datetime(epoch_secs: i64) -> String {
    let t = CivilTime::from_epoch(epoch_secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Parses a `Time` value (RFC 5280 4.1.2.5): UTCTime `YYMMDDHHMMSSZ`, whose two-digit years
/// 50-99 mean 19xx and 00-49 mean 20xx, or GeneralizedTime `YYYYMMDDHHMMSSZ`. Both must be in
/// UTC with seconds and without fractions, as RFC 5280 requires.
pub fn parse_time(time_tag: u8, value: &[u8], what: &'static str) -> DerResult<i64> {
    let bad = |problem| DerError::new(what, problem);
    let (year, rest) = match time_tag {
        tag::UTC_TIME => {
            if value.len() != 13 {
                return Err(bad("UTCTime must be YYMMDDHHMMSSZ"));
            }
            let yy = i64::from(two_digits(&value[0..2]).ok_or(bad("non-digit in UTCTime"))?);
            let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            (year, &value[2..])
        }
        tag::GENERALIZED_TIME => {
            if value.len() != 15 {
                return Err(bad("GeneralizedTime must be YYYYMMDDHHMMSSZ"));
            }
            let hi = two_digits(&value[0..2]).ok_or(bad("non-digit in GeneralizedTime"))?;
            let lo = two_digits(&value[2..4]).ok_or(bad("non-digit in GeneralizedTime"))?;
            (i64::from(hi * 100 + lo), &value[4..])
        }
        _ => return Err(bad("expected UTCTime or GeneralizedTime")),
    };
    // `rest` is MMDDHHMMSSZ.
    if rest[10] != b'Z' {
        return Err(bad("time must be UTC (end in Z)"));
    }
    let mut fields = [0u32; 5];
    for (i, field) in fields.iter_mut().enumerate() {
        *field = two_digits(&rest[2 * i..2 * i + 2]).ok_or(bad("non-digit in time"))?;
    }
    let [month, day, hour, minute, second] = fields;
    if !(1..=12).contains(&month) {
        return Err(bad("month out of range"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(bad("day out of range"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("time of day out of range"));
    }
    let days = days_from_civil(year, month, day);
    Ok(days * SECONDS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second))
}

fn two_digits(pair: &[u8]) -> Option<u32> {
    match pair {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(u32::from(a - b'0') * 10 + u32::from(b - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_conversion_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
    }

    #[test]
    fn civil_conversion_round_trips_every_day_of_five_centuries() {
        let mut expected = (1800i64, 1u32, 1u32);
        let start = days_from_civil(1800, 1, 1);
        for days in start..start + 365 * 500 {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            assert_eq!(days_from_civil(expected.0, expected.1, expected.2), days);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn formats_like_openssl() {
        // 2024-03-01T12:00:00Z
        let t = 1_709_294_400;
        assert_eq!(format_time(t), "Mar  1 12:00:00 2024 GMT");
        assert_eq!(iso_date(t), "2024-03-01");
        assert_eq!(iso_datetime(t), "2024-03-01T12:00:00Z");
        assert_eq!(format_time(0), "Jan  1 00:00:00 1970 GMT");
        assert_eq!(format_time(-1), "Dec 31 23:59:59 1969 GMT");
        assert_eq!(format_time(2_524_608_000 - 1), "Dec 31 23:59:59 2049 GMT");
        // Extremes must not panic.
        format_time(i64::MAX);
        format_time(i64::MIN);
        iso_date(i64::MIN);
    }

    #[test]
    fn parses_utc_and_generalized_time() {
        let utc = |s: &str| parse_time(tag::UTC_TIME, s.as_bytes(), "t");
        let gen = |s: &str| parse_time(tag::GENERALIZED_TIME, s.as_bytes(), "t");
        assert_eq!(utc("240301120000Z"), Ok(1_709_294_400));
        assert_eq!(gen("20240301120000Z"), Ok(1_709_294_400));
        // UTCTime's pivot: 49 is 2049, 50 is 1950.
        assert_eq!(iso_date(utc("491231235959Z").unwrap()), "2049-12-31");
        assert_eq!(iso_date(utc("500101000000Z").unwrap()), "1950-01-01");
        assert_eq!(gen("20500101000000Z"), Ok(2_524_608_000));
        assert_eq!(iso_date(gen("99991231235959Z").unwrap()), "9999-12-31");
        assert_eq!(utc("000229000000Z").map(iso_date), Ok("2000-02-29".into()));

        for bad in [
            "2403011200Z",  // no seconds
            "240301120000", // not UTC
            "240301120000+0100",
            "240301120000.5Z",
            "241301120000Z", // month 13
            "240001120000Z", // month 0
            "240230120000Z", // Feb 30
            "230229000000Z", // not a leap year
            "240301240000Z", // hour 24
            "240301126000Z",
            "240301120060Z",
            "24030112000aZ",
            "2403011200-0Z",
        ] {
            assert!(utc(bad).is_err(), "{bad}");
        }
        assert!(gen("19000229000000Z").is_err(), "1900 is not a leap year");
        assert!(gen("240301120000Z").is_err());
        assert!(gen("20240301120000.123Z").is_err());
        assert!(parse_time(tag::INTEGER, b"240301120000Z", "t").is_err());
    }
}
