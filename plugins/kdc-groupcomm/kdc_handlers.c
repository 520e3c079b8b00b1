/*
 * kdc-groupcomm: the resources of RFC 9594 section 4 below the root path,
 * with the authorization of section 4.1.2 and the method table of the
 * application profile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdc_internal.h"

/* Number of segments of the root path. */
static size_t root_segments(const struct kdc_state *k)
{
  size_t n = 1;
  const char *p;

  for (p = k->root; *p != '\0'; p++)
    if (*p == '/')
      n++;
  return n;
}

static int seg_is(const struct gkdc_bytes *s, const char *text)
{
  return s->len == strlen(text) && memcmp(s->ptr, text, s->len) == 0;
}

/* 1 when the token is absent or expired: the request gets 4.01. */
static int authz_invalid(const struct kdc_state *k, const struct gkdc_request *req)
{
  const struct gkdc_authz *a = req->peer != NULL ? req->peer->authz : NULL;

  return a == NULL || a->token_id.len == 0 ||
         (a->expires_at != 0 && a->expires_at <= kdc_now(k));
}

static void ctx_close(struct kdc_ctx *c)
{
  const struct kdc_state *k = c->k;

  if (c->mcred != NULL)
    ((const struct gkdc_credfmt_ops *)c->mcred_fmt.ops)->free(c->mcred_fmt.state,
                                                              c->mcred);
  k->store->record_free(k->store_p.state, c->mrec);
  k->store->record_free(k->store_p.state, c->rec);
  memset(c, 0, sizeof(*c));
}

/*
 * Loads the group record, the token's grant for the group and the
 * requester's membership. Returns 1, or 0 with `resp` filled. Release `c`
 * with ctx_close() in both cases.
 */
static int ctx_open(struct kdc_ctx *c, struct kdc_state *k, struct kdc_group *g,
                    const struct gkdc_request *req, struct gkdc_response *resp)
{
  struct gkdc_ap_fail fail = {0, -1, NULL};
  int err = 0;

  memset(c, 0, sizeof(*c));
  c->k = k;
  c->g = g;
  c->req = req;
  c->authz = req->peer->authz;

  if (!kdc_group_load(k, g, &c->rec)) {
    /* A configured group missing from the store was deleted. */
    if (kdc_store_err_is(k, GKDC_STORE_E_NOT_FOUND))
      kdc_reply_problem(resp, GKDC_CODE(4, 4), GKDC_GC_ERR_GROUP_DELETED, "group deleted");
    else
      kdc_reply(resp, GKDC_CODE(5, 0));
    return 0;
  }

  /* Keying material past its exp is renewed before anyone gets it. */
  if (!kdc_rekey_if_expired(k, g, &c->rec)) {
    kdc_reply(resp, GKDC_CODE(5, 3));
    return 0;
  }

  c->granted = 0;
  c->has_grant = k->ap->scope_roles(k->ap_p.state, c->authz->scope, g->name,
                                    &c->granted, &fail);
  if (!c->has_grant && fail.code != 0) {
    kdc_reply_fail(resp, &fail);
    return 0;
  }

  if (!k->store->member_get_by_token(k->store_p.state, g->name,
                                     c->authz->token_id.ptr, c->authz->token_id.len,
                                     &c->mrec)) {
    c->mrec = NULL;
    if (!kdc_store_err_is(k, GKDC_STORE_E_NOT_FOUND)) {
      kdc_reply(resp, GKDC_CODE(5, 0));
      return 0;
    }
  }
  memset(&c->member, 0, sizeof(c->member));
  c->member.size = sizeof(c->member);
  if (c->mrec != NULL) {
    c->member.rec = c->mrec;
    if (c->mrec->cred.len > 0 &&
        kdc_cred_parse(k, c->mrec->cred_fmt, c->mrec->cred.ptr, c->mrec->cred.len,
                       &c->mcred_fmt, &c->mcred, &err))
      c->member.cred = ((const struct gkdc_credfmt_ops *)c->mcred_fmt.ops)
                           ->info_get0(c->mcred_fmt.state, c->mcred);
  }
  return 1;
}

/* ---- the root: FETCH ROOT (group names from Gids, section 4.2.1) ---- */

