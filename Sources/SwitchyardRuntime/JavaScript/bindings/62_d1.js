// `d1` bindings: env.NAME is a D1Database, with the API of workerd's d1-api.ts. Every query is
// one asynchronous host operation (WorkerIsolate+D1.swift) that runs in one transaction and
// answers with D1's JSON, parsed here (its objects are made by JSON.parse, never through a
// prototype a worker controls); a refusal rejects with D1's text ("D1_ERROR: ...") and its
// `cause`. Parameters are checked and converted in bind(), as D1 does: numbers, strings and
// null as they are, booleans as 1 / 0, ArrayBuffers, views and arrays of bytes as BLOBs.

const { JSONParse, JSONStringify, TypeError, Error, ObjectFreeze, ObjectDefineProperty, ArrayIsArray,
  ArrayBufferIsView, PromiseReject, PromisePrototypeThen, StringPrototypeSlice, TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetByteLength, DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteOffset, DataViewPrototypeGetByteLength, ArrayBufferPrototypeGetByteLength,
  TypedArrayPrototypeGetSymbolToStringTag } = internals.primordials;
const d1HostOp = internals.hostOp.d1;
const d1HostAsync = internals.hostAsync;
const d1ToString = internals.webIDL.toDOMString;
const d1Key = Symbol("D1Database");
const Uint8ArrayConstructor = Uint8Array;
const NumberIsFinite = Number.isFinite;
const StringPrototypeTrim = internals.primordials.uncurryThis(String.prototype.trim);
const StringPrototypeStartsWith = internals.primordials.uncurryThis(String.prototype.startsWith);
const StringPrototypeIndexOf = internals.primordials.uncurryThis(String.prototype.indexOf);

const FIRST_UNCONSTRAINED = "first-unconstrained";
const FIRST_PRIMARY = "first-primary";

/// The JSON text of a parameter bind() accepted (a string, a finite number, null, or a
/// Uint8Array of a BLOB's bytes), built without JSON.stringify's `toJSON` lookups.
function encodeValue(value) {
  if (value === null) return "null";
  if (typeof value === "string") return JSONStringify(value);
  if (typeof value === "number") return NumberIsFinite(value) ? `${value}` : "null";
  let text = "[";
  for (let index = 0; index < value.length; index++) text += (index === 0 ? "" : ",") + value[index];
  return text + "]";
}

/// A BLOB's bytes, copied out of an ArrayBuffer or a view.
function bytesOf(value) {
  if (ArrayBufferIsView(value)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(value) === undefined) {
      return new Uint8ArrayConstructor(DataViewPrototypeGetBuffer(value), DataViewPrototypeGetByteOffset(value),
        DataViewPrototypeGetByteLength(value));
    }
    return null;
  }
  return new Uint8ArrayConstructor(value, 0, ArrayBufferPrototypeGetByteLength(value));
}

/// D1's conversion of one bind() value, or a D1_TYPE_ERROR.
function convertValue(value) {
  const type = typeof value;
  if (type === "number" || type === "string") return value;
  if (type === "boolean") return value ? 1 : 0;
  if (type === "object") {
    if (value === null) return null;
    if (ArrayIsArray(value)) {
      const bytes = new Uint8ArrayConstructor(value.length);
      let valid = true;
      for (let index = 0; index < value.length; index++) {
        const byte = value[index];
        if (typeof byte !== "number" || !(byte >= 0 && byte < 256)) {
          valid = false;
          break;
        }
        bytes[index] = byte;
      }
      if (valid) return bytes;
    } else if (ArrayBufferIsView(value)) {
      // A typed array's elements, each one byte of the BLOB (as Array.from on it in workerd).
      if (TypedArrayPrototypeGetSymbolToStringTag(value) === undefined) return bytesOf(value);
      const length = value.length;
      const bytes = new Uint8ArrayConstructor(length);
      for (let index = 0; index < length; index++) bytes[index] = value[index];
      return bytes;
    } else {
      try {
        ArrayBufferPrototypeGetByteLength(value);
        return bytesOf(value);
      } catch {
        // Not an ArrayBuffer.
      }
    }
  }
  const shown = type === "symbol" ? "Symbol()" : `${value}`;
  throw withCause(new Error(`D1_TYPE_ERROR: Type '${type}' not supported for value '${shown}'`));
}

/// Gives a D1 error the `cause` workerd gives it: an Error of the message after its prefix.
function withCause(error) {
  const message = error.message;
  const colon = typeof message === "string" ? StringPrototypeIndexOf(message, ": ") : -1;
  const inner = colon >= 0 && StringPrototypeStartsWith(message, "D1_") ? StringPrototypeSlice(message, colon + 2) : message;
  ObjectDefineProperty(error, "cause", { value: new Error(inner), writable: true, configurable: true, enumerable: false });
  return error;
}

function rethrowWithCause(error) {
  throw withCause(error);
}

/// Runs `queries` (`[{sql, params}]` as JSON) on binding `binding`; `then` turns the host's
/// answer, parsed, into the promise's value (and may throw: it runs in a reaction, not in the
/// host's completion).
function send(binding, queriesJSON, format, then) {
  const answer = d1HostAsync(d1HostOp, JSONParse, binding, "query", queriesJSON, format);
  return PromisePrototypeThen(answer, then, rethrowWithCause);
}

function queryJSON(statement) {
  return `{"sql":${JSONStringify(statement.sql)},"params":[${statement.paramsJSON}]}`;
}

