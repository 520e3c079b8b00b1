/*
 * appprofile-group-oscore: the profile's resources below
 * ROOT/GROUPNAME: /active, /verif-data and /stale-sids. The KDC has run
 * access_check() before it calls resource_handle().
 */
#include <stdlib.h>
#include <string.h>

#include "osc_internal.h"

const struct gkdc_ap_resource_def osc_resources[3] = {
    {OSC_RES_ACTIVE, "active", GKDC_METHOD_BIT(GKDC_GET), 1},
    {OSC_RES_VERIF_DATA, "verif-data", GKDC_METHOD_BIT(GKDC_GET), 0},
    {OSC_RES_STALE_SIDS, "stale-sids", GKDC_METHOD_BIT(GKDC_FETCH), 0},
};

/* Most stale Sender IDs one /stale-sids response lists. */
#define STALE_MAX 4096

static int reply(struct gkdc_response *resp, uint8_t code)
{
  gkdc_response_set(resp, code, GKDC_CF_NONE, NULL, 0);
  return 1;
}

static int reply_enc(struct gkdc_response *resp, uint8_t code, int32_t cf,
                     struct gkdc_cbor_enc *e)
{
  size_t len = 0;

  if (gkdc_cbor_enc_finish(e, &len) != GKDC_CBOR_OK)
    return reply(resp, GKDC_CODE(5, 0));
  if (!gkdc_response_set(resp, code, cf, e->buf, len))
    return reply(resp, GKDC_CODE(5, 0));
  return 1;
}

/* GET .../active: CBOR true or false (Content-Format 60, as the profile's
 * example and the Java implementation send it). */
static int active_get(const struct gkdc_store_group *g, struct gkdc_response *resp)
{
  uint8_t buf[1];
  struct gkdc_cbor_enc e;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_bool(&e, (g->flags & GKDC_STORE_GROUP_ACTIVE) != 0);
  return reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_CBOR, &e);
}

/* GET .../verif-data: gkty, key, num, ace_groupcomm_profile, exp, exi and
 * sign_enc_key for signature verifiers. */
static int verif_get(struct osc_state *s, const struct gkdc_store_group *g,
                     struct gkdc_response *resp)
{
  uint8_t buf[512];
  uint8_t key[256];
  size_t key_len = sizeof(key);
  uint8_t extra[64];
  size_t extra_len = sizeof(extra);
  size_t extra_count = 0;
  struct gkdc_cbor_enc e;
  size_t mark, pairs = 4;
  int64_t now = GKDC_HAS_OP(s->host, now) ? s->host->now() : 0;
  int ok;

  if (!(g->flags & GKDC_STORE_GROUP_MODE)) {
    gkdc_response_set(resp, GKDC_CODE(4, 0), GKDC_CF_NONE, NULL, 0);
    return 1;
  }
  if (!osc_key_write(s, g, GKDC_AP_CTX_VERIF, NULL, key, &key_len) ||
      !osc_extra_write(s, g, GKDC_AP_CTX_VERIF, NULL, extra, &extra_len, &extra_count))
    return reply(resp, GKDC_CODE(5, 0));

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_GKTY);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_GKTY);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_KEY);
  gkdc_cbor_enc_put_raw(&e, key, key_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_NUM);
  gkdc_cbor_enc_put_uint(&e, g->key_version);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_ACE_GROUPCOMM_PROFILE);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_GROUPCOMM_PROFILE);
  if (g->exp > 0) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_EXP);
    gkdc_cbor_enc_put_uint(&e, (uint64_t)g->exp);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_EXI);
    gkdc_cbor_enc_put_uint(&e, g->exp > now ? (uint64_t)(g->exp - now) : 0);
    pairs += 2;
  }
  gkdc_cbor_enc_put_raw(&e, extra, extra_len);
  pairs += extra_count;
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  ok = reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_ACE_GROUPCOMM_CBOR, &e);
  gkdc_wipe(extra, sizeof(extra));
  gkdc_wipe(buf, sizeof(buf));
  return ok;
}

/* The distinct Sender IDs of the stale sets of versions >= min. */
struct stale_union {
  uint8_t (*ids)[GKDC_STORE_SID_MAX];
  uint8_t *lens;
  size_t count;
  int overflow;
};

