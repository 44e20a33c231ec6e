#include <sqlite3.h>

/// sqlite3_db_config with one int setting (the C function is variadic, which Swift cannot call).
/// Returns SQLITE_OK or an error code.
static inline int multiagent_sqlite3_db_config_int(sqlite3 *db, int op, int value) {
  int current = 0;
  return sqlite3_db_config(db, op, value, &current);
}
