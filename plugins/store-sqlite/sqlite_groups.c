/*
 * Groups, their Gids and key versions, Sender ID allocation, and the stale
 * Sender ID sets.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_store.h"

/* Key versions and cursor values are kept below 2^63 so that they fit an
 * SQLite INTEGER and compare correctly in SQL. */
#define MAX_VERSION ((uint64_t)INT64_MAX)

static int name_ok(struct sq_store *s, const char *name, const char *what) {
  if (name == NULL || name[0] == '\0' || strlen(name) > SQ_MAX_NAME)
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s missing or longer than %d bytes",
                   what, SQ_MAX_NAME);
  return 1;
}

static int gid_ok(struct sq_store *s, const uint8_t *gid, size_t len) {
  if (gid == NULL || len == 0 || len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "Gid must be 1 to %d bytes", SQ_MAX_ID);
  return 1;
}

static int sid_ok(struct sq_store *s, const uint8_t *sid, size_t len) {
  if ((sid == NULL && len > 0) || len > GKDC_STORE_SID_MAX)
    return sq_fail(s, GKDC_STORE_E_INVALID, "Sender ID must be 0 to %d bytes, not %zu",
                   GKDC_STORE_SID_MAX, len);
  return 1;
}

static int blob_ok(struct sq_store *s, const struct gkdc_bytes *b, const char *what) {
  if (b->len > SQ_MAX_BLOB || (b->len > 0 && b->ptr == NULL))
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s invalid or longer than %d bytes",
                   what, SQ_MAX_BLOB);
  return 1;
}

/* Runs a statement expecting no row; returns 1 on SQLITE_DONE. */
static int run(struct sq_store *s, sqlite3_stmt *q, const char *what) {
  int rc = sq_step(s, q, what);

  sq_done(q);
  return rc == SQLITE_DONE;
}

/* Runs a statement and stores in *exists whether it returned a row. */
static int probe(struct sq_store *s, sqlite3_stmt *q, const char *what, int *exists) {
  int rc = sq_step(s, q, what);

  sq_done(q);
  *exists = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

int sq_group_state_get(struct sq_store *s, const char *name,
                       struct sq_group_state *out) {
  sqlite3_stmt *q = sq_stmt(s, SQ_GROUP_STATE);
  int rc;
  int ok = 0;

  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, name);
  rc = sq_step(s, q, "reading a group");
  if (rc == SQLITE_ROW) {
    const void *gid = sqlite3_column_blob(q, 0);
    size_t len = (size_t)sqlite3_column_bytes(q, 0);

    if (len <= sizeof(out->gid)) {
      memcpy(out->gid, gid, len);
      out->gid_len = len;
      out->key_version = sq_col_u64(q, 1);
      out->max_stale_sets = (uint32_t)sqlite3_column_int64(q, 2);
      out->sid_next_len = (size_t)sqlite3_column_int64(q, 3);
      out->sid_next_value = sq_col_u64(q, 4);
      ok = 1;
    } else {
      sq_fail(s, GKDC_STORE_E_IO, "stored Gid of group '%s' too long", name);
    }
  } else if (rc == SQLITE_DONE) {
    sq_fail(s, GKDC_STORE_E_NOT_FOUND, "group '%s' not found", name);
  }
  sq_done(q);
  return ok;
}

/* ---- Gids and history ---- */

static int gid_used(struct sq_store *s, const uint8_t *gid, size_t len, int *used) {
  sqlite3_stmt *q = sq_stmt(s, SQ_GID_USED);

  if (q == NULL)
    return 0;
  sq_bind_bytes(q, 1, gid, len);
  return probe(s, q, "looking up a Gid", used);
}

/* Records a Gid as used by `group`; fails with E_USED if it was. */
static int gid_record(struct sq_store *s, const char *group, const uint8_t *gid,
                      size_t len) {
  sqlite3_stmt *q;
  int used = 0;

  if (!gid_used(s, gid, len, &used))
    return 0;
  if (used)
    return sq_fail(s, GKDC_STORE_E_USED, "the Gid was used before");

  q = sq_stmt(s, SQ_GID_INSERT);
  if (q == NULL)
    return 0;
  sq_bind_bytes(q, 1, gid, len);
  sq_bind_text(q, 2, group);
  sqlite3_bind_int64(q, 3, sq_now(s));
  return run(s, q, "recording a Gid");
}

