//! A lean XML pull reader over a byte stream (an inflated zip entry), for the few element
//! shapes an xlsx part holds. It yields start and end tags, text cut at entity references
//! (as quick-xml does, which calamine reads through), the references themselves and CDATA;
//! comments, processing instructions and declarations are skipped.
//!
//! It owns tokenising only: no namespaces beyond local names, no DTDs. Invariant: the
//! buffer holds whole tokens, so an event's slices are valid until the next call; input that is
//! not well-formed where it matters (an unclosed tag, an unknown entity, bad UTF-8) is an
//! error, never a panic.

use std::io::Read;

use memchr::{memchr, memmem};

/// Bytes read from the stream at once.
const READ_SIZE: usize = 128 * 1024;

/// What went wrong in a part, as a sentence for [`super::super::workbook::damaged`].
pub(crate) type XmlError = String;

/// One token of the document.
#[derive(Debug, PartialEq)]
pub(crate) enum Event<'a> {
    /// A start tag (`empty` for `<x/>`).
    Start(Tag<'a>),
    /// An end tag: its full name.
    End(&'a [u8]),
    /// Text up to the next tag or entity reference, as written (EOLs not normalised), not
    /// yet checked for UTF-8 (see [`text`]): a number's digits need no check.
    Text(&'a [u8]),
    /// The name of an entity or character reference, between `&` and `;`.
    Ref(&'a str),
    /// The content of a CDATA section.
    CData(&'a str),
    /// The end of the input.
    Eof,
}

/// A start tag: its full name, the raw bytes of its attributes, and whether it closes itself.
#[derive(Debug, PartialEq)]
pub(crate) struct Tag<'a> {
    pub(crate) name: &'a [u8],
    attributes: &'a [u8],
    pub(crate) empty: bool,
}

impl<'a> Tag<'a> {
    /// The name after its namespace prefix.
    pub(crate) fn local_name(&self) -> &'a [u8] {
        local_name(self.name)
    }

    /// The raw value of the attribute whose full name is `key`, as calamine's `raw_attr`.
    pub(crate) fn attribute(&self, key: &[u8]) -> Result<Option<&'a str>, XmlError> {
        self.attribute_where(|name| name == key)
    }

    /// The raw value of the first attribute whose full name passes `wanted`.
    pub(crate) fn attribute_where(
        &self,
        wanted: impl Fn(&[u8]) -> bool,
    ) -> Result<Option<&'a str>, XmlError> {
        for attribute in self.attributes() {
            let (name, value) = attribute?;
            if wanted(name) {
                return text(value).map(Some);
            }
        }
        Ok(None)
    }

    /// Each attribute's full name and raw value, in order.
    pub(crate) fn attributes(&self) -> Attributes<'a> {
        Attributes {
            all: self.attributes,
            rest: self.attributes,
        }
    }
}

/// The attributes of a [`Tag`]; after a malformed one, nothing more.
pub(crate) struct Attributes<'a> {
    all: &'a [u8],
    rest: &'a [u8],
}

impl<'a> Iterator for Attributes<'a> {
    /// A name and its raw value.
    type Item = Result<(&'a [u8], &'a [u8]), XmlError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.rest;
        let mut at = 0;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at == bytes.len() {
            return None;
        }
        let name_start = at;
        while at < bytes.len() && bytes[at] != b'=' {
            at += 1;
        }
        let name = trim_end(&bytes[name_start..at]);
        at += 1;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let quote = bytes.get(at).copied().filter(|&q| q == b'"' || q == b'\'');
        let Some(quote) = quote.filter(|_| !name.is_empty()) else {
            self.rest = &[];
            return Some(Err(bad_attributes(self.all)));
        };
        let value_start = at + 1;
        at = value_start;
        while at < bytes.len() && bytes[at] != quote {
            at += 1;
        }
        if at == bytes.len() {
            self.rest = &[];
            return Some(Err(bad_attributes(self.all)));
        }
        self.rest = &bytes[at + 1..];
        Some(Ok((name, &bytes[value_start..at])))
    }
}

/// The name after its namespace prefix.
pub(crate) fn local_name(name: &[u8]) -> &[u8] {
    name.iter()
        .rposition(|&b| b == b':')
        .map_or(name, |colon| &name[colon + 1..])
}

