//! Legacy event ids (ConvertLegacyEventId). DingTalk's older calendar API
//! numbered events differently; in dingcal every event's legacy id is its
//! id read as a number: the 120 bits of its first 20 characters in
//! decimal, then the 24 bits of its last 4 as 8 decimal digits. Nothing is
//! stored, and each converts back.

use super::EventId;

/// Event ids' alphabet, in the order of the digits' values.
pub(super) const DIGITS: &[u8; 64] =
    b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

fn value(c: u8) -> Option<u128> {
    DIGITS.iter().position(|d| *d == c).map(|v| v as u128)
}

/// The legacy id of an event, if its id is one dingcal makes (24 digits).
pub fn legacy_id(id: &EventId) -> Option<String> {
    let bytes = id.as_str().as_bytes();
    if bytes.len() != 24 {
        return None;
    }
    let (high, low) = bytes.split_at(20);
    let number = |digits: &[u8]| {
        digits
            .iter()
            .try_fold(0u128, |n, &c| Some((n << 6) | value(c)?))
    };
    Some(format!("{}{:08}", number(high)?, number(low)?))
}

/// The event a legacy id names, if it is one.
pub fn event_id(legacy: &str) -> Option<EventId> {
    if legacy.len() < 9 || !legacy.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (high, low) = legacy.split_at(legacy.len() - 8);
    let high: u128 = high.parse().ok()?;
    let low: u128 = low.parse().ok()?;
    if high >> 120 != 0 || low >> 24 != 0 {
        return None;
    }
    let mut id = String::with_capacity(24);
    for (n, count) in [(high, 20), (low, 4)] {
        for shift in (0..count).rev() {
            id.push(char::from(DIGITS[(n >> (shift * 6)) as usize & 63]));
        }
    }
    Some(EventId(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_new_events_legacy_id_reads_back() {
        for _ in 0..100 {
            let id = EventId::generate(jiff::Timestamp::now());
            let legacy = legacy_id(&id).unwrap();
            assert!(legacy.bytes().all(|b| b.is_ascii_digit()), "{legacy}");
            assert_eq!(event_id(&legacy), Some(id));
        }
        assert_eq!(legacy_id(&EventId("short".into())), None);
        assert_eq!(event_id("12ab"), None);
        assert_eq!(event_id("1234567"), None);
        assert_eq!(event_id(&"9".repeat(60)), None, "too large");
    }
}
