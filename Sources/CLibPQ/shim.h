#include <libpq-fe.h>

// postgres_ext.h's PG_DIAG_* field codes are character-literal macros, which Swift does not import.
static const int lw_PG_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int lw_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int lw_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int lw_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int lw_PG_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;

// libpq's default notice processor prints every NOTICE and WARNING to stderr; a server's log is not the place.
static inline void lw_PQ_ignore_notice(void *argument, const char *message) { (void)argument; (void)message; }
static inline void lw_PQignoreNotices(PGconn *conn) { PQsetNoticeProcessor(conn, lw_PQ_ignore_notice, NULL); }
