/*
 * Observe (RFC 7641) through OSCORE: the plugin keeps each observation it
 * accepted. When the host reports a changed path, the plugin dispatches
 * the kept request again and sends the representation as a notification
 * with a fresh Partial IV (RFC 8613 section 4.1.3.5.2).
 */
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

/* Largest inner request kept, and the room of a notification beyond its
 * payload and Location-Path values. */
#define OBSERVE_REQUEST_MAX 512
#define NOTIFICATION_OVERHEAD 512

struct observation {
  struct observation *next;
  struct gkdc_oscore_ctx *ctx; /* borrowed; the observation goes with the context */
  struct gkdc_oscore_request binding;
  gkdc_exchange_ref *ref;
  uint8_t *request; /* the inner request, encoded */
  size_t request_len;
  char *path; /* Uri-Path segments joined with '/' */
  uint8_t token[8];
  size_t token_len;
  uint32_t seq; /* Observe value of the next notification */
};

static void observation_free(struct profile_state *ps, struct observation *o)
{
  if (o->ref != NULL && GKDC_HAS_OP(ps->host, exchange_release))
    ps->host->exchange_release(o->ref);
  free(o->request);
  free(o->path);
  gkdc_wipe(&o->binding, sizeof(o->binding));
  free(o);
}

/* Unlinks and frees the observations that `match` selects. */
static void drop_where(struct profile_state *ps,
                       int (*match)(const struct observation *, const void *), const void *arg)
{
  struct observation **link = &ps->observations;

  while (*link != NULL) {
    struct observation *o = *link;

    if (match(o, arg)) {
      *link = o->next;
      observation_free(ps, o);
    } else {
      link = &o->next;
    }
  }
}

static int match_ctx(const struct observation *o, const void *ctx)
{
  return o->ctx == ctx;
}

static int match_any(const struct observation *o, const void *unused)
{
  (void)o;
  (void)unused;
  return 1;
}

struct ctx_token {
  const struct gkdc_oscore_ctx *ctx;
  const uint8_t *token;
  size_t token_len;
};

static int match_ctx_token(const struct observation *o, const void *arg)
{
  const struct ctx_token *k = arg;

  return o->ctx == k->ctx && o->token_len == k->token_len &&
         memcmp(o->token, k->token, k->token_len) == 0;
}

void profile_observe_drop_ctx(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx)
{
  drop_where(ps, match_ctx, ctx);
}

void profile_observe_drop_all(struct profile_state *ps)
{
  drop_where(ps, match_any, NULL);
}

void profile_observe_cancel(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx,
                            const struct gkdc_coap_msg *inner)
{
  struct ctx_token k = {ctx, inner->token, inner->token_len};

  drop_where(ps, match_ctx_token, &k);
}

int profile_observe_available(const struct profile_state *ps)
{
  return GKDC_HAS_OP(ps->host, exchange_keep) && GKDC_HAS_OP(ps->host, exchange_notify) &&
         GKDC_HAS_OP(ps->host, exchange_release) && ps->notify_hook_added;
}

/* Joins the Uri-Path segments of a request with '/'. */
static char *join_path(const struct gkdc_request *req)
{
  size_t len = 1;
  size_t i;
  char *path, *p;

  for (i = 0; i < req->path_count; i++)
    len += req->path[i].len + 1;
  path = malloc(len);
  if (path == NULL)
    return NULL;
  p = path;
  for (i = 0; i < req->path_count; i++) {
    if (i > 0)
      *p++ = '/';
    memcpy(p, req->path[i].ptr, req->path[i].len);
    p += req->path[i].len;
  }
  *p = '\0';
  return path;
}

uint32_t profile_observe_start(struct profile_state *ps, gkdc_exchange *x,
                               struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *inner,
                               const struct gkdc_request *req,
                               const struct gkdc_oscore_request *binding)
{
  struct observation *o;
  uint8_t wire[OBSERVE_REQUEST_MAX];
  size_t wire_len;

  /* A registration with the same token replaces the earlier one. */
  profile_observe_cancel(ps, ctx, inner);

  if (!gkdc_oscore_msg_encode(inner, wire, sizeof(wire), &wire_len))
    return 0;
  o = calloc(1, sizeof(*o));
  if (o == NULL)
    return 0;
  o->request = malloc(wire_len);
  o->path = join_path(req);
  o->ref = ps->host->exchange_keep(x);
  if (o->request == NULL || o->path == NULL || o->ref == NULL) {
    observation_free(ps, o);
    return 0;
  }
  memcpy(o->request, wire, wire_len);
  o->request_len = wire_len;
  o->ctx = ctx;
  o->binding = *binding;
  memcpy(o->token, inner->token, inner->token_len);
  o->token_len = inner->token_len;
  o->seq = 1;
  o->next = ps->observations;
  ps->observations = o;
  return o->seq++;
}

