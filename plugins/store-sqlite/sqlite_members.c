/*
 * Group members.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_store.h"

static int text_ok(struct sq_store *s, const char *text, const char *what) {
  if (text == NULL || text[0] == '\0' || strlen(text) > SQ_MAX_NAME)
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s missing or longer than %d bytes",
                   what, SQ_MAX_NAME);
  return 1;
}

static int view_ok(struct sq_store *s, const struct gkdc_bytes *b, size_t max,
                   const char *what) {
  if (b->len > max || (b->len > 0 && b->ptr == NULL))
    return sq_fail(s, GKDC_STORE_E_INVALID, "%s invalid or longer than %zu bytes",
                   what, max);
  return 1;
}

static int member_ok(struct sq_store *s, const struct gkdc_store_member *m) {
  if (m == NULL || m->size < sizeof(*m))
    return sq_fail(s, GKDC_STORE_E_INVALID, "member record missing or too short");
  if (!text_ok(s, m->group, "group name") || !text_ok(s, m->node_name, "node name"))
    return 0;
  if (m->token_id.len == 0)
    return sq_fail(s, GKDC_STORE_E_INVALID, "member without token_id");
  if (m->has_sender_id && m->sender_id.len > GKDC_STORE_SID_MAX)
    return sq_fail(s, GKDC_STORE_E_INVALID, "Sender ID longer than %d bytes",
                   GKDC_STORE_SID_MAX);
  if (m->control_uri != NULL && strlen(m->control_uri) > SQ_MAX_BLOB)
    return sq_fail(s, GKDC_STORE_E_INVALID, "control_uri too long");
  return view_ok(s, &m->token_id, SQ_MAX_ID, "token_id") &&
         view_ok(s, &m->sender_id, GKDC_STORE_SID_MAX, "sender_id") &&
         view_ok(s, &m->cred, SQ_MAX_BLOB, "cred") &&
         view_ok(s, &m->birth_gid, SQ_MAX_ID, "birth_gid") &&
         view_ok(s, &m->clientchallenge, SQ_MAX_ID, "clientchallenge") &&
         view_ok(s, &m->join_scope, SQ_MAX_BLOB, "join_scope");
}

/* Checks that a member's Sender ID was obtained under the current Gid and
 * that no other member has it or the same token. */
static int member_refs_ok(struct sq_store *s, const struct gkdc_store_member *m) {
  struct sq_group_state gs;
  sqlite3_stmt *q;
  int rc;

  if (!sq_group_state_get(s, m->group, &gs))
    return 0;

  if (m->has_sender_id) {
    q = sq_stmt(s, SQ_SID_USED);
    if (q == NULL)
      return 0;
    sq_bind_text(q, 1, m->group);
    sq_bind_bytes(q, 2, gs.gid, gs.gid_len);
    sq_bind_view(q, 3, &m->sender_id);
    rc = sq_step(s, q, "looking up a Sender ID");
    sq_done(q);
    if (rc == SQLITE_DONE)
      return sq_fail(s, GKDC_STORE_E_INVALID,
                     "the member's Sender ID was not allocated under the current Gid");
    if (rc != SQLITE_ROW)
      return 0;
  }

  q = sq_stmt(s, SQ_MEMBER_CONFLICT);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, m->group);
  sq_bind_text(q, 2, m->node_name);
  sq_bind_view(q, 3, &m->token_id);
  if (m->has_sender_id)
    sq_bind_view(q, 4, &m->sender_id);
  else
    sqlite3_bind_null(q, 4);
  rc = sq_step(s, q, "checking member conflicts");
  sq_done(q);
  if (rc == SQLITE_ROW)
    return sq_fail(s, GKDC_STORE_E_EXISTS,
                   "another member of group '%s' has that Sender ID or token", m->group);
  return rc == SQLITE_DONE;
}

