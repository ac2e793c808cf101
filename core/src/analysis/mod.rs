//! Forgery analysis of one document: the forensic signals of
//! [`crate::forensics`], the MRZ and NIK evidence of [`crate::mrz`], and the
//! document type, fused into the forgery API's report.
//!
//! ```
//! use veriscope::analysis::{AnalysisOptions, analyze};
//!
//! let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/samples/id-card.png"))?;
//! let analysis = analyze(&png, &AnalysisOptions::default())?;
//! assert!((0.0..=1.0).contains(&analysis.report.forgery_score));
//! assert_eq!(analysis.report.document_type.as_str(), "id");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod document_type;
pub mod fusion;
mod fusion_model;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use document_type::{may_carry_mrz, type_from_shape, type_from_text};

use crate::error::{Error, ErrorCode, Result};
use crate::forensics::{
    HeatMap, Signal, agreement_signal, block_grid_signal, combine_maps, container_signal_of,
    copy_move_signal, double_quantization_signal, error_level_signal, noise_signal,
    noiseless_signal, non_aligned_double_quantization_signal, pdf_signal, recapture_signal,
};
use crate::media::{
    DecodeLimits, PdfLimits, decode_gray, decoded_part, detect_format, parse_jpeg, parse_pdf,
    read_dct,
};
use crate::model::{Confidence, DocumentFormat, DocumentType, ForgeryReport, ForgeryResponse};
use crate::mrz::{
    Date, ForgeryEvidence, NikClaims, mrz_text_evidence, nik_evidence, read_mrz_image,
};

/// Options of one analysis; every field has a default, and the JSON form
/// used by the doors takes camelCase (or snake_case) names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AnalysisOptions {
    /// The report's `id`; by default a UUID derived from the file's SHA-256,
    /// so the same file always gets the same id.
    pub id: Option<String>,
    /// Look for an MRZ in card- and page-shaped images (on by default).
    #[serde(alias = "read_mrz")]
    pub read_mrz: Option<bool>,
    /// MRZ text read by other means (an NFC chip, an OCR service), checked
    /// instead of reading the image.
    #[serde(alias = "mrz_text")]
    pub mrz_text: Option<String>,
    /// A KTP's NIK as printed, checked against `nikClaims`.
    pub nik: Option<String>,
    /// What the card says beside the NIK: birth date, sex, province.
    #[serde(alias = "nik_claims")]
    pub nik_claims: Option<NikClaims>,
    /// The date MRZ and NIK dates are judged against; today by default.
    pub today: Option<Date>,
    /// Most pixels decoded.
    #[serde(alias = "max_pixels")]
    pub max_pixels: Option<u64>,
    /// Return the whole [`Analysis`] (signals, features, heat map) from
    /// [`analyze_to_json`] instead of the API's `{"data": report}`.
    pub details: bool,
}

impl AnalysisOptions {
    /// Options from their JSON form; an empty string means the defaults.
    /// Unknown fields are a `VALIDATION_ERROR`.
    pub fn from_json(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(AnalysisOptions::default());
        }
        crate::from_json(text, "analysis options object")
    }
}

/// Analyses a file and returns the JSON every door prints: the forgery API's
/// response `{"data": {...}}`, or the whole [`Analysis`] when
/// `options.details` is set.
pub fn analyze_to_json(bytes: &[u8], options: &AnalysisOptions) -> Result<String> {
    Ok(analyze(bytes, options)?.to_json(options.details))
}

impl Analysis {
    /// The JSON the doors print: the forgery API's response `{"data": {...}}`,
    /// or with `details` the whole analysis.
    pub fn to_json(&self, details: bool) -> String {
        if details {
            crate::to_json(self)
        } else {
            crate::to_json(&ForgeryResponse {
                data: self.report.clone(),
            })
        }
    }

    /// Whether the score reaches the fusion model's decision threshold.
    pub fn is_forged(&self) -> bool {
        self.report.forgery_score >= fusion::THRESHOLD
    }
}

