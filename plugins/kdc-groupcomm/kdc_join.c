/*
 * kdc-groupcomm: the Join Request (POST ROOT/GROUPNAME, RFC 9594 section
 * 4.3.1) and the pieces of key distribution that other handlers share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdc_internal.h"

/* Largest get_creds filter the KDC takes. */
#define FILTER_MAX 32

/* ---- key distribution and credentials ---- */

int kdc_put_key_dist(struct kdc_ctx *c, int context,
                     const struct gkdc_ap_member *member,
                     struct gkdc_cbor_enc *e, size_t *pairs)
{
  const struct kdc_state *k = c->k;
  uint8_t key[1024];
  size_t key_len = sizeof(key);
  uint8_t extra[512];
  size_t extra_len = sizeof(extra);
  size_t extra_count = 0;
  int64_t now = kdc_now(k);

  if (!k->ap->key_write(k->ap_p.state, c->rec, context, member, key, &key_len))
    return 0;
  if (!k->ap->extra_write(k->ap_p.state, c->rec, context, member, extra,
                          &extra_len, &extra_count))
    return 0;

  gkdc_cbor_enc_put_uint(e, GKDC_GC_GKTY);
  gkdc_cbor_enc_put_int(e, k->ap->gkty);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_KEY);
  gkdc_cbor_enc_put_raw(e, key, key_len);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_NUM);
  gkdc_cbor_enc_put_uint(e, c->rec->key_version);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_ACE_GROUPCOMM_PROFILE);
  gkdc_cbor_enc_put_int(e, k->ap->groupcomm_profile);
  *pairs += 4;
  if (c->rec->exp > 0) {
    gkdc_cbor_enc_put_uint(e, GKDC_GC_EXP);
    gkdc_cbor_enc_put_uint(e, (uint64_t)c->rec->exp);
    gkdc_cbor_enc_put_uint(e, GKDC_GC_EXI);
    gkdc_cbor_enc_put_uint(e, c->rec->exp > now ? (uint64_t)(c->rec->exp - now) : 0);
    *pairs += 2;
  }
  if (extra_count > 0) {
    gkdc_cbor_enc_put_raw(e, extra, extra_len);
    *pairs += extra_count;
  }
  gkdc_wipe(key, sizeof(key));
  return 1;
}

/* One member a filter selected, copied out of the store's record. */
struct creds_entry {
  int64_t joined;
  char node_name[KDC_NAME_MAX];
  uint32_t roles;
  uint8_t sid[GKDC_STORE_SID_MAX];
  size_t sid_len;
  uint8_t *cred;
  size_t cred_len;
};

/* Collects the members a filter selects. */
struct creds_walk {
  const struct kdc_filter *f;
  struct creds_entry *v;
  size_t count;
  size_t cap;
  int failed;
};

static int id_listed(const struct kdc_filter *f, const struct gkdc_store_member *m)
{
  size_t i;

  if (!m->has_sender_id)
    return 0;
  for (i = 0; i < f->id_count; i++)
    if (f->ids[i].len == m->sender_id.len &&
        memcmp(f->ids[i].ptr, m->sender_id.ptr, m->sender_id.len) == 0)
      return 1;
  return 0;
}

static int roles_match(const struct kdc_filter *f, const struct gkdc_store_member *m)
{
  size_t i;

  for (i = 0; i < f->role_count; i++)
    if (f->roles[i] != 0 && (m->roles & f->roles[i]) == f->roles[i])
      return 1;
  return 0;
}

static int creds_visit(void *arg, const struct gkdc_store_member *m)
{
  struct creds_walk *w = arg;
  const struct kdc_filter *f = w->f;
  struct creds_entry *x;
  int take;

  if (m->cred.len == 0 || !m->has_sender_id || m->sender_id.len > GKDC_STORE_SID_MAX)
    return 1;
  if (f->exclude_node != NULL && strcmp(f->exclude_node, m->node_name) == 0)
    return 1;
  if (f->all)
    take = 1;
  else if (f->inclusion)
    take = roles_match(f, m) || id_listed(f, m);
  else
    take = (f->role_count == 0 || roles_match(f, m)) && !id_listed(f, m);
  if (!take)
    return 1;

  if (w->count == w->cap) {
    size_t cap = w->cap == 0 ? 16 : w->cap * 2;
    struct creds_entry *v = realloc(w->v, cap * sizeof(*v));

    if (v == NULL) {
      w->failed = 1;
      return 0;
    }
    w->v = v;
    w->cap = cap;
  }
  x = &w->v[w->count];
  memset(x, 0, sizeof(*x));
  if ((x->cred = malloc(m->cred.len)) == NULL) {
    w->failed = 1;
    return 0;
  }
  memcpy(x->cred, m->cred.ptr, m->cred.len);
  x->cred_len = m->cred.len;
  x->joined = m->joined;
  snprintf(x->node_name, sizeof(x->node_name), "%s", m->node_name);
  x->roles = m->roles;
  memcpy(x->sid, m->sender_id.ptr, m->sender_id.len);
  x->sid_len = m->sender_id.len;
  w->count++;
  return 1;
}

