/*
 * Counters, access tokens and cti sequence-number bookkeeping.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_store.h"

/* ---- counters ---- */

/* Reads a counter's next value (0 for a counter never used). */
static int counter_read(struct sq_store *s, const char *name, uint64_t *value) {
  sqlite3_stmt *st = sq_stmt(s, SQ_COUNTER_GET);
  int rc;

  if (st == NULL)
    return 0;
  sq_bind_text(st, 1, name);
  rc = sq_step(s, st, "reading a counter");
  if (rc == SQLITE_ROW)
    *value = sq_col_u64(st, 0);
  else if (rc == SQLITE_DONE)
    *value = 0;
  sq_done(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static int counter_write(struct sq_store *s, const char *name, uint64_t value) {
  sqlite3_stmt *st = sq_stmt(s, SQ_COUNTER_SET);
  int rc;

  if (st == NULL)
    return 0;
  sq_bind_text(st, 1, name);
  sq_bind_u64(st, 2, value);
  rc = sq_step(s, st, "writing a counter");
  sq_done(st);
  return rc == SQLITE_DONE;
}

static int counter_name_ok(struct sq_store *s, const char *name) {
  if (name == NULL || name[0] == '\0' || strlen(name) > SQ_MAX_NAME)
    return sq_fail(s, GKDC_STORE_E_INVALID, "counter name missing or too long");
  return 1;
}

int sq_counter_next(void *st, const char *name, uint64_t *value) {
  struct sq_store *s = st;
  uint64_t v = 0;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;

  if (value == NULL) {
    sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
    goto out;
  }
  if (!counter_name_ok(s, name))
    goto out;
  if (!counter_read(s, name, &v))
    goto out;
  if (v == UINT64_MAX) {
    sq_fail(s, GKDC_STORE_E_EXHAUSTED, "counter '%s' is exhausted", name);
    goto out;
  }
  if (!counter_write(s, name, v + 1))
    goto out;
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok)
    *value = v;
  return ok;
}

int sq_counter_get(void *st, const char *name, uint64_t *value) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (value == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  if (!counter_name_ok(s, name))
    return 0;
  return counter_read(s, name, value);
}

int sq_counter_raise(void *st, const char *name, uint64_t min_next) {
  struct sq_store *s = st;
  uint64_t v = 0;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;

  if (!counter_name_ok(s, name))
    goto out;
  if (!counter_read(s, name, &v))
    goto out;
  if (v >= min_next) {
    ok = 1;
    goto out;
  }
  ok = counter_write(s, name, min_next);

out:
  return sq_op_end(s, ok);
}

/* ---- tokens ---- */

static int id_ok(struct sq_store *s, const uint8_t *id, size_t len, const char *what) {
  if (id == NULL || len == 0 || len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s must be 1 to %d bytes, not %zu",
                   what, SQ_MAX_ID, id == NULL ? (size_t)0 : len);
  return 1;
}

static int view_ok(struct sq_store *s, const struct gkdc_bytes *b, size_t max,
                   const char *what) {
  if (b->len > 0 && b->ptr == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s has a length but no bytes", what);
  if (b->len > max)
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s is %zu bytes, more than %zu", what,
                   b->len, max);
  return 1;
}

static int token_ok(struct sq_store *s, const struct gkdc_store_token *t) {
  if (t == NULL || t->size < sizeof(*t))
    return sq_fail(s, GKDC_STORE_E_INVALID, "token record missing or too short");
  if (!id_ok(s, t->token_id.ptr, t->token_id.len, "token_id"))
    return 0;
  if (t->ace_profile == NULL || t->ace_profile[0] == '\0')
    return sq_fail(s, GKDC_STORE_E_INVALID, "token ace_profile missing");
  if (t->exp < 0 || t->exi < 0)
    return sq_fail(s, GKDC_STORE_E_INVALID, "token exp or exi negative");
  return view_ok(s, &t->scope, SQ_MAX_BLOB, "token scope") &&
         view_ok(s, &t->raw, SQ_MAX_BLOB, "token raw") &&
         view_ok(s, &t->claims, SQ_MAX_BLOB, "token claims") &&
         view_ok(s, &t->cnf_kid, SQ_MAX_ID, "token cnf_kid") &&
         view_ok(s, &t->cti_issuer, SQ_MAX_ID, "token cti_issuer") &&
         view_ok(s, &t->kdcchallenge, SQ_MAX_ID, "token kdcchallenge") &&
         view_ok(s, &t->profile_data, SQ_MAX_BLOB, "token profile_data");
}

/* The earlier of exp and received + exi; 0 when neither is set. */
static int64_t token_expiry(int64_t exp, int64_t exi, int64_t received) {
  int64_t at = exp > 0 ? exp : 0;

  if (exi > 0) {
    int64_t by_exi = received > INT64_MAX - exi ? INT64_MAX : received + exi;

    if (at == 0 || by_exi < at)
      at = by_exi;
  }
  return at;
}

int sq_token_put(void *st, const struct gkdc_store_token *t) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int64_t received;
  int rc;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!token_ok(s, t))
    goto out;

  /* A token stored again keeps its first receipt time. */
  received = t->received;
  q = sq_stmt(s, SQ_TOKEN_RECEIVED);
  if (q == NULL)
    goto out;
  sq_bind_view(q, 1, &t->token_id);
  rc = sq_step(s, q, "reading a token");
  if (rc == SQLITE_ROW)
    received = sqlite3_column_int64(q, 0);
  sq_done(q);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    goto out;

  q = sq_stmt(s, SQ_TOKEN_UPSERT);
  if (q == NULL)
    goto out;
  sq_bind_view(q, 1, &t->token_id);
  sqlite3_bind_int64(q, 2, t->flags);
  sq_bind_text(q, 3, t->ace_profile);
  sq_bind_text(q, 4, t->audience);
  sq_bind_view(q, 5, &t->scope);
  sq_bind_view(q, 6, &t->raw);
  sq_bind_view(q, 7, &t->claims);
  sq_bind_view(q, 8, &t->cnf_kid);
  sqlite3_bind_int64(q, 9, t->exp);
  sqlite3_bind_int64(q, 10, t->exi);
  sqlite3_bind_int64(q, 11, received);
  sqlite3_bind_int64(q, 12, token_expiry(t->exp, t->exi, received));
  sq_bind_view(q, 13, &t->cti_issuer);
  if (t->flags & GKDC_STORE_TOKEN_HAS_CTI_SEQ)
    sq_bind_u64(q, 14, t->cti_seq);
  else
    sqlite3_bind_null(q, 14);
  sq_bind_view(q, 15, &t->kdcchallenge);
  sq_bind_view(q, 16, &t->profile_data);
  rc = sq_step(s, q, "storing a token");
  sq_done(q);
  ok = rc == SQLITE_DONE;