static int history_set(struct sq_store *s, const char *name, uint64_t version) {
  sqlite3_stmt *q = sq_stmt(s, SQ_HISTORY_SET);

  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, name);
  sq_bind_u64(q, 2, version);
  return run(s, q, "recording a key version");
}

/* Creates the empty stale set of `version` and drops the sets that fall out
 * of the newest `keep`. */
static int stale_sets_advance(struct sq_store *s, const char *name, uint64_t version,
                              uint32_t keep) {
  sqlite3_stmt *q = sq_stmt(s, SQ_STALE_SET_INSERT);

  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, name);
  sq_bind_u64(q, 2, version);
  if (!run(s, q, "creating a stale Sender ID set"))
    return 0;

  if (keep == 0 || version < keep)
    return 1;
  q = sq_stmt(s, SQ_STALE_SET_PRUNE);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, name);
  sq_bind_u64(q, 2, version - keep);
  return run(s, q, "dropping old stale Sender ID sets");
}

/* ---- groups ---- */

static int group_ok(struct sq_store *s, const struct gkdc_store_group *g) {
  if (g == NULL || g->size < sizeof(*g))
    return sq_fail(s, GKDC_STORE_E_INVALID, "group record missing or too short");
  if (!name_ok(s, g->name, "group name"))
    return 0;
  if (g->max_stale_sets < 1)
    return sq_fail(s, GKDC_STORE_E_INVALID, "max_stale_sets must be at least 1");
  if (g->exp < 0)
    return sq_fail(s, GKDC_STORE_E_INVALID, "group exp negative");
  return blob_ok(s, &g->sign_params, "sign_params") &&
         blob_ok(s, &g->ecdh_params, "ecdh_params") &&
         blob_ok(s, &g->config, "config") &&
         blob_ok(s, &g->config_digest, "config_digest");
}

static int secrets_ok(struct sq_store *s, const uint8_t *ms, size_t ms_len,
                      const uint8_t *salt, size_t salt_len) {
  if (ms == NULL || ms_len == 0 || ms_len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "Master Secret must be 1 to %d bytes",
                   SQ_MAX_ID);
  if ((salt == NULL && salt_len > 0) || salt_len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "Master Salt must be 0 to %d bytes",
                   SQ_MAX_ID);
  return 1;
}

/* Binds the configuration fields shared by insert and set_config, at the
 * given parameter numbers. */
static void bind_config(sqlite3_stmt *q, const struct gkdc_store_group *g, int flags,
                        int exp, int max_stale, int algs, int blobs) {
  sqlite3_bind_int64(q, flags, g->flags);
  sqlite3_bind_int64(q, exp, g->exp);
  sqlite3_bind_int64(q, max_stale, g->max_stale_sets);
  sqlite3_bind_int(q, algs, g->hkdf_alg);
  sqlite3_bind_int64(q, algs + 1, g->cred_fmt);
  sqlite3_bind_int(q, algs + 2, g->gp_enc_alg);
  sqlite3_bind_int(q, algs + 3, g->sign_alg);
  sqlite3_bind_int(q, algs + 4, g->aead_alg);
  sqlite3_bind_int(q, algs + 5, g->ecdh_alg);
  sq_bind_view(q, blobs, &g->sign_params);
  sq_bind_view(q, blobs + 1, &g->ecdh_params);
  sq_bind_view(q, blobs + 2, &g->config);
  sq_bind_view(q, blobs + 3, &g->config_digest);
}