/* Compares node names with runs of digits by their value ("n2" < "n10"). */
static int name_cmp(const char *a, const char *b)
{
  while (*a != '\0' && *b != '\0') {
    if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
      size_t la, lb;
      int c;

      while (*a == '0' && a[1] >= '0' && a[1] <= '9')
        a++;
      while (*b == '0' && b[1] >= '0' && b[1] <= '9')
        b++;
      la = strspn(a, "0123456789");
      lb = strspn(b, "0123456789");
      if (la != lb)
        return la < lb ? -1 : 1;
      if ((c = memcmp(a, b, la)) != 0)
        return c;
      a += la;
      b += lb;
      continue;
    }
    if (*a != *b)
      return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
    a++;
    b++;
  }
  return *a == *b ? 0 : (*a == '\0' ? -1 : 1);
}

/* Join order: first join time, then node name. */
static int creds_order(const void *pa, const void *pb)
{
  const struct creds_entry *a = pa, *b = pb;

  if (a->joined != b->joined)
    return a->joined < b->joined ? -1 : 1;
  return name_cmp(a->node_name, b->node_name);
}

int kdc_put_creds(struct kdc_ctx *c, const struct kdc_filter *f,
                  struct gkdc_cbor_enc *e, size_t *pairs, size_t *matched)
{
  const struct kdc_state *k = c->k;
  struct creds_walk w;
  size_t i;
  int ok = 0;

  memset(&w, 0, sizeof(w));
  w.f = f;
  if (!k->store->member_list(k->store_p.state, c->g->name, creds_visit, &w) || w.failed)
    goto out;
  if (w.count > 1)
    qsort(w.v, w.count, sizeof(*w.v), creds_order);

  *matched = w.count;
  gkdc_cbor_enc_put_uint(e, GKDC_GC_CREDS);
  gkdc_cbor_enc_put_array(e, w.count);
  for (i = 0; i < w.count; i++)
    gkdc_cbor_enc_put_bstr(e, w.v[i].cred, w.v[i].cred_len);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_PEER_ROLES);
  gkdc_cbor_enc_put_array(e, w.count);
  for (i = 0; i < w.count; i++)
    gkdc_cbor_enc_put_uint(e, w.v[i].roles);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_PEER_IDENTIFIERS);
  gkdc_cbor_enc_put_array(e, w.count);
  for (i = 0; i < w.count; i++)
    gkdc_cbor_enc_put_bstr(e, w.v[i].sid, w.v[i].sid_len);
  *pairs += 3;
  ok = 1;

out:
  for (i = 0; i < w.count; i++)
    free(w.v[i].cred);
  free(w.v);
  return ok;
}

int kdc_parse_get_creds(struct gkdc_cbor_dec *d, struct kdc_filter *f,
                        uint64_t *roles, size_t role_cap, struct gkdc_bytes *ids,
                        size_t id_cap, int *is_null)
{
  size_t n = 0;
  size_t i;

  memset(f, 0, sizeof(*f));
  *is_null = 0;
  if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_NULL) {
    *is_null = 1;
    return gkdc_cbor_dec_get_null(d);
  }
  if (!gkdc_cbor_dec_enter_array(d, &n) || n != 3 ||
      !gkdc_cbor_dec_get_bool(d, &f->inclusion))
    return 0;

  if (!gkdc_cbor_dec_enter_array(d, &n) || n > role_cap)
    return 0;
  for (i = 0; i < n; i++) {
    uint64_t r = 0;

    if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_ARRAY) {
      size_t m = 0;
      size_t j;

      if (!gkdc_cbor_dec_enter_array(d, &m) || m < 2)
        return 0;
      for (j = 0; j < m; j++) {
        uint64_t v;

        if (!gkdc_cbor_dec_get_uint(d, &v) || v > UINT32_MAX)
          return 0;
        r |= v;
      }
      gkdc_cbor_dec_exit(d);
    } else if (!gkdc_cbor_dec_get_uint(d, &r) || r > UINT32_MAX) {
      return 0;
    }
    roles[i] = r;
  }
  f->roles = roles;
  f->role_count = n;
  gkdc_cbor_dec_exit(d);

  if (!gkdc_cbor_dec_enter_array(d, &n) || n > id_cap)
    return 0;
  for (i = 0; i < n; i++)
    if (!gkdc_cbor_dec_get_bstr(d, &ids[i]))
      return 0;
  f->ids = ids;
  f->id_count = n;
  gkdc_cbor_dec_exit(d);
  gkdc_cbor_dec_exit(d);
  return gkdc_cbor_dec_error(d) == GKDC_CBOR_OK;
}