out:
  return sq_op_end(s, ok);
}

/* Builds a token record from the current row of a TOKEN_COLUMNS select. */
static void *token_from_row(struct sq_store *s, sqlite3_stmt *q) {
  struct sq_rec rec;
  struct gkdc_store_token *t = sq_rec_new(s, q, sizeof(*t), &rec);

  if (t == NULL)
    return NULL;

  sq_rec_bytes(&rec, q, 0, &t->token_id);
  t->flags = (uint32_t)sqlite3_column_int64(q, 1);
  sq_rec_text(&rec, q, 2, &t->ace_profile);
  sq_rec_text(&rec, q, 3, &t->audience);
  sq_rec_bytes(&rec, q, 4, &t->scope);
  sq_rec_bytes(&rec, q, 5, &t->raw);
  sq_rec_bytes(&rec, q, 6, &t->claims);
  sq_rec_bytes(&rec, q, 7, &t->cnf_kid);
  t->exp = sqlite3_column_int64(q, 8);
  t->exi = sqlite3_column_int64(q, 9);
  t->received = sqlite3_column_int64(q, 10);
  t->expires_at = sqlite3_column_int64(q, 11);
  sq_rec_bytes(&rec, q, 12, &t->cti_issuer);
  if (sqlite3_column_type(q, 13) != SQLITE_NULL) {
    t->cti_seq = sq_col_u64(q, 13);
    t->flags |= GKDC_STORE_TOKEN_HAS_CTI_SEQ;
  } else {
    t->flags &= ~(uint32_t)GKDC_STORE_TOKEN_HAS_CTI_SEQ;
  }
  sq_rec_bytes(&rec, q, 14, &t->kdcchallenge);
  sq_rec_bytes(&rec, q, 15, &t->profile_data);
  return t;
}

int sq_token_get(void *st, const uint8_t *id, size_t id_len,
                 struct gkdc_store_token **out) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  void *record = NULL;
  int ok;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!id_ok(s, id, id_len, "token_id"))
    return 0;

  q = sq_stmt(s, SQ_TOKEN_GET);
  if (q == NULL)
    return 0;
  sq_bind_bytes(q, 1, id, id_len);
  ok = sq_fetch_one(s, q, "token", token_from_row, &record);
  *out = record;
  return ok;
}

