//! The 128-d face descriptor: dlib's ResNet face-recognition network
//! (`dlib_face_recognition_resnet_model_v1.dat`), read and run in Rust.
//!
//! Written by hand: the weights are in dlib's own serialisation, which no
//! inference crate reads, and the network is small enough (29 convolutions,
//! about 0.25 GMAC per chip) that a direct forward pass is both simpler and
//! faster to build than an ONNX runtime (see DESIGN.md on tract). Convolutions
//! are lowered to matrix products (im2col) done by `matrixmultiply`'s SIMD
//! `sgemm`.
//!
//! dlib's file does not record the network's wiring (its tag and skip layers
//! leave only a version number), so the architecture is written out here as
//! dlib's `anet_type` declares it, and the file is checked against it layer by
//! layer: any other network is `MODEL_INVALID`, never a silent misread.

use image::RgbImage;

use super::chip::CHIP_SIZE;
use super::dlib_format::{AliasShape, DlibReader};
use crate::Result;

/// The file name of the model this module reads.
pub const EMBEDDER_FILE: &str = "dlib_face_recognition_resnet_model_v1.dat";

/// Length of a face descriptor.
pub const DESCRIPTOR_LEN: usize = 128;

/// One face descriptor: faces of one person lie within about 0.6 of each
/// other (Euclidean distance), faces of different people further apart.
pub type Descriptor = [f32; DESCRIPTOR_LEN];

/// A layer's kind as the architecture declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    Convolution {
        filters: usize,
        size: usize,
        stride: usize,
    },
    Affine,
    Relu,
    MaxPool {
        size: usize,
        stride: usize,
    },
    AvgPool {
        size: usize,
        stride: usize,
    },
    AvgPoolEverything,
    AddPrevious(u8),
    FullyConnected(usize),
    Tag(u8),
    Skip(u8),
}

/// dlib's `anet_type`, from the output down to the input.
fn architecture() -> Vec<Declared> {
    use Declared::*;
    let block = |filters: usize, stride: usize| {
        [
            Affine,
            Convolution {
                filters,
                size: 3,
                stride: 1,
            },
            Relu,
            Affine,
            Convolution {
                filters,
                size: 3,
                stride,
            },
        ]
    };
    let residual = |filters: usize| {
        let mut layers = vec![Relu, AddPrevious(1)];
        layers.extend(block(filters, 1));
        layers.push(Tag(1));
        layers
    };
    let residual_down = |filters: usize| {
        let mut layers = vec![
            Relu,
            AddPrevious(2),
            AvgPool { size: 2, stride: 2 },
            Skip(1),
            Tag(2),
        ];
        layers.extend(block(filters, 2));
        layers.push(Tag(1));
        layers
    };
    let mut layers = vec![FullyConnected(DESCRIPTOR_LEN), AvgPoolEverything];
    layers.extend(residual_down(256));
    for (filters, plain) in [(256, 2), (128, 2), (64, 3)] {
        for _ in 0..plain {
            layers.extend(residual(filters));
        }
        layers.extend(residual_down(filters));
    }
    for _ in 0..3 {
        layers.extend(residual(32));
    }
    layers.extend([
        MaxPool { size: 3, stride: 2 },
        Relu,
        Affine,
        Convolution {
            filters: 32,
            size: 7,
            stride: 2,
        },
    ]);
    layers
}

/// A layer ready to run.
#[derive(Debug, Clone)]
enum Layer {
    Convolution {
        /// `filters × (channels·size·size)`, row-major.
        weights: Vec<f32>,
        biases: Vec<f32>,
        channels: usize,
        size: usize,
        stride: usize,
        padding: usize,
    },
    Affine {
        scale: Vec<f32>,
        shift: Vec<f32>,
    },
    Relu,
    MaxPool {
        size: usize,
        stride: usize,
    },
    AvgPool {
        size: usize,
        stride: usize,
    },
    AvgPoolEverything,
    AddPrevious(u8),
    FullyConnected {
        /// `inputs × outputs`, row-major.
        weights: Vec<f32>,
        outputs: usize,
    },
    Tag(u8),
    Skip(u8),
}

