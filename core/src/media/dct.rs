//! The quantised DCT coefficients of a JPEG's luminance, for baseline,
//! extended-sequential and progressive files.
//!
//! Written by hand: the decoders (zune-jpeg, jpeg-decoder, image) return
//! pixels only, and `dct-io`, the one crate exposing coefficients, reads
//! baseline files only, while phones and web tools often write progressive
//! ones. This is the Huffman entropy decoder of ITU T.81 (Annex F and G),
//! stopping before dequantisation: forensic signals need the integers the
//! encoder wrote. Arithmetic-coded, lossless, hierarchical and 12-bit files
//! are refused as `UNSUPPORTED_FORMAT`.
//!
//! Hostile input is bounded: the frame is checked against [`DecodeLimits`]
//! before any buffer is allocated, every table index and run is checked, and
//! entropy data that ends early decodes as zeros (reported as
//! `complete: false`) instead of reading past the buffer.

use super::decode::DecodeLimits;
use super::jpeg::{natural_order, read_quantization, skip_entropy_coded};
use crate::error::{Error, ErrorCode, Result};

/// Zig-zag position → natural (row-major) position in an 8x8 block.
pub const ZIGZAG_TO_NATURAL: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Most scans read (progressive files have about ten).
const MAX_SCANS: usize = 256;

/// The luminance plane's quantised coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct DctPlane {
    /// Blocks across that carry image data (`ceil(width / 8)` for 4:4:4).
    pub blocks_wide: usize,
    /// Block rows that carry image data.
    pub blocks_high: usize,
    /// Blocks per stored row (the MCU-padded width), `>= blocks_wide`.
    pub stride: usize,
    /// 64 coefficients per block, natural (row-major) order, blocks row by row.
    pub coefficients: Vec<i16>,
    /// The luminance quantisation table, natural order.
    pub quantization: [u16; 64],
    /// Whether every scan's entropy data was present.
    pub complete: bool,
    /// Whether the file was progressive.
    pub progressive: bool,
}

impl DctPlane {
    /// The 64 coefficients of the block at (`x`, `y`), natural order.
    pub fn block(&self, x: usize, y: usize) -> &[i16] {
        let start = (y * self.stride + x) * 64;
        &self.coefficients[start..start + 64]
    }
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(
        ErrorCode::UnsupportedFormat,
        format!("malformed JPEG: {}", message.into()),
    )
}

/// A canonical Huffman table with a 9-bit lookahead.
#[derive(Clone)]
struct Huffman {
    /// `(length << 8) | symbol` for codes up to 9 bits, 0 when longer.
    fast: Vec<u16>,
    /// Largest code of each length (index 1–16), -1 when none.
    max_code: [i32; 18],
    /// Offset into `symbols` of each length's first code, minus that code.
    offset: [i32; 17],
    symbols: Vec<u8>,
}

const FAST_BITS: u32 = 9;

impl Huffman {
    fn new(counts: &[u8; 16], symbols: &[u8]) -> Result<Huffman> {
        let mut fast = vec![0u16; 1 << FAST_BITS];
        let mut max_code = [-1i32; 18];
        let mut offset = [0i32; 17];
        let mut code: i32 = 0;
        let mut index: i32 = 0;
        for length in 1..=16usize {
            let count = i32::from(counts[length - 1]);
            offset[length] = index - code;
            // Checked before any slot is written: an over-full length would
            // index past the lookahead table.
            if code + count > (1 << length) {
                return Err(malformed("Huffman table has more codes than fit"));
            }
            if count > 0 {
                for i in 0..count {
                    if length as u32 <= FAST_BITS {
                        let symbol = symbols[(index + i) as usize];
                        let shift = FAST_BITS - length as u32;
                        let first = ((code + i) as usize) << shift;
                        fast[first..first + (1 << shift)]
                            .fill(((length as u16) << 8) | u16::from(symbol));
                    }
                }
                code += count;
                index += count;
                max_code[length] = code - 1;
            }
            code <<= 1;
        }
        max_code[17] = i32::MAX;
        Ok(Huffman {
            fast,
            max_code,
            offset,
            symbols: symbols.to_vec(),
        })
    }
}

