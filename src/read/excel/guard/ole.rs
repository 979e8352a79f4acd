//! The compound-file (OLE, MS-CFB) layer of a legacy `.xls`, walked the way calamine 0.38's
//! `cfb.rs` walks it, to hand [`super::biff`] the workbook stream calamine would read.
//!
//! calamine follows sector chains without a bound: a chain that loops (a FAT entry pointing
//! back) grows the directory or a stream until memory runs out (a 5 KB file took gigabytes),
//! or spins forever on a sector past the file's end. Here every walk it makes (the DIFAT and
//! FAT sectors, the directory, the mini stream and mini FAT, the `Workbook` or `Book` stream)
//! is repeated with the same reader semantics, but a walk longer than the file has sectors is
//! refused. Invariant: a file that passes makes calamine's compound-file reader hold at most a
//! few times the file's size; where calamine would stop with an error or a panic (which the
//! caller turns into "damaged"), the walk answers [`Stop::Calamine`] and leaves it to calamine.

use std::io::{Cursor, Read};

const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Why a walk stopped before giving the stream.
#[derive(Debug)]
pub(super) enum Stop {
    /// calamine stops here itself, with an error or a (caught) panic: it allocates no more.
    Calamine,
    /// calamine would not stop, or only after holding far more than the file: the reason.
    Refused(String),
}