int kdc_handle_root(void *arg, const struct gkdc_request *req,
                    struct gkdc_response *resp)
{
  struct kdc_state *k = arg;
  struct gkdc_cbor_dec d;
  uint8_t *buf = NULL;
  size_t cap;
  size_t n = 0;
  size_t i;
  struct gkdc_cbor_enc names, uris, gids;
  size_t found = 0;
  size_t lens[3];
  uint8_t *parts[3] = {NULL, NULL, NULL};
  int pass;

  if (req->path_count != root_segments(k))
    return kdc_reply(resp, GKDC_CODE(4, 4));
  if (req->method != GKDC_FETCH)
    return kdc_reply(resp, GKDC_CODE(4, 5));
  if (authz_invalid(k, req))
    return kdc_reply(resp, GKDC_CODE(4, 1));
  if (req->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
    return kdc_reply(resp, GKDC_CODE(4, 15));

  /* Validate: {0: [* bstr]}, unknown keys ignored. */
  {
    struct gkdc_cbor_dec v;

    if (gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL) != GKDC_CBOR_OK ||
        !gkdc_cbor_dec_enter_map(&d, NULL) ||
        !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_GID, &v) ||
        !gkdc_cbor_dec_enter_array(&v, &n))
      return kdc_reply(resp, GKDC_CODE(4, 0));
    for (i = 0; i < n; i++)
      if (gkdc_cbor_dec_peek_type(&v) != GKDC_CBOR_TYPE_BSTR ||
          !gkdc_cbor_dec_skip(&v))
        return kdc_reply(resp, GKDC_CODE(4, 0));
  }

  memset(lens, 0, sizeof(lens));
  for (pass = 0; pass < 2; pass++) {
    struct gkdc_cbor_dec v;

    gkdc_cbor_enc_init(&gids, parts[0], lens[0]);
    gkdc_cbor_enc_init(&names, parts[1], lens[1]);
    gkdc_cbor_enc_init(&uris, parts[2], lens[2]);
    found = 0;
    gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL);
    gkdc_cbor_dec_enter_map(&d, NULL);
    gkdc_cbor_dec_map_find_int(&d, GKDC_GC_GID, &v);
    gkdc_cbor_dec_enter_array(&v, &n);
    for (i = 0; i < n; i++) {
      struct gkdc_bytes gid;
      struct gkdc_store_group *rec = NULL;
      char uri[KDC_PATH_MAX];

      gkdc_cbor_dec_get_bstr(&v, &gid);
      if (!k->store->group_get_by_gid(k->store_p.state, gid.ptr, gid.len, &rec))
        continue;
      if (kdc_group_find(k, rec->name, strlen(rec->name)) != NULL) {
        snprintf(uri, sizeof(uri), "/%s/%s", k->root, rec->name);
        gkdc_cbor_enc_put_bstr(&gids, gid.ptr, gid.len);
        gkdc_cbor_enc_put_tstr_z(&names, rec->name);
        gkdc_cbor_enc_put_tstr_z(&uris, uri);
        found++;
      }
      k->store->record_free(k->store_p.state, rec);
    }
    if (gkdc_cbor_enc_finish(&gids, &lens[0]) != GKDC_CBOR_OK ||
        gkdc_cbor_enc_finish(&names, &lens[1]) != GKDC_CBOR_OK ||
        gkdc_cbor_enc_finish(&uris, &lens[2]) != GKDC_CBOR_OK)
      goto fail;
    if (pass == 0)
      for (i = 0; i < 3; i++)
        if ((parts[i] = malloc(lens[i] + 1)) == NULL)
          goto fail;
  }

  if (found == 0) {
    static const uint8_t empty[] = {0x40};

    gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, empty, 1);
  } else {
    struct gkdc_cbor_enc e;
    size_t mark;

    cap = lens[0] + lens[1] + lens[2] + 64;
    if ((buf = malloc(cap)) == NULL)
      goto fail;
    gkdc_cbor_enc_init(&e, buf, cap);
    mark = gkdc_cbor_enc_map_begin(&e);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GID);
    gkdc_cbor_enc_put_array(&e, found);
    gkdc_cbor_enc_put_raw(&e, parts[0], lens[0]);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GNAME);
    gkdc_cbor_enc_put_array(&e, found);
    gkdc_cbor_enc_put_raw(&e, parts[1], lens[1]);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GURI);
    gkdc_cbor_enc_put_array(&e, found);
    gkdc_cbor_enc_put_raw(&e, parts[2], lens[2]);
    gkdc_cbor_enc_map_end(&e, mark, 3);
    kdc_reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
  }
  free(buf);
  for (i = 0; i < 3; i++)
    free(parts[i]);
  return GKDC_HANDLED;