/* Sends one notification; returns 0 when the observation ends. */
static int notify_one(struct profile_state *ps, struct observation *o)
{
  struct gkdc_coap_msg inner, plain, out;
  struct gkdc_oscore_inner req;
  struct gkdc_peer peer;
  struct gkdc_response resp;
  uint8_t scratch[16];
  uint8_t *buf;
  size_t cap, i;
  const struct gkdc_authz *authz;
  int expired, final, sent = 0;

  /* An observation ends with 4.01 once its token expired (RFC 9203
   * section 4.5); the context goes with the next request. */
  authz = profile_context_authz(o->ctx, GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0,
                                &expired);
  if (expired) {
    if (gkdc_oscore_error_message(GKDC_OSCORE_ERR_NO_CONTEXT, &out))
      ps->host->exchange_notify(o->ref, &out);
    return 0;
  }

  memset(&peer, 0, sizeof(peer));
  peer.size = sizeof(peer);
  peer.transport = GKDC_TRANSPORT_OSCORE;
  peer.identity.ptr = o->ctx->recipient_id;
  peer.identity.len = o->ctx->recipient_id_len;
  peer.authz = authz;
  if (!gkdc_oscore_msg_decode(o->request, o->request_len, &inner) ||
      !gkdc_oscore_inner_request(&inner, &peer, &req))
    return 0;
  req.request.observe = GKDC_OBSERVE_NONE;

  gkdc_response_init(&resp);
  ps->host->dispatch(&req.request, &resp);
  if (resp.code == 0)
    gkdc_response_set(&resp, GKDC_CODE(5, 0), GKDC_CF_NONE, NULL, 0);

  /* A non-2.xx response is the last one and carries no Observe. */
  final = GKDC_CODE_CLASS(resp.code) != 2;
  cap = resp.payload_len + NOTIFICATION_OVERHEAD;
  for (i = 0; i < resp.location_count; i++)
    cap += strlen(resp.location[i]) + 5;
  buf = malloc(cap);
  if (buf != NULL &&
      gkdc_oscore_inner_response(&resp, final ? GKDC_OBSERVE_NONE : (int32_t)o->seq, &plain,
                                 scratch, sizeof(scratch))) {
    plain.type = GKDC_COAP_NON;
    plain.token_len = o->token_len;
    memcpy(plain.token, o->token, o->token_len);
    profile_store_ssn(ps, o->ctx);
    if (gkdc_oscore_protect_response(o->ctx, &plain, GKDC_OSCORE_PIV_OWN, &out, buf, cap,
                                     &o->binding) == GKDC_OSCORE_OK)
      sent = ps->host->exchange_notify(o->ref, &out);
  }
  o->seq = (o->seq + 1) & 0xffffff;
  free(buf);
  gkdc_response_clear(&resp);
  return sent && !final;
}

void profile_observe_changed(void *arg, const char *path)
{
  struct profile_state *ps = arg;
  struct observation **link = &ps->observations;

  while (*link != NULL) {
    struct observation *o = *link;

    if (strcmp(o->path, path) == 0 && !notify_one(ps, o)) {
      *link = o->next;
      observation_free(ps, o);
      continue;
    }
    link = &o->next;
  }
}

void profile_observe_end_ctx(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx)
{
  struct observation *o;
  struct gkdc_coap_msg msg;

  /* RFC 9203 section 4.5: an observation whose token expired ends with an
   * unprotected 4.01. */
  if (gkdc_oscore_error_message(GKDC_OSCORE_ERR_NO_CONTEXT, &msg))
    for (o = ps->observations; o != NULL; o = o->next)
      if (o->ctx == ctx)
        ps->host->exchange_notify(o->ref, &msg);
  profile_observe_drop_ctx(ps, ctx);
}