/// Reads bits from entropy-coded data, unstuffing 0xFF00 and stopping at markers.
struct BitReader<'a> {
    data: &'a [u8],
    at: usize,
    accumulator: u64,
    bits: u32,
    /// A marker or the end of data was reached; zeros are fed from here on.
    exhausted: bool,
    /// Zero bits fed past the end (more than padding means the data was cut).
    overrun: u32,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            at: 0,
            accumulator: 0,
            bits: 0,
            exhausted: false,
            overrun: 0,
        }
    }

    fn fill(&mut self) {
        while self.bits <= 56 {
            let byte = if self.exhausted {
                self.overrun += 8;
                0
            } else {
                match self.data.get(self.at) {
                    None => {
                        self.exhausted = true;
                        continue;
                    }
                    Some(&0xFF) => match self.data.get(self.at + 1) {
                        Some(0x00) => {
                            self.at += 2;
                            0xFF
                        }
                        _ => {
                            self.exhausted = true;
                            continue;
                        }
                    },
                    Some(&byte) => {
                        self.at += 1;
                        byte
                    }
                }
            };
            self.accumulator |= u64::from(byte) << (56 - self.bits);
            self.bits += 8;
        }
    }

    fn bits(&mut self, count: u32) -> u32 {
        if count == 0 {
            return 0;
        }
        if self.bits < count {
            self.fill();
        }
        let value = (self.accumulator >> (64 - count)) as u32;
        self.accumulator <<= count;
        self.bits -= count;
        value
    }

    fn bit(&mut self) -> bool {
        self.bits(1) == 1
    }

    /// A value of `size` bits, sign-extended as T.81's EXTEND.
    fn receive_extend(&mut self, size: u32) -> i32 {
        if size == 0 {
            return 0;
        }
        let size = size.min(16);
        let value = self.bits(size) as i32;
        if value < (1 << (size - 1)) {
            value - (1 << size) + 1
        } else {
            value
        }
    }

    fn decode(&mut self, table: &Huffman) -> Result<u8> {
        if self.bits < 16 {
            self.fill();
        }
        let peek = (self.accumulator >> (64 - FAST_BITS)) as usize;
        let entry = table.fast[peek];
        if entry != 0 {
            let length = u32::from(entry >> 8);
            self.accumulator <<= length;
            self.bits -= length;
            return Ok(entry as u8);
        }
        let mut code: i32 = 0;
        for length in 1..=16usize {
            code = (code << 1) | self.bits(1) as i32;
            if code <= table.max_code[length] {
                let index = (code + table.offset[length]) as usize;
                return table
                    .symbols
                    .get(index)
                    .copied()
                    .ok_or_else(|| malformed("Huffman code outside its table"));
            }
        }
        Err(malformed("invalid Huffman code"))
    }

    /// Skips to just after the restart marker expected next.
    fn restart(&mut self) {
        self.accumulator = 0;
        self.bits = 0;
        self.exhausted = false;
        while self.at + 1 < self.data.len() {
            if self.data[self.at] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.at + 1]) {
                self.at += 2;
                return;
            }
            self.at += 1;
        }
        self.at = self.data.len();
    }

    /// Whether more than byte padding had to be invented.
    fn cut_short(&self) -> bool {
        self.overrun > 64 + self.bits
    }
}

#[derive(Debug, Clone, Copy)]
struct Component {
    id: u8,
    horizontal: usize,
    vertical: usize,
    table: usize,
    /// Stored blocks per row and rows (MCU-padded).
    stride: usize,
    rows: usize,
    /// Blocks that carry data.
    wide: usize,
    high: usize,
}

struct Frame {
    progressive: bool,
    components: Vec<Component>,
    mcus_wide: usize,
    mcus_high: usize,
}

#[derive(Clone, Copy)]
struct ScanComponent {
    index: usize,
    dc_table: usize,
    ac_table: usize,
}

struct Scan {
    components: Vec<ScanComponent>,
    spectral_start: usize,
    spectral_end: usize,
    approximation_high: u32,
    approximation_low: u32,
}

/// Decoder state across scans.
struct Decoder {
    frame: Frame,
    planes: Vec<Vec<i16>>,
    dc_tables: [Option<Huffman>; 4],
    ac_tables: [Option<Huffman>; 4],
    restart_interval: usize,
    complete: bool,
}

