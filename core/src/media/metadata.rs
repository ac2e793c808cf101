//! Metadata of a JPEG: EXIF (kamadak-exif) and XMP (quick-xml) fields that tell which
//! software last wrote the file and when the picture was taken or changed.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::{NsReader, XmlVersion};
use serde::Serialize;

use super::jpeg::JpegStructure;

/// XMP packets open their APP1 segment with this identifier.
const XMP_IDENTIFIER: &str = "http://ns.adobe.com/xap/1.0/";

/// What the metadata of an image says about its history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageMetadata {
    /// EXIF `Software`: the program that last wrote the file.
    pub software: Option<String>,
    /// XMP `CreatorTool`.
    pub creator_tool: Option<String>,
    /// EXIF `Make` of the camera.
    pub make: Option<String>,
    /// EXIF `Model` of the camera.
    pub model: Option<String>,
    /// EXIF `DateTime`: when the file was last changed.
    pub modified: Option<String>,
    /// EXIF `DateTimeOriginal`: when the picture was taken.
    pub original: Option<String>,
    /// Whether EXIF is present at all.
    pub has_exif: bool,
}

fn ascii(exif: &exif::Exif, tag: exif::Tag) -> Option<String> {
    let field = exif.get_field(tag, exif::In::PRIMARY)?;
    match &field.value {
        exif::Value::Ascii(parts) => parts
            .first()
            .map(|bytes| {
                String::from_utf8_lossy(bytes)
                    .trim()
                    .trim_end_matches('\0')
                    .to_owned()
            })
            .filter(|text| !text.is_empty()),
        _ => None,
    }
}

/// The XMP basic schema's namespace (`xmp:`), whatever prefix a packet binds it to.
const XMP_BASIC_NAMESPACE: &str = "http://ns.adobe.com/xap/1.0/";

/// Whether a resolved name is `CreatorTool` of the XMP basic schema; a packet
/// that never declares its `xmp:` prefix (writers exist that skip it) counts.
fn is_creator_tool(namespace: &ResolveResult<'_>, local: &str) -> bool {
    let xmp_basic = match namespace {
        ResolveResult::Bound(Namespace(ns)) => *ns == XMP_BASIC_NAMESPACE,
        ResolveResult::Unknown(prefix) => prefix == "xmp",
        ResolveResult::Unbound => false,
    };
    xmp_basic && local == "CreatorTool"
}

