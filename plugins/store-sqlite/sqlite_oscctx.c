/*
 * OSCORE security contexts of a transport profile, keyed by
 * (recipient_id, id_context).
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_store.h"

static int rid_ok(struct sq_store *s, const uint8_t *rid, size_t len,
                  const struct gkdc_bytes *idctx) {
  if (rid == NULL && len > 0)
    return sq_fail(s, GKDC_STORE_E_INVALID, "recipient_id has a length but no bytes");
  if (len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "recipient_id is %zu bytes, more than %d",
                   len, SQ_MAX_ID);
  if (idctx != NULL && (idctx->len > SQ_MAX_ID || (idctx->len > 0 && idctx->ptr == NULL)))
    return sq_fail(s, GKDC_STORE_E_INVALID, "id_context invalid or longer than %d bytes",
                   SQ_MAX_ID);
  return 1;
}

/* Binds the key to parameters 1..3 (recipient_id, has_id_context,
 * id_context). */
static void bind_key(sqlite3_stmt *q, const uint8_t *rid, size_t rid_len,
                     const struct gkdc_bytes *idctx) {
  sq_bind_bytes(q, 1, rid, rid_len);
  sqlite3_bind_int(q, 2, idctx != NULL);
  if (idctx != NULL)
    sq_bind_view(q, 3, idctx);
  else
    sq_bind_bytes(q, 3, NULL, 0);
}

static int ctx_ok(struct sq_store *s, const struct gkdc_store_oscctx *c) {
  const struct gkdc_bytes *views[] = {&c->token_id, &c->sender_id,
                                      &c->master_secret, &c->master_salt,
                                      &c->replay_window};
  size_t i;

  if (c->size < sizeof(*c))
    return sq_fail(s, GKDC_STORE_E_INVALID, "OSCORE context record too short");
  if (c->token_id.len == 0)
    return sq_fail(s, GKDC_STORE_E_INVALID, "OSCORE context without token_id");
  if (!rid_ok(s, c->recipient_id.ptr, c->recipient_id.len,
              c->has_id_context ? &c->id_context : NULL))
    return 0;
  for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
    if (views[i]->len > SQ_MAX_BLOB || (views[i]->len > 0 && views[i]->ptr == NULL))
      return sq_fail(s, GKDC_STORE_E_INVALID, "OSCORE context field invalid");
  }
  if (c->token_id.len > SQ_MAX_ID || c->sender_id.len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "OSCORE context id too long");
  return 1;
}

/* Reads the stored ssn_bound of a context; *found is 0 when absent. */
static int bound_read(struct sq_store *s, const uint8_t *rid, size_t rid_len,
                      const struct gkdc_bytes *idctx, uint64_t *bound, int *found) {
  sqlite3_stmt *q = sq_stmt(s, SQ_CTX_BOUND);
  int rc;

  *found = 0;
  if (q == NULL)
    return 0;
  bind_key(q, rid, rid_len, idctx);
  rc = sq_step(s, q, "reading an OSCORE context");
  if (rc == SQLITE_ROW) {
    *bound = sq_col_u64(q, 0);
    *found = 1;
  }
  sq_done(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

int sq_oscctx_put(void *st, const struct gkdc_store_oscctx *c) {
  struct sq_store *s = st;
  const struct gkdc_bytes *idctx;
  sqlite3_stmt *q;
  uint64_t bound = 0;
  int found = 0;
  int rc;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (c == NULL) {
    sq_fail(s, GKDC_STORE_E_INVALID, "OSCORE context record missing");
    goto out;
  }
  if (!ctx_ok(s, c))
    goto out;
  idctx = c->has_id_context ? &c->id_context : NULL;

  q = sq_stmt(s, SQ_TOKEN_EXISTS);
  if (q == NULL)
    goto out;
  sq_bind_view(q, 1, &c->token_id);
  rc = sq_step(s, q, "looking up a token");
  sq_done(q);
  if (rc == SQLITE_DONE)
    sq_fail(s, GKDC_STORE_E_NOT_FOUND, "the context's token is not stored");
  if (rc != SQLITE_ROW)
    goto out;

  /* A replaced context never lowers the sequence number bound. */
  if (!bound_read(s, c->recipient_id.ptr, c->recipient_id.len, idctx, &bound, &found))
    goto out;
  if (!found || c->ssn_bound > bound)
    bound = c->ssn_bound;

  q = sq_stmt(s, SQ_CTX_UPSERT);
  if (q == NULL)
    goto out;
  bind_key(q, c->recipient_id.ptr, c->recipient_id.len, idctx);
  sq_bind_view(q, 4, &c->token_id);
  sq_bind_view(q, 5, &c->sender_id);
  sq_bind_view(q, 6, &c->master_secret);
  sq_bind_view(q, 7, &c->master_salt);
  sqlite3_bind_int(q, 8, c->aead_alg);
  sqlite3_bind_int(q, 9, c->hkdf_alg);
  sq_bind_u64(q, 10, bound);
  sq_bind_view(q, 11, &c->replay_window);
  sqlite3_bind_int64(q, 12, c->created != 0 ? c->created : sq_now(s));
  rc = sq_step(s, q, "storing an OSCORE context");
  sq_done(q);
  ok = rc == SQLITE_DONE;

out:
  return sq_op_end(s, ok);
}

/* Builds a context record from the current row of a CTX_COLUMNS select. */
static void *ctx_from_row(struct sq_store *s, sqlite3_stmt *q) {
  struct sq_rec rec;
  struct gkdc_store_oscctx *c = sq_rec_new(s, q, sizeof(*c), &rec);

  if (c == NULL)
    return NULL;

  sq_rec_bytes(&rec, q, 0, &c->recipient_id);
  c->has_id_context = (uint32_t)sqlite3_column_int(q, 1);
  sq_rec_bytes(&rec, q, 2, &c->id_context);
  sq_rec_bytes(&rec, q, 3, &c->token_id);
  sq_rec_bytes(&rec, q, 4, &c->sender_id);
  sq_rec_bytes(&rec, q, 5, &c->master_secret);
  sq_rec_bytes(&rec, q, 6, &c->master_salt);
  c->aead_alg = sqlite3_column_int(q, 7);
  c->hkdf_alg = sqlite3_column_int(q, 8);
  c->ssn_bound = sq_col_u64(q, 9);
  sq_rec_bytes(&rec, q, 10, &c->replay_window);
  c->created = sqlite3_column_int64(q, 11);
  return c;
}

int sq_oscctx_get(void *st, const uint8_t *rid, size_t rid_len,
                  const struct gkdc_bytes *idctx, struct gkdc_store_oscctx **out) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  void *record = NULL;
  int ok;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!rid_ok(s, rid, rid_len, idctx))
    return 0;

  q = sq_stmt(s, SQ_CTX_GET);
  if (q == NULL)
    return 0;
  bind_key(q, rid, rid_len, idctx);
  ok = sq_fetch_one(s, q, "OSCORE context", ctx_from_row, &record);
  *out = record;
  return ok;
}