/// Reads the luminance plane's quantised DCT coefficients.
///
/// Frames over `limits` are `FILE_TOO_LARGE`, refused from the frame header;
/// a PNG, an unsupported coding process or a corrupt stream is
/// `UNSUPPORTED_FORMAT`.
pub fn read_dct(bytes: &[u8], limits: &DecodeLimits) -> Result<DctPlane> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(malformed("no start-of-image marker"));
    }
    let mut tables: [Option<[u16; 64]>; 4] = [None; 4];
    let mut decoder: Option<Decoder> = None;
    let mut pending_dc: [Option<Huffman>; 4] = Default::default();
    let mut pending_ac: [Option<Huffman>; 4] = Default::default();
    let mut restart_interval = 0usize;
    let mut scans = 0usize;
    let mut at = 2usize;
    loop {
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            break; // ran out: an incomplete file keeps what was decoded
        };
        at += 2;
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let length = match bytes.get(at..at + 2) {
            Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
            _ => break,
        };
        let payload = bytes
            .get(at + 2..at + length.max(2))
            .ok_or_else(|| malformed("segment runs past the end of the file"))?;
        at += length.max(2);
        match marker {
            0xDB => {
                let mut defined = Vec::new();
                read_quantization(payload, &mut defined)?;
                for table in defined {
                    // read_quantization bounds the slot to 0–3 and gives 64 values.
                    if let (Some(slot), Ok(values)) = (
                        tables.get_mut(usize::from(table.id)),
                        <[u16; 64]>::try_from(table.values.as_slice()),
                    ) {
                        *slot = Some(values);
                    }
                }
            }
            0xC4 => read_huffman(payload, &mut pending_dc, &mut pending_ac)?,
            0xDD => {
                let value = payload
                    .get(..2)
                    .ok_or_else(|| malformed("restart interval segment too short"))?;
                restart_interval = usize::from(u16::from_be_bytes([value[0], value[1]]));
            }
            0xC0..=0xC2 => {
                if decoder.is_some() {
                    return Err(malformed("a second frame header"));
                }
                let frame = read_frame(payload, marker == 0xC2, limits)?;
                let planes = frame
                    .components
                    .iter()
                    .map(|c| vec![0i16; c.stride * c.rows * 64])
                    .collect();
                decoder = Some(Decoder {
                    frame,
                    planes,
                    dc_tables: Default::default(),
                    ac_tables: Default::default(),
                    restart_interval: 0,
                    complete: true,
                });
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(Error::new(
                    ErrorCode::UnsupportedFormat,
                    "JPEG coding process not supported (lossless, hierarchical or arithmetic)",
                ));
            }
            0xDA => {
                let decoder = decoder
                    .as_mut()
                    .ok_or_else(|| malformed("scan before the frame header"))?;
                scans += 1;
                if scans > MAX_SCANS {
                    return Err(malformed(format!("more than {MAX_SCANS} scans")));
                }
                for slot in 0..4 {
                    if let Some(table) = pending_dc[slot].take() {
                        decoder.dc_tables[slot] = Some(table);
                    }
                    if let Some(table) = pending_ac[slot].take() {
                        decoder.ac_tables[slot] = Some(table);
                    }
                }
                decoder.restart_interval = restart_interval;
                let scan = read_scan_header(payload, &decoder.frame)?;
                let end = skip_entropy_coded(bytes, at);
                decoder.decode_scan(&scan, &bytes[at..end])?;
                at = end;
            }
            _ => {}
        }
    }
    let decoder = decoder.ok_or_else(|| malformed("no frame header"))?;
    let luma = decoder.frame.components[0];
    let quantization = tables[luma.table]
        .ok_or_else(|| malformed("the luminance quantisation table is missing"))?;
    let natural = natural_order(&quantization);
    let complete = decoder.complete && scans > 0;
    let mut planes = decoder.planes;
    Ok(DctPlane {
        blocks_wide: luma.wide,
        blocks_high: luma.high,
        stride: luma.stride,
        coefficients: std::mem::take(&mut planes[0]),
        quantization: natural,
        complete,
        progressive: decoder.frame.progressive,
    })
}

