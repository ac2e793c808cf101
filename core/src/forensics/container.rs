//! Container and metadata checks of a JPEG: data hidden after the image,
//! editing software named in EXIF or XMP, a modification date far from the
//! capture date, a file cut short, and re-saving with standard tables.
//!
//! Some flags are properties of an honest file's journey, reported but never
//! counted as evidence ([`PROPERTIES`]): re-saving with standard tables
//! (`recompressed`: every messaging app does it), a file cut short
//! (`truncated`: an upload that broke off), and a second image after the
//! first that the file itself announces (`embedded_image`: a stereo camera's
//! MPO pair, a phone's Ultra HDR gain map or motion photo).

use crate::media::{JpegStructure, jpeg_metadata, parse_jpeg};

use super::Signal;

/// Lower-case fragments of the names of image editors, as they appear in
/// EXIF `Software` and XMP `CreatorTool`.
pub const EDITING_SOFTWARE: [&str; 16] = [
    "photoshop",
    "gimp",
    "affinity",
    "pixelmator",
    "paint.net",
    "canva",
    "snapseed",
    "picsart",
    "fotor",
    "lightroom",
    "photopea",
    "krita",
    "illustrator",
    "inkscape",
    "facetune",
    "meitu",
];

/// Weight of each evidence flag in the (uncalibrated) statistic. The
/// properties `recompressed`, `truncated` and `embedded_image` weigh
/// nothing (on the real corpus of scripts/real_corpus.py `recompressed` is
/// on 286 of 436 honest images).
const WEIGHTS: [(&str, f64); 3] = [
    ("trailing_data", 0.6),
    ("editing_software", 0.5),
    ("exif_date_mismatch", 0.3),
];

/// Whether the bytes after the image are a second image that the file
/// announces: an MPF index (APP2 `MPF`, written by stereo cameras and for
/// phones' gain maps) or an XMP container directory (`GContainer`, Ultra
/// HDR and motion photos) before the data, and a JPEG start where the
/// trailing bytes begin (after padding).
fn announced_second_image(bytes: &[u8], structure: &JpegStructure) -> bool {
    let after = &bytes[bytes.len() - structure.trailing_bytes..];
    let start = after.iter().position(|&b| b != 0).unwrap_or(after.len());
    if start > PADDING || !after[start..].starts_with(&[0xFF, 0xD8, 0xFF]) {
        return false;
    }
    structure.segments.iter().any(|segment| {
        let payload = structure.payload(bytes, segment);
        (segment.marker == 0xE2 && payload.starts_with(b"MPF\0"))
            || (segment.marker == 0xE1
                && payload
                    .windows(b"GContainer".len())
                    .any(|w| w == b"GContainer"))
    })
}

/// Bytes after the end-of-image marker tolerated as padding.
const PADDING: usize = 16;

/// Seconds between capture and modification allowed before it counts.
const DATE_SLACK_SECONDS: i64 = 120;

/// EXIF's `YYYY:MM:DD HH:MM:SS` as Unix seconds (the camera's clock, read
/// as UTC: only differences matter here); `None` for anything else, such as
/// the blanks some cameras write.
fn exif_seconds(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]:[month]:[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text.get(..19)?, format)
        .ok()
        .map(|moment| moment.assume_utc().unix_timestamp())
}

/// The container signal of a file; not applicable to anything but JPEG.
pub fn container_signal(bytes: &[u8]) -> Signal {
    match parse_jpeg(bytes) {
        Ok(structure) => container_signal_of(bytes, &structure),
        Err(_) => Signal::not_applicable("container"),
    }
}

