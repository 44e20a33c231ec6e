// libpq's header only: its types and constants. The library is loaded at run time (LibPQ.swift), not
// linked, so that commands that never use a PostgreSQL store do not load it and its dependencies.
#include <postgresql/libpq-fe.h>