fn read_huffman(
    mut payload: &[u8],
    dc: &mut [Option<Huffman>; 4],
    ac: &mut [Option<Huffman>; 4],
) -> Result<()> {
    while let Some((&info, rest)) = payload.split_first() {
        let counts: [u8; 16] = rest
            .get(..16)
            .and_then(|c| c.try_into().ok())
            .ok_or_else(|| malformed("Huffman table cut short"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let symbols = rest
            .get(16..16 + total)
            .ok_or_else(|| malformed("Huffman table cut short"))?;
        let table = Huffman::new(&counts, symbols)?;
        let slot = usize::from(info & 0x0F);
        let target = match info >> 4 {
            0 => dc.get_mut(slot),
            1 => ac.get_mut(slot),
            _ => None,
        }
        .ok_or_else(|| malformed(format!("Huffman table class/slot 0x{info:02X}")))?;
        *target = Some(table);
        payload = &rest[16 + total..];
    }
    Ok(())
}

fn read_frame(payload: &[u8], progressive: bool, limits: &DecodeLimits) -> Result<Frame> {
    if payload.len() < 6 {
        return Err(malformed("frame header too short"));
    }
    if payload[0] != 8 {
        return Err(Error::new(
            ErrorCode::UnsupportedFormat,
            format!("{}-bit JPEG samples are not supported", payload[0]),
        ));
    }
    let height = usize::from(u16::from_be_bytes([payload[1], payload[2]]));
    let width = usize::from(u16::from_be_bytes([payload[3], payload[4]]));
    let count = usize::from(payload[5]);
    if width == 0 || height == 0 {
        return Err(malformed("zero width or height (DNL is not supported)"));
    }
    if !(1..=4).contains(&count) || payload.len() < 6 + 3 * count {
        return Err(malformed(format!("{count} components")));
    }
    let pixels = (width * height) as u64;
    if pixels > limits.max_pixels
        || width as u64 > u64::from(limits.max_side)
        || height as u64 > u64::from(limits.max_side)
    {
        return Err(Error::new(
            ErrorCode::FileTooLarge,
            format!(
                "image is {width}x{height}; the limit is {} pixels and {} per side",
                limits.max_pixels, limits.max_side
            ),
        ));
    }
    let mut components = Vec::with_capacity(count);
    for chunk in payload[6..6 + 3 * count].chunks_exact(3) {
        let (horizontal, vertical) = (usize::from(chunk[1] >> 4), usize::from(chunk[1] & 15));
        if !(1..=4).contains(&horizontal) || !(1..=4).contains(&vertical) || chunk[2] > 3 {
            return Err(malformed("component sampling factors or table slot"));
        }
        components.push(Component {
            id: chunk[0],
            horizontal,
            vertical,
            table: usize::from(chunk[2]),
            stride: 0,
            rows: 0,
            wide: 0,
            high: 0,
        });
    }
    let max_h = components.iter().map(|c| c.horizontal).max().unwrap_or(1);
    let max_v = components.iter().map(|c| c.vertical).max().unwrap_or(1);
    let mcus_wide = width.div_ceil(8 * max_h);
    let mcus_high = height.div_ceil(8 * max_v);
    let mut stored = 0u64;
    for c in &mut components {
        c.stride = mcus_wide * c.horizontal;
        c.rows = mcus_high * c.vertical;
        c.wide = (width * c.horizontal).div_ceil(max_h).div_ceil(8);
        c.high = (height * c.vertical).div_ceil(max_v).div_ceil(8);
        stored += (c.stride * c.rows * 128) as u64;
    }
    if stored > limits.max_alloc_bytes {
        return Err(Error::new(
            ErrorCode::FileTooLarge,
            format!(
                "coefficients need {stored} bytes; the limit is {}",
                limits.max_alloc_bytes
            ),
        ));
    }
    Ok(Frame {
        progressive,
        components,
        mcus_wide,
        mcus_high,
    })
}

fn read_scan_header(payload: &[u8], frame: &Frame) -> Result<Scan> {
    let count = usize::from(
        *payload
            .first()
            .ok_or_else(|| malformed("empty scan header"))?,
    );
    if !(1..=4).contains(&count) || payload.len() < 1 + 2 * count + 3 {
        return Err(malformed("scan header"));
    }
    let mut components = Vec::with_capacity(count);
    for pair in payload[1..1 + 2 * count].chunks_exact(2) {
        let index = frame
            .components
            .iter()
            .position(|c| c.id == pair[0])
            .ok_or_else(|| malformed(format!("scan names unknown component {}", pair[0])))?;
        let (dc_table, ac_table) = (usize::from(pair[1] >> 4), usize::from(pair[1] & 15));
        if dc_table > 3 || ac_table > 3 {
            return Err(malformed("scan table slot"));
        }
        components.push(ScanComponent {
            index,
            dc_table,
            ac_table,
        });
    }
    let rest = &payload[1 + 2 * count..];
    let scan = Scan {
        components,
        spectral_start: usize::from(rest[0]),
        spectral_end: usize::from(rest[1]),
        approximation_high: u32::from(rest[2] >> 4),
        approximation_low: u32::from(rest[2] & 15),
    };
    let valid = if frame.progressive {
        let dc = scan.spectral_start == 0;
        scan.spectral_start <= scan.spectral_end
            && scan.spectral_end <= 63
            && (dc == (scan.spectral_end == 0))
            && (dc || scan.components.len() == 1)
            && scan.approximation_low <= 13
    } else {
        scan.spectral_start == 0 && scan.spectral_end == 63
    };
    if !valid {
        return Err(malformed("scan's spectral selection or approximation"));
    }
    Ok(scan)
}

/// What one block decode needs beyond the reader.
#[derive(Clone, Copy)]
enum Pass {
    Sequential,
    DcFirst,
    DcRefine,
    AcFirst,
    AcRefine,
}

impl Decoder {
    fn decode_scan(&mut self, scan: &Scan, data: &[u8]) -> Result<()> {
        let pass = match (
            self.frame.progressive,
            scan.spectral_start == 0,
            scan.approximation_high == 0,
        ) {
            (false, _, _) => Pass::Sequential,
            (true, true, true) => Pass::DcFirst,
            (true, true, false) => Pass::DcRefine,
            (true, false, true) => Pass::AcFirst,
            (true, false, false) => Pass::AcRefine,
        };
        for component in &scan.components {
            let needs_dc = matches!(pass, Pass::Sequential | Pass::DcFirst);
            let needs_ac = matches!(pass, Pass::Sequential | Pass::AcFirst | Pass::AcRefine);
            if needs_dc && self.dc_tables[component.dc_table].is_none() {
                return Err(malformed("scan uses an undefined DC Huffman table"));
            }
            if needs_ac && self.ac_tables[component.ac_table].is_none() {
                return Err(malformed("scan uses an undefined AC Huffman table"));
            }
        }
        let mut reader = BitReader::new(data);
        let mut predictions = [0i32; 4];
        let mut end_of_band = 0u32;
        let single = scan.components.len() == 1;
        let (units_wide, units_high) = if single {
            let c = &self.frame.components[scan.components[0].index];
            (c.wide, c.high)
        } else {
            (self.frame.mcus_wide, self.frame.mcus_high)
        };
        let total = units_wide * units_high;
        for unit in 0..total {
            if self.restart_interval > 0 && unit > 0 && unit % self.restart_interval == 0 {
                reader.restart();
                predictions = [0; 4];
                end_of_band = 0;
            }
            let (ux, uy) = (unit % units_wide, unit / units_wide);
            for (slot, sc) in scan.components.iter().enumerate() {
                let c = self.frame.components[sc.index];
                let (h, v) = if single {
                    (1, 1)
                } else {
                    (c.horizontal, c.vertical)
                };
                for by in 0..v {
                    for bx in 0..h {
                        let (x, y) = if single {
                            (ux, uy)
                        } else {
                            (ux * h + bx, uy * v + by)
                        };
                        let start = (y * c.stride + x) * 64;
                        let block = &mut self.planes[sc.index][start..start + 64];
                        let dc = self.dc_tables[sc.dc_table].as_ref();
                        let ac = self.ac_tables[sc.ac_table].as_ref();
                        decode_block(
                            &mut reader,
                            block,
                            pass,
                            scan,
                            dc,
                            ac,
                            &mut predictions[slot],
                            &mut end_of_band,
                        )?;
                    }
                }
            }
        }
        if reader.cut_short() {
            self.complete = false;
        }
        Ok(())
    }
}

fn clamp16(value: i32) -> i16 {
    value.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

#[allow(clippy::too_many_arguments)]
fn decode_block(
    reader: &mut BitReader<'_>,
    block: &mut [i16],
    pass: Pass,
    scan: &Scan,
    dc: Option<&Huffman>,
    ac: Option<&Huffman>,
    prediction: &mut i32,
    end_of_band: &mut u32,
) -> Result<()> {
    let low = scan.approximation_low;
    let missing = || malformed("missing Huffman table");
    match pass {
        Pass::Sequential | Pass::DcFirst => {
            let size = u32::from(reader.decode(dc.ok_or_else(missing)?)?);
            if size > 16 {
                return Err(malformed("DC difference longer than 16 bits"));
            }
            *prediction = prediction.wrapping_add(reader.receive_extend(size));
            block[0] = clamp16(prediction.wrapping_shl(low));
            if matches!(pass, Pass::DcFirst) {
                return Ok(());
            }
            let table = ac.ok_or_else(missing)?;
            let mut k = 1;
            while k < 64 {
                let symbol = reader.decode(table)?;
                let (run, size) = (usize::from(symbol >> 4), u32::from(symbol & 15));
                if size == 0 {
                    if run != 15 {
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += run;
                if k > 63 {
                    return Err(malformed("AC run past the end of a block"));
                }
                block[ZIGZAG_TO_NATURAL[k]] = clamp16(reader.receive_extend(size));
                k += 1;
            }
        }
        Pass::DcRefine => {
            if reader.bit() {
                block[0] = clamp16(i32::from(block[0]) | (1 << low));
            }
        }
        Pass::AcFirst => {
            if *end_of_band > 0 {
                *end_of_band -= 1;
                return Ok(());
            }
            let table = ac.ok_or_else(missing)?;
            let mut k = scan.spectral_start;
            while k <= scan.spectral_end {
                let symbol = reader.decode(table)?;
                let (run, size) = (u32::from(symbol >> 4), u32::from(symbol & 15));
                if size == 0 {
                    if run < 15 {
                        *end_of_band = (1 << run) - 1 + reader.bits(run);
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += run as usize;
                if k > 63 {
                    return Err(malformed("AC run past the end of a block"));
                }
                block[ZIGZAG_TO_NATURAL[k]] =
                    clamp16(reader.receive_extend(size).wrapping_shl(low));
                k += 1;
            }
        }
        Pass::AcRefine => refine_ac(reader, block, scan, ac.ok_or_else(missing)?, end_of_band)?,
    }
    Ok(())
}

/// Successive-approximation refinement of AC coefficients (T.81 G.1.2.3).
fn refine_ac(
    reader: &mut BitReader<'_>,
    block: &mut [i16],
    scan: &Scan,
    table: &Huffman,
    end_of_band: &mut u32,
) -> Result<()> {
    let positive = 1i32 << scan.approximation_low;
    let negative = -positive;
    let end = scan.spectral_end;
    let refine = |reader: &mut BitReader<'_>, coefficient: &mut i16| {
        if reader.bit() {
            let value = i32::from(*coefficient);
            if value & positive == 0 {
                *coefficient = clamp16(if value >= 0 {
                    value + positive
                } else {
                    value + negative
                });
            }
        }
    };
    let mut k = scan.spectral_start;
    if *end_of_band == 0 {
        while k <= end {
            let symbol = reader.decode(table)?;
            let mut run = i32::from(symbol >> 4);
            let size = symbol & 15;
            let mut value = 0i32;
            if size != 0 {
                if size != 1 {
                    return Err(malformed("refinement value larger than one bit"));
                }
                value = if reader.bit() { positive } else { negative };
            } else if run != 15 {
                *end_of_band = (1 << run) + reader.bits(run as u32);
                break;
            }
            while k <= end {
                let coefficient = &mut block[ZIGZAG_TO_NATURAL[k]];
                if *coefficient != 0 {
                    refine(reader, coefficient);
                } else {
                    if run == 0 {
                        break;
                    }
                    run -= 1;
                }
                k += 1;
            }
            if value != 0 && k <= end {
                block[ZIGZAG_TO_NATURAL[k]] = clamp16(value);
            }
            k += 1;
        }
    }
    if *end_of_band > 0 {
        while k <= end {
            let coefficient = &mut block[ZIGZAG_TO_NATURAL[k]];
            if *coefficient != 0 {
                refine(reader, coefficient);
            }
            k += 1;
        }
        *end_of_band -= 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;

    fn textured(width: u32, height: u32) -> image::RgbImage {
        image::RgbImage::from_fn(width, height, |x, y| {
            let v = ((x * 7 + y * 3) % 97) as u8 + ((x / 5 + y / 3) % 2) as u8 * 90;
            image::Rgb([v, v.wrapping_add((x * 2) as u8), 255 - v])
        })
    }

    fn encode(image: &image::RgbImage, quality: u8) -> Vec<u8> {
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, quality)
            .encode_image(image)
            .unwrap();
        bytes
    }

    /// The inverse DCT of one dequantised block, T.81 A.3.3, in f64.
    fn idct(block: &[i16], table: &[u16; 64]) -> [f64; 64] {
        let mut out = [0.0; 64];
        for y in 0..8 {
            for x in 0..8 {
                let mut sum = 0.0;
                for v in 0..8 {
                    for u in 0..8 {
                        let cu = if u == 0 { 0.5f64.sqrt() } else { 1.0 };
                        let cv = if v == 0 { 0.5f64.sqrt() } else { 1.0 };
                        let coefficient = f64::from(block[v * 8 + u]) * f64::from(table[v * 8 + u]);
                        sum += cu
                            * cv
                            * coefficient
                            * (((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI) / 16.0).cos()
                            * (((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI) / 16.0).cos();
                    }
                }
                out[y * 8 + x] = sum / 4.0 + 128.0;
            }
        }
        out
    }

    fn gray(width: u32, height: u32) -> image::GrayImage {
        image::GrayImage::from_fn(width, height, |x, y| {
            image::Luma([((x * 7 + y * 3) % 97) as u8 + ((x / 5 + y / 3) % 2) as u8 * 90])
        })
    }

    /// The largest difference between the decoder's pixels and our
    /// coefficients' inverse DCT, over the first `wide` x `high` blocks.
    fn reconstruction_error(bytes: &[u8], plane: &DctPlane) -> f64 {
        let luma = image::load_from_memory(bytes).unwrap().to_luma8();
        let mut worst = 0.0f64;
        for by in 0..plane.blocks_high {
            for bx in 0..plane.blocks_wide {
                let pixels = idct(plane.block(bx, by), &plane.quantization);
                for y in 0..8 {
                    for x in 0..8 {
                        let (px, py) = ((bx * 8 + x) as u32, (by * 8 + y) as u32);
                        if px < luma.width() && py < luma.height() {
                            let ours = pixels[y * 8 + x].round().clamp(0.0, 255.0);
                            let theirs = f64::from(luma.get_pixel(px, py)[0]);
                            worst = worst.max((ours - theirs).abs());
                        }
                    }
                }
            }
        }
        worst
    }

    /// Asserts that two planes hold the same coefficients in every data block.
    fn assert_same_blocks(expected: &DctPlane, actual: &DctPlane, what: &str) {
        assert_eq!(
            (expected.blocks_wide, expected.blocks_high),
            (actual.blocks_wide, actual.blocks_high)
        );
        for y in 0..expected.blocks_high {
            for x in 0..expected.blocks_wide {
                assert_eq!(
                    expected.block(x, y),
                    actual.block(x, y),
                    "{what}: block {x},{y}"
                );
            }
        }
    }

    #[test]
    fn baseline_coefficients_reconstruct_the_decoded_pixels() {
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&gray(40, 24))
            .unwrap();
        let plane = read_dct(&bytes, &DecodeLimits::default()).unwrap();
        assert_eq!((plane.blocks_wide, plane.blocks_high), (5, 3));
        assert!(plane.complete && !plane.progressive);
        let worst = reconstruction_error(&bytes, &plane);
        assert!(worst <= 2.0, "largest pixel difference {worst}");
    }

    fn jpeg_encoder(
        image: &image::RgbImage,
        quality: u8,
        progressive: bool,
        restart: u16,
    ) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, quality);
        encoder.set_progressive(progressive);
        encoder.set_restart_interval(restart);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder
            .encode(
                image.as_raw(),
                image.width() as u16,
                image.height() as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .unwrap();
        bytes
    }

    #[test]
    fn progressive_and_baseline_encodings_give_the_same_coefficients() {
        // Odd sizes exercise partial MCUs; 4:2:0 exercises interleaved scans.
        let image = textured(53, 37);
        let baseline = read_dct(
            &jpeg_encoder(&image, 80, false, 0),
            &DecodeLimits::default(),
        )
        .unwrap();
        let progressive =
            read_dct(&jpeg_encoder(&image, 80, true, 0), &DecodeLimits::default()).unwrap();
        assert!(progressive.progressive && !baseline.progressive);
        assert!(progressive.complete && baseline.complete);
        assert_eq!((baseline.blocks_wide, baseline.blocks_high), (7, 5));
        assert_eq!(baseline.quantization, progressive.quantization);
        assert_same_blocks(&baseline, &progressive, "progressive");
        assert!(baseline.coefficients.iter().filter(|&&c| c != 0).count() > 200);
    }

    #[test]
    fn libjpeg_successive_approximation_matches_its_baseline() {
        // Pillow (libjpeg) progressive files refine DC and AC bit by bit.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/images/");
        let read = |name: &str| {
            let bytes = std::fs::read(format!("{dir}{name}")).unwrap();
            (read_dct(&bytes, &DecodeLimits::default()).unwrap(), bytes)
        };
        let (baseline, baseline_bytes) = read("card-baseline.jpg");
        let (progressive, _) = read("card-progressive.jpg");
        assert!(progressive.progressive && progressive.complete);
        assert_eq!((baseline.blocks_wide, baseline.blocks_high), (16, 10));
        assert_same_blocks(&baseline, &progressive, "progressive");
        assert!(reconstruction_error(&baseline_bytes, &baseline) <= 2.0);
    }

    #[test]
    fn restart_intervals_are_followed() {
        let image = textured(64, 40);
        let plain = read_dct(
            &jpeg_encoder(&image, 90, false, 0),
            &DecodeLimits::default(),
        )
        .unwrap();
        for restart in [1u16, 3] {
            for progressive in [false, true] {
                let bytes = jpeg_encoder(&image, 90, progressive, restart);
                let plane = read_dct(&bytes, &DecodeLimits::default()).unwrap();
                assert_eq!(plane.coefficients.len(), plain.coefficients.len());
                let what = format!("restart {restart} progressive {progressive}");
                assert_same_blocks(&plain, &plane, &what);
            }
        }
    }

    #[test]
    fn the_quantisation_table_is_returned_in_natural_order() {
        let bytes = encode(&textured(16, 16), 50);
        let plane = read_dct(&bytes, &DecodeLimits::default()).unwrap();
        // Annex K's luminance table at quality 50: row 0 is 16 11 10 16 24 40 51 61.
        assert_eq!(&plane.quantization[..8], &[16, 11, 10, 16, 24, 40, 51, 61]);
        assert_eq!(plane.quantization[8], 12);
    }

    #[test]
    fn over_limit_frames_are_refused_before_allocating() {
        let bytes = encode(&textured(64, 64), 80);
        let limits = DecodeLimits {
            max_pixels: 1000,
            ..DecodeLimits::default()
        };
        assert_eq!(
            read_dct(&bytes, &limits).unwrap_err().code(),
            ErrorCode::FileTooLarge
        );
    }

    #[test]
    fn an_over_full_huffman_table_is_refused() {
        // Found by the fuzzer: three 1-bit codes, where only two fit.
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Huffman::new(&counts, &[1, 2, 3]).is_err());
        counts[0] = 2;
        assert!(Huffman::new(&counts, &[1, 2]).is_ok());
        let mut segment = b"\xFF\xD8\xFF\xC4\x00\x16\x00\x03".to_vec();
        segment.extend_from_slice(&[0; 15]);
        segment.extend_from_slice(&[1, 2, 3, 0xFF, 0xD9]);
        assert_eq!(
            read_dct(&segment, &DecodeLimits::default())
                .unwrap_err()
                .code(),
            ErrorCode::UnsupportedFormat
        );
    }

    #[test]
    fn truncated_and_corrupt_streams_return_errors_or_partial_planes() {
        let bytes = encode(&textured(64, 64), 80);
        let cut = read_dct(&bytes[..bytes.len() / 2], &DecodeLimits::default()).unwrap();
        assert!(!cut.complete);
        assert!(read_dct(b"\x89PNG\r\n\x1a\n", &DecodeLimits::default()).is_err());
        assert!(read_dct(b"\xFF\xD8\xFF\xD9", &DecodeLimits::default()).is_err());
        // Every single-byte corruption of the headers gives Ok or a typed error.
        for at in 2..bytes.len().min(700) {
            let mut corrupt = bytes.clone();
            corrupt[at] ^= 0x5A;
            if let Err(err) = read_dct(&corrupt, &DecodeLimits::default()) {
                assert!(matches!(
                    err.code(),
                    ErrorCode::UnsupportedFormat | ErrorCode::FileTooLarge
                ));
            }
        }
    }
}
