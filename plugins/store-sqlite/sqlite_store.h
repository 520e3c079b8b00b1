/*
 * Internal interfaces of the store-sqlite plugin: the plugin state, the
 * prepared statement cache, the per-operation savepoint wrapper, error
 * reporting and the allocation of records returned to callers.
 */
#ifndef GKDC_STORE_SQLITE_H
#define GKDC_STORE_SQLITE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/store.h>

/* Prepared statements, each prepared on first use and kept until fini. */
enum sq_stmt_id {
  SQ_COUNTER_GET,
  SQ_COUNTER_SET,
  SQ_TOKEN_RECEIVED,
  SQ_TOKEN_UPSERT,
  SQ_TOKEN_GET,
  SQ_TOKEN_SET_CHALLENGE,
  SQ_TOKEN_DELETE,
  SQ_TOKEN_EXPIRED_CTI,
  SQ_TOKEN_DELETE_EXPIRED,
  SQ_TOKEN_LIST,
  SQ_TOKEN_EXISTS,
  SQ_CTI_GET,
  SQ_CTI_SET,
  SQ_CTX_BOUND,
  SQ_CTX_UPSERT,
  SQ_CTX_GET,
  SQ_CTX_SET_BOUND,
  SQ_CTX_SET_WINDOW,
  SQ_CTX_DELETE,
  SQ_CTX_DELETE_ALL,
  SQ_CTX_LIST,
  SQ_GROUP_EXISTS,
  SQ_GROUP_INSERT,
  SQ_GROUP_GET,
  SQ_GROUP_GET_BY_GID,
  SQ_GROUP_LIST,
  SQ_GROUP_SET_CONFIG,
  SQ_GROUP_STATE,
  SQ_GROUP_REKEY,
  SQ_GROUP_DELETE,
  SQ_GROUP_SET_CURSOR,
  SQ_HISTORY_GET,
  SQ_HISTORY_SET,
  SQ_GID_USED,
  SQ_GID_INSERT,
  SQ_SID_USED,
  SQ_SID_INSERT,
  SQ_SID_DROP_GROUP,
  SQ_SID_SEED,
  SQ_MEMBER_JOINED,
  SQ_MEMBER_UPSERT,
  SQ_MEMBER_GET,
  SQ_MEMBER_GET_BY_TOKEN,
  SQ_MEMBER_GET_BY_SID,
  SQ_MEMBER_LIST,
  SQ_MEMBER_LIST_BY_TOKEN,
  SQ_MEMBER_DELETE,
  SQ_MEMBER_CONFLICT,
  SQ_STALE_SET_INSERT,
  SQ_STALE_SET_PRUNE,
  SQ_STALE_ADD,
  SQ_STALE_RANGE,
  SQ_STALE_LIST,
  SQ_STMT_COUNT
};

/* SQL text of each statement (sqlite_sql.c). */
extern const char *const sq_sql[SQ_STMT_COUNT];

/* The plugin state handed to every operation. */
struct sq_store {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  sqlite3 *db;
  char *path;
  int in_txn;             /* a begin() transaction is open */
  int err;                /* enum gkdc_store_error of the latest operation */
  char detail[256];       /* message of the latest failure */
  sqlite3_stmt *stmts[SQ_STMT_COUNT];
};

/* ---- logging and errors (sqlite_util.c) ---- */