fail:
  free(buf);
  for (i = 0; i < 3; i++)
    free(parts[i]);
  return kdc_reply(resp, GKDC_CODE(5, 0));
}

/* ---- single resources ---- */

static int reply_bare(struct gkdc_response *resp, struct gkdc_cbor_enc *e)
{
  return kdc_reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_CBOR, e);
}

/* GET ROOT/GROUPNAME and GET .../nodes/NODENAME. */
static int key_dist_get(struct kdc_ctx *c, int context, struct gkdc_response *resp)
{
  uint8_t buf[2048];
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t pairs = 0;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  if (!kdc_put_key_dist(c, context, &c->member, &e, &pairs))
    return kdc_reply(resp, GKDC_CODE(5, 0));

  /* The host re-runs an observer's registration request for each
   * notification, and a notification of the group resource is the
   * Point-to-Point rekeying message: it adds the profile's rekeying
   * parameters (OSCORE: stale_node_ids). */
  if (context == GKDC_AP_CTX_GROUP_GET && c->req->observe == GKDC_OBSERVE_REGISTER) {
    const struct kdc_state *k = c->k;
    uint8_t extra[512];
    size_t extra_len = sizeof(extra);
    size_t extra_count = 0;

    if (!k->ap->extra_write(k->ap_p.state, c->rec, GKDC_AP_CTX_REKEY, &c->member, extra,
                            &extra_len, &extra_count))
      return kdc_reply(resp, GKDC_CODE(5, 0));
    gkdc_cbor_enc_put_raw(&e, extra, extra_len);
    pairs += extra_count;

    /* A rekey for a join: the newcomer's credential, role and Sender ID
     * (creds, peer_roles, peer_identifiers; OSCORE profile, section 11.1). */
    if (c->g->join_rekey_sid_len > 0 && c->g->join_rekey_version == c->rec->key_version) {
      struct kdc_filter f;
      struct gkdc_bytes id;
      size_t matched = 0;

      memset(&f, 0, sizeof(f));
      id.ptr = c->g->join_rekey_sid;
      id.len = c->g->join_rekey_sid_len;
      f.inclusion = 1;
      f.ids = &id;
      f.id_count = 1;
      f.exclude_node = c->mrec != NULL ? c->mrec->node_name : NULL;
      if (!kdc_put_creds(c, &f, &e, &pairs, &matched))
        return kdc_reply(resp, GKDC_CODE(5, 0));
    }
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  kdc_reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
  gkdc_wipe(buf, sizeof(buf));
  return GKDC_HANDLED;
}

/* GET and FETCH .../creds (section 4.4). */
static int creds(struct kdc_ctx *c, struct gkdc_response *resp)
{
  const struct gkdc_request *req = c->req;
  struct kdc_filter f;
  uint64_t roles[32];
  struct gkdc_bytes ids[512];
  uint8_t *buf = NULL;
  size_t cap;
  int done = 0;

  memset(&f, 0, sizeof(f));
  if (req->method == GKDC_GET) {
    f.all = 1;
  } else {
    struct gkdc_cbor_dec d, v;
    int is_null = 0;

    if (req->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
      return kdc_reply(resp, GKDC_CODE(4, 15));
    if (gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL) != GKDC_CBOR_OK ||
        !gkdc_cbor_dec_enter_map(&d, NULL) ||
        !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_GET_CREDS, &v) ||
        !kdc_parse_get_creds(&v, &f, roles, sizeof(roles) / sizeof(roles[0]), ids,
                             sizeof(ids) / sizeof(ids[0]), &is_null) ||
        is_null ||
        (f.role_count == 0 && f.id_count == 0))
      return kdc_reply(resp, GKDC_CODE(4, 0));
  }

  for (cap = 4096; cap <= ((size_t)16 << 20) && !done; cap *= 4) {
    struct gkdc_cbor_enc e;
    size_t mark;
    size_t pairs = 1;
    size_t matched = 0;

    free(buf);
    if ((buf = malloc(cap)) == NULL)
      break;
    gkdc_cbor_enc_init(&e, buf, cap);
    mark = gkdc_cbor_enc_map_begin(&e);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_NUM);
    gkdc_cbor_enc_put_uint(&e, c->rec->key_version);
    if (!kdc_put_creds(c, &f, &e, &pairs, &matched))
      break;
    gkdc_cbor_enc_map_end(&e, mark, pairs);
    if (gkdc_cbor_enc_finish(&e, NULL) == GKDC_CBOR_ERR_OVERFLOW)
      continue;
    done = 1;
    if (matched == 0 && req->method == GKDC_FETCH) {
      static const uint8_t empty[] = {0x40};

      gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, empty, 1);
    } else {
      kdc_reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
    }
  }
  free(buf);
  if (!done)
    return kdc_reply(resp, GKDC_CODE(5, 0));
  return GKDC_HANDLED;
}