int sq_member_put(void *st, const struct gkdc_store_member *m) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int64_t now;
  int64_t joined;
  int rc;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!member_ok(s, m) || !member_refs_ok(s, m))
    goto out;

  /* A replaced member keeps its first join time. */
  now = sq_now(s);
  joined = m->joined != 0 ? m->joined : now;
  q = sq_stmt(s, SQ_MEMBER_JOINED);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, m->group);
  sq_bind_text(q, 2, m->node_name);
  rc = sq_step(s, q, "reading a member");
  if (rc == SQLITE_ROW)
    joined = sqlite3_column_int64(q, 0);
  sq_done(q);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    goto out;

  q = sq_stmt(s, SQ_MEMBER_UPSERT);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, m->group);
  sq_bind_text(q, 2, m->node_name);
  sqlite3_bind_int64(q, 3, m->flags);
  sq_bind_view(q, 4, &m->token_id);
  sqlite3_bind_int64(q, 5, m->roles);
  if (m->has_sender_id)
    sq_bind_view(q, 6, &m->sender_id);
  else
    sqlite3_bind_null(q, 6);
  sq_bind_view(q, 7, &m->cred);
  sqlite3_bind_int64(q, 8, m->cred_fmt);
  sq_bind_text(q, 9, m->control_uri);
  sqlite3_bind_int64(q, 10, joined);
  sqlite3_bind_int64(q, 11, m->updated != 0 ? m->updated : now);
  sq_bind_view(q, 12, &m->birth_gid);
  sq_bind_view(q, 13, &m->clientchallenge);
  sq_bind_view(q, 14, &m->join_scope);
  rc = sq_step(s, q, "storing a member");
  sq_done(q);
  ok = rc == SQLITE_DONE;

out:
  return sq_op_end(s, ok);
}

/* Builds a member record from the current row of a MEMBER_COLUMNS select. */
static void *member_from_row(struct sq_store *s, sqlite3_stmt *q) {
  struct sq_rec rec;
  struct gkdc_store_member *m = sq_rec_new(s, q, sizeof(*m), &rec);

  if (m == NULL)
    return NULL;

  sq_rec_text(&rec, q, 0, &m->group);
  sq_rec_text(&rec, q, 1, &m->node_name);
  m->flags = (uint32_t)sqlite3_column_int64(q, 2);
  sq_rec_bytes(&rec, q, 3, &m->token_id);
  m->roles = (uint32_t)sqlite3_column_int64(q, 4);
  m->has_sender_id = sqlite3_column_type(q, 5) != SQLITE_NULL;
  sq_rec_bytes(&rec, q, 5, &m->sender_id);
  sq_rec_bytes(&rec, q, 6, &m->cred);
  m->cred_fmt = sqlite3_column_int64(q, 7);
  sq_rec_text(&rec, q, 8, &m->control_uri);
  m->joined = sqlite3_column_int64(q, 9);
  m->updated = sqlite3_column_int64(q, 10);
  sq_rec_bytes(&rec, q, 11, &m->birth_gid);
  sq_rec_bytes(&rec, q, 12, &m->clientchallenge);
  sq_rec_bytes(&rec, q, 13, &m->join_scope);
  return m;
}

/* Reads one member with a lookup whose parameters are bound. */
static int member_fetch(struct sq_store *s, sqlite3_stmt *q,
                        struct gkdc_store_member **out) {
  void *record = NULL;
  int ok = sq_fetch_one(s, q, "member", member_from_row, &record);

  *out = record;
  return ok;
}

int sq_member_get(void *st, const char *group, const char *node,
                  struct gkdc_store_member **out) {
  struct sq_store *s = st;
  sqlite3_stmt *q;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!text_ok(s, group, "group name") || !text_ok(s, node, "node name"))
    return 0;

  q = sq_stmt(s, SQ_MEMBER_GET);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  sq_bind_text(q, 2, node);
  return member_fetch(s, q, out);
}

