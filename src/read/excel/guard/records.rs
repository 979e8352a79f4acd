//! The record headers of an xlsb part (MS-XLSB 2.1.4), fed chunk by chunk: a type of one or
//! two bytes, then a length of one to four bytes, seven bits each. calamine sizes its record
//! buffer to the length a header declares (up to 256 MiB) and zero-fills it before it reads
//! the record, so a header alone can make it hold 256 MiB. Invariant: a part that passes
//! declares no record longer than the limit given.

/// Where the scan is in the current record.
#[derive(Clone, Copy)]
enum State {
    /// Reading the type: bytes of it read so far.
    Type(u8),
    /// Reading the length: bytes of it read so far.
    Length(u8),
    /// Skipping the record's content: bytes left.
    Body(u64),
}

pub(super) struct Records {
    max: u64,
    state: State,
    length: u64,
}

impl Records {
    pub(super) fn new(max: u64) -> Records {
        Records {
            max,
            state: State::Type(0),
            length: 0,
        }
    }

    /// Scans the next bytes of the part.
    pub(super) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        while let Some((&byte, rest)) = bytes.split_first() {
            self.state = match self.state {
                State::Body(left) => {
                    let skip = left.min(bytes.len() as u64);
                    bytes = &bytes[skip as usize..];
                    match left - skip {
                        0 => State::Type(0),
                        left => State::Body(left),
                    }
                }
                // calamine reads a second type byte when the first has its high bit set.
                State::Type(0) if byte & 0x80 != 0 => {
                    bytes = rest;
                    State::Type(1)
                }
                State::Type(_) => {
                    bytes = rest;
                    self.length = 0;
                    State::Length(0)
                }
                State::Length(read) => {
                    bytes = rest;
                    self.length |= u64::from(byte & 0x7F) << (7 * read);
                    if byte & 0x80 != 0 && read < 3 {
                        State::Length(read + 1)
                    } else if self.length > self.max {
                        return Err(format!(
                            "a record of {} bytes, past the {} KiB limit",
                            self.length,
                            self.max >> 10
                        ));
                    } else if self.length == 0 {
                        State::Type(0)
                    } else {
                        State::Body(self.length)
                    }
                }
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_lengths_are_read_as_calamine_reads_them() {
        // Type 0x9F 0x01 (two bytes), length 3, content; type 0x13, length 0x81 0x01 = 129.
        let mut part = vec![0x9F, 0x01, 0x03, 1, 2, 3, 0x13, 0x81, 0x01];
        part.extend([0u8; 129]);
        for piece in 1..=part.len() {
            let mut records = Records::new(200);
            for chunk in part.chunks(piece) {
                assert_eq!(records.feed(chunk), Ok(()), "pieces of {piece}");
            }
        }
        // Four length bytes, the last one's high bit ignored: 2^28 - 1.
        let mut records = Records::new(1 << 20);
        let refused = records.feed(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            refused,
            Err("a record of 268435455 bytes, past the 1024 KiB limit".into())
        );
    }
}