void sq_log(struct sq_store *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a failure of the current operation and returns 0. */
int sq_fail(struct sq_store *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a failed SQLite call `what` with result `rc` and returns 0.
 * Constraint violations become GKDC_STORE_E_EXISTS. */
int sq_fail_db(struct sq_store *s, int rc, const char *what);
/* Current time in Unix seconds from the host, or the system clock. */
int64_t sq_now(struct sq_store *s);

/* ---- statements (sqlite_util.c) ---- */

/* Returns the reset statement `id`, preparing it on first use; NULL after
 * recording the failure. */
sqlite3_stmt *sq_stmt(struct sq_store *s, enum sq_stmt_id id);
/* Resets a statement and clears its bindings. */
void sq_done(sqlite3_stmt *st);
/* Finalizes every cached statement. */
void sq_stmts_free(struct sq_store *s);
/* Runs SQL text without results. Returns 1 or 0 after recording the error. */
int sq_exec(struct sq_store *s, const char *sql);

/* Binding helpers; each returns the sqlite3_bind_* result code. An empty
 * byte string is bound as a zero-length blob, never as NULL. */
int sq_bind_bytes(sqlite3_stmt *st, int idx, const uint8_t *p, size_t len);
int sq_bind_view(sqlite3_stmt *st, int idx, const struct gkdc_bytes *b);
int sq_bind_text(sqlite3_stmt *st, int idx, const char *text);
int sq_bind_u64(sqlite3_stmt *st, int idx, uint64_t v);

/*
 * Steps a statement that returns no row or at most one. Returns
 * SQLITE_ROW, SQLITE_DONE, or another code after recording the failure.
 */
int sq_step(struct sq_store *s, sqlite3_stmt *st, const char *what);

/* ---- per-operation savepoints (sqlite_util.c) ---- */

/* Opens the operation: a write transaction outside begin(), a savepoint
 * inside. Clears the error. Returns 1 or 0. */
int sq_op_begin(struct sq_store *s);
/* Closes the operation, committing or releasing it when `ok`, rolling it
 * back otherwise. Returns `ok`, or 0 when the commit failed. */
int sq_op_end(struct sq_store *s, int ok);
/* Clears the error for an operation that only reads. */
void sq_op_read(struct sq_store *s);

/* ---- records returned to callers (sqlite_util.c) ---- */

/* A record under construction: one allocation holding the struct and the
 * bytes its views point to. */
struct sq_rec {
  uint8_t *cursor;
  uint8_t *end;
};

/*
 * Allocates a zeroed record of `struct_size` bytes plus room for every blob
 * and text column of the statement's current row; sets *(uint32_t *)record
 * to struct_size. Returns the record, or NULL after recording the failure.
 */
void *sq_rec_new(struct sq_store *s, sqlite3_stmt *st, size_t struct_size,
                 struct sq_rec *rec);
/* Copies blob column `col` into the record and points *out at it. */
void sq_rec_bytes(struct sq_rec *rec, sqlite3_stmt *st, int col,
                  struct gkdc_bytes *out);
/* Copies text column `col` into the record; NULL stays NULL. */
void sq_rec_text(struct sq_rec *rec, sqlite3_stmt *st, int col, const char **out);
/* Wipes and frees a record from sq_rec_new(). Takes NULL. */
void sq_rec_free(void *record);

/* Reads a uint64 stored as its int64 bit pattern. */
uint64_t sq_col_u64(sqlite3_stmt *st, int col);

/*
 * A growable list of records, so that visitors run after the statement is
 * reset and may call the store themselves.
 */
struct sq_list {
  void **items;
  size_t count;
  size_t cap;
};
/* Appends a record; returns 1, or 0 after recording GKDC_STORE_E_NOMEM (the
 * record is then freed). */
int sq_list_push(struct sq_store *s, struct sq_list *l, void *record);
/* Frees every record and the list's array. */
void sq_list_clear(struct sq_list *l);

/* Builds a record from the current row of a statement; NULL after
 * recording the failure. */
typedef void *(*sq_row_reader)(struct sq_store *s, sqlite3_stmt *q);

/*
 * Steps a bound lookup that returns at most one row and builds *out from
 * it with `read`. Without a row it fails with GKDC_STORE_E_NOT_FOUND and
 * the message "<what> not found". Resets the statement.
 */
int sq_fetch_one(struct sq_store *s, sqlite3_stmt *q, const char *what,
                 sq_row_reader read, void **out);

/*
 * Reads every row of a bound statement with `read`, resets the statement,
 * then passes each record to call(ctx, record) until it returns 0. Records
 * are freed afterwards. Returns 1, or 0 after recording the failure.
 */
int sq_visit_rows(struct sq_store *s, sqlite3_stmt *q, const char *what,
                  sq_row_reader read, int (*call)(void *ctx, const void *record),
                  void *ctx);

/*
 * Runs a bound UPDATE or DELETE and fails with GKDC_STORE_E_NOT_FOUND
 * ("<what> not found") when it changed no row. Resets the statement.
 */
int sq_change_one(struct sq_store *s, sqlite3_stmt *q, const char *what);

/* ---- schema (sqlite_schema.c) ---- */

/* The schema version this plugin writes. */
#define SQ_SCHEMA_VERSION 2
/* PRAGMA application_id of a gkdc database ("gkdc"). */
#define SQ_APPLICATION_ID 0x676b6463

/* Brings the database to SQ_SCHEMA_VERSION, applying each missing
 * migration in its own transaction. Returns 1 or 0 after logging. */
int sq_schema_migrate(struct sq_store *s);

/* ---- operation groups ---- */

/* Token, cti, counter and OSCORE context operations (sqlite_tokens.c). */
int sq_counter_next(void *st, const char *name, uint64_t *value);
int sq_counter_get(void *st, const char *name, uint64_t *value);
int sq_counter_raise(void *st, const char *name, uint64_t min_next);
int sq_token_put(void *st, const struct gkdc_store_token *t);
int sq_token_get(void *st, const uint8_t *id, size_t id_len,
                 struct gkdc_store_token **out);
int sq_token_set_kdcchallenge(void *st, const uint8_t *id, size_t id_len,
                              const uint8_t *n_s, size_t len);
int sq_token_delete(void *st, const uint8_t *id, size_t id_len);
int sq_token_purge_expired(void *st, int64_t now, uint64_t *count);
int sq_token_list(void *st, gkdc_store_token_fn fn, void *arg);
int sq_cti_get(void *st, const uint8_t *issuer, size_t issuer_len,
               struct gkdc_store_cti *out);
int sq_cti_put(void *st, const uint8_t *issuer, size_t issuer_len,
               const struct gkdc_store_cti *in);
int sq_cti_accept(void *st, const uint8_t *issuer, size_t issuer_len,
                  uint64_t seq, int *result);

/* OSCORE context operations (sqlite_oscctx.c). */
int sq_oscctx_put(void *st, const struct gkdc_store_oscctx *c);
int sq_oscctx_get(void *st, const uint8_t *rid, size_t rid_len,
                  const struct gkdc_bytes *idctx, struct gkdc_store_oscctx **out);
int sq_oscctx_set_ssn_bound(void *st, const uint8_t *rid, size_t rid_len,
                            const struct gkdc_bytes *idctx, uint64_t bound,
                            uint64_t *stored);
int sq_oscctx_set_replay_window(void *st, const uint8_t *rid, size_t rid_len,
                                const struct gkdc_bytes *idctx,
                                const uint8_t *window, size_t window_len);
int sq_oscctx_delete(void *st, const uint8_t *rid, size_t rid_len,
                     const struct gkdc_bytes *idctx);
int sq_oscctx_delete_all(void *st);
int sq_oscctx_list(void *st, gkdc_store_oscctx_fn fn, void *arg);

/* Group, Sender ID and stale set operations (sqlite_groups.c). */
int sq_group_create(void *st, const struct gkdc_store_group *g, uint64_t *version);
int sq_group_get(void *st, const char *name, struct gkdc_store_group **out);
int sq_group_get_by_gid(void *st, const uint8_t *gid, size_t gid_len,
                        struct gkdc_store_group **out);
int sq_group_list(void *st, gkdc_store_group_fn fn, void *arg);
int sq_group_set_config(void *st, const struct gkdc_store_group *g);
int sq_group_rekey(void *st, const char *name, const uint8_t *gid, size_t gid_len,
                   const uint8_t *ms, size_t ms_len, const uint8_t *salt,
                   size_t salt_len, int64_t exp, uint64_t *version);
int sq_group_delete(void *st, const char *name);
int sq_gid_is_used(void *st, const uint8_t *gid, size_t gid_len, int *used);
int sq_sid_allocate(void *st, const char *group, size_t max_len, uint8_t *buf,
                    size_t cap, size_t *len);
int sq_sid_claim(void *st, const char *group, const uint8_t *sid, size_t sid_len);
int sq_sid_is_used(void *st, const char *group, const uint8_t *sid,
                   size_t sid_len, int *used);
int sq_stale_add(void *st, const char *group, const uint8_t *sid, size_t sid_len);
int sq_stale_range(void *st, const char *group, uint64_t *oldest, uint64_t *newest);
int sq_stale_list(void *st, const char *group, uint64_t min_version,
                  gkdc_store_sid_fn fn, void *arg);

/* Member operations (sqlite_members.c). */
int sq_member_put(void *st, const struct gkdc_store_member *m);
int sq_member_get(void *st, const char *group, const char *node,
                  struct gkdc_store_member **out);
int sq_member_get_by_token(void *st, const char *group, const uint8_t *id,
                           size_t id_len, struct gkdc_store_member **out);
int sq_member_get_by_sid(void *st, const char *group, const uint8_t *sid,
                         size_t sid_len, struct gkdc_store_member **out);
int sq_member_list(void *st, const char *group, gkdc_store_member_fn fn, void *arg);
int sq_member_list_by_token(void *st, const uint8_t *id, size_t id_len,
                            gkdc_store_member_fn fn, void *arg);
int sq_member_delete(void *st, const char *group, const char *node);

/* Shared by groups and members: the current Gid, key version and Sender ID
 * cursor of a group. Fails with GKDC_STORE_E_NOT_FOUND. */
struct sq_group_state {
  uint8_t gid[256];
  size_t gid_len;
  uint64_t key_version;
  uint32_t max_stale_sets;
  size_t sid_next_len;
  uint64_t sid_next_value;
};
int sq_group_state_get(struct sq_store *s, const char *name,
                       struct sq_group_state *out);

/* Limits on record fields. */
#define SQ_MAX_ID 255        /* token ids, Gids, OSCORE ids, issuers */
#define SQ_MAX_NAME 255      /* group and node names */
#define SQ_MAX_BLOB 65536    /* credentials, tokens, configs */

#endif /* GKDC_STORE_SQLITE_H */