/* GET (members) and FETCH (verifiers) .../kdc-cred (section 4.5). */
static int kdc_cred(struct kdc_ctx *c, struct gkdc_response *resp)
{
  const struct gkdc_request *req = c->req;
  struct gkdc_bytes n_c = {NULL, 0};
  uint8_t buf[1024];
  struct gkdc_cbor_enc e;
  size_t mark;
  int force_sign = 0;

  if (req->method == GKDC_FETCH) {
    struct gkdc_cbor_dec d, v;

    if (!(c->rec->flags & GKDC_STORE_GROUP_MODE))
      return kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_OSC_ERR_NO_SIGNATURES,
                               "signatures not used in the group");
    if (req->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
      return kdc_reply(resp, GKDC_CODE(4, 15));
    if (gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL) != GKDC_CBOR_OK ||
        !gkdc_cbor_dec_enter_map(&d, NULL) ||
        !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_CNONCE, &v) ||
        !gkdc_cbor_dec_get_bstr(&v, &n_c) || n_c.len == 0 || n_c.len > KDC_NONCE_MAX)
      return kdc_reply(resp, GKDC_CODE(4, 0));
    force_sign = 1;
  } else {
    if (c->mrec == NULL)
      return kdc_reply_problem(resp, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS, NULL);
    n_c = c->mrec->clientchallenge;
    if (n_c.len == 0)
      return kdc_reply(resp, GKDC_CODE(4, 0));
  }

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  if (!kdc_put_kdc_pop(c->k, c->g, c->rec, n_c, c->member.cred, force_sign, &e))
    return kdc_reply(resp, GKDC_CODE(5, 0));
  gkdc_cbor_enc_map_end(&e, mark, 3);
  return kdc_reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
}

/* GET .../policies (section 4.6). */
static int policies(struct kdc_ctx *c, struct gkdc_response *resp)
{
  uint8_t buf[KDC_POLICIES_MAX + 8];
  struct gkdc_cbor_enc e;
  static const uint8_t empty[] = {0x40};

  if (c->g->policies_len == 0)
    return gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, empty, 1),
           GKDC_HANDLED;
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_GROUP_POLICIES);
  gkdc_cbor_enc_put_raw(&e, c->g->policies, c->g->policies_len);
  return kdc_reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
}

