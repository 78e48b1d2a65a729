// The driver's protocol: every script the driver reads and every observation it
// prints is checked against driver-protocol.schema.json, the JSON Schema that the
// Rust side generates from its types (model/src/trace/replay/protocol.rs) and that
// a Rust test keeps in step with them. A script or an observation that does not
// follow it is an error of the harness, never a finding about the client.
//
// The checker reads the part of JSON Schema (draft 2020-12) that the generator
// writes: $ref into $defs, type, const, enum, properties, required,
// additionalProperties, items, minimum, maximum, anyOf, oneOf and allOf. A keyword
// it does not know fails loudly, so that a schema it cannot read is never passed.

import fs from "node:fs";

const SCHEMA_FILE = "driver-protocol.schema.json";
const schema = JSON.parse(fs.readFileSync(new URL(`./${SCHEMA_FILE}`, import.meta.url), "utf8"));

// Keywords that only describe.
const ANNOTATIONS = new Set(["$schema", "title", "description", "format", "$defs"]);
const KEYWORDS = new Set([
  "$ref", "type", "const", "enum", "properties", "required", "additionalProperties",
  "items", "minimum", "maximum", "anyOf", "oneOf", "allOf",
]);

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function hasType(value, type) {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function resolve(ref) {
  const prefix = "#/$defs/";
  if (!ref.startsWith(prefix) || !(ref.slice(prefix.length) in schema.$defs)) throw new Error(`${SCHEMA_FILE}: cannot resolve ${ref}`);
  return schema.$defs[ref.slice(prefix.length)];
}

// The first way `value` breaks `rule`, as "at <path>: <what>", or null.
function check(value, rule, path) {
  for (const key of Object.keys(rule)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`${SCHEMA_FILE}: keyword ${key} at ${path} is not one this checker reads`);
  }
  if (rule.$ref !== undefined) {
    const broken = check(value, resolve(rule.$ref), path);
    if (broken) return broken;
  }
  if (rule.type !== undefined) {
    const types = Array.isArray(rule.type) ? rule.type : [rule.type];
    if (!types.some((t) => hasType(value, t))) return `at ${path}: ${JSON.stringify(value)} is not ${types.join(" or ")}`;
  }
  if (rule.const !== undefined && value !== rule.const) return `at ${path}: ${JSON.stringify(value)} is not ${JSON.stringify(rule.const)}`;
  if (rule.enum !== undefined && !rule.enum.includes(value)) return `at ${path}: ${JSON.stringify(value)} is not one of ${rule.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (typeof value === "number") {
    if (rule.minimum !== undefined && value < rule.minimum) return `at ${path}: ${value} is below ${rule.minimum}`;
    if (rule.maximum !== undefined && value > rule.maximum) return `at ${path}: ${value} is above ${rule.maximum}`;
  }
  if (typeOf(value) === "object") {
    // A field whose value is undefined is not in the JSON the value becomes.
    for (const name of rule.required ?? []) {
      if (value[name] === undefined) return `at ${path}: field ${name} is missing`;
    }
    const properties = rule.properties ?? {};
    for (const [name, field] of Object.entries(value)) {
      if (field === undefined) continue;
      if (name in properties) {
        const broken = check(field, properties[name], `${path}.${name}`);
        if (broken) return broken;
      } else if (rule.additionalProperties === false) {
        return `at ${path}: field ${name} is not in the protocol`;
      } else if (typeof rule.additionalProperties === "object") {
        const broken = check(field, rule.additionalProperties, `${path}.${name}`);
        if (broken) return broken;
      }
    }
  }
  if (Array.isArray(value) && rule.items !== undefined) {
    for (const [i, item] of value.entries()) {
      const broken = check(item, rule.items, `${path}[${i}]`);
      if (broken) return broken;
    }
  }
  for (const part of rule.allOf ?? []) {
    const broken = check(value, part, path);
    if (broken) return broken;
  }
  if (rule.anyOf !== undefined) {
    const broken = rule.anyOf.map((part) => check(value, part, path));
    if (broken.every((b) => b !== null)) return broken.join("; or ");
  }
  if (rule.oneOf !== undefined) {
    const broken = rule.oneOf.map((part) => check(value, part, path));
    const matching = broken.filter((b) => b === null).length;
    if (matching === 0) return `at ${path}: matches none of ${rule.oneOf.length} forms (${closest(value, rule.oneOf, broken)})`;
    if (matching > 1) return `at ${path}: matches ${matching} forms, not one`;
  }
  return null;
}

// Why the form `value` was most likely meant to take broke: the one whose tag
// (a `const` field) the value carries.
function closest(value, forms, broken) {
  if (typeOf(value) === "object") {
    for (const [i, form] of forms.entries()) {
      const tags = Object.entries(form.properties ?? {}).filter(([, f]) => f.const !== undefined);
      if (tags.length > 0 && tags.every(([name, f]) => value[name] === f.const)) return broken[i];
    }
  }
  return broken.find((b) => b !== null);
}

// Throws when `value` does not follow the protocol's definition `name` (Script,
// Observation): the message names the definition and where the value breaks it.
export function assertFollows(name, value) {
  const broken = check(value, resolve(`#/$defs/${name}`), name);
  if (broken) throw new Error(`not a ${name} of ${SCHEMA_FILE}: ${broken}`);
}