/// A batch of activations laid out `channels × samples × rows × columns`:
/// with the samples inside each channel, one matrix product per layer serves
/// the whole batch and lands in this same layout.
#[derive(Debug, Clone, PartialEq)]
struct Activation {
    channels: usize,
    samples: usize,
    rows: usize,
    columns: usize,
    values: Vec<f32>,
}

impl Activation {
    fn plane(&self) -> usize {
        self.rows * self.columns
    }
}

/// dlib's ResNet face embedder.
#[derive(Debug, Clone)]
pub struct FaceEmbedder {
    /// Mean red, green and blue subtracted from the chip.
    channel_means: [f32; 3],
    /// From the input up to the descriptor.
    layers: Vec<Layer>,
}

impl FaceEmbedder {
    /// Reads the network from the bytes of dlib's `.dat` file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = DlibReader::new(bytes, EMBEDDER_FILE);
        reader.expect_uint(1, "loss layer version")?;
        reader.expect_tag("loss_metric_2")?;
        let _margin = reader.float()?;
        let _distance_threshold = reader.float()?;

        let declared = architecture();
        let bottom = declared.len() - 1;
        for (index, layer) in declared.iter().enumerate() {
            let version = match layer {
                Declared::Tag(_) | Declared::Skip(_) => 1,
                _ if index == bottom => 3,
                _ => 2,
            };
            reader.expect_uint(version, "layer version")?;
        }

        reader.expect_tag("input_rgb_image_sized")?;
        let channel_means = [
            reader.float()? as f32,
            reader.float()? as f32,
            reader.float()? as f32,
        ];
        reader.expect_uint(u64::from(CHIP_SIZE), "input rows")?;
        reader.expect_uint(u64::from(CHIP_SIZE), "input columns")?;