/* Runs an UPDATE or DELETE keyed by a context, with an optional blob or
 * integer as parameter 4; fails with NOT_FOUND when no row changed. */
static int ctx_change(struct sq_store *s, enum sq_stmt_id id, const uint8_t *rid,
                      size_t rid_len, const struct gkdc_bytes *idctx,
                      const struct gkdc_bytes *blob, const uint64_t *number) {
  sqlite3_stmt *q = sq_stmt(s, id);

  if (q == NULL)
    return 0;
  bind_key(q, rid, rid_len, idctx);
  if (blob != NULL)
    sq_bind_view(q, 4, blob);
  if (number != NULL)
    sq_bind_u64(q, 4, *number);
  return sq_change_one(s, q, "OSCORE context");
}

int sq_oscctx_set_ssn_bound(void *st, const uint8_t *rid, size_t rid_len,
                            const struct gkdc_bytes *idctx, uint64_t bound,
                            uint64_t *stored) {
  struct sq_store *s = st;
  uint64_t current = 0;
  int found = 0;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!rid_ok(s, rid, rid_len, idctx))
    goto out;
  if (!bound_read(s, rid, rid_len, idctx, &current, &found))
    goto out;
  if (!found) {
    sq_fail(s, GKDC_STORE_E_NOT_FOUND, "OSCORE context not found");
    goto out;
  }

  if (bound > current) {
    if (!ctx_change(s, SQ_CTX_SET_BOUND, rid, rid_len, idctx, NULL, &bound))
      goto out;
    current = bound;
  }
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok && stored != NULL)
    *stored = current;
  return ok;
}

int sq_oscctx_set_replay_window(void *st, const uint8_t *rid, size_t rid_len,
                                const struct gkdc_bytes *idctx,
                                const uint8_t *window, size_t window_len) {
  struct sq_store *s = st;
  struct gkdc_bytes w = {window, window_len};
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!rid_ok(s, rid, rid_len, idctx))
    goto out;
  if (window_len > SQ_MAX_BLOB || (window_len > 0 && window == NULL)) {
    sq_fail(s, GKDC_STORE_E_INVALID, "replay window invalid or longer than %d bytes",
            SQ_MAX_BLOB);
    goto out;
  }
  ok = ctx_change(s, SQ_CTX_SET_WINDOW, rid, rid_len, idctx, &w, NULL);

out:
  return sq_op_end(s, ok);
}

int sq_oscctx_delete(void *st, const uint8_t *rid, size_t rid_len,
                     const struct gkdc_bytes *idctx) {
  struct sq_store *s = st;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (rid_ok(s, rid, rid_len, idctx))
    ok = ctx_change(s, SQ_CTX_DELETE, rid, rid_len, idctx, NULL, NULL);
  return sq_op_end(s, ok);
}

int sq_oscctx_delete_all(void *st) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int rc;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  q = sq_stmt(s, SQ_CTX_DELETE_ALL);
  if (q != NULL) {
    rc = sq_step(s, q, "deleting all OSCORE contexts");
    sq_done(q);
    ok = rc == SQLITE_DONE;
  }
  return sq_op_end(s, ok);
}

struct ctx_visit {
  gkdc_store_oscctx_fn fn;
  void *arg;
};

static int call_ctx(void *ctx, const void *record) {
  struct ctx_visit *v = ctx;

  return v->fn(v->arg, record);
}

int sq_oscctx_list(void *st, gkdc_store_oscctx_fn fn, void *arg) {
  struct sq_store *s = st;
  struct ctx_visit v = {fn, arg};
  sqlite3_stmt *q;

  sq_op_read(s);
  if (fn == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "oscctx_list without a visitor");

  q = sq_stmt(s, SQ_CTX_LIST);
  if (q == NULL)
    return 0;
  return sq_visit_rows(s, q, "listing OSCORE contexts", ctx_from_row, call_ctx, &v);
}
