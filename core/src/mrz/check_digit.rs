//! ICAO 9303 check digits: characters weighted 7, 3, 1 in turn, summed
//! modulo 10; digits count as themselves, `A`–`Z` as 10–35, `<` as 0.

/// The value of an MRZ character, or `None` for a character an MRZ cannot hold.
pub fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The check digit of `field` (0–9), or `None` if it holds a non-MRZ character.
pub fn check_digit(field: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0;
    for (index, byte) in field.bytes().enumerate() {
        sum += char_value(byte)? * WEIGHTS[index % 3];
    }
    Some((sum % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_specimen_check_digits() {
        // ICAO 9303 Part 3, the worked example, and the specimen passport's fields.
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("ZE184226B<<<<<"), Some(1));
        assert_eq!(check_digit("<<<<<<<<<<<<<<"), Some(0));
    }

    #[test]
    fn lower_case_and_punctuation_are_not_mrz_characters() {
        assert_eq!(check_digit("ab1"), None);
        assert_eq!(check_digit("A-1"), None);
        assert_eq!(char_value(b'<'), Some(0));
        assert_eq!(char_value(b'Z'), Some(35));
    }
}