class D1Database {
  #binding;
  #session;
  constructor(key, binding) {
    if (key !== d1Key) throw new TypeError("Illegal constructor");
    this.#binding = binding;
    this.#session = new D1DatabaseSession(d1Key, binding, FIRST_PRIMARY, true);
  }

  prepare(query) {
    return this.#session.prepare(query);
  }

  batch(statements) {
    return this.#session.batch(statements);
  }

  exec(query) {
    try {
      const sql = d1ToString(query);
      return PromisePrototypeThen(
        d1HostAsync(d1HostOp, (json) => JSONParse(json), this.#binding, "exec", sql), undefined, rethrowWithCause);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  withSession(constraintOrBookmark = undefined) {
    let constraint = constraintOrBookmark === undefined || constraintOrBookmark === null
      ? "" : StringPrototypeTrim(d1ToString(constraintOrBookmark));
    if (constraint === "") constraint = FIRST_UNCONSTRAINED;
    return new D1DatabaseSession(d1Key, this.#binding, constraint, false);
  }

  /// Deprecated on Cloudflare (alpha databases only), kept: the database file's bytes.
  dump() {
    return PromisePrototypeThen(
      d1HostAsync(d1HostOp, (bytes) => TypedArrayPrototypeGetBuffer(bytes), this.#binding, "dump"),
      undefined, (error) => {
        const message = typeof error.message === "string" && StringPrototypeStartsWith(error.message, "D1_ERROR: ")
          ? StringPrototypeSlice(error.message, 10) : error.message;
        throw withCause(new Error(`D1_DUMP_ERROR: ${message}`));
      });
  }
}

/// A session (`withSession()`): every query reaches the one copy of the database, so a session
/// is consistent by construction; its bookmark is the one it was opened with, if any.
class D1DatabaseSession {
  #binding;
  #bookmark;
  constructor(key, binding, bookmarkOrConstraint, alwaysPrimary) {
    if (key !== d1Key) throw new TypeError("Illegal constructor");
    if (!bookmarkOrConstraint) throw new Error("D1_SESSION_ERROR: invalid bookmark or constraint");
    this.#binding = binding;
    this.#bookmark = alwaysPrimary || bookmarkOrConstraint === FIRST_UNCONSTRAINED
      || bookmarkOrConstraint === FIRST_PRIMARY ? null : bookmarkOrConstraint;
  }

  prepare(query) {
    return new D1PreparedStatement(d1Key, this.#binding, d1ToString(query), "");
  }

  batch(statements) {
    try {
      if (!ArrayIsArray(statements)) throw new TypeError("D1 batch() takes an array of prepared statements.");
      let text = "";
      const count = statements.length;
      for (let index = 0; index < count; index++) {
        const statement = D1PreparedStatement.wire(statements[index]);
        if (statement === null) throw new TypeError("D1 batch() takes an array of prepared statements.");
        text += (index === 0 ? "" : ",") + queryJSON(statement);
      }
      return send(this.#binding, `[${text}]`, "objects", (results) => results);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  getBookmark() {
    return this.#bookmark;
  }
}

class D1PreparedStatement {
  #binding;
  #sql;
  #paramsJSON;
  #params;
  constructor(key, binding, sql, paramsJSON, params = undefined) {
    if (key !== d1Key) throw new TypeError("Illegal constructor");
    this.#binding = binding;
    this.#sql = sql;
    this.#paramsJSON = paramsJSON;
    this.#params = params;
  }

  /// What the host needs of `statement`, or null when it is not a D1PreparedStatement.
  static wire(statement) {
    if (typeof statement !== "object" || statement === null || !(#sql in statement)) return null;
    return { __proto__: null, sql: statement.#sql, paramsJSON: statement.#paramsJSON };
  }

  get statement() {
    return this.#sql;
  }

  get params() {
    const values = this.#params;
    if (values === undefined) return [];
    const copy = [];
    for (let index = 0; index < values.length; index++) {
      ObjectDefineProperty(copy, index, { value: values[index], writable: true, enumerable: true, configurable: true });
    }
    return copy;
  }

  bind(...values) {
    const converted = [];
    let text = "";
    for (let index = 0; index < values.length; index++) {
      const value = convertValue(values[index]);
      ObjectDefineProperty(converted, index, { value, writable: true, enumerable: true, configurable: true });
      text += (index === 0 ? "" : ",") + encodeValue(value);
    }
    return new D1PreparedStatement(d1Key, this.#binding, this.#sql, text, converted);
  }

  #query(format, decode) {
    try {
      return send(this.#binding, `[${queryJSON({ __proto__: null, sql: this.#sql, paramsJSON: this.#paramsJSON })}]`,
        format, decode);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  first(colName = undefined) {
    return this.#query("objects", (results) => {
      const rows = results[0].results;
      if (rows.length === 0) return null;
      const row = rows[0];
      if (colName === undefined) return row;
      const column = d1ToString(colName);
      if (row[column] === undefined) {
        throw withCause(new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`));
      }
      return row[column];
    });
  }

  all() {
    return this.#query("objects", (results) => results[0]);
  }

  run() {
    return this.#query("objects", (results) => results[0]);
  }

  raw(options = undefined) {
    const columnNames = options !== undefined && options !== null && options.columnNames === true;
    return this.#query(columnNames ? "rawWithColumns" : "raw", (rows) => rows);
  }
}

internals.bindingFactories.d1 = (index) => ObjectFreeze(new D1Database(d1Key, index));