        let mut layers = Vec::with_capacity(declared.len());
        let mut channels = 3usize;
        for (index, layer) in declared.iter().enumerate().rev() {
            let parsed = read_layer(&mut reader, *layer, channels)?;
            match parsed {
                Layer::Tag(_) | Layer::Skip(_) => {}
                _ => {
                    // Flags and training buffers dlib saves with each layer.
                    for _ in 0..3 {
                        reader.bool()?;
                    }
                    reader.empty_tensor()?;
                    reader.empty_tensor()?;
                    reader.empty_tensor()?;
                    if index == bottom {
                        reader.expect_uint(1, "sample expansion factor")?;
                    }
                }
            }
            if let Declared::Convolution { filters, .. } = layer {
                channels = *filters;
            }
            layers.push(parsed);
        }
        if !reader.at_end() {
            return Err(reader.invalid("bytes after the network"));
        }
        Ok(FaceEmbedder {
            channel_means,
            layers,
        })
    }

    /// The descriptor of one aligned 150×150 chip.
    pub fn embed(&self, chip: &RgbImage) -> Descriptor {
        self.embed_batch(&[chip])[0]
    }

    /// The descriptors of several chips, run through the network together
    /// (one matrix product per layer for the whole batch).
    pub fn embed_batch(&self, chips: &[&RgbImage]) -> Vec<Descriptor> {
        let size = CHIP_SIZE as usize;
        let plane = size * size;
        let samples = chips.len();
        if samples == 0 {
            return Vec::new();
        }
        let mut values = vec![0f32; 3 * samples * plane];
        for (sample, chip) in chips.iter().enumerate() {
            debug_assert_eq!(chip.dimensions(), (CHIP_SIZE, CHIP_SIZE));
            for (index, pixel) in chip.pixels().enumerate().take(plane) {
                for channel in 0..3 {
                    values[(channel * samples + sample) * plane + index] =
                        ((f32::from(pixel[channel]) - self.channel_means[channel]) as f64 / 256.0)
                            as f32;
                }
            }
        }
        let mut current = Activation {
            channels: 3,
            samples,
            rows: size,
            columns: size,
            values,
        };
        let mut tagged: [Option<Activation>; 3] = [None, None, None];
        for layer in &self.layers {
            current = match layer {
                Layer::Convolution {
                    weights,
                    biases,
                    channels,
                    size,
                    stride,
                    padding,
                } => convolve(
                    &current, weights, biases, *channels, *size, *stride, *padding,
                ),
                Layer::Affine { scale, shift } => {
                    let span = current.samples * current.plane();
                    for (channel, values) in current.values.chunks_mut(span).enumerate() {
                        let (a, b) = (scale[channel], shift[channel]);
                        values.iter_mut().for_each(|v| *v = *v * a + b);
                    }
                    current
                }
                Layer::Relu => {
                    current.values.iter_mut().for_each(|v| *v = v.max(0.0));
                    current
                }
                Layer::MaxPool { size, stride } => pool(&current, *size, *stride, Pooling::Max),
                Layer::AvgPool { size, stride } => pool(&current, *size, *stride, Pooling::Average),
                Layer::AvgPoolEverything => {
                    let plane = current.plane();
                    Activation {
                        channels: current.channels,
                        samples: current.samples,
                        rows: 1,
                        columns: 1,
                        values: current
                            .values
                            .chunks(plane)
                            .map(|values| values.iter().sum::<f32>() / plane as f32)
                            .collect(),
                    }
                }
                Layer::AddPrevious(tag) => match &tagged[usize::from(*tag)] {
                    Some(other) => add_padded(&current, other),
                    None => current,
                },
                Layer::FullyConnected { weights, outputs } => {
                    // Inputs are `channels × samples` (1×1 planes).
                    let mut out = vec![0f32; samples * *outputs];
                    for (input, row) in current.values.chunks(samples).zip(weights.chunks(*outputs))
                    {
                        for (sample, value) in input.iter().enumerate() {
                            for (o, w) in out[sample * *outputs..][..*outputs].iter_mut().zip(row) {
                                *o += value * w;
                            }
                        }
                    }
                    Activation {
                        channels: *outputs,
                        samples,
                        rows: 1,
                        columns: 1,
                        values: out,
                    }
                }
                Layer::Tag(tag) => {
                    tagged[usize::from(*tag)] = Some(current.clone());
                    current
                }
                Layer::Skip(tag) => tagged[usize::from(*tag)].clone().unwrap_or(current),
            };
        }
        current
            .values
            .chunks(DESCRIPTOR_LEN)
            .take(samples)
            .map(|values| {
                let mut descriptor = [0f32; DESCRIPTOR_LEN];
                descriptor.copy_from_slice(values);
                descriptor
            })
            .collect()
    }
}

