//! Texts kept in one allocation. The journal and the outbox each keep
//! 10,000 small records of about ten texts; a `String` apiece cost about a
//! kilobyte a record in headers, allocator rounding and spare capacity,
//! which put 12 MB on a busy server.

/// `N` texts, one after another in one buffer.
pub struct Packed<const N: usize> {
    texts: Box<str>,
    /// Where each text ends in `texts`.
    ends: [u32; N],
}

impl<const N: usize> Packed<N> {
    pub fn new(parts: [&str; N]) -> Packed<N> {
        let mut texts = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; N];
        for (end, part) in ends.iter_mut().zip(parts) {
            texts.push_str(part);
            // A record's texts are bounded far below 4 GB (a body is cut
            // at 4 KB).
            *end = u32::try_from(texts.len()).expect("a record under 4 GB");
        }
        Packed {
            texts: texts.into_boxed_str(),
            ends,
        }
    }

    /// The `i`th text.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.texts[start..self.ends[i] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_comes_back_as_given() {
        let parts = ["", "é/ü", "", "a\nb", ""];
        let packed = Packed::new(parts);
        for (i, part) in parts.iter().enumerate() {
            assert_eq!(packed.get(i), *part);
        }
    }
}