/* POST .../nodes/NODENAME: a new Sender ID (section 4.8.2). */
static int key_renewal(struct kdc_ctx *c, struct gkdc_response *resp)
{
  const struct kdc_state *k = c->k;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  struct gkdc_store_member m;
  uint8_t sid[GKDC_STORE_SID_MAX + 1];
  size_t sid_len = sizeof(sid);
  uint8_t buf[32];
  struct gkdc_cbor_enc e;

  if (!(c->rec->flags & GKDC_STORE_GROUP_ACTIVE))
    return kdc_reply_problem(resp, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE,
                             "group currently not active");
  if (!c->mrec->has_sender_id || !k->ap->roles_need_cred(k->ap_p.state, c->mrec->roles))
    return kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_ROLES_INCONSISTENT,
                             "no Sender ID for these roles");

  if (!k->store->begin(k->store_p.state))
    return kdc_reply(resp, GKDC_CODE(5, 3));
  if (!k->ap->member_renew(k->ap_p.state, c->rec, &c->member, sid, &sid_len, &fail)) {
    kdc_rollback(k);
    if (fail.code == 0)
      fail.code = GKDC_CODE(5, 0);
    return kdc_reply_fail(resp, &fail);
  }
  if (sid_len == 0 || sid_len > c->g->max_sid_len) {
    kdc_rollback(k);
    return kdc_reply_problem(resp, GKDC_CODE(5, 3), GKDC_GC_ERR_NO_INDIVIDUAL_KEYS,
                             "no Sender ID available");
  }
  m = *c->mrec;
  m.sender_id.ptr = sid;
  m.sender_id.len = sid_len;
  m.has_sender_id = 1;
  m.updated = kdc_now(k);
  if (!k->store->stale_add(k->store_p.state, c->g->name, c->mrec->sender_id.ptr,
                           c->mrec->sender_id.len) ||
      !k->store->member_put(k->store_p.state, &m)) {
    kdc_log(k, GKDC_LOG_ERR, "group %s: cannot store the new Sender ID: %s",
            c->g->name, k->store->last_error_detail(k->store_p.state));
    kdc_rollback(k);
    return kdc_reply(resp, GKDC_CODE(5, 0));
  }
  if (!kdc_commit(k))
    return kdc_reply(resp, GKDC_CODE(5, 3));
  kdc_log(k, GKDC_LOG_INFO, "group %s: node %s got a new Sender ID", c->g->name,
          c->mrec->node_name);

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, GKDC_OSC_GROUP_SENDERID);
  gkdc_cbor_enc_put_bstr(&e, sid, sid_len);
  return kdc_reply_enc(resp, GKDC_CODE(2, 4), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
}

/* POST .../nodes/NODENAME/cred (section 4.9). */
static int cred_upload(struct kdc_ctx *c, struct gkdc_response *resp)
{
  const struct kdc_state *k = c->k;
  const struct gkdc_request *req = c->req;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes cred, n_c, pop;
  gkdc_cred *parsed = NULL;
  struct gkdc_provider fmt;
  struct gkdc_store_member m;

  if (!(c->rec->flags & GKDC_STORE_GROUP_ACTIVE))
    return kdc_reply_problem(resp, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE,
                             "group currently not active");
  if (!k->ap->roles_need_cred(k->ap_p.state, c->mrec->roles))
    return kdc_reply_problem(resp, GKDC_CODE(4, 0), GKDC_GC_ERR_ROLES_INCONSISTENT,
                             "no credential for these roles");
  if (req->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
    return kdc_reply(resp, GKDC_CODE(4, 15));
  if (gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL))
    return kdc_reply(resp, GKDC_CODE(4, 0));
  if (!gkdc_cbor_dec_map_find_int(&d, GKDC_GC_CLIENT_CRED, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &cred) || cred.len == 0 ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_CNONCE, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &n_c) || n_c.len == 0 || n_c.len > KDC_NONCE_MAX ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_CLIENT_CRED_VERIFY, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &pop))
    return kdc_reply(resp, GKDC_CODE(4, 0));

  if (!kdc_check_cred_pop(c, cred, c->mrec->join_scope, n_c, pop, &parsed, &fmt, resp))
    return GKDC_HANDLED;
  ((const struct gkdc_credfmt_ops *)fmt.ops)->free(fmt.state, parsed);

  m = *c->mrec;
  m.cred = cred;
  m.flags |= GKDC_STORE_MEMBER_POP_DONE;
  m.updated = kdc_now(k);
  if (!k->store->member_put(k->store_p.state, &m)) {
    kdc_log(k, GKDC_LOG_ERR, "group %s: cannot store the new credential: %s",
            c->g->name, k->store->last_error_detail(k->store_p.state));
    return kdc_reply(resp, GKDC_CODE(5, 0));
  }
  kdc_log(k, GKDC_LOG_INFO, "group %s: node %s uploaded a new credential", c->g->name,
          c->mrec->node_name);
  return kdc_reply(resp, GKDC_CODE(2, 4));
}