/// One analysis: the API's report and the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    /// The forgery API's `data` object.
    pub report: ForgeryReport,
    /// The file's format.
    pub format: DocumentFormat,
    /// Every signal, applicable or not.
    pub signals: Vec<Signal>,
    /// The fusion model's inputs, named by [`fusion::FEATURES`].
    pub features: Vec<f64>,
    /// What the MRZ or NIK said, when looked at.
    pub evidence: Option<ForgeryEvidence>,
    /// Where the pixel signals saw anomalies (the strongest of them per
    /// cell), for showing a reviewer; images only.
    pub heat_map: Option<HeatMap>,
    /// The fusion model's corpus.
    pub model: &'static str,
}

/// A UUID (version 8, RFC 9562's custom layout) made of the SHA-256 of `bytes`.
fn content_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    // new_v8 sets the version (8) and variant bits over the digest's.
    uuid::Uuid::new_v8(id).to_string()
}

/// Signals whose flags are reported only with a forged verdict.
const CORROBORATING: [&str; 7] = [
    "noise",
    "noiseless",
    "error_level",
    "block_grid",
    "copy_move",
    "double_quantization",
    "non_aligned_double_quantization",
];

/// Analyses a JPEG, PNG or PDF.
///
/// A file of another format is `UNSUPPORTED_FORMAT`; a corrupt file is
/// `UNSUPPORTED_FORMAT` naming the problem; one over the pixel or PDF limits
/// is `FILE_TOO_LARGE`; bad options are `VALIDATION_ERROR`.
pub fn analyze(bytes: &[u8], options: &AnalysisOptions) -> Result<Analysis> {
    let started = web_time::Instant::now();
    let format = detect_format(bytes)?;
    let today = match options.today {
        Some(today) => today,
        None => Date::today()?,
    };
    let decode_limits = DecodeLimits {
        max_pixels: options
            .max_pixels
            .unwrap_or(DecodeLimits::default().max_pixels),
        ..DecodeLimits::default()
    };
    let mut signals = Vec::new();
    let mut evidence: Option<ForgeryEvidence> = None;
    let mut heat_map = None;
    let mut quality_ok = true;
    let mut truncated = false;
    let mut document_type = match format {
        DocumentFormat::Pdf => {
            let pdf = parse_pdf(bytes, &PdfLimits::default())?;
            signals.push(pdf_signal(&pdf));
            type_from_text(&pdf.text)
        }
        DocumentFormat::Jpeg | DocumentFormat::Png => {
            let gray = decode_gray(bytes, &decode_limits)?;
            let jpeg = format == DocumentFormat::Jpeg;
            let structure = if jpeg { parse_jpeg(bytes).ok() } else { None };
            // A file cut short decodes to a uniform fill below the data: the
            // pixel checks read only what was there, and the DCT checks,
            // whose coefficient plane would end in zeros, do not run.
            truncated = structure.as_ref().is_some_and(|s| !s.complete);
            // The document's type from the shape it declares, whole or not.
            let shape_type = type_from_shape(gray.width(), gray.height());
            let gray = if truncated { decoded_part(gray) } else { gray };
            signals.push(match &structure {
                Some(structure) => container_signal_of(bytes, structure),
                None => Signal::not_applicable("container"),
            });
            if let Some(structure) = &structure {
                quality_ok = structure.quality().is_none_or(|q| q.quality >= 70);
            }
            quality_ok &= gray.width().min(gray.height()) >= 400;
            let (noise, noise_cells, _) = noise_signal(&gray);
            let (grid, grid_cells, phase) = block_grid_signal(&gray);
            let origin = if jpeg { (0, 0) } else { phase };
            let (error_level, error_cells) = error_level_signal(&gray, origin);
            let (copy_move, copy_found) = copy_move_signal(&gray);
            let plane = if jpeg && !truncated {
                read_dct(bytes, &decode_limits).ok()
            } else {
                None
            };
            let (double_quantization, double_cells) = match &plane {
                Some(plane) => {
                    let (signal, found) = double_quantization_signal(plane);
                    (signal, Some(found.map))
                }
                None => (Signal::not_applicable("double_quantization"), None),
            };
            let (noiseless, noiseless_region) =
                noiseless_signal(&gray, origin, plane.as_ref().map(|p| &p.quantization));
            let last_steps = structure
                .as_ref()
                .and_then(|structure| structure.luminance_table())
                .map(|table| table.natural_order());
            let (non_aligned, non_aligned_region) =
                non_aligned_double_quantization_signal(&gray, origin, last_steps.as_ref());
            signals.extend([
                noise,
                error_level,
                grid,
                copy_move,
                recapture_signal(&gray),
                double_quantization,
                noiseless,
                non_aligned,
            ]);
            let mut maps = vec![
                &noise_cells.map,
                &error_cells.map,
                &grid_cells.map,
                &noiseless_region.map,
            ];
            maps.extend(double_cells.as_ref());
            signals.push(agreement_signal(&maps));
            // A copy lights its source too, which no other signal would
            // corroborate: shown, not counted in the agreement.
            let copy_map = copy_found.heat_map(gray.width(), gray.height());
            maps.extend(copy_map.as_ref());
            // Found only at its first grid's offset, which no other signal
            // reads: shown, not counted in the agreement either.
            maps.push(&non_aligned_region.map);
            heat_map = combine_maps(&maps);
            if options.mrz_text.is_none()
                && options.read_mrz.unwrap_or(true)
                && may_carry_mrz(gray.width(), gray.height())
                && let Some(reading) = read_mrz_image(&gray, today)?
            {
                evidence = Some(reading.evidence);
            }
            shape_type
        }
    };
    if let Some(text) = &options.mrz_text {
        evidence = Some(mrz_text_evidence(text, today));
    }
    if let Some(nik) = &options.nik {
        let claims = options.nik_claims.clone().unwrap_or_default();
        let nik = nik_evidence(nik, &claims, today);
        evidence = Some(match evidence {
            None => nik,
            Some(mut merged) => {
                merged.document_type = merged.document_type.or(nik.document_type);
                merged.score_floor = merged.score_floor.max(nik.score_floor);
                merged.flags.extend(nik.flags);
                merged
            }
        });
    } else if options.nik_claims.is_some() {
        return Err(Error::new(
            ErrorCode::ValidationError,
            "nikClaims given without a nik to check them against",
        ));
    }

    let features = fusion::features(&signals);
    let mut score = fusion::probability(&signals);
    if let Some(evidence) = &evidence {
        score = score.max(evidence.score_floor);
        document_type = evidence.document_type.or(document_type);
    }
    // The pixel and JPEG-domain checks see odd regions in many authentic
    // images too; their flags explain a forged verdict, and alone they
    // would only alarm, so they are reported when the score reaches the
    // threshold. Container, recapture, PDF, MRZ and NIK flags always are.
    // The threshold applies to the reported (rounded) score, as in
    // `Analysis::is_forged`.
    let score = (score * 1000.0).round() / 1000.0;
    let forged = score >= fusion::THRESHOLD;
    let mut flags: Vec<String> = Vec::new();
    for flag in signals
        .iter()
        .filter(|s| forged || !CORROBORATING.contains(&s.name))
        .flat_map(|s| &s.flags)
        .chain(evidence.iter().flat_map(|e| &e.flags))
    {
        if !flags.contains(flag) {
            flags.push(flag.clone());
        }
    }
    let independent = signals
        .iter()
        .filter(|s| s.applicable && !["container", "agreement"].contains(&s.name))
        .count();
    let confidence = confidence_of(&Evidence {
        format,
        independent_checks: independent,
        quality_ok,
        truncated,
        score,
        settled_by_evidence: evidence
            .as_ref()
            .is_some_and(|e| e.score_floor > 0.0 && e.score_floor >= score),
    });
    let report = ForgeryReport {
        id: options.id.clone().unwrap_or_else(|| content_id(bytes)),
        forgery_score: score,
        confidence,
        document_type: document_type.unwrap_or(DocumentType::Unknown),
        flags,
        latency_ms: started.elapsed().as_millis() as u64,
        extra: serde_json::Map::new(),
    };
    Ok(Analysis {
        report,
        format,
        signals,
        features: features.to_vec(),
        evidence,
        heat_map,
        model: fusion::CORPUS_VERSION,
    })
}