int sq_token_set_kdcchallenge(void *st, const uint8_t *id, size_t id_len,
                              const uint8_t *n_s, size_t len) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!id_ok(s, id, id_len, "token_id"))
    goto out;
  if (len > SQ_MAX_ID || (len > 0 && n_s == NULL)) {
    sq_fail(s, GKDC_STORE_E_INVALID, "kdcchallenge must be 0 to %d bytes", SQ_MAX_ID);
    goto out;
  }

  q = sq_stmt(s, SQ_TOKEN_SET_CHALLENGE);
  if (q == NULL)
    goto out;
  sq_bind_bytes(q, 1, id, id_len);
  sq_bind_bytes(q, 2, n_s, len);
  ok = sq_change_one(s, q, "token");

out:
  return sq_op_end(s, ok);
}

int sq_token_delete(void *st, const uint8_t *id, size_t id_len) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!id_ok(s, id, id_len, "token_id"))
    goto out;

  q = sq_stmt(s, SQ_TOKEN_DELETE);
  if (q == NULL)
    goto out;
  sq_bind_bytes(q, 1, id, id_len);
  ok = sq_change_one(s, q, "token");

out:
  return sq_op_end(s, ok);
}

/* ---- cti bookkeeping ---- */

/* Reads an issuer's bookkeeping; a missing row yields zero with flags 0 and
 * *found 0. */