/* DELETE .../nodes/NODENAME: leave (section 4.8.3). */
static int leave(struct kdc_ctx *c, struct gkdc_response *resp)
{
  if (!kdc_member_remove(c->k, c->g, c->mrec->node_name, 0))
    return kdc_reply(resp, GKDC_CODE(5, 0));
  kdc_reply(resp, GKDC_CODE(2, 2));
  if (c->g->rekey_on_leave)
    kdc_rekey_group(c->k, c->g, GKDC_REKEY_LEAVE);
  return GKDC_HANDLED;
}

/* ---- dispatch ---- */

/* The appprofile's resource named `seg`, or NULL. */
static const struct gkdc_ap_resource_def *ap_resource(const struct kdc_state *k,
                                                      const struct gkdc_bytes *seg)
{
  size_t i;

  for (i = 0; i < k->ap->resource_count; i++)
    if (seg_is(seg, k->ap->resources[i].path))
      return &k->ap->resources[i];
  return NULL;
}

int kdc_handle_group(void *arg, const struct gkdc_request *req,
                     struct gkdc_response *resp)
{
  struct kdc_group *g = arg;
  struct kdc_state *k = g->k;
  struct kdc_ctx c;
  const struct gkdc_bytes *rest;
  size_t nrest;
  size_t base = root_segments(k) + 1;
  int res;
  uint32_t allowed;
  const struct gkdc_ap_resource_def *pdef = NULL;
  struct gkdc_ap_access acc;
  struct gkdc_ap_fail fail = {0, -1, NULL};
  int result;

  if (req->path_count < base)
    return kdc_reply(resp, GKDC_CODE(4, 4));
  rest = req->path + base;
  nrest = req->path_count - base;

  /* Which resource, and which methods it has. */
  if (nrest == 0) {
    res = GKDC_AP_RES_GROUP;
    allowed = GKDC_METHOD_BIT(GKDC_GET) | GKDC_METHOD_BIT(GKDC_POST);
  } else if (nrest == 1 && seg_is(&rest[0], "creds")) {
    res = GKDC_AP_RES_CREDS;
    allowed = GKDC_METHOD_BIT(GKDC_GET) | GKDC_METHOD_BIT(GKDC_FETCH);
  } else if (nrest == 1 && seg_is(&rest[0], "kdc-cred")) {
    res = GKDC_AP_RES_KDC_CRED;
    allowed = GKDC_METHOD_BIT(GKDC_GET) | GKDC_METHOD_BIT(GKDC_FETCH);
  } else if (nrest == 1 && seg_is(&rest[0], "policies")) {
    res = GKDC_AP_RES_POLICIES;
    allowed = GKDC_METHOD_BIT(GKDC_GET);
  } else if (nrest == 1 && seg_is(&rest[0], "num")) {
    res = GKDC_AP_RES_NUM;
    allowed = GKDC_METHOD_BIT(GKDC_GET);
  } else if (nrest == 2 && seg_is(&rest[0], "nodes")) {
    res = GKDC_AP_RES_NODE;
    allowed = GKDC_METHOD_BIT(GKDC_GET) | GKDC_METHOD_BIT(GKDC_POST) |
              GKDC_METHOD_BIT(GKDC_DELETE);
  } else if (nrest == 3 && seg_is(&rest[0], "nodes") && seg_is(&rest[2], "cred")) {
    res = GKDC_AP_RES_NODE_CRED;
    allowed = GKDC_METHOD_BIT(GKDC_POST);
  } else if (nrest == 1 && (pdef = ap_resource(k, &rest[0])) != NULL) {
    res = pdef->id;
    allowed = pdef->methods;
  } else {
    return kdc_reply(resp, GKDC_CODE(4, 4));
  }
  if (req->method > 31 || (allowed & GKDC_METHOD_BIT(req->method)) == 0)
    return kdc_reply(resp, GKDC_CODE(4, 5));
  if (authz_invalid(k, req))
    return kdc_reply(resp, GKDC_CODE(4, 1));
  if (!ctx_open(&c, k, g, req, resp)) {
    ctx_close(&c);
    return GKDC_HANDLED;
  }