/* ---- the Join Request ---- */

/* The parsed Join Request; views point into the payload. */
struct join_req {
  int has_scope;
  struct gkdc_bytes scope;
  int has_get_creds;
  int get_creds_null;
  struct kdc_filter filter;
  uint64_t roles_buf[FILTER_MAX];
  struct gkdc_bytes ids_buf[FILTER_MAX];
  int has_cred;
  struct gkdc_bytes cred;
  int has_cnonce;
  struct gkdc_bytes cnonce;
  int has_pop;
  struct gkdc_bytes pop;
  int has_control_uri;
  struct gkdc_bytes control_uri;
};

/* Reads the optional byte string (text string when `text`) at `key` of
 * the map `d` is in. Returns 0 only when it is present with another type. */
static int opt_string(struct gkdc_cbor_dec *d, int64_t key, int text, int *has,
                      struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec v;

  *has = 0;
  if (!gkdc_cbor_dec_map_find_int(d, key, &v))
    return 1;
  if (text ? !gkdc_cbor_dec_get_tstr(&v, out) : !gkdc_cbor_dec_get_bstr(&v, out))
    return 0;
  *has = 1;
  return 1;
}

/* Reads the Join Request map. Unknown parameters are ignored; a known one
 * of the wrong type fails. */
static int join_parse(const struct gkdc_request *req, struct join_req *j)
{
  struct gkdc_cbor_dec d, v;

  memset(j, 0, sizeof(*j));
  if (gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL))
    return 0;

  if (gkdc_cbor_dec_map_find_int(&d, GKDC_GC_GET_CREDS, &v)) {
    if (!kdc_parse_get_creds(&v, &j->filter, j->roles_buf, FILTER_MAX, j->ids_buf,
                             FILTER_MAX, &j->get_creds_null))
      return 0;
    j->has_get_creds = 1;
  }
  if (!opt_string(&d, GKDC_GC_SCOPE, 0, &j->has_scope, &j->scope) ||
      !opt_string(&d, GKDC_GC_CLIENT_CRED, 0, &j->has_cred, &j->cred) ||
      !opt_string(&d, GKDC_GC_CNONCE, 0, &j->has_cnonce, &j->cnonce) ||
      !opt_string(&d, GKDC_GC_CLIENT_CRED_VERIFY, 0, &j->has_pop, &j->pop) ||
      !opt_string(&d, GKDC_GC_CONTROL_URI, 1, &j->has_control_uri, &j->control_uri))
    return 0;
  return gkdc_cbor_dec_error(&d) == GKDC_CBOR_OK;
}

/*
 * Answers 4.00 with Content-Format 261: sign_info and ecdh_info entries of
 * the group and, when `token_id` is stored, a fresh kdcchallenge
 * (RFC 9594 section 4.3.1 and the OSCORE profile's OPT4 answer).
 */
static int reply_params(struct kdc_ctx *c, struct gkdc_response *resp, int challenge)
{
  const struct kdc_state *k = c->k;
  uint8_t buf[KDC_SMALL_BUF];
  uint8_t n_s[KDC_NONCE_LEN];
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t pairs = 0;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  if (c->rec->flags & GKDC_STORE_GROUP_MODE) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_SIGN_INFO);
    gkdc_cbor_enc_put_array(&e, 1);
    kdc_put_info_entry(k, &e, c->rec, 0);
    pairs++;
  }
  if (c->rec->flags & GKDC_STORE_GROUP_PAIRWISE_MODE) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OSC_ECDH_INFO);
    gkdc_cbor_enc_put_array(&e, 1);
    kdc_put_info_entry(k, &e, c->rec, 1);
    pairs++;
  }
  if (challenge && kdc_new_challenge(k, c->authz->token_id, n_s)) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_KDCCHALLENGE);
    gkdc_cbor_enc_put_bstr(&e, n_s, sizeof(n_s));
    pairs++;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  return kdc_reply_enc(resp, GKDC_CODE(4, 0), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
}