int sq_group_create(void *st, const struct gkdc_store_group *g, uint64_t *version) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  uint64_t v = 0;
  int exists = 0;
  int rc;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!group_ok(s, g) || !gid_ok(s, g->gid.ptr, g->gid.len) ||
      !secrets_ok(s, g->master_secret.ptr, g->master_secret.len,
                  g->master_salt.ptr, g->master_salt.len))
    goto out;
  if (g->key_version > MAX_VERSION) {
    sq_fail(s, GKDC_STORE_E_INVALID, "key version too large");
    goto out;
  }

  q = sq_stmt(s, SQ_GROUP_EXISTS);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, g->name);
  if (!probe(s, q, "looking up a group", &exists))
    goto out;
  if (exists) {
    sq_fail(s, GKDC_STORE_E_EXISTS, "group '%s' exists", g->name);
    goto out;
  }

  if (!gid_record(s, g->name, g->gid.ptr, g->gid.len))
    goto out;

  /* A name used before continues after its last key version. */
  v = g->key_version;
  q = sq_stmt(s, SQ_HISTORY_GET);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, g->name);
  rc = sq_step(s, q, "reading a group's history");
  if (rc == SQLITE_ROW && sq_col_u64(q, 0) >= v)
    v = sq_col_u64(q, 0) + 1;
  sq_done(q);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    goto out;
  if (v > MAX_VERSION) {
    sq_fail(s, GKDC_STORE_E_EXHAUSTED, "no key version left for group '%s'", g->name);
    goto out;
  }

  q = sq_stmt(s, SQ_GROUP_INSERT);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, g->name);
  sq_bind_view(q, 3, &g->gid);
  sq_bind_u64(q, 4, v);
  sq_bind_view(q, 5, &g->master_secret);
  sq_bind_view(q, 6, &g->master_salt);
  bind_config(q, g, 2, 7, 8, 9, 15);
  sqlite3_bind_int64(q, 19, sq_now(s));
  if (!run(s, q, "creating a group"))
    goto out;

  if (!stale_sets_advance(s, g->name, v, g->max_stale_sets))
    goto out;
  if (!history_set(s, g->name, v))
    goto out;
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok && version != NULL)
    *version = v;
  return ok;
}

/* Builds a group record from the current row of a GROUP_COLUMNS select. */
static void *group_from_row(struct sq_store *s, sqlite3_stmt *q) {
  struct sq_rec rec;
  struct gkdc_store_group *g = sq_rec_new(s, q, sizeof(*g), &rec);

  if (g == NULL)
    return NULL;

  sq_rec_text(&rec, q, 0, &g->name);
  g->flags = (uint32_t)sqlite3_column_int64(q, 1);
  sq_rec_bytes(&rec, q, 2, &g->gid);
  g->key_version = sq_col_u64(q, 3);
  sq_rec_bytes(&rec, q, 4, &g->master_secret);
  sq_rec_bytes(&rec, q, 5, &g->master_salt);
  g->exp = sqlite3_column_int64(q, 6);
  g->max_stale_sets = (uint32_t)sqlite3_column_int64(q, 7);
  g->hkdf_alg = sqlite3_column_int(q, 8);
  g->cred_fmt = sqlite3_column_int64(q, 9);
  g->gp_enc_alg = sqlite3_column_int(q, 10);
  g->sign_alg = sqlite3_column_int(q, 11);
  g->aead_alg = sqlite3_column_int(q, 12);
  g->ecdh_alg = sqlite3_column_int(q, 13);
  sq_rec_bytes(&rec, q, 14, &g->sign_params);
  sq_rec_bytes(&rec, q, 15, &g->ecdh_params);
  sq_rec_bytes(&rec, q, 16, &g->config);
  sq_rec_bytes(&rec, q, 17, &g->config_digest);
  g->created = sqlite3_column_int64(q, 18);
  return g;
}

/* Reads one group with a prepared lookup whose parameter 1 is bound. */
static int group_fetch(struct sq_store *s, sqlite3_stmt *q,
                       struct gkdc_store_group **out) {
  void *record = NULL;
  int ok = sq_fetch_one(s, q, "group", group_from_row, &record);

  *out = record;
  return ok;
}

int sq_group_get(void *st, const char *name, struct gkdc_store_group **out) {
  struct sq_store *s = st;
  sqlite3_stmt *q;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!name_ok(s, name, "group name"))
    return 0;

  q = sq_stmt(s, SQ_GROUP_GET);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, name);
  return group_fetch(s, q, out);
}