/* Looks a member up by a byte-string column (token id or Sender ID) with
 * the statement `id`, whose parameters are (group, bytes). */
static int member_get_by_bytes(struct sq_store *s, enum sq_stmt_id id,
                               const char *group, const uint8_t *key,
                               size_t key_len, struct gkdc_store_member **out) {
  sqlite3_stmt *q = sq_stmt(s, id);

  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  sq_bind_bytes(q, 2, key, key_len);
  return member_fetch(s, q, out);
}

int sq_member_get_by_token(void *st, const char *group, const uint8_t *id,
                           size_t id_len, struct gkdc_store_member **out) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!text_ok(s, group, "group name"))
    return 0;
  if (id == NULL || id_len == 0 || id_len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "token_id must be 1 to %d bytes", SQ_MAX_ID);
  return member_get_by_bytes(s, SQ_MEMBER_GET_BY_TOKEN, group, id, id_len, out);
}

int sq_member_get_by_sid(void *st, const char *group, const uint8_t *sid,
                         size_t sid_len, struct gkdc_store_member **out) {
  struct sq_store *s = st;

  sq_op_read(s);
  if (out == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "no output pointer");
  *out = NULL;
  if (!text_ok(s, group, "group name"))
    return 0;
  if ((sid == NULL && sid_len > 0) || sid_len > GKDC_STORE_SID_MAX)
    return sq_fail(s, GKDC_STORE_E_INVALID, "Sender ID must be 0 to %d bytes",
                   GKDC_STORE_SID_MAX);
  return member_get_by_bytes(s, SQ_MEMBER_GET_BY_SID, group, sid, sid_len, out);
}

struct member_visit {
  gkdc_store_member_fn fn;
  void *arg;
};

static int call_member(void *ctx, const void *record) {
  struct member_visit *v = ctx;

  return v->fn(v->arg, record);
}

int sq_member_list(void *st, const char *group, gkdc_store_member_fn fn, void *arg) {
  struct sq_store *s = st;
  struct member_visit v = {fn, arg};
  sqlite3_stmt *q;

  sq_op_read(s);
  if (fn == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "member_list without a visitor");
  if (!text_ok(s, group, "group name"))
    return 0;

  q = sq_stmt(s, SQ_MEMBER_LIST);
  if (q == NULL)
    return 0;
  sq_bind_text(q, 1, group);
  return sq_visit_rows(s, q, "listing members", member_from_row, call_member, &v);
}

int sq_member_list_by_token(void *st, const uint8_t *id, size_t id_len,
                            gkdc_store_member_fn fn, void *arg) {
  struct sq_store *s = st;
  struct member_visit v = {fn, arg};
  sqlite3_stmt *q;

  sq_op_read(s);
  if (fn == NULL)
    return sq_fail(s, GKDC_STORE_E_INVALID, "member_list_by_token without a visitor");
  if (id == NULL || id_len == 0 || id_len > SQ_MAX_ID)
    return sq_fail(s, GKDC_STORE_E_INVALID, "token_id must be 1 to %d bytes", SQ_MAX_ID);

  q = sq_stmt(s, SQ_MEMBER_LIST_BY_TOKEN);
  if (q == NULL)
    return 0;
  sq_bind_bytes(q, 1, id, id_len);
  return sq_visit_rows(s, q, "listing members", member_from_row, call_member, &v);
}

int sq_member_delete(void *st, const char *group, const char *node) {
  struct sq_store *s = st;
  sqlite3_stmt *q;
  int ok = 0;

  if (!sq_op_begin(s))
    return 0;
  if (!text_ok(s, group, "group name") || !text_ok(s, node, "node name"))
    goto out;

  q = sq_stmt(s, SQ_MEMBER_DELETE);
  if (q == NULL)
    goto out;
  sq_bind_text(q, 1, group);
  sq_bind_text(q, 2, node);
  ok = sq_change_one(s, q, "member");

out:
  return sq_op_end(s, ok);
}