static int reply_retry(struct kdc_ctx *c, struct gkdc_response *resp)
{
  return reply_params(c, resp, 1);
}

/*
 * Answers a Join Request that is wrong in a way no error id names: 4.00
 * with the group's sign_info and ecdh_info entries in Content-Format 261
 * (the OSCORE profile, section 6.2, requires this body for every 4.00 to
 * a Join Request that is not problem details). The stored N_S stays.
 */
static int reply_bad_join(struct kdc_ctx *c, struct gkdc_response *resp)
{
  return reply_params(c, resp, 0);
}

/* Reads the N_S stored with the requester's token into n_s (capacity
 * KDC_NONCE_MAX); returns its length, 0 when there is none. */
static size_t stored_challenge(const struct kdc_state *k,
                               const struct gkdc_authz *authz, uint8_t *n_s)
{
  struct gkdc_store_token *t = NULL;
  size_t len = 0;

  if (!k->store->token_get(k->store_p.state, authz->token_id.ptr,
                           authz->token_id.len, &t))
    return 0;
  if (t->kdcchallenge.len <= KDC_NONCE_MAX) {
    memcpy(n_s, t->kdcchallenge.ptr, t->kdcchallenge.len);
    len = t->kdcchallenge.len;
  }
  k->store->record_free(k->store_p.state, t);
  return len;
}

int kdc_check_cred_pop(struct kdc_ctx *c, struct gkdc_bytes cred,
                       struct gkdc_bytes scope, struct gkdc_bytes n_c,
                       struct gkdc_bytes evidence, gkdc_cred **out,
                       struct gkdc_provider *fmt, struct gkdc_response *resp)
{
  const struct kdc_state *k = c->k;
  uint8_t n_s[KDC_NONCE_MAX];
  size_t n_s_len;
  const struct gkdc_credfmt_ops *fops;
  const struct gkdc_cred_info *info;
  struct gkdc_ap_group_crypto cx;
  struct gkdc_pop_params params;
  struct gkdc_provider pop;
  const struct gkdc_pop_ops *pops;
  struct gkdc_pop_key own;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_bytes ns;
  uint8_t input[1024];
  size_t input_len = sizeof(input);
  int err = 0;

  *out = NULL;
  if (evidence.len == 0) {
    kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP,
                      "empty proof-of-possession evidence");
    return 0;
  }
  n_s_len = stored_challenge(k, c->authz, n_s);
  if (n_s_len == 0) {
    reply_retry(c, resp);
    return 0;
  }

  if (!kdc_cred_parse(k, c->rec->cred_fmt, cred.ptr, cred.len, fmt, out, &err)) {
    kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
                      "credential not in the group's format");
    return 0;
  }
  fops = fmt->ops;
  info = fops->info_get0(fmt->state, *out);
  if (!k->ap->cred_check(k->ap_p.state, c->rec, info, &fail)) {
    if (fail.code == 0) {
      fail.code = GKDC_CODE(4, 0);
      fail.error_id = GKDC_GC_ERR_CRED_INCOMPATIBLE;
    }
    kdc_reply_fail(resp, &fail);
    goto fail;
  }
  if (!kdc_group_pop(k, c->rec, c->g, &cx, &params, &pop)) {
    kdc_reply(resp, GKDC_CODE(5, 0));
    goto fail;
  }
  if ((c->rec->flags & GKDC_STORE_GROUP_MODE) &&
      (info->alg != cx.sign_alg || (cx.sign_kty != 0 && info->kty != cx.sign_kty) ||
       (cx.sign_curve != 0 && info->curve != cx.sign_curve))) {
    kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
                      "credential key does not fit the signature algorithm");
    goto fail;
  }

  ns.ptr = n_s;
  ns.len = n_s_len;
  if (!gkdc_pop_input_client(scope, ns, n_c, input, &input_len)) {
    kdc_reply(resp, GKDC_CODE(4, 0));
    goto fail;
  }
  memset(&own, 0, sizeof(own));
  own.size = sizeof(own);
  own.cred = c->g->gm_info;
  own.priv = c->g->gm_priv;
  own.priv_len = c->g->gm_priv_len;
  pops = pop.ops;
  if (!pops->verify(pop.state, &params, &own, info, input, input_len, evidence.ptr,
                    evidence.len, &err)) {
    if (err == GKDC_POP_ERR_KEY_MISMATCH || err == GKDC_POP_ERR_UNSUPPORTED)
      kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
                        "credential key does not fit the group");
    else
      kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP,
                        "proof-of-possession evidence does not verify");
    goto fail;
  }
  return 1;