int sq_group_get_by_gid(void *st, const uint8_t *gid, size_t gid_len,
                        struct gkdc_store_group **out) {
  struct sq_store *s = st;
  sqlite3_stmt *q;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!gid_ok(s, gid, gid_len))
    return 0;

  q = sq_stmt(s, SQ_GROUP_GET_BY_GID);
  if (q == NULL)
    return 0;
  sq_bind_bytes(q, 1, gid, gid_len);
  return group_fetch(s, q, out);
}

struct group_visit {
  gkdc_store_group_fn fn;
  void *arg;
};

static int call_group(void *ctx, const void *record) {
  struct group_visit *v = ctx;

  return v->fn(v->arg, record);
}

int sq_group_list(void *st, gkdc_store_group_fn fn, void *arg) {
  struct sq_store *s = st;
  struct group_visit v = {fn, arg};
  sqlite3_stmt *q;

  sq_op_read(s);
  if (fn == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "group_list without a visitor");

  q = sq_stmt(s, SQ_GROUP_LIST);
  if (q == NULL)
    return 0;
  return sq_visit_rows(s, q, "listing groups", group_from_row, call_group, &v);
}

int sq_group_set_config(void *st, const struct gkdc_store_group *g) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!group_ok(s, g))
    goto out;

  q = sq_stmt(s, SQ_GROUP_SET_CONFIG);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, g->name);
  bind_config(q, g, 2, 3, 4, 5, 11);
  ok = sq_change_one(s, q, "group");

out:
  return sq_op_end(s, ok);
}

int sq_group_rekey(void *st, const char *name, const uint8_t *gid, size_t gid_len,
                   const uint8_t *ms, size_t ms_len, const uint8_t *salt,
                   size_t salt_len, int64_t exp, uint64_t *version) {
  struct sq_store *s = st;
  struct sq_group_state gs;
  sqlite3_stmt *q;
  uint64_t v = 0;
  int64_t now = sq_now(s);
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!name_ok(s, name, "group name") || !gid_ok(s, gid, gid_len) ||
      !secrets_ok(s, ms, ms_len, salt, salt_len))
    goto out;
  if (exp < 0) {
    sq_fail(s, GKDC_STORE_E_INVALID, "group exp negative");
    goto out;
  }
  if (!sq_group_state_get(s, name, &gs))
    goto out;
  if (gs.key_version >= MAX_VERSION) {
    sq_fail(s, GKDC_STORE_E_EXHAUSTED, "no key version left for group '%s'", name);
    goto out;
  }
  v = gs.key_version + 1;

  if (!gid_record(s, name, gid, gid_len))
    goto out;

  q = sq_stmt(s, SQ_GROUP_REKEY);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, name);
  sq_bind_bytes(q, 2, gid, gid_len);
  sq_bind_u64(q, 3, v);
  sq_bind_bytes(q, 4, ms, ms_len);
  sq_bind_bytes(q, 5, salt, salt_len);
  sqlite3_bind_int64(q, 6, exp);
  if (!run(s, q, "rekeying a group"))
    goto out;

  /* Sender IDs of older Gids may be reused now; those the current members
   * keep are the only ones used under the new Gid so far. */
  q = sq_stmt(s, SQ_SID_DROP_GROUP);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, name);
  if (!run(s, q, "dropping old Sender IDs"))
    goto out;

  q = sq_stmt(s, SQ_SID_SEED);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, name);
  sq_bind_bytes(q, 2, gid, gid_len);
  sqlite3_bind_int64(q, 3, now);
  if (!run(s, q, "recording the members' Sender IDs"))
    goto out;

  if (!stale_sets_advance(s, name, v, gs.max_stale_sets))
    goto out;
  if (!history_set(s, name, v))
    goto out;
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok && version != NULL)
    *version = v;
  return ok;
}

int sq_group_delete(void *st, const char *name) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!name_ok(s, name, "group name"))
    goto out;

  q = sq_stmt(s, SQ_GROUP_DELETE);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, name);
  ok = sq_change_one(s, q, "group");

out:
  return sq_op_end(s, ok);
}