static int cti_read(struct sq_store *s, const uint8_t *issuer, size_t len,
                    struct gkdc_store_cti *out, int *found) {
  sqlite3_stmt *q = sq_stmt(s, SQ_CTI_GET);
  int rc;

  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  *found = 0;
  if (q == NULL)
    return 0;

  sq_bind_bytes(q, 1, issuer, len);
  rc = sq_step(s, q, "reading cti bookkeeping");
  if (rc == SQLITE_ROW) {
    out->flags = (uint32_t)sqlite3_column_int64(q, 0);
    out->max_seq = sq_col_u64(q, 1);
    out->window = sq_col_u64(q, 2);
    out->max_expired = sq_col_u64(q, 3);
    *found = 1;
  }
  sq_done(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static int cti_write(struct sq_store *s, const uint8_t *issuer, size_t len,
                     const struct gkdc_store_cti *in) {
  sqlite3_stmt *q = sq_stmt(s, SQ_CTI_SET);
  int rc;

  if (q == NULL)
    return 0;
  sq_bind_bytes(q, 1, issuer, len);
  sqlite3_bind_int64(q, 2, in->flags);
  sq_bind_u64(q, 3, in->max_seq);
  sq_bind_u64(q, 4, in->window);
  sq_bind_u64(q, 5, in->max_expired);
  rc = sq_step(s, q, "storing cti bookkeeping");
  sq_done(q);
  return rc == SQLITE_DONE;
}

int sq_cti_get(void *st, const uint8_t *issuer, size_t issuer_len,
               struct gkdc_store_cti *out) {
  struct sq_store *s = st;
  struct gkdc_store_cti tmp;
  int found = 0;

  sq_op_read(s);
  if (out == NULL || out->size < sizeof(*out))
    return sq_fail(s, GKDC_STORE_E_INVALID, "cti record missing or too short");
  if (!id_ok(s, issuer, issuer_len, "cti issuer"))
    return 0;
  if (!cti_read(s, issuer, issuer_len, &tmp, &found))
    return 0;
  if (!found)
    return sq_fail(s, GKDC_STORE_E_NOT_FOUND, "no cti bookkeeping for that issuer");
  *out = tmp;
  return 1;
}

int sq_cti_put(void *st, const uint8_t *issuer, size_t issuer_len,
               const struct gkdc_store_cti *in) {
  struct sq_store *s = st;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (in == NULL || in->size < sizeof(*in)) {
    sq_fail(s, GKDC_STORE_E_INVALID, "cti record missing or too short");
    goto out;
  }
  if (!id_ok(s, issuer, issuer_len, "cti issuer"))
    goto out;
  ok = cti_write(s, issuer, issuer_len, in);

out:
  return sq_op_end(s, ok);
}

/* Applies the sliding-window check of sequence number `seq` to *c and
 * records it when fresh. Returns an enum gkdc_store_cti_result. */
static int cti_check(struct gkdc_store_cti *c, uint64_t seq) {
  uint64_t diff;

  if ((c->flags & GKDC_STORE_CTI_EXPIRED) && seq <= c->max_expired)
    return GKDC_STORE_CTI_IS_EXPIRED;

  if (!(c->flags & GKDC_STORE_CTI_SEEN)) {
    c->flags |= GKDC_STORE_CTI_SEEN;
    c->max_seq = seq;
    c->window = 1;
    return GKDC_STORE_CTI_ACCEPTED;
  }

  if (seq > c->max_seq) {
    diff = seq - c->max_seq;
    c->window = diff >= 64 ? 0 : c->window << diff;
    c->window |= 1;
    c->max_seq = seq;
    return GKDC_STORE_CTI_ACCEPTED;
  }

  diff = c->max_seq - seq;
  if (diff >= 64)
    return GKDC_STORE_CTI_TOO_OLD;
  if (c->window & ((uint64_t)1 << diff))
    return GKDC_STORE_CTI_REPLAYED;
  c->window |= (uint64_t)1 << diff;
  return GKDC_STORE_CTI_ACCEPTED;
}

int sq_cti_accept(void *st, const uint8_t *issuer, size_t issuer_len,
                  uint64_t seq, int *result) {
  struct sq_store *s = st;
  struct gkdc_store_cti c;
  int found = 0;
  int verdict = GKDC_STORE_CTI_ACCEPTED;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (result == NULL) {
    sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
    goto out;
  }
  if (!id_ok(s, issuer, issuer_len, "cti issuer"))
    goto out;
  if (!cti_read(s, issuer, issuer_len, &c, &found))
    goto out;

  verdict = cti_check(&c, seq);
  if (verdict == GKDC_STORE_CTI_ACCEPTED && !cti_write(s, issuer, issuer_len, &c))
    goto out;
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok)
    *result = verdict;
  return ok;
}

/* ---- expiry ---- */

/* Raises an issuer's max_expired to at least `seq`. */
static int cti_mark_expired(struct sq_store *s, const struct gkdc_bytes *issuer,
                            uint64_t seq) {
  struct gkdc_store_cti c;
  int found = 0;

  if (!cti_read(s, issuer->ptr, issuer->len, &c, &found))
    return 0;
  if ((c.flags & GKDC_STORE_CTI_EXPIRED) && c.max_expired >= seq)
    return 1;
  c.flags |= GKDC_STORE_CTI_EXPIRED;
  c.max_expired = seq;
  return cti_write(s, issuer->ptr, issuer->len, &c);
}

/* One (issuer, seq) pair of an expired token, copied out of the row. */
struct expired_cti {
  uint32_t size;
  struct gkdc_bytes issuer;
  uint64_t seq;
};

static void *expired_from_row(struct sq_store *s, sqlite3_stmt *q) {
  struct sq_rec rec;
  struct expired_cti *e = sq_rec_new(s, q, sizeof(*e), &rec);

  if (e == NULL)
    return NULL;
  sq_rec_bytes(&rec, q, 0, &e->issuer);
  e->seq = sq_col_u64(q, 1);
  return e;
}

struct expire_ctx {
  struct sq_store *s;
  int failed;
};

static int expire_one(void *ctx, const void *record) {
  struct expire_ctx *c = ctx;
  const struct expired_cti *e = record;

  if (e->issuer.len == 0)
    return 1;
  if (!cti_mark_expired(c->s, &e->issuer, e->seq)) {
    c->failed = 1;
    return 0;
  }
  return 1;
}

int sq_token_purge_expired(void *st, int64_t now, uint64_t *count) {
  struct sq_store *s = st;
  struct expire_ctx ctx = {s, 0};
  sqlite3_stmt *q;
  int rc;
  int ok = 0;
  uint64_t deleted = 0;

  if (!sq_op_begin(s))
    return 0;

  /* Raise max_expired of the issuers before their tokens go. */
  q = sq_stmt(s, SQ_TOKEN_EXPIRED_CTI);
  if (q == NULL)
    goto out;
  sqlite3_bind_int64(q, 1, now);
  if (!sq_visit_rows(s, q, "listing expired tokens", expired_from_row, expire_one,
                     &ctx) ||
      ctx.failed)
    goto out;

  q = sq_stmt(s, SQ_TOKEN_DELETE_EXPIRED);
  if (q == NULL)
    goto out;
  sqlite3_bind_int64(q, 1, now);
  rc = sq_step(s, q, "deleting expired tokens");
  sq_done(q);
  if (rc != SQLITE_DONE)
    goto out;
  deleted = (uint64_t)sqlite3_changes(s->db);
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok && count != NULL)
    *count = deleted;
  return ok;
}

struct token_visit {
  gkdc_store_token_fn fn;
  void *arg;
};

static int call_token(void *ctx, const void *record) {
  struct token_visit *v = ctx;

  return v->fn(v->arg, record);
}

int sq_token_list(void *st, gkdc_store_token_fn fn, void *arg) {
  struct sq_store *s = st;
  struct token_visit v = {fn, arg};
  sqlite3_stmt *q;

  sq_op_read(s);
  if (fn == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "token_list without a visitor");

  q = sq_stmt(s, SQ_TOKEN_LIST);
  if (q == NULL)
    return 0;
  return sq_visit_rows(s, q, "listing tokens", token_from_row, call_token, &v);
}