fail:
  fops->free(fmt->state, *out);
  *out = NULL;
  return 0;
}

/* A join's outcome, for the response. */
struct join_out {
  struct gkdc_store_member m;
  char node_name[KDC_NAME_MAX];
  uint8_t sid[GKDC_STORE_SID_MAX + 1];
  size_t sid_len;
  const struct gkdc_cred_info *info;
  int created;
};

/* Writes the Join Response into a buffer of `cap` bytes. */
static int join_response(struct kdc_ctx *c, struct join_req *j,
                         struct join_out *o, uint64_t roles,
                         const uint8_t *kdc_pop, size_t kdc_pop_len,
                         uint8_t *buf, size_t cap, struct gkdc_cbor_enc *e)
{
  struct gkdc_ap_member am;
  size_t mark;
  size_t pairs = 0;
  size_t matched = 0;

  memset(&am, 0, sizeof(am));
  am.size = sizeof(am);
  am.rec = &o->m;
  am.cred = o->info;

  gkdc_cbor_enc_init(e, buf, cap);
  mark = gkdc_cbor_enc_map_begin(e);
  if (!kdc_put_key_dist(c, GKDC_AP_CTX_JOIN, &am, e, &pairs))
    return 0;

  if (j->has_get_creds) {
    struct kdc_filter f;
    uint64_t want[2];
    size_t n = 0;

    if (j->get_creds_null) {
      memset(&f, 0, sizeof(f));
      if (roles & GKDC_OSC_ROLE_REQUESTER)
        want[n++] = GKDC_OSC_ROLE_RESPONDER;
      if (roles & (GKDC_OSC_ROLE_RESPONDER | GKDC_OSC_ROLE_MONITOR))
        want[n++] = GKDC_OSC_ROLE_REQUESTER;
      f.inclusion = 1;
      f.roles = want;
      f.role_count = n;
    } else {
      f = j->filter;
    }
    f.exclude_node = o->node_name;
    if (!kdc_put_creds(c, &f, e, &pairs, &matched))
      return 0;
  }

  if (c->g->policies_len > 0) {
    gkdc_cbor_enc_put_uint(e, GKDC_GC_GROUP_POLICIES);
    gkdc_cbor_enc_put_raw(e, c->g->policies, c->g->policies_len);
    pairs++;
  }
  gkdc_cbor_enc_put_raw(e, kdc_pop, kdc_pop_len);
  pairs += 3;
  gkdc_cbor_enc_put_uint(e, GKDC_GC_REKEYING_SCHEME);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_REKEY_POINT_TO_POINT);
  pairs++;
  gkdc_cbor_enc_map_end(e, mark, pairs);
  return 1;
}

/* Counts the members that hold a Sender ID. */
static int sid_holder_visit(void *arg, const struct gkdc_store_member *m)
{
  if (m->has_sender_id)
    (*(size_t *)arg)++;
  return 1;
}

/*
 * Rekeys the group of `c` to a new Gid when its Sender ID space is
 * exhausted but its members hold fewer Sender IDs than there are of at
 * most max_sender_id_len bytes: under the new Gid only the members'
 * current Sender IDs count as used, and the members keep them. Then
 * c->rec is the new record. Returns 0 when a rekey would free nothing
 * (the group has as many members as Sender IDs) or failed.
 */