/// The XMP basic schema's `CreatorTool`, written as an attribute of
/// `rdf:Description` or as an element, under any prefix bound to its
/// namespace (quick-xml resolves them), with entities decoded. Malformed XML
/// ends the search: what was not read is treated as absent.
fn xmp_creator_tool(packet: &str) -> Option<String> {
    let mut reader = NsReader::from_str(packet);
    // The element form's text, once its start tag is read.
    let mut text: Option<String> = None;
    loop {
        let (namespace, event) = reader.read_resolved_event().ok()?;
        match event {
            Event::Start(element) if is_creator_tool(&namespace, element.local_name().as_ref()) => {
                text = Some(String::new());
            }
            Event::Start(element) | Event::Empty(element) => {
                for attribute in element.attributes().flatten() {
                    let (namespace, local) = reader.resolver().resolve_attribute(attribute.key);
                    if is_creator_tool(&namespace, local.as_ref()) {
                        return non_empty(&attribute.normalized_value(XmlVersion::default()).ok()?);
                    }
                }
            }
            Event::Text(content) => {
                if let Some(text) = text.as_mut() {
                    text.push_str(&content.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(text) = text.as_mut() {
                    if let Ok(Some(character)) = reference.resolve_char_ref() {
                        text.push(character);
                    } else if let Some(entity) = resolve_predefined_entity(&reference) {
                        text.push_str(entity);
                    }
                }
            }
            // The element's end closes its value.
            Event::End(_) if text.is_some() => return non_empty(text.as_deref()?),
            Event::Eof => return None,
            _ => {}
        }
    }
}

fn non_empty(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|value| !value.is_empty())
}

/// Reads EXIF and XMP from the segments of a parsed JPEG. Unreadable
/// metadata is treated as absent (the container signal notes its absence).
pub fn jpeg_metadata(bytes: &[u8], structure: &JpegStructure) -> ImageMetadata {
    let mut metadata = ImageMetadata::default();
    for segment in structure.segments.iter().filter(|s| s.marker == 0xE1) {
        let payload = structure.payload(bytes, segment);
        if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
            if let Ok(exif) = exif::Reader::new().read_raw(tiff.to_vec()) {
                metadata.has_exif = true;
                metadata.software = ascii(&exif, exif::Tag::Software);
                metadata.make = ascii(&exif, exif::Tag::Make);
                metadata.model = ascii(&exif, exif::Tag::Model);
                metadata.modified = ascii(&exif, exif::Tag::DateTime);
                metadata.original = ascii(&exif, exif::Tag::DateTimeOriginal);
            }
        } else if segment.identifier == XMP_IDENTIFIER {
            let packet = String::from_utf8_lossy(&payload[XMP_IDENTIFIER.len() + 1..]);
            metadata.creator_tool = xmp_creator_tool(&packet);
        }
    }
    metadata
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::media::parse_jpeg;

    /// A little-endian TIFF/EXIF block with ASCII tags in IFD0 (`tag`, text)
    /// and, when given, DateTimeOriginal in an Exif sub-IFD.
    pub(crate) fn exif_segment(tags: &[(u16, &str)], original: Option<&str>) -> Vec<u8> {
        let count = tags.len() + usize::from(original.is_some());
        let ifd0_size = 2 + 12 * count + 4;
        let exif_ifd_at = 8 + ifd0_size;
        let exif_ifd_size = if original.is_some() { 2 + 12 + 4 } else { 0 };
        let mut data_at = exif_ifd_at + exif_ifd_size;
        let mut entries = Vec::new();
        let mut data = Vec::new();
        let mut ascii_entry = |tag: u16, text: &str, entries: &mut Vec<u8>| {
            let mut bytes = text.as_bytes().to_vec();
            bytes.push(0);
            entries.extend_from_slice(&tag.to_le_bytes());
            entries.extend_from_slice(&2u16.to_le_bytes());
            entries.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            entries.extend_from_slice(&(data_at as u32).to_le_bytes());
            data_at += bytes.len();
            data.extend_from_slice(&bytes);
        };
        let mut ifd0 = (count as u16).to_le_bytes().to_vec();
        let mut sorted = tags.to_vec();
        sorted.sort_by_key(|(tag, _)| *tag);
        for (tag, text) in &sorted {
            ascii_entry(*tag, text, &mut ifd0);
        }
        if original.is_some() {
            ifd0.extend_from_slice(&0x8769u16.to_le_bytes());
            ifd0.extend_from_slice(&4u16.to_le_bytes());
            ifd0.extend_from_slice(&1u32.to_le_bytes());
            ifd0.extend_from_slice(&(exif_ifd_at as u32).to_le_bytes());
        }
        ifd0.extend_from_slice(&0u32.to_le_bytes());
        if let Some(text) = original {
            entries.extend_from_slice(&1u16.to_le_bytes());
            ascii_entry(0x9003, text, &mut entries);
            entries.extend_from_slice(&0u32.to_le_bytes());
        }
        let mut tiff = b"II\x2A\x00\x08\x00\x00\x00".to_vec();
        tiff.extend_from_slice(&ifd0);
        tiff.extend_from_slice(&entries);
        tiff.extend_from_slice(&data);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        segment
    }

    pub(crate) fn jpeg_with(segments: &[Vec<u8>]) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(16, 16, image::Rgb([120, 130, 140]));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&image)
            .unwrap();
        for segment in segments.iter().rev() {
            bytes.splice(2..2, segment.iter().copied());
        }
        bytes
    }

    #[test]
    fn exif_software_camera_and_dates_are_read() {
        let exif = exif_segment(
            &[
                (0x010F, "Acme"),
                (0x0110, "Cam 1"),
                (0x0131, "Adobe Photoshop 25.0"),
                (0x0132, "2026:11:20 10:00:00"),
            ],
            Some("2026:01:02 03:04:05"),
        );
        let bytes = jpeg_with(&[exif]);
        let metadata = jpeg_metadata(&bytes, &parse_jpeg(&bytes).unwrap());
        assert!(metadata.has_exif);
        assert_eq!(metadata.software.as_deref(), Some("Adobe Photoshop 25.0"));
        assert_eq!(metadata.make.as_deref(), Some("Acme"));
        assert_eq!(metadata.modified.as_deref(), Some("2026:11:20 10:00:00"));
        assert_eq!(metadata.original.as_deref(), Some("2026:01:02 03:04:05"));
    }

    #[test]
    fn xmp_creator_tool_is_read_as_attribute_or_element_under_any_prefix() {
        const RDF: &str = r#"xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#""#;
        for packet in [
            r#"<x:xmpmeta><rdf:Description xmp:CreatorTool="GIMP 2.10"/></x:xmpmeta>"#,
            r#"<x:xmpmeta><xmp:CreatorTool>GIMP 2.10</xmp:CreatorTool></x:xmpmeta>"#,
            &format!(
                r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}><rdf:Description
                   xmlns:basic="http://ns.adobe.com/xap/1.0/" basic:CreatorTool='GIMP 2.10'/></rdf:RDF></x:xmpmeta>"#
            ),
            &format!(
                r#"<rdf:RDF {RDF} xmlns:xap="http://ns.adobe.com/xap/1.0/"><rdf:Description>
                   <xap:CreatorTool> GIMP&#x20;2.10 </xap:CreatorTool></rdf:Description></rdf:RDF>"#
            ),
        ] {
            let mut payload = format!("{XMP_IDENTIFIER}\0").into_bytes();
            payload.extend_from_slice(packet.as_bytes());
            let mut segment = vec![0xFF, 0xE1];
            segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            segment.extend_from_slice(&payload);
            let bytes = jpeg_with(&[segment]);
            let metadata = jpeg_metadata(&bytes, &parse_jpeg(&bytes).unwrap());
            assert_eq!(metadata.creator_tool.as_deref(), Some("GIMP 2.10"));
        }
    }

    #[test]
    fn a_creator_tool_of_another_schema_or_broken_xml_is_not_read() {
        for packet in [
            r#"<rdf:Description xmlns:xmp="urn:other" xmp:CreatorTool="GIMP"/>"#,
            r#"<x:xmpmeta><other:CreatorTool>GIMP</other:CreatorTool></x:xmpmeta>"#,
            r#"<x:xmpmeta><xmp:CreatorTool>GIMP"#,
            "",
        ] {
            assert_eq!(xmp_creator_tool(packet), None, "{packet}");
        }
        assert_eq!(
            xmp_creator_tool(r#"<a xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>Tom &amp; Jerry</xmp:CreatorTool></a>"#)
                .as_deref(),
            Some("Tom & Jerry")
        );
    }

    #[test]
    fn broken_exif_reads_as_absent() {
        let mut segment = vec![0xFF, 0xE1, 0x00, 0x0C];
        segment.extend_from_slice(b"Exif\0\0II*\0");
        let bytes = jpeg_with(&[segment]);
        assert!(!jpeg_metadata(&bytes, &parse_jpeg(&bytes).unwrap()).has_exif);
    }
}