static int stale_collect(void *arg, uint64_t version, const uint8_t *sid, size_t sid_len)
{
  struct stale_union *u = arg;
  size_t i;

  (void)version;
  if (sid_len == 0 || sid_len > GKDC_STORE_SID_MAX)
    return 1;
  for (i = 0; i < u->count; i++)
    if (u->lens[i] == sid_len && memcmp(u->ids[i], sid, sid_len) == 0)
      return 1;
  if (u->count == STALE_MAX) {
    u->overflow = 1;
    return 0;
  }
  memcpy(u->ids[u->count], sid, sid_len);
  u->lens[u->count++] = (uint8_t)sid_len;
  return 1;
}

/*
 * FETCH .../stale-sids with a CBOR unsigned integer V, the requester's
 * key version: the union of the SKEW = V' - V + 1 newest stale sets
 * (V' the current version), or 2.05 without payload when fewer sets are
 * kept (the requester then drops every credential and Recipient Context).
 */
static int stale_fetch(struct osc_state *s, const struct gkdc_store_group *g,
                       const struct gkdc_request *req, struct gkdc_response *resp)
{
  struct gkdc_cbor_dec d;
  uint64_t v = 0, oldest = 0, newest = 0;
  struct stale_union u;
  uint8_t *buf = NULL;
  size_t cap, i;
  struct gkdc_cbor_enc e;
  int ok;

  if (req->content_format != GKDC_CF_NONE && req->content_format != GKDC_CF_CBOR &&
      req->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
    return reply(resp, GKDC_CODE(4, 15));
  if (gkdc_cbor_dec_init(&d, req->payload, req->payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_get_uint(&d, &v) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    return reply(resp, GKDC_CODE(4, 0));
  if (v >= g->key_version)
    return reply(resp, GKDC_CODE(4, 0));

  if (!s->store->stale_range(s->store_p.state, g->name, &oldest, &newest))
    return reply(resp, GKDC_CODE(5, 0));
  /* SKEW sets are versions v .. V'; all of them must still be kept. */
  if (v < oldest || newest < g->key_version)
    return reply(resp, GKDC_CODE(2, 5));

  memset(&u, 0, sizeof(u));
  u.ids = malloc(STALE_MAX * sizeof(*u.ids));
  u.lens = malloc(STALE_MAX);
  if (u.ids == NULL || u.lens == NULL) {
    ok = reply(resp, GKDC_CODE(5, 0));
    goto out;
  }
  if (!s->store->stale_list(s->store_p.state, g->name, v, stale_collect, &u) || u.overflow) {
    ok = reply(resp, GKDC_CODE(5, 0));
    goto out;
  }
  cap = 16 + u.count * (GKDC_STORE_SID_MAX + 1);
  if ((buf = malloc(cap)) == NULL) {
    ok = reply(resp, GKDC_CODE(5, 0));
    goto out;
  }
  gkdc_cbor_enc_init(&e, buf, cap);
  gkdc_cbor_enc_put_array(&e, u.count);
  for (i = 0; i < u.count; i++)
    gkdc_cbor_enc_put_bstr(&e, u.ids[i], u.lens[i]);
  ok = reply_enc(resp, GKDC_CODE(2, 5), GKDC_CF_CBOR, &e);

out:
  free(buf);
  free(u.ids);
  free(u.lens);
  return ok;
}

int osc_resource_handle(void *st, const struct gkdc_store_group *group,
                        int resource, const struct gkdc_ap_member *member,
                        const struct gkdc_request *req, struct gkdc_response *resp)
{
  struct osc_state *s = st;

  (void)member;
  if (group == NULL || req == NULL || resp == NULL)
    return 0;
  switch (resource) {
  case OSC_RES_ACTIVE:
    if (req->method != GKDC_GET)
      return reply(resp, GKDC_CODE(4, 5));
    return active_get(group, resp);
  case OSC_RES_VERIF_DATA:
    if (req->method != GKDC_GET)
      return reply(resp, GKDC_CODE(4, 5));
    return verif_get(s, group, resp);
  case OSC_RES_STALE_SIDS:
    if (req->method != GKDC_FETCH)
      return reply(resp, GKDC_CODE(4, 5));
    return stale_fetch(s, group, req, resp);
  default:
    return reply(resp, GKDC_CODE(4, 4));
  }
}