static int sid_space_rekey(struct kdc_ctx *c)
{
  struct kdc_state *k = c->k;
  struct gkdc_store_group *fresh = NULL;
  size_t holders = 0;
  uint64_t space = 0;
  size_t i;

  if (!k->store->member_list(k->store_p.state, c->g->name, sid_holder_visit, &holders))
    return 0;
  /* Sender IDs of 1 to max_sender_id_len bytes. Over 3 bytes the space
   * (more than 16 million) counts as unbounded. */
  for (i = 1; i <= c->g->max_sid_len && i <= 3; i++)
    space += (uint64_t)1 << (8 * i);
  if (c->g->max_sid_len > 3)
    space = UINT64_MAX;
  if ((uint64_t)holders >= space)
    return 0;

  kdc_log(k, GKDC_LOG_NOTICE, "group %s: no Sender ID left under the current Gid for %zu "
          "members; rekeying for a new Gid", c->g->name, holders);
  if (!kdc_rekey_group(k, c->g, GKDC_REKEY_JOIN) || !kdc_group_load(k, c->g, &fresh))
    return 0;
  k->store->record_free(k->store_p.state, c->rec);
  c->rec = fresh;
  return 1;
}

/* Picks a fresh node name "nN" from a durable per-group counter. */
static int node_name_new(const struct kdc_state *k, const char *group,
                         char *out, size_t cap)
{
  char counter[KDC_NAME_MAX + 16];
  uint64_t v = 0;

  snprintf(counter, sizeof(counter), "kdc.node.%s", group);
  if (!k->store->counter_next(k->store_p.state, counter, &v))
    return 0;
  snprintf(out, cap, "n%llu", (unsigned long long)v);
  return 1;
}

