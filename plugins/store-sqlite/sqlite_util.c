/*
 * Helpers shared by the store-sqlite operations: logging and errors, the
 * prepared statement cache, the per-operation savepoint, and records handed
 * to callers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_store.h"

/* ---- logging and errors ---- */

void sq_log(struct sq_store *s, int level, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  if (s->host != NULL && GKDC_HAS_OP(s->host, vlog))
    s->host->vlog(s->self, level, fmt, ap);
  va_end(ap);
}

int sq_fail(struct sq_store *s, int err, const char *fmt, ...) {
  va_list ap;

  s->err = err;
  va_start(ap, fmt);
  vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
  va_end(ap);
  return 0;
}

int sq_fail_db(struct sq_store *s, int rc, const char *what) {
  int primary = rc & 0xff;
  int err = GKDC_STORE_E_IO;

  if (primary == SQLITE_CONSTRAINT)
    err = GKDC_STORE_E_EXISTS;
  else if (primary == SQLITE_NOMEM)
    err = GKDC_STORE_E_NOMEM;

  return sq_fail(s, err, "%s: %s (SQLite error %d)", what,
                 s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
}

int64_t sq_now(struct sq_store *s) {
  if (s->host != NULL && GKDC_HAS_OP(s->host, now))
    return s->host->now();
  return (int64_t)time(NULL);
}

/* ---- statements ---- */

sqlite3_stmt *sq_stmt(struct sq_store *s, enum sq_stmt_id id) {
  int rc;

  if (s->stmts[id] != NULL)
    return s->stmts[id];

  rc = sqlite3_prepare_v3(s->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                          &s->stmts[id], NULL);
  if (rc != SQLITE_OK) {
    sq_fail_db(s, rc, "preparing a statement");
    sqlite3_finalize(s->stmts[id]);
    s->stmts[id] = NULL;
    return NULL;
  }
  return s->stmts[id];
}

void sq_done(sqlite3_stmt *st) {
  if (st == NULL)
    return;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

void sq_stmts_free(struct sq_store *s) {
  size_t i;

  for (i = 0; i < SQ_STMT_COUNT; i++) {
    sqlite3_finalize(s->stmts[i]);
    s->stmts[i] = NULL;
  }
}

int sq_exec(struct sq_store *s, const char *sql) {
  int rc;

  rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return sq_fail_db(s, rc, "executing SQL");
  return 1;
}

int sq_bind_bytes(sqlite3_stmt *st, int idx, const uint8_t *p, size_t len) {
  if (len == 0)
    return sqlite3_bind_zeroblob(st, idx, 0);
  return sqlite3_bind_blob64(st, idx, p, (sqlite3_uint64)len, SQLITE_STATIC);
}

int sq_bind_view(sqlite3_stmt *st, int idx, const struct gkdc_bytes *b) {
  return sq_bind_bytes(st, idx, b->ptr, b->len);
}

int sq_bind_text(sqlite3_stmt *st, int idx, const char *text) {
  if (text == NULL)
    return sqlite3_bind_null(st, idx);
  return sqlite3_bind_text(st, idx, text, -1, SQLITE_STATIC);
}

int sq_bind_u64(sqlite3_stmt *st, int idx, uint64_t v) {
  return sqlite3_bind_int64(st, idx, (sqlite3_int64)v);
}

uint64_t sq_col_u64(sqlite3_stmt *st, int col) {
  return (uint64_t)sqlite3_column_int64(st, col);
}

int sq_step(struct sq_store *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    sq_fail_db(s, rc, what);
  return rc;
}

/* ---- per-operation savepoints ---- */

int sq_op_begin(struct sq_store *s) {
  s->err = GKDC_STORE_OK;
  s->detail[0] = '\0';

  if (s->in_txn)
    return sq_exec(s, "SAVEPOINT gkdc_op");
  return sq_exec(s, "BEGIN IMMEDIATE");
}

int sq_op_end(struct sq_store *s, int ok) {
  if (ok) {
    if (s->in_txn)
      return sq_exec(s, "RELEASE gkdc_op");
    if (sq_exec(s, "COMMIT"))
      return 1;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return 0;
  }

  if (!s->in_txn) {
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return 0;
  }

  /* Some errors (I/O, disk full) make SQLite roll back the whole
   * transaction; the caller's begin() transaction is then gone. */
  if (sqlite3_get_autocommit(s->db)) {
    s->in_txn = 0;
    sq_log(s, GKDC_LOG_ERR, "%s: the database rolled back the transaction: %s",
           s->path, s->detail);
    return 0;
  }
  sqlite3_exec(s->db, "ROLLBACK TO gkdc_op; RELEASE gkdc_op", NULL, NULL, NULL);
  return 0;
}

void sq_op_read(struct sq_store *s) {
  s->err = GKDC_STORE_OK;
  s->detail[0] = '\0';
}

/* ---- records ---- */

/* Every record starts after this header, which keeps the allocation size
 * for the wipe in sq_rec_free(). */
union sq_rec_header {
  size_t total;
  max_align_t align;
};

void *sq_rec_new(struct sq_store *s, sqlite3_stmt *st, size_t struct_size,
                 struct sq_rec *rec) {
  union sq_rec_header *h;
  size_t extra = 0;
  size_t total;
  int n = sqlite3_column_count(st);
  int i;
  uint8_t *record;

  for (i = 0; i < n; i++) {
    int type = sqlite3_column_type(st, i);

    if (type == SQLITE_BLOB || type == SQLITE_TEXT)
      extra += (size_t)sqlite3_column_bytes(st, i) + 1;
  }

  total = sizeof(*h) + struct_size + extra;
  h = calloc(1, total);
  if (h == NULL) {
    sq_fail(s, GKDC_STORE_E_NOMEM, "out of memory for a record of %zu bytes",
            total);
    return NULL;
  }

  h->total = total;
  record = (uint8_t *)(h + 1);
  *(uint32_t *)record = (uint32_t)struct_size;
  rec->cursor = record + struct_size;
  rec->end = (uint8_t *)h + total;
  return record;
}

void sq_rec_bytes(struct sq_rec *rec, sqlite3_stmt *st, int col,
                  struct gkdc_bytes *out) {
  const void *p = sqlite3_column_blob(st, col);
  size_t len = (size_t)sqlite3_column_bytes(st, col);

  out->ptr = rec->cursor;
  out->len = 0;
  if (p == NULL || len == 0 || len > (size_t)(rec->end - rec->cursor))
    return;

  memcpy(rec->cursor, p, len);
  out->len = len;
  rec->cursor += len;
}

void sq_rec_text(struct sq_rec *rec, sqlite3_stmt *st, int col, const char **out) {
  const unsigned char *p;
  size_t len;

  *out = NULL;
  if (sqlite3_column_type(st, col) == SQLITE_NULL)
    return;

  p = sqlite3_column_text(st, col);
  len = (size_t)sqlite3_column_bytes(st, col);
  if (p == NULL || len + 1 > (size_t)(rec->end - rec->cursor))
    return;

  memcpy(rec->cursor, p, len);
  rec->cursor[len] = '\0';
  *out = (const char *)rec->cursor;
  rec->cursor += len + 1;
}

void sq_rec_free(void *record) {
  union sq_rec_header *h;
  volatile uint8_t *p;
  size_t i;

  if (record == NULL)
    return;

  h = (union sq_rec_header *)record - 1;
  p = (volatile uint8_t *)h;
  for (i = sizeof(*h); i < h->total; i++)
    p[i] = 0;
  free(h);
}

int sq_list_push(struct sq_store *s, struct sq_list *l, void *record) {
  if (l->count == l->cap) {
    size_t cap = l->cap == 0 ? 16 : l->cap * 2;
    void **items = realloc(l->items, cap * sizeof(*items));

    if (items == NULL) {
      sq_rec_free(record);
      return sq_fail(s, GKDC_STORE_E_NOMEM, "out of memory for a list of %zu records",
                     cap);
    }
    l->items = items;
    l->cap = cap;
  }

  l->items[l->count++] = record;
  return 1;
}

void sq_list_clear(struct sq_list *l) {
  size_t i;

  for (i = 0; i < l->count; i++)
    sq_rec_free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->count = 0;
  l->cap = 0;
}

/* ---- common statement shapes ---- */

int sq_fetch_one(struct sq_store *s, sqlite3_stmt *q, const char *what,
                 sq_row_reader read, void **out) {
  int rc = sq_step(s, q, "reading a record");
  int ok = 0;

  *out = NULL;
  if (rc == SQLITE_ROW) {
    *out = read(s, q);
    ok = *out != NULL;
  } else if (rc == SQLITE_DONE) {
    sq_fail(s, GKDC_STORE_E_NOT_FOUND, "%s not found", what);
  }
  sq_done(q);
  return ok;
}

int sq_visit_rows(struct sq_store *s, sqlite3_stmt *q, const char *what,
                  sq_row_reader read, int (*call)(void *ctx, const void *record),
                  void *ctx) {
  struct sq_list all = {0};
  size_t i;
  int rc;
  int ok = 0;

  /* All rows are read first so that a visitor may call the store. */
  while ((rc = sq_step(s, q, what)) == SQLITE_ROW) {
    void *record = read(s, q);

    if (record == NULL || !sq_list_push(s, &all, record)) {
      rc = SQLITE_ERROR;
      break;
    }
  }
  sq_done(q);
  if (rc != SQLITE_DONE)
    goto out;

  for (i = 0; i < all.count; i++) {
    if (!call(ctx, all.items[i]))
      break;
  }
  ok = 1;

out:
  sq_list_clear(&all);
  return ok;
}

int sq_change_one(struct sq_store *s, sqlite3_stmt *q, const char *what) {
  int rc = sq_step(s, q, "changing a record");

  sq_done(q);
  if (rc != SQLITE_DONE)
    return 0;
  if (sqlite3_changes(s->db) == 0)
    return sq_fail(s, GKDC_STORE_E_NOT_FOUND, "%s not found", what);
  return 1;
}
