#include "csqlite_shim.h"

// The variadic entry point of the SQLite that SQLiteNIO vendors (its symbols carry the
// `sqlite_nio_` prefix); linked from the same binary. Declared here rather than by including
// SQLiteNIO's header, which is not a product of that package.
int sqlite_nio_sqlite3_db_config(void *db, int op, ...);

int csqlite_shim_db_config_int(void *db, int op, int value, int *result) {
    return sqlite_nio_sqlite3_db_config(db, op, value, result);
}
