//! Any serializable model value as an ITF value (the `itf` crate's [`Value`]),
//! through serde: the model's types derive `Serialize` already.
//!
//! | Rust                         | ITF                                          |
//! |------------------------------|----------------------------------------------|
//! | integer                      | `{"#bigint": "…"}`                           |
//! | bool, string                 | boolean, string                              |
//! | struct, struct variant value | record                                       |
//! | tuple, tuple struct          | `{"#tup": [...]}`                            |
//! | `()`, unit struct            | `{"#tup": []}`                               |
//! | sequence                     | list                                         |
//! | map                          | `{"#map": [[key, value], ...]}`              |
//! | enum variant                 | `{"tag": variant, "value": its fields}`      |
//! | `Option`                     | the variant `Some` with its value, or `None` |
//!
//! The variant form is Quint's (and Apalache's): a variant without fields has the
//! empty tuple as its value. Floats have no ITF form; the model has none.

use ::itf::value::{BigInt, Map, Record, Tuple, Value};
use serde::ser::{self, Serialize};

/// `value` as an ITF value.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    value
        .serialize(ToItf)
        .expect("the model's values have an ITF form (no floats)")
}

/// A variant `{"tag": tag, "value": value}`.
pub fn variant(tag: &str, value: Value) -> Value {
    Value::Record(Record::from_iter([
        ("tag".to_string(), Value::String(tag.to_string())),
        ("value".to_string(), value),
    ]))
}

/// `value` (a variant) with its tag replaced by `tag`: for an enum whose variants
/// have names of their own elsewhere (the AuthenticationManager's states in
/// convex-js). Anything but a variant is returned as it is.
pub fn renamed_variant(value: Value, tag: &str) -> Value {
    match value {
        Value::Record(mut record) if record.contains_key("tag") => {
            record.insert("tag".to_string(), Value::String(tag.to_string()));
            Value::Record(record)
        }
        other => other,
    }
}

fn unit() -> Value {
    Value::Tuple(Tuple::new())
}

/// Why a value has no ITF form.
#[derive(Debug)]
pub struct Unrepresentable(String);

impl std::fmt::Display for Unrepresentable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unrepresentable {}

impl ser::Error for Unrepresentable {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Unrepresentable(msg.to_string())
    }
}

/// The serde serializer that builds an ITF value.
struct ToItf;

type Result<T = Value> = std::result::Result<T, Unrepresentable>;

fn integer(v: impl Into<i128>) -> Result {
    Ok(Value::BigInt(BigInt::new(v.into())))
}

impl ser::Serializer for ToItf {
    type Ok = Value;
    type Error = Unrepresentable;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Items;
    type SerializeMap = Entries;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Fields;