int sq_gid_is_used(void *st, const uint8_t *gid, size_t gid_len, int *used) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (used == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  if (!gid_ok(s, gid, gid_len))
    return 0;
  return gid_used(s, gid, gid_len, used);
}

/* ---- Sender IDs ---- */

static int sid_used(struct sq_store *s, const char *group,
                    const struct sq_group_state *gs, const uint8_t *sid,
                    size_t len, int *used) {
  sqlite3_stmt *q = sq_stmt(s, SQ_SID_USED);

  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  sq_bind_bytes(q, 2, gs->gid, gs->gid_len);
  sq_bind_bytes(q, 3, sid, len);
  return probe(s, q, "looking up a Sender ID", used);
}

static int sid_insert(struct sq_store *s, const char *group,
                      const struct sq_group_state *gs, const uint8_t *sid,
                      size_t len) {
  sqlite3_stmt *q = sq_stmt(s, SQ_SID_INSERT);

  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  sq_bind_bytes(q, 2, gs->gid, gs->gid_len);
  sq_bind_bytes(q, 3, sid, len);
  sqlite3_bind_int64(q, 4, sq_now(s));
  return run(s, q, "recording a Sender ID");
}

/* Writes `value` big-endian into `len` bytes. */
static void encode_sid(uint64_t value, size_t len, uint8_t *out) {
  size_t i;

  for (i = 0; i < len; i++)
    out[len - 1 - i] = (uint8_t)(value >> (8 * i));
}

int sq_sid_allocate(void *st, const char *group, size_t max_len, uint8_t *buf,
                    size_t cap, size_t *len) {
  struct sq_store *s = st;
  struct sq_group_state gs;
  sqlite3_stmt *q;
  uint8_t sid[GKDC_STORE_SID_MAX];
  size_t sid_len = 0;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!name_ok(s, group, "group name"))
    goto out;
  if (max_len < 1 || max_len > GKDC_STORE_SID_MAX || buf == NULL || len == NULL) {
    sq_fail(s, GKDC_STORE_E_INVALID, "max_len must be 1 to %d, with an output buffer",
            GKDC_STORE_SID_MAX);
    goto out;
  }
  if (!sq_group_state_get(s, group, &gs))
    goto out;

  /* The cursor only moves forward, so a candidate is offered at most once
   * per Gid. Candidates that sid_claim() recorded, or that members kept
   * across a rekey, are skipped. */
  for (;;) {
    int used = 0;

    if (gs.sid_next_len < 1 || gs.sid_next_len > max_len) {
      sq_fail(s, GKDC_STORE_E_EXHAUSTED,
              "no unused Sender ID of at most %zu bytes left in group '%s'",
              max_len, group);
      goto out;
    }

    sid_len = gs.sid_next_len;
    encode_sid(gs.sid_next_value, sid_len, sid);

    gs.sid_next_value++;
    if (sid_len < 8 && gs.sid_next_value >> (8 * sid_len) != 0) {
      gs.sid_next_len++;
      gs.sid_next_value = 0;
    }

    if (!sid_used(s, group, &gs, sid, sid_len, &used))
      goto out;
    if (!used)
      break;
  }

  if (cap < sid_len) {
    sq_fail(s, GKDC_STORE_E_TOO_SMALL, "Sender ID of %zu bytes does not fit %zu",
            sid_len, cap);
    goto out;
  }

  if (!sid_insert(s, group, &gs, sid, sid_len))
    goto out;

  q = sq_stmt(s, SQ_GROUP_SET_CURSOR);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, group);
  sqlite3_bind_int64(q, 2, (sqlite3_int64)gs.sid_next_len);
  sq_bind_u64(q, 3, gs.sid_next_value);
  if (!run(s, q, "advancing the Sender ID cursor"))
    goto out;
  ok = 1;

out:
  ok = sq_op_end(s, ok);
  if (ok) {
    memcpy(buf, sid, sid_len);
    *len = sid_len;
  }
  return ok;
}