/// Reads one layer's details and checks them against the declaration.
/// `channels` is how many channels the layer receives: the last convolution's
/// filters, which a residual sum keeps (it widens the skipped input to them).
fn read_layer(reader: &mut DlibReader<'_>, declared: Declared, channels: usize) -> Result<Layer> {
    Ok(match declared {
        Declared::Convolution {
            filters,
            size,
            stride,
        } => {
            reader.expect_tag("con_4")?;
            let params = reader.tensor()?;
            reader.expect_uint(filters as u64, "filters")?;
            reader.expect_uint(size as u64, "filter rows")?;
            reader.expect_uint(size as u64, "filter columns")?;
            reader.expect_uint(stride as u64, "stride y")?;
            reader.expect_uint(stride as u64, "stride x")?;
            let padding = if stride == 1 { size / 2 } else { 0 };
            reader.expect_uint(padding as u64, "padding y")?;
            reader.expect_uint(padding as u64, "padding x")?;
            let filter_shape = reader.alias_shape()?;
            let bias_shape = reader.alias_shape()?;
            for _ in 0..4 {
                reader.float()?; // learning-rate and weight-decay multipliers
            }
            let weight_count = filters * channels * size * size;
            let expected_filters = AliasShape {
                samples: filters,
                channels,
                rows: size,
                columns: size,
            };
            if filter_shape != expected_filters
                || bias_shape.len() != filters
                || params.values.len() != weight_count + filters
            {
                return Err(reader.invalid(format!(
                    "a convolution's weights do not match {filters} filters of {channels}x{size}x{size}"
                )));
            }
            let mut weights = params.values;
            let biases = weights.split_off(weight_count);
            Layer::Convolution {
                weights,
                biases,
                channels,
                size,
                stride,
                padding,
            }
        }
        Declared::Affine => {
            reader.expect_tag("affine_")?;
            let params = reader.tensor()?;
            let gamma = reader.alias_shape()?;
            let beta = reader.alias_shape()?;
            let mode = reader.int()?;
            if mode != 0 || gamma.len() != channels || beta.len() != channels {
                return Err(reader.invalid("an affine layer that is not per-channel"));
            }
            if params.values.len() != 2 * channels {
                return Err(reader.invalid("an affine layer of the wrong size"));
            }
            let mut scale = params.values;
            let shift = scale.split_off(channels);
            Layer::Affine { scale, shift }
        }
        Declared::Relu => {
            reader.expect_tag("relu_")?;
            Layer::Relu
        }
        Declared::MaxPool { size, stride } => {
            reader.expect_tag("max_pool_2")?;
            read_pool_shape(reader, size, stride)?;
            Layer::MaxPool { size, stride }
        }
        Declared::AvgPool { size, stride } => {
            reader.expect_tag("avg_pool_2")?;
            read_pool_shape(reader, size, stride)?;
            Layer::AvgPool { size, stride }
        }
        Declared::AvgPoolEverything => {
            reader.expect_tag("avg_pool_2")?;
            read_pool_shape(reader, 0, 1)?;
            Layer::AvgPoolEverything
        }
        Declared::AddPrevious(tag) => {
            reader.expect_tag("add_prev_")?;
            Layer::AddPrevious(tag)
        }
        Declared::FullyConnected(outputs) => {
            reader.expect_tag("fc_2")?;
            reader.expect_uint(outputs as u64, "outputs")?;
            reader.expect_uint(channels as u64, "inputs")?;
            let params = reader.tensor()?;
            let weights = reader.alias_shape()?;
            let _biases = reader.alias_shape()?;
            let bias_mode = reader.int()?;
            for _ in 0..4 {
                reader.float()?;
            }
            if bias_mode != 1
                || weights.len() != channels * outputs
                || params.values.len() != channels * outputs
            {
                return Err(reader.invalid("the last layer is not a bias-free 128-d projection"));
            }
            Layer::FullyConnected {
                weights: params.values,
                outputs,
            }
        }
        Declared::Tag(tag) => Layer::Tag(tag),
        Declared::Skip(tag) => Layer::Skip(tag),
    })
}

fn read_pool_shape(reader: &mut DlibReader<'_>, size: usize, stride: usize) -> Result<()> {
    reader.expect_uint(size as u64, "pool rows")?;
    reader.expect_uint(size as u64, "pool columns")?;
    reader.expect_uint(stride as u64, "pool stride y")?;
    reader.expect_uint(stride as u64, "pool stride x")?;
    reader.expect_uint(0, "pool padding y")?;
    reader.expect_uint(0, "pool padding x")?;
    Ok(())
}