fn bad_attributes(attributes: &[u8]) -> XmlError {
    format!(
        "malformed attributes `{}`",
        String::from_utf8_lossy(&attributes[..attributes.len().min(60)])
    )
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

pub(crate) fn text(bytes: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(bytes).map_err(|e| format!("text that is not UTF-8 ({e})"))
}

/// The pull reader: `buffer[start..end]` is unread.
pub(crate) struct XmlReader<R> {
    source: R,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    at_end: bool,
}

impl<R: Read> XmlReader<R> {
    pub(crate) fn new(source: R) -> XmlReader<R> {
        XmlReader {
            source,
            buffer: vec![0; READ_SIZE],
            start: 0,
            end: 0,
            at_end: false,
        }
    }

    /// Reads more input after what is unread (moving it to the buffer's start, which keeps
    /// offsets from `start` valid); false at the end of the input.
    fn fill(&mut self) -> Result<bool, XmlError> {
        if self.at_end {
            return Ok(false);
        }
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            // A token longer than the buffer.
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        let read = loop {
            match self.source.read(&mut self.buffer[self.end..]) {
                Ok(read) => break read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        };
        self.end += read;
        if read == 0 {
            self.at_end = true;
        }
        Ok(read > 0)
    }

    /// The offset (from `start`) where `find` first matches the unread bytes at or after
    /// `from`, reading more input as needed; `None` at the end of the input.
    fn find(
        &mut self,
        from: usize,
        find: impl Fn(&[u8]) -> Option<usize>,
    ) -> Result<Option<usize>, XmlError> {
        let mut searched = from;
        loop {
            let unread = &self.buffer[self.start..self.end];
            if searched < unread.len()
                && let Some(at) = find(&unread[searched..])
            {
                return Ok(Some(searched + at));
            }
            // Patterns are at most 3 bytes: one may straddle the refill.
            searched = unread.len().saturating_sub(2).max(from);
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// The offset (from `start`) of the first byte at or after `from` that `stop` accepts,
    /// reading more input as needed; `None` at the end of the input. A plain loop: the tokens
    /// of a sheet are a few bytes long, too short for a vectorised search to pay.
    fn scan(&mut self, from: usize, stop: impl Fn(u8) -> bool) -> Result<Option<usize>, XmlError> {
        let mut at = from;
        loop {
            let unread = &self.buffer[self.start..self.end];
            while at < unread.len() {
                if stop(unread[at]) {
                    return Ok(Some(at));
                }
                at += 1;
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// The next event.
    pub(crate) fn next(&mut self) -> Result<Event<'_>, XmlError> {
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(Event::Eof);
            }
            let first = self.buffer[self.start];
            if first == b'&' {
                let semicolon = self
                    .scan(1, |b| b == b';')?
                    .ok_or("an entity reference without its `;`")?;
                let name = self.take(semicolon + 1);
                return text(&name[1..semicolon]).map(Event::Ref);
            }
            if first != b'<' {
                let end = self.scan(0, |b| b == b'<' || b == b'&')?;
                let end = end.unwrap_or(self.end - self.start);
                return Ok(Event::Text(self.take(end)));
            }
            if self.start + 1 == self.end {
                self.fill()?;
            }
            match self.buffer[self.start..self.end].get(1) {
                Some(b'!' | b'?') => {
                    if !self.skip_ignored()? {
                        return self.cdata();
                    }
                }
                _ => return self.tag(),
            }
        }
    }

    /// Consumes `len` unread bytes and returns them.
    fn take(&mut self, len: usize) -> &[u8] {
        let start = self.start;
        self.start += len;
        &self.buffer[start..start + len]
    }

    /// Skips the comment, processing instruction or declaration at `start` (`<!` or `<?`);
    /// false if it is a CDATA section.
    fn skip_ignored(&mut self) -> Result<bool, XmlError> {
        // Enough bytes to tell the kinds apart (`<![CDATA[` is the longest).
        while self.end - self.start < 9 && self.fill()? {}
        let head = &self.buffer[self.start..self.end];
        if head.starts_with(b"<!--") {
            let end = self.find(4, |b| memmem::find(b, b"-->"))?;
            self.skip(end, 3, "a comment")?;
        } else if head.starts_with(b"<?") {
            let end = self.find(2, |b| memmem::find(b, b"?>"))?;
            if let Some(end) = end {
                declared_utf8(&self.buffer[self.start..self.start + end])?;
            }
            self.skip(end, 2, "a processing instruction")?;
        } else if !head.starts_with(b"<![CDATA[") {
            let end = self.find(2, |b| memchr(b'>', b))?;
            self.skip(end, 1, "a declaration")?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// The CDATA section at `start`.
    fn cdata(&mut self) -> Result<Event<'_>, XmlError> {
        let end = self
            .find(9, |b| memmem::find(b, b"]]>"))?
            .ok_or("a CDATA section that never ends")?;
        let token = self.take(end + 3);
        text(&token[9..end]).map(Event::CData)
    }

    /// The start or end tag at `start`.
    fn tag(&mut self) -> Result<Event<'_>, XmlError> {
        let end = self.tag_end()?;
        let token = self.take(end + 1);
        let inner = &token[1..end];
        if let Some(name) = inner.strip_prefix(b"/") {
            return Ok(Event::End(trim_end(name)));
        }
        let (inner, empty) = match inner.strip_suffix(b"/") {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let name_end = inner
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(inner.len());
        if name_end == 0 {
            return Err("a tag without a name".into());
        }
        Ok(Event::Start(Tag {
            name: &inner[..name_end],
            attributes: &inner[name_end..],
            empty,
        }))
    }

    fn skip(&mut self, end: Option<usize>, closing: usize, what: &str) -> Result<(), XmlError> {
        let end = end.ok_or_else(|| format!("{what} that never ends"))?;
        self.start += end + closing;
        Ok(())
    }

    /// The offset of the `>` that closes the tag at `start`, past quoted attribute values.
    fn tag_end(&mut self) -> Result<usize, XmlError> {
        let mut at = 1;
        loop {
            let unread = &self.buffer[self.start..self.end];
            let found = unread[at..]
                .iter()
                .position(|&b| b == b'>' || b == b'"' || b == b'\'');
            let Some(offset) = found else {
                at = unread.len();
                if !self.fill()? {
                    return Err("a tag that never ends".into());
                }
                continue;
            };
            at += offset;
            let quote = unread[at];
            if quote == b'>' {
                return Ok(at);
            }
            let close = self
                .scan(at + 1, |b| b == quote)?
                .ok_or("an attribute value that never ends")?;
            at = close + 1;
        }
    }

    /// The `TEXT` of `{open}TEXT{close}` at `start` (`<v>TEXT</v></c>`, `<t>TEXT</t></si>`),
    /// consumed with the end tags: the shape of nearly every cell and shared string, read
    /// without its four events. `None`, with nothing consumed, for anything else (a prefix,
    /// an attribute, a reference or markup in the text, no text, or an element the buffer does
    /// not hold whole), which the caller then reads event by event.
    pub(crate) fn simple_element(&mut self, open: &[u8], close: &[u8]) -> Option<&[u8]> {
        let rest = self.buffer[self.start..self.end].strip_prefix(open)?;
        let len = rest.iter().position(|&b| b == b'<' || b == b'&')?;
        if len == 0 || !rest[len..].starts_with(close) {
            return None;
        }
        let text = self.start + open.len();
        self.start = text + len + close.len();
        Some(&self.buffer[text..text + len])
    }

    /// Skips to the end tag that closes `name` (whose start tag was just read), as quick-xml's
    /// `read_to_end`: nested elements of the same name are counted.
    pub(crate) fn skip_to_end(&mut self, name: &[u8]) -> Result<(), XmlError> {
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Event::Start(tag) if tag.name == name && !tag.empty => depth += 1,
                Event::End(end) if end == name => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Event::Eof => {
                    return Err(format!(
                        "the end of <{}> is missing",
                        String::from_utf8_lossy(name)
                    ));
                }
                _ => {}
            }
        }
    }
}

/// Checks that an XML declaration (`<?xml ... ` without `?>`) names UTF-8, or no encoding.
fn declared_utf8(instruction: &[u8]) -> Result<(), XmlError> {
    let Some(declaration) = instruction.strip_prefix(b"<?xml") else {
        return Ok(());
    };
    if !declaration.first().is_some_and(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let tag = Tag {
        name: b"xml",
        attributes: declaration,
        empty: false,
    };
    match tag.attribute(b"encoding")? {
        None => Ok(()),
        Some(name) if name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8") => {
            Ok(())
        }
        Some(other) => Err(format!("the part is in the {other} encoding")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every event of `xml`, read through a source that gives one byte at a time (so every
    /// token spans refills).
    fn events(xml: &str) -> Vec<String> {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = XmlReader::new(Trickle(xml.as_bytes()));
        let mut out = Vec::new();
        loop {
            let event = reader.next().unwrap();
            let text = match &event {
                Event::Start(tag) => format!(
                    "<{}{}{}>",
                    String::from_utf8_lossy(tag.name),
                    tag.attribute(b"r")
                        .unwrap()
                        .map_or(String::new(), |r| format!(" r={r}")),
                    if tag.empty { "/" } else { "" }
                ),
                Event::End(name) => format!("</{}>", String::from_utf8_lossy(name)),
                Event::Text(t) => format!("T{:?}", text(t).unwrap()),
                Event::Ref(r) => format!("&{r}"),
                Event::CData(c) => format!("C{c:?}"),
                Event::Eof => break,
            };
            out.push(text);
        }
        out
    }

    #[test]
    fn tokens_across_refills() {
        let xml = "<?xml version=\"1.0\"?><!-- a > b --><x:c r=\"A1\" t='a>b'><v>1 &amp; 2&#x41;</v>\
                   <![CDATA[<not a tag>]]><e r = \"B2\"/></x:c >";
        assert_eq!(
            events(xml),
            [
                "<x:c r=A1>",
                "<v>",
                "T\"1 \"",
                "&amp",
                "T\" 2\"",
                "&#x41",
                "</v>",
                "C\"<not a tag>\"",
                "<e r=B2/>",
                "</x:c>",
            ]
        );
    }

    #[test]
    fn broken_input_is_an_error() {
        for xml in ["<c r=\"A1", "<c>&amp", "<![CDATA[x", "<c r=A1>"] {
            let mut reader = XmlReader::new(xml.as_bytes());
            let result = (|| -> Result<(), XmlError> {
                loop {
                    match reader.next()? {
                        Event::Start(tag) => {
                            tag.attribute(b"r")?;
                        }
                        Event::Eof => return Ok(()),
                        _ => {}
                    }
                }
            })();
            assert!(result.is_err(), "{xml}");
        }
    }
}
