//! A compact JSON writer for serde that writes exactly what `serde_json::to_writer` writes, but
//! copies struct field names (static names from our own wire types) instead of scanning them for
//! escapes byte by byte: field names are half the bytes of a typical reply.

use std::fmt;

use serde::Serialize;
use serde::ser;

/// Appends `value` as compact JSON to `out`. Debug builds (every test) check the bytes against
/// serde_json's.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    let start = out.len();
    value.serialize(&mut Json { out })?;
    debug_assert_eq!(
        String::from_utf8_lossy(&out[start..]),
        String::from_utf8_lossy(&serde_json::to_vec(value).unwrap_or_default()),
        "json::write must match serde_json"
    );
    Ok(())
}

/// Why a value could not be written: what serde_json also refuses (a map key that is not a
/// string, a number or a bool), or a `Serialize` impl's own error.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(e.to_string())
    }
}

struct Json<'a> {
    out: &'a mut Vec<u8>,
}

/// For each byte, what follows the backslash when it must be escaped (0: copied as is), as JSON
/// and serde_json escape them: `"`, `\`, the five short control escapes, other controls as `\u00XX`.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Whether any of the 8 bytes in `word` must be escaped: a control byte, `"` or `\\` (the
/// bit tricks for "some byte is zero" and "some byte is less than n"; bytes >= 0x80 never match).
fn any_escape(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let less_than = |v: u64, n: u8| v.wrapping_sub(ONES * n as u64) & !v & HIGH;
    let quote = word ^ (ONES * b'"' as u64);
    let backslash = word ^ (ONES * b'\\' as u64);
    (less_than(word, 0x20) | less_than(quote, 1) | less_than(backslash, 1)) != 0
}

fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut at, mut clean) = (0, 0);
    while at < bytes.len() {
        // Skip clean words 8 bytes at a time, then look at the next (at most) 8 one by one.
        while let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_ne_bytes(word.try_into().expect("8 bytes"));
            if any_escape(word) {
                break;
            }
            at += 8;
        }
        let end = bytes.len().min(at + 8);
        while at < end {
            let b = bytes[at];
            let escape = ESCAPE[b as usize];
            if escape != 0 {
                out.extend_from_slice(&bytes[clean..at]);
                if escape == b'u' {
                    out.extend_from_slice(b"\\u00");
                    out.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
                } else {
                    out.extend_from_slice(&[b'\\', escape]);
                }
                clean = at + 1;
            }
            at += 1;
        }
    }
    out.extend_from_slice(&bytes[clean..]);
    out.push(b'"');
}

