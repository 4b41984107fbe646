//! `/_dingcal/openapi.json`: an OpenAPI 3.1 document of what dingcal
//! serves, written from the operation tables (`operations::TABLE` and the
//! controls') and the JSON Schemas of the wire types their handlers read
//! and answer, so that it changes when they do.

use schemars::generate::{Contract, SchemaSettings};
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::error::ErrorBody;
use super::operations::{Operation, of};

/// What a group of operations is, in the document's tags.
pub struct Group<'a> {
    pub tag: &'static str,
    pub description: &'static str,
    pub operations: &'a [Operation],
    /// How its calls are authorised.
    pub auth: Auth,
}

#[derive(Clone, Copy)]
pub enum Auth {
    /// `x-acs-dingtalk-access-token`, unless the operation is public.
    AccessToken,
    /// `Authorization: Bearer` with the server's admin token.
    AdminToken,
}

/// Schemas written inline (none of the wire types refers to itself), for
/// what is read (`Deserialize`'s view: what may be left out) or what is
/// written (`Serialize`'s: what is left out when empty).
fn generator(contract: Contract) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
            s.contract = contract;
        })
        .into_generator()
}

pub fn document(groups: &[Group<'_>]) -> Value {
    let mut reads = generator(Contract::Deserialize);
    let mut writes = generator(Contract::Serialize);
    let error = of::<ErrorBody>(&mut writes);
    let mut paths: Map<String, Value> = Map::new();
    for group in groups {
        for op in group.operations {
            let item = paths
                .entry(op.path)
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("a path item is an object");
            item.insert(
                op.method.to_ascii_lowercase(),
                operation(op, group, &mut reads, &mut writes, &error),
            );
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "dingcal",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The DingTalk Calendar v1.0 open API (calendar_1_0, and the two \
                oauth2_1_0 token operations) as dingcal serves it, and dingcal's emulator \
                controls. Written from the server's own tables and wire types."
        },
        "tags": groups.iter().map(|g| json!({"name": g.tag, "description": g.description})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "securitySchemes": {
                "accessToken": {"type": "apiKey", "in": "header", "name": "x-acs-dingtalk-access-token"},
                "adminToken": {"type": "http", "scheme": "bearer"}
            }
        }
    })
}

fn operation(
    op: &Operation,
    group: &Group<'_>,
    reads: &mut SchemaGenerator,
    writes: &mut SchemaGenerator,
    error: &Schema,
) -> Value {
    let mut parameters: Vec<Value> = path_names(op.path)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if let Some(query) = op.query {
        let schema = query(reads);
        let required = |name: &str| {
            schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n == name))
        };
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                parameters.push(json!({
                    "name": name, "in": "query", "required": required(name),
                    "schema": not_null(property.clone())
                }));
            }
        }
    }
    if op.replays {
        parameters.push(json!({
            "name": "x-client-token", "in": "header", "required": false,
            "description": "A retry with the same token within its lifetime is answered as the first call was, and changes nothing more.",
            "schema": {"type": "string"}
        }));
    }
    let mut answer = json!({"description": "Done."});
    if let Some(body) = op.answer {
        answer["content"] = json!({"application/json": {"schema": body(writes)}});
    }
    let mut described = json!({
        "operationId": op.action,
        "tags": [group.tag],
        "parameters": parameters,
        "responses": {
            "200": answer,
            "default": {
                "description": "Refused, with DingTalk's code and message.",
                "content": {"application/json": {"schema": error}}
            }
        }
    });
    if let Some(body) = op.body {
        described["requestBody"] =
            json!({"required": false, "content": {"application/json": {"schema": body(reads)}}});
    }
    described["security"] = match (group.auth, op.public) {
        (_, true) => json!([]),
        (Auth::AccessToken, false) => json!([{"accessToken": []}]),
        (Auth::AdminToken, false) => json!([{"adminToken": []}]),
    };
    described
}

/// A query parameter's schema: left out, it is absent, never null.
fn not_null(mut schema: Value) -> Value {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if let [one] = &types[..] {
            schema["type"] = one.clone();
        }
    }
    if let Some(object) = schema.as_object_mut() {
        object.remove("default");
    }
    schema
}

/// The `{name}`s of a path template.
fn path_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}
