//! WebDAV's XML: a request body read into a small tree of namespaced
//! elements (with `quick-xml`), and a multistatus answer written out.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CALSERVER: &str = "http://calendarserver.org/ns/";

/// An element of a request body.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// The first element of that name at any depth below this one.
    pub fn find(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|c| {
            if c.is(ns, name) {
                Some(c)
            } else {
                c.find(ns, name)
            }
        })
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A property's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropName {
    pub ns: String,
    pub name: String,
}

impl PropName {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }
}

/// The properties a request asks for: those named in its `prop`, or
/// `None` for all (`allprop`, or no body).
pub fn requested(root: Option<&Element>) -> Option<Vec<PropName>> {
    let prop = root?.child(DAV, "prop")?;
    Some(
        prop.children
            .iter()
            .map(|c| PropName {
                ns: c.ns.clone(),
                name: c.name.clone(),
            })
            .collect(),
    )
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Reads a body into its root element; `None` for an empty body.
pub fn parse(body: &[u8]) -> Result<Option<Element>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8")?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = Vec::new();
    let bad = |e: quick_xml::Error| format!("the body is not XML: {e}");
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(bad)?;
        let ns = match ns {
            ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut element = Element {
                    ns,
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Element::default()
                };
                for a in e.attributes().flatten() {
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(bad)?
                        .into_owned();
                    element.attrs.push((key, value));
                }
                let empty = matches!(event, Event::Empty(_));
                stack.push(element);
                // An empty element ends where it starts.
                if empty {
                    if let Some(done) = close(&mut stack) {
                        return Ok(Some(done));
                    }
                }
            }
            Event::End(_) => {
                if let Some(done) = close(&mut stack) {
                    return Ok(Some(done));
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&t.xml10_content().map_err(|e| format!("bad text: {e}"))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(top), Some(c)) =
                    (stack.last_mut(), entity(&String::from_utf8_lossy(&r)))
                {
                    top.text.push(c);
                }
            }
            Event::Eof => return Err("the body ends inside an element".into()),
            _ => {}
        }
    }
}

/// Ends the innermost open element; the root once it closes.
fn close(stack: &mut Vec<Element>) -> Option<Element> {
    let done = stack.pop()?;
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(done);
            None
        }
        None => Some(done),
    }
}

/// Text or an attribute value, escaped for XML.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The prefix a namespace is written with in answers.
fn prefix(ns: &str) -> Option<&'static str> {
    match ns {
        DAV => Some("D"),
        CALDAV => Some("C"),
        CALSERVER => Some("CS"),
        _ => None,
    }
}

/// An element `name` of `ns` holding `inner` (already XML).
pub fn element(ns: &str, name: &str, inner: &str) -> String {
    match (prefix(ns), inner.is_empty()) {
        (Some(p), true) => format!("<{p}:{name}/>"),
        (Some(p), false) => format!("<{p}:{name}>{inner}</{p}:{name}>"),
        (None, true) => format!("<X:{name} xmlns:X=\"{}\"/>", escape(ns)),
        (None, false) => format!("<X:{name} xmlns:X=\"{}\">{inner}</X:{name}>", escape(ns)),
    }
}

pub fn href(path: &str) -> String {
    element(DAV, "href", &escape(path))
}

/// A multistatus answer, written as it grows.
pub struct Multistatus {
    out: String,
}

impl Multistatus {
    pub fn new() -> Multistatus {
        Multistatus {
            out: format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"{DAV}\" xmlns:C=\"{CALDAV}\" xmlns:CS=\"{CALSERVER}\">"
            ),
        }
    }

    /// A resource's properties: those it has (each its name and value, as
    /// XML) with 200, those asked for that it lacks with 404.
    pub fn response(&mut self, path: &str, found: &[(PropName, String)], missing: &[PropName]) {
        self.out.push_str("<D:response>");
        self.out.push_str(&href(path));
        for (list, status) in [(found.len(), "200 OK"), (missing.len(), "404 Not Found")] {
            if list == 0 {
                continue;
            }
            self.out.push_str("<D:propstat><D:prop>");
            if status.starts_with("200") {
                for (name, value) in found {
                    self.out.push_str(&element(&name.ns, &name.name, value));
                }
            } else {
                for name in missing {
                    self.out.push_str(&element(&name.ns, &name.name, ""));
                }
            }
            self.out.push_str("</D:prop><D:status>HTTP/1.1 ");
            self.out.push_str(status);
            self.out.push_str("</D:status></D:propstat>");
        }
        self.out.push_str("</D:response>");
    }

    /// A resource that is not there (a member removed since a sync, or an
    /// href that names nothing).
    pub fn gone(&mut self, path: &str) {
        self.out.push_str("<D:response>");
        self.out.push_str(&href(path));
        self.out
            .push_str("<D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
    }

    pub fn finish(mut self, sync_token: Option<&str>) -> String {
        if let Some(token) = sync_token {
            self.out
                .push_str(&element(DAV, "sync-token", &escape(token)));
        }
        self.out.push_str("</D:multistatus>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_propfind_reads_with_its_namespaces() {
        let body = br#"<?xml version="1.0"?>
            <d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
              <d:prop><d:displayname/><c:calendar-home-set/><x:color xmlns:x="urn:x"/></d:prop>
            </d:propfind>"#;
        let root = parse(body).unwrap().unwrap();
        assert!(root.is(DAV, "propfind"));
        let names = requested(Some(&root)).unwrap();
        assert_eq!(names.len(), 3);
        assert!(names[1].is(CALDAV, "calendar-home-set"));
        assert!(names[2].is("urn:x", "color"));
    }

    #[test]
    fn text_and_attributes_are_read() {
        let body = br#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:href>/dav/a%20b/x&amp;y.ics</D:href>
            <C:time-range start="20261207T000000Z"/></C:calendar-multiget>"#;
        let root = parse(body).unwrap().unwrap();
        assert_eq!(root.child(DAV, "href").unwrap().text, "/dav/a%20b/x&y.ics");
        assert_eq!(
            root.find(CALDAV, "time-range").unwrap().attr("start"),
            Some("20261207T000000Z")
        );
        assert!(parse(b"").unwrap().is_none());
        assert!(parse(b"<a><b></a>").is_err());
    }
}