/// A convolution as one matrix product: the filters (`filters × patch`)
/// times every sample's patches laid out as columns (`patch × samples·positions`).
fn convolve(
    input: &Activation,
    weights: &[f32],
    biases: &[f32],
    channels: usize,
    size: usize,
    stride: usize,
    padding: usize,
) -> Activation {
    let out_rows = (input.rows + 2 * padding - size) / stride + 1;
    let out_columns = (input.columns + 2 * padding - size) / stride + 1;
    let positions = out_rows * out_columns;
    let samples = input.samples;
    let width = samples * positions;
    let patch = channels * size * size;
    let plane = input.plane();
    let mut columns = vec![0f32; patch * width];
    for channel in 0..channels {
        for sample in 0..samples {
            let source_plane = &input.values[(channel * samples + sample) * plane..][..plane];
            for ky in 0..size {
                for kx in 0..size {
                    let row = (channel * size + ky) * size + kx;
                    let target = &mut columns[row * width + sample * positions..][..positions];
                    for oy in 0..out_rows {
                        let iy = (oy * stride + ky) as isize - padding as isize;
                        if iy < 0 || iy as usize >= input.rows {
                            continue; // zero padding (already zero)
                        }
                        let line = &mut target[oy * out_columns..][..out_columns];
                        let source = &source_plane[iy as usize * input.columns..][..input.columns];
                        for (ox, value) in line.iter_mut().enumerate() {
                            let ix = (ox * stride + kx) as isize - padding as isize;
                            if ix >= 0 && (ix as usize) < input.columns {
                                *value = source[ix as usize];
                            }
                        }
                    }
                }
            }
        }
    }
    let filters = biases.len();
    let mut values = vec![0f32; filters * width];
    for (filter, bias) in biases.iter().enumerate() {
        values[filter * width..][..width].fill(*bias);
    }
    // SAFETY: the three buffers hold exactly filters×patch, patch×width and
    // filters×width values, laid out row-major with the strides given.
    unsafe {
        matrixmultiply::sgemm(
            filters,
            patch,
            width,
            1.0,
            weights.as_ptr(),
            patch as isize,
            1,
            columns.as_ptr(),
            width as isize,
            1,
            1.0,
            values.as_mut_ptr(),
            width as isize,
            1,
        );
    }
    Activation {
        channels: filters,
        samples,
        rows: out_rows,
        columns: out_columns,
        values,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pooling {
    Max,
    Average,
}

fn pool(input: &Activation, size: usize, stride: usize, kind: Pooling) -> Activation {
    let out_rows = (input.rows - size) / stride + 1;
    let out_columns = (input.columns - size) / stride + 1;
    let plane = input.plane();
    let planes = input.channels * input.samples;
    let mut values = Vec::with_capacity(planes * out_rows * out_columns);
    for index in 0..planes {
        let source = &input.values[index * plane..][..plane];
        for oy in 0..out_rows {
            for ox in 0..out_columns {
                let window = (0..size).flat_map(|ky| {
                    let row = (oy * stride + ky) * input.columns + ox * stride;
                    source[row..row + size].iter().copied()
                });
                values.push(match kind {
                    Pooling::Max => window.fold(f32::NEG_INFINITY, f32::max),
                    Pooling::Average => window.sum::<f32>() / (size * size) as f32,
                });
            }
        }
    }
    Activation {
        channels: input.channels,
        samples: input.samples,
        rows: out_rows,
        columns: out_columns,
        values,
    }
}

/// dlib's `add_prev`: the sum over the larger of the two shapes, each
/// input read as zero outside its own extent.
fn add_padded(a: &Activation, b: &Activation) -> Activation {
    if (a.channels, a.rows, a.columns) == (b.channels, b.rows, b.columns) {
        let values = a.values.iter().zip(&b.values).map(|(x, y)| x + y).collect();
        return Activation {
            values,
            ..a.clone()
        };
    }
    let samples = a.samples;
    let (channels, rows, columns) = (
        a.channels.max(b.channels),
        a.rows.max(b.rows),
        a.columns.max(b.columns),
    );
    let at = |t: &Activation, k: usize, s: usize, r: usize, c: usize| {
        if k < t.channels && r < t.rows && c < t.columns {
            t.values[((k * samples + s) * t.rows + r) * t.columns + c]
        } else {
            0.0
        }
    };
    let mut values = Vec::with_capacity(channels * samples * rows * columns);
    for k in 0..channels {
        for s in 0..samples {
            for r in 0..rows {
                for c in 0..columns {
                    values.push(at(a, k, s, r, c) + at(b, k, s, r, c));
                }
            }
        }
    }
    Activation {
        channels,
        samples,
        rows,
        columns,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn the_declared_network_has_dlibs_29_convolutions() {
        let layers = architecture();
        let convolutions = layers
            .iter()
            .filter(|l| matches!(l, Declared::Convolution { .. }))
            .count();
        assert_eq!(convolutions, 29);
        assert_eq!(layers.first(), Some(&Declared::FullyConnected(128)));
    }

    #[test]
    fn convolution_matches_a_direct_sum() {
        // 2 channels of 4x4, one 3x3 filter, stride 1, padding 1.
        let input = Activation {
            channels: 2,
            samples: 1,
            rows: 4,
            columns: 4,
            values: (0..32).map(|v| v as f32 * 0.5 - 3.0).collect(),
        };
        let weights: Vec<f32> = (0..18).map(|v| (v as f32 - 9.0) / 7.0).collect();
        let out = convolve(&input, &weights, &[0.25], 2, 3, 1, 1);
        assert_eq!((out.rows, out.columns), (4, 4));
        for oy in 0..4isize {
            for ox in 0..4isize {
                let mut sum = 0.25f32;
                for c in 0..2 {
                    for ky in 0..3isize {
                        for kx in 0..3isize {
                            let (y, x) = (oy + ky - 1, ox + kx - 1);
                            if (0..4).contains(&y) && (0..4).contains(&x) {
                                sum += input.values[(c * 16) + (y * 4 + x) as usize]
                                    * weights[(c * 9) + (ky * 3 + kx) as usize];
                            }
                        }
                    }
                }
                let got = out.values[(oy * 4 + ox) as usize];
                assert!((got - sum).abs() < 1e-5, "{got} vs {sum}");
            }
        }
    }

    #[test]
    fn a_batch_convolves_each_sample_as_alone() {
        let one = |offset: f32| Activation {
            channels: 2,
            samples: 1,
            rows: 5,
            columns: 5,
            values: (0..50).map(|v| (v as f32 + offset).sin()).collect(),
        };
        let (a, b) = (one(0.0), one(7.0));
        // Interleave into channels × samples.
        let mut values = Vec::new();
        for channel in 0..2 {
            values.extend_from_slice(&a.values[channel * 25..][..25]);
            values.extend_from_slice(&b.values[channel * 25..][..25]);
        }
        let both = Activation {
            samples: 2,
            values,
            ..a.clone()
        };
        let weights: Vec<f32> = (0..54).map(|v| (v as f32 * 0.37).cos()).collect();
        let biases = [0.1, -0.2, 0.3];
        let batch = convolve(&both, &weights, &biases, 2, 3, 2, 0);
        let (alone_a, alone_b) = (
            convolve(&a, &weights, &biases, 2, 3, 2, 0),
            convolve(&b, &weights, &biases, 2, 3, 2, 0),
        );
        let plane = batch.plane();
        for filter in 0..3 {
            let at = |sample: usize| &batch.values[(filter * 2 + sample) * plane..][..plane];
            let close = |x: &[f32], y: &[f32]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-5);
            assert!(close(at(0), &alone_a.values[filter * plane..][..plane]));
            assert!(close(at(1), &alone_b.values[filter * plane..][..plane]));
        }
    }

    #[test]
    fn strided_convolution_and_pooling_shrink_like_dlib() {
        let input = Activation {
            channels: 1,
            samples: 1,
            rows: 8,
            columns: 8,
            values: vec![1.0; 64],
        };
        let conv = convolve(&input, &[1.0; 9], &[0.0], 1, 3, 2, 0);
        assert_eq!((conv.rows, conv.columns), (3, 3));
        let pooled = pool(&input, 2, 2, Pooling::Average);
        assert_eq!((pooled.rows, pooled.columns), (4, 4));
        // Residual sums over mismatched sizes pad the smaller with zeros.
        let sum = add_padded(&pooled, &conv);
        assert_eq!((sum.rows, sum.columns), (4, 4));
        assert_eq!(sum.values[0], 1.0 + 9.0);
        assert_eq!(sum.values[15], 1.0);
    }

    #[test]
    fn another_file_is_model_invalid() {
        let error = FaceEmbedder::from_bytes(b"\x01\x01\x01\x05hello").unwrap_err();
        assert_eq!(error.code(), ErrorCode::ModelInvalid);
    }
}
