//! Strings as an xlsx part stores them: the shared-strings table (`sharedStrings.xml`) and a
//! cell's inline string, both `<si>`/`<is>` elements of plain `<t>` text or rich-text runs.
//!
//! The text is what calamine makes of the same XML: every `<t>` outside phonetic runs (`<rPh>`)
//! joined, each trimmed of ASCII white space unless it has `xml:space="preserve"`, line ends
//! normalised, references resolved, and Excel's `_xHHHH_` escapes decoded. Invariant: the
//! table is one buffer of text with the end of each string, not a `String` per entry.

use std::io::Read;

use super::text::{push_normalized, push_reference, push_unescaped};
use super::xml::{Event, XmlError, XmlReader, local_name, text};

/// The shared-strings table.
#[derive(Debug, Default)]
pub(crate) struct SharedStrings {
    text: String,
    /// Where each string ends in `text`; the next starts there.
    ends: Vec<usize>,
}

impl SharedStrings {
    /// String `index`, if the table has it.
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        self.text.get(start..end)
    }

    /// Reads the table from `sharedStrings.xml`.
    pub(crate) fn read(xml: &mut XmlReader<impl Read>) -> Result<SharedStrings, XmlError> {
        let mut strings = SharedStrings::default();
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.local_name() == b"sst" => {
                    if let Some(count) = tag.attribute(b"uniqueCount")?.and_then(|c| c.parse().ok())
                    {
                        // A hint only: never more than the part could hold.
                        strings.ends.reserve(usize::min(count, 1 << 20));
                    }
                    if tag.empty {
                        return Ok(strings);
                    }
                    break;
                }
                Event::Eof => return Err("the shared strings have no <sst>".into()),
                _ => {}
            }
        }
        let mut scratch = String::new();
        let mut name = Vec::new();
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.local_name() == b"si" => {
                    let (plain, empty) = (tag.name == b"si", tag.empty);
                    name.clear();
                    name.extend_from_slice(tag.name);
                    let simple = match (empty, plain) {
                        (false, true) => xml.simple_element(b"<t>", b"</t></si>"),
                        _ => None,
                    };
                    if let Some(t) = simple {
                        // What `read_string` makes of `<t>t</t></si>`.
                        scratch.clear();
                        push_normalized(text(t)?, &mut scratch);
                        push_unescaped(scratch.trim_matches(ASCII_SPACE), &mut strings.text);
                    } else if !empty {
                        read_string(xml, &name, &mut strings.text, &mut scratch)?;
                    }
                    strings.ends.push(strings.text.len());
                }
                Event::End(end) if local_name(end) == b"sst" => return Ok(strings),
                Event::Eof => return Err("the shared strings end before </sst>".into()),
                _ => {}
            }
        }
    }
}

/// What a `<t>` without `xml:space="preserve"` is trimmed of.
const ASCII_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// Appends the text of the string element whose start tag (named `closing`) was just read,
/// through its end tag. `scratch` is a buffer for one `<t>`.
pub(crate) fn read_string(
    xml: &mut XmlReader<impl Read>,
    closing: &[u8],
    out: &mut String,
    scratch: &mut String,
) -> Result<(), XmlError> {
    let mut phonetic = false;
    loop {
        match xml.next()? {
            Event::Start(tag) if tag.local_name() == b"rPh" => phonetic = !tag.empty,
            Event::End(end) if end == closing => return Ok(()),
            Event::End(end) if local_name(end) == b"rPh" => phonetic = false,
            Event::Start(tag) if tag.local_name() == b"t" && !phonetic => {
                let preserve = tag.attribute(b"xml:space")? == Some("preserve");
                scratch.clear();
                if !tag.empty {
                    let name = tag.name.to_vec();
                    read_t(xml, &name, scratch)?;
                }
                let text = if preserve {
                    scratch.as_str()
                } else {
                    scratch.trim_matches(ASCII_SPACE)
                };
                push_unescaped(text, out);
            }
            Event::Eof => return Err("a string ends before its end tag".into()),
            _ => {}
        }
    }
}

/// The content of a `<t>` named `name`, up to its end tag.
fn read_t(xml: &mut XmlReader<impl Read>, name: &[u8], out: &mut String) -> Result<(), XmlError> {
    loop {
        match xml.next()? {
            Event::Text(bytes) => push_normalized(text(bytes)?, out),
            Event::CData(cdata) => push_normalized(cdata, out),
            Event::Ref(reference) => push_reference(reference, out)?,
            Event::End(end) if end == name => return Ok(()),
            Event::Eof => return Err("a <t> ends before </t>".into()),
            Event::Start(_) | Event::End(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn table(xml: &str) -> Vec<String> {
        let strings = SharedStrings::read(&mut XmlReader::new(xml.as_bytes())).unwrap();
        (0..strings.ends.len())
            .map(|i| strings.get(i).unwrap().to_string())
            .collect()
    }

    #[test]
    fn plain_rich_phonetic_and_escaped_strings() {
        let xml = "<?xml version=\"1.0\"?><sst xmlns=\"x\" uniqueCount=\"7\">\
            <si><t>plain</t></si>\
            <si><t xml:space=\"preserve\"> kept </t></si>\
            <si><t>  trimmed\r\n</t></si>\
            <si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space=\"preserve\"> run</t></r></si>\
            <si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh></si>\
            <si/>\
            <si><t>a&amp;b_x000D_c_x005F_x000D_&#x1F600;_xD83D__xDE00_</t></si>\
            </sst>";
        assert_eq!(
            table(xml),
            [
                "plain",
                " kept ",
                "trimmed",
                "Bold run",
                "漢字",
                "",
                "a&b\rc_x000D_😀😀"
            ]
        );
    }

    #[test]
    fn a_cut_table_is_an_error() {
        let cut = "<sst><si><t>a</t></si><si><t>b";
        assert!(SharedStrings::read(&mut XmlReader::new(cut.as_bytes())).is_err());
        assert!(SharedStrings::read(&mut XmlReader::new(&b"<sst/>"[..])).is_ok());
    }
}
