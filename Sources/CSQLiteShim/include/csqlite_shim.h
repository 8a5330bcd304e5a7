#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

/// `sqlite3_db_config(db, op, value, &result)` for the options that take an int and report the
/// new setting (SQLITE_DBCONFIG_DEFENSIVE, ..._ENABLE_FTS3_TOKENIZER, ..._TRUSTED_SCHEMA...).
/// sqlite3_db_config is variadic, which Swift cannot call; this is the one fixed-argument form
/// SwitchyardDataLocal needs. `db` is the `sqlite3 *` of a connection SQLiteNIO's copy of SQLite
/// opened. Returns SQLite's status code.
int csqlite_shim_db_config_int(void *db, int op, int value, int *result);

#endif