/// The workbook stream of the OLE file `file` as calamine reads it (`Workbook`, else `Book`).
pub(super) fn workbook_stream(file: &[u8]) -> Result<Vec<u8>, Stop> {
    let mut cfb = Cfb::new(file)?;
    match cfb.stream("Workbook") {
        Err(Stop::Calamine) => cfb.stream("Book"),
        other => other,
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, Stop> {
    let b = bytes.get(at..at + 2).ok_or(Stop::Calamine)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, Stop> {
    let b = bytes.get(at..at + 4).ok_or(Stop::Calamine)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// calamine's `Sectors`: a buffer filled from the reader as sectors are asked for, zeros past
/// the file's end; sector `id` is `data[id * size..]`.
struct Sectors {
    data: Vec<u8>,
    size: usize,
    maxid: u32,
}

impl Sectors {
    fn get(&mut self, id: u32, reader: &mut Cursor<&[u8]>) -> Result<&[u8], Stop> {
        if self.maxid < id {
            return Err(Stop::Calamine);
        }
        let start = id as usize * self.size;
        let end = start + self.size;
        if end > self.data.len() {
            let mut len = self.data.len();
            self.data.resize(end, 0);
            while len < end {
                let read = reader.read(&mut self.data[len..end]).unwrap_or(0);
                if read == 0 {
                    // calamine slices `start..len`, which panics when `start > len`.
                    return self.data.get(start..len).ok_or(Stop::Calamine);
                }
                len += read;
            }
        }
        Ok(&self.data[start..end])
    }

    /// calamine's `get_chain`, refused once it has taken more steps than there are sectors.
    fn chain(
        &mut self,
        mut id: u32,
        fats: &[u32],
        reader: &mut Cursor<&[u8]>,
        len: usize,
    ) -> Result<Vec<u8>, Stop> {
        let mut chain = Vec::new();
        let mut steps = 0u64;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > u64::from(self.maxid) + 2 {
                return Err(Stop::Refused(
                    "a sector chain of its compound file loops".into(),
                ));
            }
            let sector = self.get(id, reader)?;
            let take = sector.len().min(len - chain.len());
            chain.extend_from_slice(&sector[..take]);
            if chain.len() >= len {
                break;
            }
            id = *fats.get(id as usize).ok_or(Stop::Calamine)?;
        }
        Ok(chain)
    }
}

/// A directory entry: its name, first sector and length.
struct Entry {
    name: String,
    start: u32,
    len: usize,
}

/// calamine's `Cfb` after `Cfb::new`.
struct Cfb<'a> {
    reader: Cursor<&'a [u8]>,
    sectors: Sectors,
    fats: Vec<u32>,
    entries: Vec<Entry>,
    mini: Sectors,
    mini_fats: Vec<u32>,
}

impl<'a> Cfb<'a> {
    fn new(file: &'a [u8]) -> Result<Cfb<'a>, Stop> {
        let header = file.get(..512).ok_or(Stop::Calamine)?;
        if &header[..8] != SIGNATURE || u16_at(header, 32)? != 6 {
            return Err(Stop::Calamine);
        }
        let (size, header_len) = match u16_at(header, 30)? {
            9 => (512usize, 512usize),
            12 if file.len() >= 4096 => (4096, 4096),
            _ => return Err(Stop::Calamine),
        };
        let large = size == 4096;
        let mut reader = Cursor::new(file);
        reader.set_position(header_len as u64);
        let maxid = u32::try_from(file.len() / size).unwrap_or(u32::MAX);
        let mut sectors = Sectors {
            data: Vec::new(),
            size,
            maxid,
        };
        let fats = fats(header, &mut sectors, &mut reader)?;
        let dirs = sectors.chain(u32_at(header, 48)?, &fats, &mut reader, usize::MAX)?;
        let entries: Vec<Entry> = dirs
            .chunks_exact(128)
            .map(|c| entry(c, large))
            .collect::<Result<_, _>>()?;
        let root = entries.first().ok_or(Stop::Calamine)?;
        if u16_at(header, 26)? != 3 && root.start == ENDOFCHAIN {
            return Err(Stop::Calamine);
        }
        let mini_fat_len = u32_at(header, 64)? as usize;
        let (mini_fats, ministream) = if mini_fat_len > 0 {
            let stream = sectors.chain(root.start, &fats, &mut reader, root.len)?;
            let (start, len) = (u32_at(header, 60)?, mini_fat_len * size);
            let minifat = sectors.chain(start, &fats, &mut reader, len)?;
            (u32s(&minifat).collect(), stream)
        } else {
            (Vec::new(), Vec::new())
        };
        let mini = Sectors {
            data: ministream,
            size: 64,
            maxid: maxid.saturating_mul(8),
        };
        Ok(Cfb {
            reader,
            sectors,
            fats,
            entries,
            mini,
            mini_fats,
        })
    }

    /// calamine's `get_stream`: the first entry named `name` (ignoring ASCII case).
    fn stream(&mut self, name: &str) -> Result<Vec<u8>, Stop> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .ok_or(Stop::Calamine)?;
        let (start, len) = (entry.start, entry.len);
        if len < 4096 {
            self.mini
                .chain(start, &self.mini_fats, &mut self.reader, len)
        } else {
            self.sectors.chain(start, &self.fats, &mut self.reader, len)
        }
    }
}

/// The FAT, from the header's DIFAT and the DIFAT chain, as calamine loads it; refused when it
/// would read more FAT sectors than the file has.
fn fats(
    header: &[u8],
    sectors: &mut Sectors,
    reader: &mut Cursor<&[u8]>,
) -> Result<Vec<u32>, Stop> {
    let mut difat: Vec<u32> = u32s(&header[76..512]).collect();
    let mut id = u32_at(header, 68)?;
    let mut difat_sectors = 0u64;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > u64::from(sectors.maxid) + 1 {
            return Err(Stop::Calamine);
        }
        difat.extend(u32s(sectors.get(id, reader)?));
        id = difat.pop().ok_or(Stop::Calamine)?;
    }
    // Each FAT sector is one of the file's; the header's 109 slots are allowed on top, for
    // writers that fill unused ones with 0 rather than FREESECT.
    let fat_sectors = difat.iter().filter(|id| **id < DIFSECT).count() as u64;
    if fat_sectors > u64::from(sectors.maxid) + 1 + 109 {
        return Err(Stop::Refused(format!(
            "its compound file lists {fat_sectors} FAT sectors, more than the file holds"
        )));
    }
    let mut fats = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        fats.extend(u32s(sectors.get(id, reader)?));
    }
    Ok(fats)
}

/// calamine's `Directory::from_slice`.
fn entry(bytes: &[u8], large: bool) -> Result<Entry, Stop> {
    let mut name = encoding_rs::UTF_16LE.decode(&bytes[..64]).0.into_owned();
    if let Some(end) = name.as_bytes().iter().position(|b| *b == 0) {
        name.truncate(end);
    }
    let len = if large {
        let b = &bytes[120..128];
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    } else {
        u64::from(u32_at(bytes, 120)?)
    };
    Ok(Entry {
        name,
        start: u32_at(bytes, 116)?,
        len: usize::try_from(len).map_err(|_| Stop::Calamine)?,
    })
}
