//! Reader for dlib's binary serialisation, the format of its `.dat` model files.
//!
//! Written by hand: no crate reads dlib's format. What it understands is what
//! the two face models use: dlib's variable-length integers (a control byte
//! holding the length and the sign, then little-endian bytes), floating-point
//! numbers as an integer mantissa and exponent, length-prefixed strings and
//! sequences, `'0'`/`'1'` booleans, column matrices, and `dnn` tensors (whose
//! values are raw little-endian `f32`). Every read is bounds-checked and every
//! length is checked against the bytes left, so a truncated or hostile file
//! gives [`ErrorCode::ModelInvalid`], never a panic or a huge allocation.

use crate::{Error, ErrorCode, Result};

/// A cursor over the bytes of a dlib model file.
#[derive(Debug)]
pub(crate) struct DlibReader<'a> {
    bytes: &'a [u8],
    position: usize,
    /// Which file is being read, for error messages.
    what: &'static str,
}

/// A `dlib::tensor`: `samples × channels × rows × columns` values, row-major.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tensor {
    pub samples: usize,
    pub channels: usize,
    pub rows: usize,
    pub columns: usize,
    pub values: Vec<f32>,
}

/// The shape of a `dlib::alias_tensor` (a view into a layer's parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AliasShape {
    pub samples: usize,
    pub channels: usize,
    pub rows: usize,
    pub columns: usize,
}

impl AliasShape {
    /// How many values the view covers.
    pub fn len(&self) -> usize {
        self.samples * self.channels * self.rows * self.columns
    }
}