/// What an answer's confidence is judged from.
#[derive(Debug, Clone, Copy)]
struct Evidence {
    format: DocumentFormat,
    /// Pixel and DCT checks that could read the image.
    independent_checks: usize,
    /// At least 400 px on the short side, and a last save at Q70 or better.
    quality_ok: bool,
    /// The file was cut short: only part of it was read.
    truncated: bool,
    /// The reported score.
    score: f64,
    /// The score is an MRZ or NIK floor: a failed check of the document's
    /// own data, not the fusion model's estimate.
    settled_by_evidence: bool,
}

/// How far from the threshold, in log-odds, a fusion score must lie for the
/// answer to be `medium` rather than `low`.
///
/// Measured on the real corpus of scripts/real_corpus.py, each source
/// scored by a model that never saw it (docs/benchmarks.md has the
/// reliability table): no band of fusion scores is right 95% of the time on
/// real files; answers this far below the threshold are wrong 9-19% of the
/// time, nearer ones 25%. So a fusion score alone is never `high`: only a
/// verdict set by the document's own data (an MRZ or NIK check) is.
const MEDIUM_MARGIN: f64 = 2.5;

/// The answer's confidence: `low` when only part of the file could be read,
/// few checks applied, or the score lies near the threshold; `medium` for a
/// fusion score far from it on a good image; `high` only for a verdict set
/// by the document's own data.
fn confidence_of(evidence: &Evidence) -> Confidence {
    if evidence.truncated {
        return Confidence::Low;
    }
    if evidence.settled_by_evidence {
        return Confidence::High;
    }
    let logit = |p: f64| {
        let p = p.clamp(1e-6, 1.0 - 1e-6);
        (p / (1.0 - p)).ln()
    };
    let far = (logit(evidence.score) - logit(fusion::THRESHOLD)).abs() >= MEDIUM_MARGIN;
    let readable = evidence.format == DocumentFormat::Pdf
        || (evidence.quality_ok && evidence.independent_checks >= 4);
    if far && readable {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_id_is_a_version_8_uuid_of_the_files_sha256() {
        // The first 16 bytes of SHA-256("veriscope") with RFC 9562's version
        // and variant bits: the id every earlier release gave this file.
        let id = content_id(b"veriscope");
        assert_eq!(id, "3bb0c5d6-e104-89a7-bc16-98da51901594");
        assert_eq!(
            uuid::Uuid::parse_str(&id).map(|uuid| uuid.get_version_num()),
            Ok(8)
        );
    }

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../examples/samples/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn options() -> AnalysisOptions {
        AnalysisOptions {
            today: Date::new(2026, 11, 22),
            ..AnalysisOptions::default()
        }
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../tests/fixtures/analyze/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_field_blanked_and_retyped_scores_above_its_original_and_is_shown_without_capture_noise() {
        let authentic = analyze(&fixture("card.jpg"), &options()).unwrap();
        let retyped = analyze(&fixture("card-retyped.jpg"), &options()).unwrap();
        assert!(!authentic.is_forged(), "{:?}", authentic.report);
        // Above its original, though under the threshold: the noiseless
        // check fires on real renders and scans too (docs/benchmarks.md), so
        // the model fitted on real honest files weighs it by little.
        assert!(
            retyped.report.forgery_score > authentic.report.forgery_score + 0.1,
            "{:?}",
            retyped.report
        );
        let noiseless = retyped
            .signals
            .iter()
            .find(|s| s.name == "noiseless")
            .unwrap();
        assert!(noiseless.flags.iter().any(|f| f == "noiseless_region"));
        // The heat map lights the expiry date's row (y 184-206 of 270).
        let map = retyped.heat_map.as_ref().unwrap();
        let row = 192 / map.cell as usize;
        let hottest = (0..map.rows)
            .max_by(|&a, &b| {
                let sum = |r: usize| {
                    map.values[r * map.columns..(r + 1) * map.columns]
                        .iter()
                        .sum::<f32>()
                };
                sum(a).total_cmp(&sum(b))
            })
            .unwrap();
        assert!(hottest.abs_diff(row) <= 1, "{hottest} vs {row}");
    }

    #[test]
    fn the_sample_card_is_an_id_and_every_signal_reports() {
        let analysis = analyze(&sample("id-card.jpg"), &options()).unwrap();
        assert_eq!(analysis.report.document_type, DocumentType::Id);
        let names: Vec<&str> = analysis.signals.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "container",
                "noise",
                "error_level",
                "block_grid",
                "copy_move",
                "recapture",
                "double_quantization",
                "noiseless",
                "non_aligned_double_quantization",
                "agreement"
            ]
        );
        assert_eq!(analysis.features.len(), fusion::FEATURES.len());
        assert!(analysis.heat_map.is_some());
        assert_eq!(analysis.report.id.len(), 36);
        assert_eq!(&analysis.report.id[14..15], "8");
    }

    #[test]
    fn a_file_cut_short_is_flagged_truncated_with_low_confidence_and_reads_what_is_there() {
        let whole = sample("id-card.jpg");
        let authentic = analyze(&whole, &options()).unwrap();
        for share in [0.3, 0.6, 0.9] {
            let cut = &whole[..(whole.len() as f64 * share) as usize];
            let analysis = analyze(cut, &options()).unwrap();
            let report = &analysis.report;
            assert!(report.flags.contains(&"truncated".to_owned()), "{report:?}");
            assert_eq!(report.confidence, Confidence::Low, "{report:?}");
            assert!(
                analysis
                    .signals
                    .iter()
                    .all(|s| s.name != "double_quantization" || !s.applicable)
            );
        }
        assert!(!authentic.report.flags.contains(&"truncated".to_owned()));
        // Cut inside the headers' first scan bytes: nothing to read, no panic.
        let start = whole.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        if let Ok(analysis) = analyze(&whole[..start + 40], &options()) {
            assert_eq!(analysis.report.confidence, Confidence::Low);
        }
    }

    #[test]
    fn confidence_is_high_only_from_the_documents_own_data() {
        let at = |score: f64| Evidence {
            format: DocumentFormat::Jpeg,
            independent_checks: 8,
            quality_ok: true,
            truncated: false,
            score,
            settled_by_evidence: false,
        };
        assert_eq!(confidence_of(&at(0.0001)), Confidence::Medium);
        assert_eq!(confidence_of(&at(0.99999)), Confidence::Medium);
        assert_eq!(confidence_of(&at(fusion::THRESHOLD)), Confidence::Low);
        let poor = Evidence {
            quality_ok: false,
            ..at(0.0001)
        };
        assert_eq!(confidence_of(&poor), Confidence::Low);
        let cut = Evidence {
            truncated: true,
            ..at(0.99999)
        };
        assert_eq!(confidence_of(&cut), Confidence::Low);
        let mrz = Evidence {
            settled_by_evidence: true,
            ..at(0.9)
        };
        assert_eq!(confidence_of(&mrz), Confidence::High);
        let blind = Evidence {
            independent_checks: 1,
            ..at(0.0001)
        };
        assert_eq!(confidence_of(&blind), Confidence::Low);
        let pdf = Evidence {
            format: DocumentFormat::Pdf,
            independent_checks: 0,
            quality_ok: false,
            ..at(0.0001)
        };
        assert_eq!(confidence_of(&pdf), Confidence::Medium);
    }

    #[test]
    fn the_same_file_gets_the_same_id_unless_one_is_given() {
        let bytes = sample("id-card.png");
        let a = analyze(&bytes, &options()).unwrap();
        let b = analyze(&bytes, &options()).unwrap();
        assert_eq!(a.report.id, b.report.id);
        let named = AnalysisOptions {
            id: Some("req-1".into()),
            ..options()
        };
        assert_eq!(analyze(&bytes, &named).unwrap().report.id, "req-1");
    }

    #[test]
    fn a_statement_pdf_is_financial() {
        let analysis = analyze(&sample("bank-statement.pdf"), &options()).unwrap();
        assert_eq!(analysis.format, DocumentFormat::Pdf);
        assert_eq!(analysis.report.document_type, DocumentType::Financial);
        assert_eq!(analysis.report.confidence, Confidence::Medium);
        assert!(analysis.heat_map.is_none());
    }

    #[test]
    fn mrz_and_nik_evidence_sets_type_flags_and_floor() {
        let bytes = sample("id-card.png");
        let tampered = AnalysisOptions {
            mrz_text: Some(
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<19"
                    .into(),
            ),
            ..options()
        };
        let analysis = analyze(&bytes, &tampered).unwrap();
        assert_eq!(analysis.report.document_type, DocumentType::Passport);
        assert!(
            analysis
                .report
                .flags
                .contains(&"mrz_check_digit_mismatch".to_owned())
        );
        assert!(analysis.report.forgery_score >= 0.9);
        let nik = AnalysisOptions {
            nik: Some("3171234567890001".into()),
            ..options()
        };
        let analysis = analyze(&bytes, &nik).unwrap();
        assert!(
            analysis.report.flags.iter().any(|f| f.starts_with("nik_")),
            "{:?}",
            analysis.report.flags
        );
    }

    #[test]
    fn the_json_form_is_the_api_response_or_the_details() {
        let bytes = sample("id-card.png");
        let plain = analyze_to_json(&bytes, &options()).unwrap();
        let parsed: ForgeryResponse = serde_json::from_str(&plain).unwrap();
        assert_eq!(parsed.data.document_type, DocumentType::Id);
        let keys: Vec<String> = serde_json::from_str::<serde_json::Value>(&plain).unwrap()["data"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "forgeryScore",
                "confidence",
                "documentType",
                "flags",
                "latencyMs"
            ]
        );
        let mut detailed =
            AnalysisOptions::from_json(r#"{"details": true, "today": "2026-11-22"}"#).unwrap();
        let details: serde_json::Value =
            serde_json::from_str(&analyze_to_json(&bytes, &detailed).unwrap()).unwrap();
        assert!(details["signals"].as_array().unwrap().len() >= 5);
        assert!(details["heatMap"]["values"].is_array());
        detailed.details = false;
        assert_eq!(
            AnalysisOptions::from_json(r#"{"detials": true}"#)
                .unwrap_err()
                .code(),
            ErrorCode::ValidationError
        );
        assert_eq!(
            AnalysisOptions::from_json("  ").unwrap(),
            AnalysisOptions::default()
        );
    }

    #[test]
    fn other_formats_bombs_and_bad_options_are_typed_errors() {
        assert_eq!(
            analyze(b"GIF89a......", &options()).unwrap_err().code(),
            ErrorCode::UnsupportedFormat
        );
        let bomb = std::fs::read(format!(
            "{}/../tests/fixtures/images/bomb-100000x100000.png",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(
            analyze(&bomb, &options()).unwrap_err().code(),
            ErrorCode::FileTooLarge
        );
        let claims_alone = AnalysisOptions {
            nik_claims: Some(NikClaims::default()),
            ..options()
        };
        assert_eq!(
            analyze(&sample("id-card.png"), &claims_alone)
                .unwrap_err()
                .code(),
            ErrorCode::ValidationError
        );
    }
}