  /* A node removed by force learns it from its node resource. */
  if ((res == GKDC_AP_RES_NODE || res == GKDC_AP_RES_NODE_CRED) &&
      (c.mrec == NULL || !seg_is(&rest[1], c.mrec->node_name)) &&
      kdc_evicted_find(g, &rest[1], c.authz->token_id)) {
    result = kdc_reply_problem(resp, GKDC_CODE(4, 4), GKDC_GC_ERR_MEMBERSHIP_TERMINATED,
                               "group membership terminated");
    goto out;
  }

  /* The profile's method table (RFC 9594 section 4.1.2, REQ11). */
  memset(&acc, 0, sizeof(acc));
  acc.size = sizeof(acc);
  acc.group = c.rec;
  acc.resource = res;
  acc.method = req->method;
  acc.has_grant = c.has_grant;
  acc.granted_roles = c.granted;
  acc.member = c.mrec != NULL ? &c.member : NULL;
  if (res == GKDC_AP_RES_NODE || res == GKDC_AP_RES_NODE_CRED)
    acc.own_node = c.mrec != NULL && seg_is(&rest[1], c.mrec->node_name);
  if (!c.has_grant) {
    result = kdc_reply(resp, GKDC_CODE(4, 3));
    goto out;
  }
  if (!k->ap->access_check(k->ap_p.state, &acc, &fail)) {
    if (fail.code == 0)
      fail.code = GKDC_CODE(4, 3);
    result = kdc_reply_fail(resp, &fail);
    goto out;
  }
  /* RFC 9594 rules that apply whatever the profile's table allows. */
  if ((res == GKDC_AP_RES_NODE || res == GKDC_AP_RES_NODE_CRED) && !acc.own_node) {
    result = c.mrec == NULL
                 ? kdc_reply_problem(resp, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS, NULL)
                 : kdc_reply(resp, GKDC_CODE(4, 3));
    goto out;
  }
  if (c.mrec == NULL &&
      ((res == GKDC_AP_RES_GROUP && req->method == GKDC_GET) ||
       res == GKDC_AP_RES_POLICIES || res == GKDC_AP_RES_NUM ||
       (res == GKDC_AP_RES_KDC_CRED && req->method == GKDC_GET))) {
    result = kdc_reply_problem(resp, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS, NULL);
    goto out;
  }

  switch (res) {
  case GKDC_AP_RES_GROUP:
    result = req->method == GKDC_POST ? kdc_join(&c, resp)
                                      : key_dist_get(&c, GKDC_AP_CTX_GROUP_GET, resp);
    break;
  case GKDC_AP_RES_CREDS:
    result = creds(&c, resp);
    break;
  case GKDC_AP_RES_KDC_CRED:
    result = kdc_cred(&c, resp);
    break;
  case GKDC_AP_RES_POLICIES:
    result = policies(&c, resp);
    break;
  case GKDC_AP_RES_NUM: {
    uint8_t buf[16];
    struct gkdc_cbor_enc e;

    gkdc_cbor_enc_init(&e, buf, sizeof(buf));
    gkdc_cbor_enc_put_uint(&e, c.rec->key_version);
    result = reply_bare(resp, &e);
    break;
  }
  case GKDC_AP_RES_NODE:
    if (req->method == GKDC_GET)
      result = key_dist_get(&c, GKDC_AP_CTX_NODE_GET, resp);
    else if (req->method == GKDC_POST)
      result = key_renewal(&c, resp);
    else
      result = leave(&c, resp);
    break;
  case GKDC_AP_RES_NODE_CRED:
    result = cred_upload(&c, resp);
    break;
  default:
    /* The appprofile's own resources (OSCORE: /active, /verif-data,
     * /stale-sids). */
    k->ap->resource_handle(k->ap_p.state, c.rec, res, c.mrec != NULL ? &c.member : NULL,
                           req, resp);
    if (resp->code == 0)
      kdc_reply(resp, GKDC_CODE(5, 0));
    result = GKDC_HANDLED;
    break;
  }

out:
  ctx_close(&c);
  return result;
}