/// The container signal of a JPEG whose structure the caller already read.
pub fn container_signal_of(bytes: &[u8], structure: &JpegStructure) -> Signal {
    let metadata = jpeg_metadata(bytes, structure);
    let mut flags: Vec<String> = Vec::new();
    if structure.trailing_bytes > PADDING {
        flags.push(if announced_second_image(bytes, structure) {
            "embedded_image".into()
        } else {
            "trailing_data".into()
        });
    }
    if !structure.complete {
        flags.push("truncated".into());
    }
    let names = [
        metadata.software.as_deref(),
        metadata.creator_tool.as_deref(),
    ];
    if super::names_an_editor(&names, &EDITING_SOFTWARE) {
        flags.push("editing_software".into());
    }
    if let (Some(modified), Some(original)) = (
        metadata.modified.as_deref().and_then(exif_seconds),
        metadata.original.as_deref().and_then(exif_seconds),
    ) && (modified - original).abs() > DATE_SLACK_SECONDS
    {
        flags.push("exif_date_mismatch".into());
    }
    if structure.quality().is_some_and(|quality| quality.standard) {
        flags.push("recompressed".into());
    }
    let statistic = super::flag_statistic(&flags, &WEIGHTS);
    Signal {
        name: "container",
        statistic,
        applicable: true,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::metadata_test_support::{exif_segment, jpeg_with};

    #[test]
    fn exif_times_are_real_calendar_seconds_across_month_ends() {
        let end_of_february = exif_seconds("2023:02:28 23:59:00").unwrap();
        assert_eq!(
            exif_seconds("2023:03:01 00:01:00"),
            Some(end_of_february + 120)
        );
        assert_eq!(
            exif_seconds("2024:02:29 12:00:00").map(|s| s - 1_709_208_000),
            Some(0)
        );
        for blank in [
            "0000:00:00 00:00:00",
            "    :  :     :  :  ",
            "2023:02:30 00:00:00",
            "",
        ] {
            assert_eq!(exif_seconds(blank), None, "{blank:?}");
        }
    }

    #[test]
    fn a_plain_re_saved_jpeg_is_only_recompressed() {
        let signal = container_signal(&jpeg_with(&[]));
        assert!(signal.applicable);
        assert_eq!(signal.flags, ["recompressed"]);
        assert_eq!(signal.statistic, 0.0);
    }

    #[test]
    fn an_edited_file_with_a_hidden_payload_is_flagged() {
        let exif = exif_segment(&[(0x0131, "Adobe Photoshop 25.0 (Windows)")], None);
        let mut bytes = jpeg_with(&[exif]);
        bytes.extend_from_slice(&[0x42; 200]);
        let signal = container_signal(&bytes);
        assert_eq!(
            signal.flags,
            ["trailing_data", "editing_software", "recompressed"]
        );
        // Noisy-OR of the two evidence flags; `recompressed` weighs nothing.
        assert!(
            (signal.statistic - 0.8).abs() < 1e-9,
            "{}",
            signal.statistic
        );
    }

    #[test]
    fn a_second_image_the_file_announces_is_a_property_not_hidden_data() {
        let mut mpf = vec![0xFF, 0xE2, 0x00, 0x0C];
        mpf.extend_from_slice(b"MPF\0II*\0\0\0");
        let mut bytes = jpeg_with(&[mpf.clone()]);
        let second = jpeg_with(&[]);
        bytes.extend_from_slice(&second);
        let signal = container_signal(&bytes);
        assert_eq!(signal.flags, ["embedded_image", "recompressed"]);
        assert_eq!(signal.statistic, 0.0);
        // The same second image without the index announcing it is hidden.
        let mut unannounced = jpeg_with(&[]);
        unannounced.extend_from_slice(&second);
        assert!(
            container_signal(&unannounced)
                .flags
                .contains(&"trailing_data".to_owned())
        );
        // An index, but no image after the first: arbitrary data stays hidden.
        let mut payload = jpeg_with(&[mpf]);
        payload.extend_from_slice(&[0x42; 200]);
        assert!(
            container_signal(&payload)
                .flags
                .contains(&"trailing_data".to_owned())
        );
    }

    #[test]
    fn a_file_cut_short_is_truncated_and_that_is_no_evidence() {
        let bytes = jpeg_with(&[]);
        let cut = &bytes[..bytes.len() - 4];
        let signal = container_signal(cut);
        assert!(
            signal.flags.contains(&"truncated".to_owned()),
            "{:?}",
            signal.flags
        );
        assert_eq!(signal.statistic, 0.0);
    }

    #[test]
    fn a_modification_long_after_capture_is_flagged() {
        let exif = exif_segment(
            &[(0x0110, "Cam 1"), (0x0132, "2026:05:01 12:00:00")],
            Some("2026:04:30 12:00:00"),
        );
        assert!(
            container_signal(&jpeg_with(&[exif]))
                .flags
                .contains(&"exif_date_mismatch".to_owned())
        );
        let exif = exif_segment(
            &[(0x0132, "2026:04:30 12:01:00")],
            Some("2026:04:30 12:00:00"),
        );
        assert!(
            !container_signal(&jpeg_with(&[exif]))
                .flags
                .contains(&"exif_date_mismatch".to_owned())
        );
    }

    #[test]
    fn a_few_padding_bytes_are_tolerated_and_non_jpegs_are_not_applicable() {
        let mut bytes = jpeg_with(&[]);
        bytes.extend_from_slice(&[0; 4]);
        assert!(
            !container_signal(&bytes)
                .flags
                .contains(&"trailing_data".to_owned())
        );
        assert!(!container_signal(b"\x89PNG\r\n\x1a\n").applicable);
    }
}
