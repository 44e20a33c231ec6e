#include <sqlite3.h>

/// Keeps the write-ahead log between processes: the last connection to close neither checkpoints
/// nor deletes it. Swift cannot call the variadic `sqlite3_db_config`, hence this wrapper.
/// Returns SQLITE_OK or the first error.
static inline int multiagent_sqlite_keep_wal(sqlite3 *db) {
  int result = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
  if (result != SQLITE_OK) return result;
  int persist = 1;
  return sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}