int sq_sid_claim(void *st, const char *group, const uint8_t *sid, size_t sid_len) {
  struct sq_store *s = st;
  struct sq_group_state gs;
  int used = 0;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!name_ok(s, group, "group name") || !sid_ok(s, sid, sid_len))
    goto out;
  if (!sq_group_state_get(s, group, &gs))
    goto out;
  if (!sid_used(s, group, &gs, sid, sid_len, &used))
    goto out;
  if (used) {
    sq_fail(s, GKDC_STORE_E_USED, "Sender ID already used under the current Gid");
    goto out;
  }
  ok = sid_insert(s, group, &gs, sid, sid_len);

out:
  return sq_op_end(s, ok);
}

int sq_sid_is_used(void *st, const char *group, const uint8_t *sid,
                   size_t sid_len, int *used) {
  struct sq_store *s = st;
  struct sq_group_state gs;

  sq_op_read(s);
  if (used == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  if (!name_ok(s, group, "group name") || !sid_ok(s, sid, sid_len))
    return 0;
  if (!sq_group_state_get(s, group, &gs))
    return 0;
  return sid_used(s, group, &gs, sid, sid_len, used);
}

/* ---- stale Sender ID sets ---- */

int sq_stale_add(void *st, const char *group, const uint8_t *sid, size_t sid_len) {
  struct sq_store *s = st;
  struct sq_group_state gs;
  sqlite3_stmt *q;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!name_ok(s, group, "group name") || !sid_ok(s, sid, sid_len))
    goto out;
  if (!sq_group_state_get(s, group, &gs))
    goto out;

  q = sq_stmt(s, SQ_STALE_ADD);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, group);
  sq_bind_u64(q, 2, gs.key_version);
  sq_bind_bytes(q, 3, sid, sid_len);
  ok = run(s, q, "adding a stale Sender ID");

out:
  return sq_op_end(s, ok);
}

int sq_stale_range(void *st, const char *group, uint64_t *oldest, uint64_t *newest) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int rc;
  int ok = 0;

  sq_op_read(s);
  if (oldest == NULL || newest == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  if (!name_ok(s, group, "group name"))
    return 0;

  q = sq_stmt(s, SQ_STALE_RANGE);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  rc = sq_step(s, q, "reading stale Sender ID sets");
  if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
    *oldest = sq_col_u64(q, 0);
    *newest = sq_col_u64(q, 1);
    ok = 1;
  } else if (rc == SQLITE_ROW) {
    sq_fail(s, GKDC_STORE_E_NOT_FOUND, "group '%s' not found", group);
  }
  sq_done(q);
  return ok;
}

/* One stale Sender ID copied out of its row. */
struct stale_entry {
  uint32_t size;
  uint64_t version;
  struct gkdc_bytes sid;
};

static void *stale_from_row(struct sq_store *s, sqlite3_stmt *q) {
  struct sq_rec rec;
  struct stale_entry *e = sq_rec_new(s, q, sizeof(*e), &rec);

  if (e == NULL)
    return NULL;
  e->version = sq_col_u64(q, 0);
  sq_rec_bytes(&rec, q, 1, &e->sid);
  return e;
}

struct stale_visit {
  gkdc_store_sid_fn fn;
  void *arg;
};

static int call_stale(void *ctx, const void *record) {
  struct stale_visit *v = ctx;
  const struct stale_entry *e = record;

  return v->fn(v->arg, e->version, e->sid.ptr, e->sid.len);
}

int sq_stale_list(void *st, const char *group, uint64_t min_version,
                  gkdc_store_sid_fn fn, void *arg) {
  struct sq_store *s = st;
  struct stale_visit v = {fn, arg};
  struct sq_group_state gs;
  sqlite3_stmt *q;

  sq_op_read(s);
  if (fn == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "stale_list without a visitor");
  if (!name_ok(s, group, "group name"))
    return 0;
  if (!sq_group_state_get(s, group, &gs))
    return 0;
  if (min_version > MAX_VERSION)
    return 1;

  q = sq_stmt(s, SQ_STALE_LIST);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  sq_bind_u64(q, 2, min_version);
  return sq_visit_rows(s, q, "listing stale Sender IDs", stale_from_row, call_stale,
                       &v);
}