int kdc_join(struct kdc_ctx *c, struct gkdc_response *resp)
{
  const struct kdc_state *k = c->k;
  const struct gkdc_request *req = c->req;
  struct join_req j;
  struct join_out o;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  uint64_t roles = 0;
  int need_cred;
  gkdc_cred *newcred = NULL;
  struct gkdc_provider newfmt;
  struct gkdc_bytes cred = {NULL, 0};
  int pop_done = 0;
  char control_uri[256];
  uint8_t *buf = NULL;
  size_t buf_cap = 0;
  size_t cap;
  struct gkdc_cbor_enc e;
  uint8_t kdc_pop[GKDC_CRED_MAX_LEN + KDC_NONCE_LEN + GKDC_POP_MAX_EVIDENCE_LEN + 16];
  size_t kdc_pop_len = 0;
  int in_tx = 0;
  int attempt;
  int ok;

  memset(&o, 0, sizeof(o));

  /* An empty Join Request asks for the group's parameters (4.00, 261). */
  if (req->payload_len == 0)
    return reply_retry(c, resp);
  if (req->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
    return kdc_reply(resp, GKDC_CODE(4, 15));
  if (!(c->rec->flags & GKDC_STORE_GROUP_ACTIVE))
    return kdc_reply_problem(resp, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE,
                             "group currently not active");
  if (!join_parse(req, &j))
    return reply_bad_join(c, resp);
  if (!j.has_scope || !j.has_cnonce || j.cnonce.len == 0 ||
      j.cnonce.len > KDC_NONCE_MAX)
    return reply_bad_join(c, resp);
  if (j.has_get_creds && !j.get_creds_null &&
      (!j.filter.inclusion || j.filter.role_count == 0 || j.filter.id_count != 0))
    return reply_bad_join(c, resp);

  if (!k->ap->join_scope_parse(k->ap_p.state, j.scope, c->g->name, &roles, &fail)) {
    if (fail.code == 0)
      fail.code = GKDC_CODE(4, 0);
    if (fail.code == GKDC_CODE(4, 0) && fail.error_id < 0)
      return reply_bad_join(c, resp);
    return kdc_reply_fail(resp, &fail);
  }
  if ((roles & ~c->granted) != 0)
    return kdc_reply(resp, GKDC_CODE(4, 3));

  /* The credential: new with PoP, or the one this member has. */
  need_cred = k->ap->roles_need_cred(k->ap_p.state, roles);
  if (need_cred) {
    const struct gkdc_store_member *m = c->mrec;
    int stored = m != NULL && m->cred.len > 0;

    /* An empty PoP is valid only for a credential whose possession the
     * KDC already proved: this member's stored one (section 6.1 of the
     * OSCORE profile); otherwise 4.00 with error 3. */
    if (j.has_pop && j.pop.len == 0) {
      if (!stored || !(m->flags & GKDC_STORE_MEMBER_POP_DONE) ||
          (j.has_cred && j.cred.len > 0 &&
           (j.cred.len != m->cred.len || memcmp(j.cred.ptr, m->cred.ptr, m->cred.len) != 0)))
        return kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP,
                                 "empty proof-of-possession evidence");
      j.has_pop = 0;
    }
    if (j.has_pop) {
      if (!j.has_cred || j.cred.len == 0)
        return reply_bad_join(c, resp);
      if (!kdc_check_cred_pop(c, j.cred, j.scope, j.cnonce, j.pop, &newcred,
                              &newfmt, resp))
        return GKDC_HANDLED;
      o.info = ((const struct gkdc_credfmt_ops *)newfmt.ops)->info_get0(newfmt.state,
                                                                       newcred);
      cred = j.cred;
      pop_done = 1;
    } else if (stored && (!j.has_cred || j.cred.len == 0 ||
                          (j.cred.len == m->cred.len &&
                           memcmp(j.cred.ptr, m->cred.ptr, m->cred.len) == 0))) {
      cred = m->cred;
      o.info = c->member.cred;
      pop_done = (m->flags & GKDC_STORE_MEMBER_POP_DONE) != 0;
    } else if (!stored && !j.has_cred) {
      return reply_retry(c, resp);
    } else {
      return reply_bad_join(c, resp);
    }
  }

  control_uri[0] = '\0';
  if (j.has_control_uri) {
    if (j.control_uri.len == 0 || j.control_uri.len >= sizeof(control_uri)) {
      ok = reply_bad_join(c, resp);
      goto out;
    }
    memcpy(control_uri, j.control_uri.ptr, j.control_uri.len);
    control_uri[j.control_uri.len] = '\0';
  }

  /* Admit the node and commit before the response names the result. When
   * no Sender ID is left under the current Gid, a rekey to a new Gid may
   * free the retired ones: then the node is admitted under the new Gid. */
  for (attempt = 0;; attempt++) {
    if (!k->store->begin(k->store_p.state)) {
      ok = kdc_reply(resp, GKDC_CODE(5, 3));
      goto out;
    }
    in_tx = 1;
    o.sid_len = sizeof(o.sid);
    fail = (struct gkdc_ap_fail){0, -1, NULL};
    if (k->ap->member_join(k->ap_p.state, c->rec, c->mrec != NULL ? &c->member : NULL,
                           roles, o.sid, &o.sid_len, &fail)) {
      if (o.sid_len <= c->g->max_sid_len)
        break;
      fail.code = GKDC_CODE(5, 3);
      fail.error_id = GKDC_GC_ERR_NO_INDIVIDUAL_KEYS;
      fail.detail = "no Sender ID available";
    }
    if (fail.code == 0)
      fail.code = GKDC_CODE(5, 0);
    kdc_rollback(k);
    in_tx = 0;
    if (attempt > 0 || fail.code != GKDC_CODE(5, 3) ||
        fail.error_id != GKDC_GC_ERR_NO_INDIVIDUAL_KEYS || !sid_space_rekey(c)) {
      ok = kdc_reply_fail(resp, &fail);
      goto out;
    }
  }
  if (c->mrec != NULL) {
    snprintf(o.node_name, sizeof(o.node_name), "%s", c->mrec->node_name);
    if (c->mrec->has_sender_id &&
        !k->store->stale_add(k->store_p.state, c->g->name, c->mrec->sender_id.ptr,
                             c->mrec->sender_id.len)) {
      ok = kdc_reply(resp, GKDC_CODE(5, 0));
      goto out;
    }
  } else if (!node_name_new(k, c->g->name, o.node_name, sizeof(o.node_name))) {
    ok = kdc_reply(resp, GKDC_CODE(5, 0));
    goto out;
  }

  o.m.size = sizeof(o.m);
  o.m.flags = pop_done ? GKDC_STORE_MEMBER_POP_DONE : 0;
  o.m.group = c->g->name;
  o.m.node_name = o.node_name;
  o.m.token_id = c->authz->token_id;
  o.m.roles = (uint32_t)roles;
  o.m.has_sender_id = o.sid_len > 0;
  o.m.sender_id.ptr = o.sid;
  o.m.sender_id.len = o.sid_len;
  o.m.cred = need_cred ? cred : (struct gkdc_bytes){NULL, 0};
  o.m.cred_fmt = c->rec->cred_fmt;
  o.m.control_uri = control_uri[0] != '\0' ? control_uri : NULL;
  o.m.joined = kdc_now(k);
  o.m.updated = o.m.joined;
  o.m.birth_gid = c->rec->gid;
  o.m.clientchallenge = j.cnonce;
  o.m.join_scope = j.scope;
  if (!k->store->member_put(k->store_p.state, &o.m)) {
    kdc_log(k, GKDC_LOG_ERR, "group %s: cannot store member: %s", c->g->name,
            k->store->last_error_detail(k->store_p.state));
    ok = kdc_reply(resp, GKDC_CODE(5, 0));
    goto out;
  }
  in_tx = 0;
  if (!kdc_commit(k)) {
    ok = kdc_reply(resp, GKDC_CODE(5, 3));
    goto out;
  }
  if (!need_cred)
    o.info = NULL;
  kdc_evicted_forget(c->g, c->authz->token_id);

  /* Backward security: new keying material before the newcomer gets it.
   * The members, this one included, keep their Sender IDs. */
  if (c->g->rekey_on_join && c->mrec == NULL) {
    struct gkdc_store_group *fresh = NULL;

    /* The rekeying messages of the new version name the newcomer. */
    c->g->join_rekey_version = c->rec->key_version + 1;
    memcpy(c->g->join_rekey_sid, o.sid, o.sid_len);
    c->g->join_rekey_sid_len = o.sid_len;
    if (!kdc_rekey_group(c->k, c->g, GKDC_REKEY_JOIN) ||
        !kdc_group_load(k, c->g, &fresh)) {
      c->g->join_rekey_sid_len = 0;
      ok = kdc_reply(resp, GKDC_CODE(5, 3));
      goto out;
    }
    k->store->record_free(k->store_p.state, c->rec);
    c->rec = fresh;
    o.m.birth_gid = fresh->gid;
    if (!k->store->member_put(k->store_p.state, &o.m)) {
      ok = kdc_reply(resp, GKDC_CODE(5, 0));
      goto out;
    }
  }
  kdc_log(k, GKDC_LOG_INFO, "group %s: node %s %s with roles %u", c->g->name,
          o.node_name, c->mrec != NULL ? "re-joined" : "joined", (unsigned)roles);

  /* kdc_cred, kdc_nonce and kdc_cred_verify: one N_KDC and one PoP,
   * whatever buffer the rest of the response needs. */
  {
    struct gkdc_cbor_enc pe;

    gkdc_cbor_enc_init(&pe, kdc_pop, sizeof(kdc_pop));
    if (!kdc_put_kdc_pop(k, c->g, c->rec, j.cnonce, o.info, 0, &pe) ||
        gkdc_cbor_enc_finish(&pe, &kdc_pop_len) != GKDC_CBOR_OK) {
      ok = kdc_reply(resp, GKDC_CODE(5, 0));
      goto out;
    }
  }

  /* The response, in a buffer that grows when the credentials need it. */
  ok = 0;
  for (cap = 4096; cap <= ((size_t)16 << 20); cap *= 4) {
    if (buf != NULL)
      gkdc_wipe(buf, buf_cap);
    free(buf);
    buf_cap = 0;
    if ((buf = malloc(cap)) == NULL)
      break;
    buf_cap = cap;
    if (join_response(c, &j, &o, roles, kdc_pop, kdc_pop_len, buf, cap, &e) &&
        gkdc_cbor_enc_finish(&e, NULL) == GKDC_CBOR_OK) {
      ok = 1;
      break;
    }
    if (e.err != GKDC_CBOR_ERR_OVERFLOW)
      break;
  }
  if (!ok) {
    ok = kdc_reply(resp, GKDC_CODE(5, 0));
    goto out;
  }
  kdc_reply_enc(resp, c->mrec != NULL ? GKDC_CODE(2, 4) : GKDC_CODE(2, 1),
                GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
  {
    const char *p = k->root;

    while (*p != '\0') {
      char seg[KDC_NAME_MAX];
      size_t n = strcspn(p, "/");

      if (n >= sizeof(seg))
        n = sizeof(seg) - 1;
      memcpy(seg, p, n);
      seg[n] = '\0';
      gkdc_response_add_location(resp, seg);
      p += n;
      if (*p == '/')
        p++;
    }
  }
  gkdc_response_add_location(resp, c->g->name);
  gkdc_response_add_location(resp, "nodes");
  gkdc_response_add_location(resp, o.node_name);
  ok = GKDC_HANDLED;

out:
  if (in_tx)
    kdc_rollback(k);
  if (buf != NULL) {
    gkdc_wipe(buf, buf_cap);
    free(buf);
  }
  if (newcred != NULL)
    ((const struct gkdc_credfmt_ops *)newfmt.ops)->free(newfmt.state, newcred);
  return GKDC_HANDLED;
}