/// A name from our own code (a field or variant name): nothing in it needs escaping.
fn name(out: &mut Vec<u8>, name: &'static str) {
    debug_assert!(name.bytes().all(|b| ESCAPE[b as usize] == 0), "{name}");
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// `v` in decimal ASCII digits, written into the end of `buf` (what `to_string` does, without the
/// formatter or a heap allocation). Also writes the status and `Content-Length` of response heads.
pub fn digits(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[at..]
}

fn unsigned(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(digits(v, &mut [0; 20]));
}

fn signed(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    unsigned(out, v.unsigned_abs());
}

/// An array or object being written; `close` is what ends it (`]}` and `}}` for the variants
/// serde_json wraps in an object).
pub struct Compound<'a, 'b> {
    json: &'b mut Json<'a>,
    first: bool,
    close: &'static [u8],
}

impl<'a, 'b> Compound<'a, 'b> {
    fn open(json: &'b mut Json<'a>, open: &[u8], close: &'static [u8]) -> Self {
        json.out.extend_from_slice(open);
        Compound {
            json,
            first: true,
            close,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.json.out.push(b',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.json)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        debug_assert!(key.bytes().all(|b| ESCAPE[b as usize] == 0), "{key}");
        let out = &mut *self.json.out;
        out.reserve(key.len() + 4);
        if !self.first {
            out.push(b',');
        }
        self.first = false;
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        value.serialize(&mut *self.json)
    }

    fn end(self) -> Result<(), Error> {
        self.json.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'a> Json<'a> {
    /// `{"variant":` and an array or object: how serde_json writes tuple and struct variants.
    fn variant<'b>(
        &'b mut self,
        variant: &'static str,
        open: &[u8],
        close: &'static [u8],
    ) -> Compound<'a, 'b> {
        self.out.push(b'{');
        name(self.out, variant);
        self.out.push(b':');
        Compound::open(self, open, close)
    }
}

/// The narrower integer methods of `Serializer`, each widening to the 64-bit one of its sign.
macro_rules! widen {
    ($($($method:ident($narrow:ty)),* => $wide:ident;)*) => {$($(
        fn $method(self, v: $narrow) -> Result<(), Error> {
            self.$wide(v.into())
        }
    )*)*};
}

impl<'a, 'b> ser::Serializer for &'b mut Json<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    widen! {
        serialize_i8(i8), serialize_i16(i16), serialize_i32(i32) => serialize_i64;
        serialize_u8(u8), serialize_u16(u16), serialize_u32(u32) => serialize_u64;
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        signed(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        unsigned(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    // Floats: serde_json's shortest round-trip formatting (and `null` for NaN and infinities).
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        Ok(serde_json::to_writer(&mut *self.out, &v)?)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        Ok(serde_json::to_writer(&mut *self.out, &v)?)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = Compound::open(self, b"[", b"]");
        for byte in v {
            seq.element(byte)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        name(self.out, v);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut object = Compound::open(self, b"{", b"}");
        object.field(variant, value)?;
        object.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        Ok(Compound::open(self, b"[", b"]"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a, 'b>, Error> {
        Ok(Compound::open(self, b"[", b"]"))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a, 'b>, Error> {
        Ok(Compound::open(self, b"[", b"]"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.variant(variant, b"[", b"]}"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        Ok(Compound::open(self, b"{", b"}"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a, 'b>, Error> {
        Ok(Compound::open(self, b"{", b"}"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        Ok(self.variant(variant, b"{", b"}}"))
    }
}

/// serde's traits for the parts of arrays and objects differ only in name: one `Compound` plays
/// them all, writing elements (arrays and the variants serde_json wraps) or named fields.
macro_rules! compound {
    ($($kind:ident :: $method:ident ($($key:ident: $key_type:ty,)?) => $write:ident;)*) => {$(
        impl ser::$kind for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(
                &mut self,
                $($key: $key_type,)?
                value: &T,
            ) -> Result<(), Error> {
                self.$write($($key,)? value)
            }
            fn end(self) -> Result<(), Error> {
                Compound::end(self)
            }
        }
    )*};
}

compound! {
    SerializeSeq::serialize_element() => element;
    SerializeTuple::serialize_element() => element;
    SerializeTupleStruct::serialize_field() => element;
    SerializeTupleVariant::serialize_field() => element;
    SerializeStruct::serialize_field(key: &'static str,) => field;
    SerializeStructVariant::serialize_field(key: &'static str,) => field;
}

/// Map keys come from data (a `Value` object, say), so they are escaped like any string; as in
/// serde_json, a number or a bool becomes a quoted string and anything else is an error.
impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        let start = self.json.out.len();
        key.serialize(&mut *self.json)?;
        match self.json.out.get(start) {
            Some(b'"') => Ok(()),
            Some(b'-' | b'0'..=b'9' | b't' | b'f') => {
                self.json.out.insert(start, b'"');
                self.json.out.push(b'"');
                Ok(())
            }
            _ => Err(Error("key must be a string".into())),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.json.out.push(b':');
        value.serialize(&mut *self.json)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn both<T: Serialize + ?Sized>(value: &T) -> (String, String) {
        let mut ours = Vec::new();
        let ours = match write(&mut ours, value) {
            Ok(()) => String::from_utf8(ours).expect("UTF-8"),
            Err(e) => format!("error: {e}"),
        };
        let theirs = match serde_json::to_vec(value) {
            Ok(bytes) => String::from_utf8(bytes).expect("UTF-8"),
            Err(_) => format!("error: {ours}"),
        };
        (ours, theirs)
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut every_control: String = (0u8..0x20).map(char::from).collect();
        every_control.push_str("\"\\/\u{7f}é中🦀 plain");
        for s in [
            "",
            "plain",
            &every_control,
            "\"",
            "\\",
            "ends with \n",
            "\u{2028}",
        ] {
            let (ours, theirs) = both(s);
            assert_eq!(ours, theirs);
        }
        assert_eq!(both("a\u{1}\"b").0, r#""a\u0001\"b""#);
        // Every byte that needs escaping, and some that must not be, at every offset of the
        // 8-byte words the scan skips.
        for special in ['\0', '\n', '\u{1f}', ' ', '"', '\\', '\u{7f}', 'é', '🦀'] {
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrstuvwx".chars().take(at).collect();
                s.push(special);
                s.push_str("yz0123456789");
                let (ours, theirs) = both(&s);
                assert_eq!(ours, theirs, "{special:?} at {at}");
            }
        }
    }

    #[test]
    fn numbers_and_values_match_serde_json() {
        let value = json!({
            "ints": [0, 1, -1, 9, 10, 99, 100, i64::MIN, i64::MAX, u64::MAX],
            "floats": [0.0, -0.0, 0.1, 1e-7, 1.5e300, 123456.789, f64::MIN_POSITIVE],
            "nested": {"b": [true, false, null], "a": {"": "empty key", "k\"ey\n": 1}},
            "text": "tab\there",
        });
        let (ours, theirs) = both(&value);
        assert_eq!(ours, theirs);
        let floats: Vec<f32> = vec![0.0, -0.5, 0.1, 1e-7, f32::MAX, f32::NAN, f32::INFINITY];
        assert_eq!(both(&floats).0, both(&floats).1);
        assert_eq!(
            both(&(1u8, -2i16, 'x', 300u128, -300i128)).0,
            r#"[1,-2,"x",300,-300]"#
        );
        assert_eq!(both(&b"ab"[..]).0, "[97,98]");
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(u8, String),
        Struct { inner: Option<bool> },
    }

    #[derive(Serialize)]
    struct Wire {
        id: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        none: Option<u8>,
        shapes: Vec<Shape>,
        unit: (),
        #[serde(rename = "type")]
        kind: &'static str,
    }

    #[test]
    fn derived_structs_and_enums_match_serde_json() {
        let wire = Wire {
            id: "chatcmpl-1",
            skipped: None,
            none: None,
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(1, "t".into()),
                Shape::Struct { inner: Some(true) },
            ],
            unit: (),
            kind: "x",
        };
        let (ours, theirs) = both(&wire);
        assert_eq!(ours, theirs);
        assert_eq!(
            ours,
            r#"{"id":"chatcmpl-1","none":null,"shapes":["unit",{"newtype":7},{"tuple":[1,"t"]},{"struct":{"inner":true}}],"unit":null,"type":"x"}"#
        );
    }

    #[test]
    fn map_keys_are_quoted_or_refused_like_serde_json() {
        let numbers: BTreeMap<i32, u8> = [(-1, 1), (2, 2)].into();
        assert_eq!(both(&numbers).0, r#"{"-1":1,"2":2}"#);
        assert_eq!(both(&numbers).0, both(&numbers).1);
        let flags: BTreeMap<bool, u8> = [(true, 1)].into();
        assert_eq!(both(&flags).0, both(&flags).1);
        let chars: BTreeMap<char, u8> = [('"', 1)].into();
        assert_eq!(both(&chars).0, both(&chars).1);
        let units: BTreeMap<(), u8> = [((), 1)].into();
        assert!(write(&mut Vec::new(), &units).is_err());
        assert!(serde_json::to_vec(&units).is_err());
        let tuples: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(write(&mut Vec::new(), &tuples).is_err());
        assert!(serde_json::to_vec(&tuples).is_err());
    }
}