impl<'a> DlibReader<'a> {
    /// A reader at the start of `bytes`, naming the file `what` in errors.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        DlibReader {
            bytes,
            position: 0,
            what,
        }
    }

    /// A `MODEL_INVALID` error at the current position.
    pub fn invalid(&self, reason: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorCode::ModelInvalid,
            format!(
                "{} is not a valid model: {reason} (at byte {})",
                self.what, self.position
            ),
        )
    }

    /// Whether every byte has been read.
    pub fn at_end(&self) -> bool {
        self.position == self.bytes.len()
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        let end = self
            .position
            .checked_add(count)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.invalid("the file ends early"))?;
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn control_and_magnitude(&mut self) -> Result<(bool, u64)> {
        let control = self.take(1)?[0];
        if control & 0x70 != 0 {
            return Err(self.invalid("bad integer control byte"));
        }
        let size = usize::from(control & 0x0f);
        if size > 8 {
            return Err(self.invalid("integer wider than 64 bits"));
        }
        let magnitude = self
            .take(size)?
            .iter()
            .rev()
            .fold(0u64, |value, &byte| (value << 8) | u64::from(byte));
        Ok((control & 0x80 != 0, magnitude))
    }

    /// A signed integer.
    pub fn int(&mut self) -> Result<i64> {
        let (negative, magnitude) = self.control_and_magnitude()?;
        let value = i64::try_from(magnitude).map_err(|_| self.invalid("integer overflow"))?;
        Ok(if negative { -value } else { value })
    }

    /// An unsigned integer (a negative one is an error).
    pub fn uint(&mut self) -> Result<u64> {
        let (negative, magnitude) = self.control_and_magnitude()?;
        if negative {
            return Err(self.invalid("negative value where a size was expected"));
        }
        Ok(magnitude)
    }

    /// A count of items that follow, each at least `min_item_bytes` long:
    /// checked against the bytes left so a forged count cannot allocate.
    pub fn count(&mut self, min_item_bytes: usize) -> Result<usize> {
        let count = usize::try_from(self.uint()?).map_err(|_| self.invalid("count overflow"))?;
        let left = self.bytes.len() - self.position;
        if count.saturating_mul(min_item_bytes.max(1)) > left {
            return Err(self.invalid(format!("a count of {count} exceeds the file")));
        }
        Ok(count)
    }

    /// A non-negative integer expected to equal `expected` (a dimension, a
    /// stride, a version).
    pub fn expect_uint(&mut self, expected: u64, field: &str) -> Result<()> {
        let value = self.int()?;
        if value != expected as i64 {
            return Err(self.invalid(format!("{field} is {value}, expected {expected}")));
        }
        Ok(())
    }

    /// A floating-point number: `mantissa × 2^exponent`.
    pub fn float(&mut self) -> Result<f64> {
        let mantissa = self.int()?;
        let exponent = self.int()?;
        // dlib marks infinities and NaN with exponents far outside any real one.
        const SPECIAL: i64 = 32000;
        if exponent.abs() >= SPECIAL {
            return Err(self.invalid("a non-finite number"));
        }
        let exponent = i32::try_from(exponent).map_err(|_| self.invalid("exponent overflow"))?;
        Ok(mantissa as f64 * 2f64.powi(exponent))
    }

    /// A boolean, written by dlib as the character `'0'` or `'1'`.
    pub fn bool(&mut self) -> Result<bool> {
        match self.take(1)?[0] {
            b'0' => Ok(false),
            b'1' => Ok(true),
            other => Err(self.invalid(format!("byte {other:#04x} where a boolean was expected"))),
        }
    }

    /// A length-prefixed string.
    pub fn string(&mut self) -> Result<String> {
        let length = self.count(1)?;
        let bytes = self.take(length)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.invalid("a name that is not UTF-8"))
    }

    /// A string that must equal `tag` (dlib's layer and format version names).
    pub fn expect_tag(&mut self, tag: &str) -> Result<()> {
        let found = self.string()?;
        if found != tag {
            return Err(self.invalid(format!("found {found:?} where {tag:?} was expected")));
        }
        Ok(())
    }

    /// A column matrix of floats (`matrix<float,0,1>`).
    pub fn float_column(&mut self) -> Result<Vec<f32>> {
        // dlib writes the dimensions negated to mark its current format.
        let rows = self.int()?.unsigned_abs();
        let columns = self.int()?.unsigned_abs();
        if columns != 1 {
            return Err(self.invalid(format!("a matrix with {columns} columns, expected 1")));
        }
        let rows = usize::try_from(rows).map_err(|_| self.invalid("matrix too large"))?;
        if rows.saturating_mul(2) > self.bytes.len() - self.position {
            return Err(self.invalid("a matrix larger than the file"));
        }
        (0..rows).map(|_| Ok(self.float()? as f32)).collect()
    }

    /// A `dlib::vector<float,2>`.
    pub fn float_pair(&mut self) -> Result<[f32; 2]> {
        Ok([self.float()? as f32, self.float()? as f32])
    }

    /// A `dnn` tensor (format version 2: dimensions, then raw `f32` values).
    pub fn tensor(&mut self) -> Result<Tensor> {
        self.expect_uint(2, "tensor format version")?;
        let mut dimension = || -> Result<usize> {
            usize::try_from(self.uint()?).map_err(|_| self.invalid("tensor too large"))
        };
        let (samples, channels, rows, columns) =
            (dimension()?, dimension()?, dimension()?, dimension()?);
        let count = [samples, channels, rows, columns]
            .into_iter()
            .try_fold(1usize, usize::checked_mul)
            .ok_or_else(|| self.invalid("tensor too large"))?;
        let bytes = self.take(
            count
                .checked_mul(4)
                .ok_or_else(|| self.invalid("tensor too large"))?,
        )?;
        let values = bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        Ok(Tensor {
            samples,
            channels,
            rows,
            columns,
            values,
        })
    }

    /// An empty tensor (the gradients and caches dlib saves along with a
    /// trained network, which a cleaned model leaves empty).
    pub fn empty_tensor(&mut self) -> Result<()> {
        let tensor = self.tensor()?;
        if !tensor.values.is_empty() {
            return Err(self.invalid("a training buffer that should be empty"));
        }
        Ok(())
    }

    /// An `alias_tensor`'s shape.
    pub fn alias_shape(&mut self) -> Result<AliasShape> {
        self.expect_uint(1, "alias tensor format version")?;
        let mut dimension = || -> Result<usize> {
            usize::try_from(self.uint()?).map_err(|_| self.invalid("tensor too large"))
        };
        Ok(AliasShape {
            samples: dimension()?,
            channels: dimension()?,
            rows: dimension()?,
            columns: dimension()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_length_and_sign_prefixed_little_endian() {
        // 4736 = 0x1280 in two bytes; -28 as sign bit plus one byte.
        let bytes = [0x02, 0x80, 0x12, 0x81, 0x1c, 0x00];
        let mut reader = DlibReader::new(&bytes, "test");
        assert_eq!(reader.int().unwrap(), 4736);
        assert_eq!(reader.int().unwrap(), -28);
        assert_eq!(reader.int().unwrap(), 0);
        assert!(reader.at_end());
    }

    #[test]
    fn floats_are_mantissa_and_binary_exponent() {
        // 0xa3d70a × 2^-28 = 0.04, the metric loss's margin in the ResNet file.
        let bytes = [0x03, 0x0a, 0xd7, 0xa3, 0x81, 0x1c];
        let value = DlibReader::new(&bytes, "test").float().unwrap();
        assert!((value - 0.04).abs() < 1e-7, "{value}");
    }

    #[test]
    fn a_truncated_file_is_model_invalid() {
        let bytes = [0x02, 0x80];
        let error = DlibReader::new(&bytes, "test").int().unwrap_err();
        assert_eq!(error.code(), ErrorCode::ModelInvalid);
        assert!(
            error.message().contains("ends early"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_forged_count_is_refused_before_allocating() {
        // A string claiming 2^40 bytes in a six-byte file.
        let bytes = [0x06, 0, 0, 0, 0, 0, 1];
        let error = DlibReader::new(&bytes, "test").string().unwrap_err();
        assert_eq!(error.code(), ErrorCode::ModelInvalid);
    }

    #[test]
    fn tensors_carry_raw_little_endian_floats() {
        let mut bytes = vec![0x01, 0x02, 0x01, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01];
        bytes.extend_from_slice(&1.5f32.to_le_bytes());
        bytes.extend_from_slice(&(-2.0f32).to_le_bytes());
        let tensor = DlibReader::new(&bytes, "test").tensor().unwrap();
        assert_eq!((tensor.samples, tensor.channels), (2, 1));
        assert_eq!(tensor.values, vec![1.5, -2.0]);
    }

    #[test]
    fn booleans_are_ascii_digits() {
        let mut reader = DlibReader::new(b"10x", "test");
        assert!(reader.bool().unwrap());
        assert!(!reader.bool().unwrap());
        assert_eq!(reader.bool().unwrap_err().code(), ErrorCode::ModelInvalid);
    }
}