    fn serialize_bool(self, v: bool) -> Result {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result {
        integer(v)
    }
    fn serialize_i16(self, v: i16) -> Result {
        integer(v)
    }
    fn serialize_i32(self, v: i32) -> Result {
        integer(v)
    }
    fn serialize_i64(self, v: i64) -> Result {
        integer(v)
    }
    fn serialize_i128(self, v: i128) -> Result {
        integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result {
        integer(v)
    }
    fn serialize_u16(self, v: u16) -> Result {
        integer(v)
    }
    fn serialize_u32(self, v: u32) -> Result {
        integer(v)
    }
    fn serialize_u64(self, v: u64) -> Result {
        integer(v)
    }
    fn serialize_u128(self, v: u128) -> Result {
        Ok(Value::BigInt(BigInt::new(v)))
    }
    fn serialize_f32(self, v: f32) -> Result {
        Err(ser::Error::custom(format!("{v}: ITF has no floats")))
    }
    fn serialize_f64(self, v: f64) -> Result {
        Err(ser::Error::custom(format!("{v}: ITF has no floats")))
    }
    fn serialize_char(self, v: char) -> Result {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        Ok(Value::List(v.iter().map(to_value).collect()))
    }
    fn serialize_none(self) -> Result {
        Ok(variant("None", unit()))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        Ok(variant("Some", value.serialize(ToItf)?))
    }
    fn serialize_unit(self) -> Result {
        Ok(unit())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Ok(unit())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, tag: &'static str) -> Result {
        Ok(variant(tag, unit()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(ToItf)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        tag: &'static str,
        value: &T,
    ) -> Result {
        Ok(variant(tag, value.serialize(ToItf)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items> {
        Ok(Items::new(Shape::List, len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Items> {
        Ok(Items::new(Shape::Tuple, Some(len)))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Items> {
        Ok(Items::new(Shape::Tuple, Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        tag: &'static str,
        len: usize,
    ) -> Result<Items> {
        Ok(Items::new(Shape::Variant(tag), Some(len)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Entries> {
        Ok(Entries {
            map: Map::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields> {
        Ok(Fields {
            record: Record::new(),
            tag: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        tag: &'static str,
        _len: usize,
    ) -> Result<Fields> {
        Ok(Fields {
            record: Record::new(),
            tag: Some(tag),
        })
    }
}

/// What a sequence of items becomes.
enum Shape {
    List,
    Tuple,
    /// A tuple variant: its items as a tuple, under this tag.
    Variant(&'static str),
}

/// The items of a sequence, tuple or tuple variant.
struct Items {
    shape: Shape,
    items: Vec<Value>,
}

impl Items {
    fn new(shape: Shape, len: Option<usize>) -> Items {
        Items {
            shape,
            items: Vec::with_capacity(len.unwrap_or(0)),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(value.serialize(ToItf)?);
        Ok(())
    }

    fn finish(self) -> Result {
        Ok(match self.shape {
            Shape::List => Value::List(self.items),
            Shape::Tuple => Value::Tuple(Tuple::from(self.items)),
            Shape::Variant(tag) => variant(tag, Value::Tuple(Tuple::from(self.items))),
        })
    }
}

impl ser::SerializeSeq for Items {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTuple for Items {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Items {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Items {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

/// The entries of a map.
struct Entries {
    map: Map<Value, Value>,
    key: Option<Value>,
}

impl ser::SerializeMap for Entries {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(ToItf)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.map.insert(key, value.serialize(ToItf)?);
        Ok(())
    }
    fn end(self) -> Result {
        Ok(Value::Map(self.map))
    }
}

/// The fields of a struct or struct variant.
struct Fields {
    record: Record,
    /// The variant's tag, for a struct variant.
    tag: Option<&'static str>,
}

impl Fields {
    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<()> {
        self.record
            .insert(name.to_string(), value.serialize(ToItf)?);
        Ok(())
    }

    fn finish(self) -> Result {
        let record = Value::Record(self.record);
        Ok(match self.tag {
            Some(tag) => variant(tag, record),
            None => record,
        })
    }
}

impl ser::SerializeStruct for Fields {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(name, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Fields {
    type Ok = Value;
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(name, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::{Identity, Token, User};

    fn json(value: &Value) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn model_values_become_itf_data() {
        let token = Token {
            serial: 1,
            iat: 0,
            exp: 2,
            user: User::B,
            new_key: false,
        };
        assert_eq!(
            json(&to_value(&Some(Identity::User(token)))),
            r##"{"tag":"Some","value":{"tag":"User","value":{"exp":{"#bigint":"2"},"iat":{"#bigint":"0"},"serial":{"#bigint":"1"},"user":{"tag":"B","value":{"#tup":[]}}}}}"##
        );
        assert_eq!(
            json(&to_value(&None::<Identity>)),
            r##"{"tag":"None","value":{"#tup":[]}}"##
        );
        assert_eq!(
            json(&to_value(&(1u8, "a", vec![true]))),
            r##"{"#tup":[{"#bigint":"1"},"a",[true]]}"##
        );
        assert_eq!(
            json(&to_value(&std::collections::BTreeMap::from([(2u8, false)]))),
            r##"{"#map":[[{"#bigint":"2"},false]]}"##
        );
        use serde::ser::Serializer as _;
        assert!(ToItf.serialize_f64(0.5).is_err());
    }

    #[test]
    fn a_renamed_variant_keeps_its_value() {
        let renamed = renamed_variant(to_value(&Identity::Anonymous), "anonymous");
        assert_eq!(
            json(&renamed),
            r##"{"tag":"anonymous","value":{"#tup":[]}}"##
        );
        assert_eq!(
            json(&renamed_variant(to_value(&3u8), "x")),
            r##"{"#bigint":"3"}"##
        );
    }
}
