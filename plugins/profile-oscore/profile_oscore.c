/*
 * profile-oscore: the OSCORE profile of ACE (RFC 9203), ace_profile
 * "coap_oscore".
 *
 * The plugin registers the host's interceptor of requests with an OSCORE
 * option. For each one it finds the security context by (kid, kid
 * context), responds to a CON retransmission from the context's response
 * cache, unprotects the request, dispatches the inner request to the route
 * handlers, protects the handler's response and sends it.
 * OSCORE-layer failures get the unprotected 4.02/4.01/4.00 of RFC 8613
 * section 8.2.
 *
 * POST /authz-info (profile_authz.c) creates the contexts: the token
 * bound to a context reaches the handlers as peer->authz, and once it
 * expires the context answers 4.01 and is removed, and the KDC is told.
 *
 * The client side (profile_client.c) serves a joining node, and
 * observations are served through OSCORE (profile_observe.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/plugin.h>
#include <gkdc/kdc.h>
#include <gkdc/profile.h>

#include "profile_internal.h"

/* Room for everything of a protected message but the payload and the
 * inner option values: code, option headers, payload marker, AEAD tag,
 * OSCORE option (at most 255 bytes) and outer options. */
#define PROTECT_OVERHEAD 512
/* Buffer of the Echo challenge response, which has no payload. */
#define ECHO_MSG_MAX 512
/* Room for the uint option values of a response (Observe, Content-Format,
 * Max-Age). The outer Observe of a protected notification points into it,
 * so it lives as long as the protected message. */
#define OPTION_SCRATCH 16

void profile_log(const struct profile_state *ps, int level, const char *fmt, ...)
{
  va_list ap;

  if (!GKDC_HAS_OP(ps->host, vlog))
    return;
  va_start(ap, fmt);
  ps->host->vlog(ps->self, level, fmt, ap);
  va_end(ap);
}

void profile_log_limited(struct profile_state *ps, enum profile_log_reason reason, int level,
                         const char *fmt, ...)
{
  struct profile_log_limit *limit = &ps->log_limits[reason];
  uint64_t now = 0;
  char line[256];
  va_list ap;

  if (GKDC_HAS_OP(ps->host, monotonic_ms))
    now = ps->host->monotonic_ms();
  else
    limit->logged = 0; /* without a clock every line is logged */
  if (limit->logged && now - limit->last_ms < PROFILE_LOG_INTERVAL_MS) {
    limit->suppressed++;
    return;
  }

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (limit->suppressed > 0)
    profile_log(ps, level, "%s (%lu similar lines suppressed)", line, limit->suppressed);
  else
    profile_log(ps, level, "%s", line);
  limit->logged = 1;
  limit->last_ms = now;
  limit->suppressed = 0;
}

static uint64_t now_ms(const struct profile_state *ps)
{
  return GKDC_HAS_OP(ps->host, monotonic_ms) ? ps->host->monotonic_ms() : 0;
}

/* Sends the unprotected error response of an OSCORE-layer failure. */
static void reply_error(struct profile_state *ps, gkdc_exchange *x,
                        enum gkdc_oscore_status st, const struct gkdc_peer *peer)
{
  struct gkdc_coap_msg msg;

  profile_log(ps, GKDC_LOG_INFO, "OSCORE request from %s rejected: %s",
       peer != NULL && peer->address != NULL ? peer->address : "?",
       gkdc_oscore_status_str(st));
  if (!gkdc_oscore_error_message(st, &msg)) {
    /* A local failure (buffer, crypto): no OSCORE error code applies. */
    memset(&msg, 0, sizeof(msg));
    msg.code = GKDC_CODE(5, 0);
  }
  ps->host->exchange_reply(x, &msg);
}

/* Responds to a retransmitted CON request from the context's cache. Returns 1
 * when it did. */
static int reply_cached(struct profile_state *ps, gkdc_exchange *x,
                        struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *msg)
{
  const uint8_t *cached;
  size_t cached_len;
  struct gkdc_coap_msg reply;

  if (!gkdc_oscore_cache_lookup(ctx, msg, now_ms(ps), &cached, &cached_len))
    return 0;
  if (!gkdc_oscore_msg_decode(cached, cached_len, &reply))
    return 0;
  profile_log(ps, GKDC_LOG_DEBUG, "answered a retransmission of message ID %u from the cache",
       (unsigned)msg->mid);
  ps->host->exchange_reply(x, &reply);
  return 1;
}

/* Dispatches the inner request and protects the handler's response into
 * `out`, with views into `buf`. */
static enum gkdc_oscore_status handle_inner(struct profile_state *ps, gkdc_exchange *x,
                                            struct gkdc_oscore_ctx *ctx,
                                            const struct gkdc_coap_msg *inner,
                                            const struct gkdc_peer *outer_peer,
                                            const struct gkdc_authz *authz,
                                            struct gkdc_oscore_request *binding,
                                            struct gkdc_coap_msg *out, uint8_t **buf,
                                            size_t *cap, uint8_t scratch[OPTION_SCRATCH])
{
  struct gkdc_oscore_inner req;
  struct gkdc_peer peer;
  struct gkdc_response resp;
  struct gkdc_coap_msg plain;
  int32_t observe = GKDC_OBSERVE_NONE;
  size_t i;
  enum gkdc_oscore_status st;

  /* The handler sees the request as coming over OSCORE from the kid. */
  memset(&peer, 0, sizeof(peer));
  peer.size = sizeof(peer);
  peer.transport = GKDC_TRANSPORT_OSCORE;
  peer.address = outer_peer != NULL ? outer_peer->address : NULL;
  peer.identity.ptr = ctx->recipient_id;
  peer.identity.len = ctx->recipient_id_len;
  peer.authz = authz;

  gkdc_response_init(&resp);
  if (!gkdc_oscore_inner_request(inner, &peer, &req)) {
    gkdc_response_set(&resp, GKDC_CODE(4, 2), GKDC_CF_NONE, NULL, 0);
  } else {
    /* A deregistration, or a request the host cannot keep, is served as a
     * plain request. */
    if (req.request.observe == GKDC_OBSERVE_DEREGISTER)
      profile_observe_cancel(ps, ctx, inner);
    if (req.request.observe != GKDC_OBSERVE_REGISTER || req.request.method != GKDC_GET ||
        !profile_observe_available(ps))
      req.request.observe = GKDC_OBSERVE_NONE;
    ps->host->dispatch(&req.request, &resp);

    /* A successful registration becomes an observation whose first
     * response is a notification. */
    if (req.request.observe == GKDC_OBSERVE_REGISTER && GKDC_CODE_CLASS(resp.code) == 2) {
      uint32_t seq = profile_observe_start(ps, x, ctx, inner, &req.request, binding);

      if (seq > 0)
        observe = (int32_t)seq;
    }
  }
  if (resp.code == 0)
    gkdc_response_set(&resp, GKDC_CODE(5, 0), GKDC_CF_NONE, NULL, 0);

  if (!gkdc_oscore_inner_response(&resp, observe, &plain, scratch, OPTION_SCRATCH)) {
    gkdc_response_clear(&resp);
    return GKDC_OSCORE_ERR_INVALID;
  }
  plain.type = inner->type;
  plain.mid = inner->mid;
  plain.token_len = inner->token_len;
  memcpy(plain.token, inner->token, inner->token_len);

  /* The protected message: the payload, the tag and the inner options
   * (at most PROTECT_OVERHEAD bytes with the OSCORE option). */
  *cap = plain.payload.len + PROTECT_OVERHEAD;
  for (i = 0; i < plain.option_count; i++)
    *cap += plain.options[i].value.len + 5;
  *buf = malloc(*cap);
  if (*buf == NULL) {
    gkdc_response_clear(&resp);
    return GKDC_OSCORE_ERR_BUFFER;
  }

  /* A new Partial IV must be below the stored bound; raise it first. */
  profile_store_ssn(ps, ctx);
  st = gkdc_oscore_protect_response(ctx, &plain, GKDC_OSCORE_PIV_AUTO, out, *buf, *cap,
                                    binding);
  gkdc_response_clear(&resp);
  return st;
}

/* Tells the KDC that the context's token expired and removes the context. */
static void end_context(struct profile_state *ps, struct gkdc_oscore_ctx *ctx)
{
  const struct bound_token *bt = ctx->user;
  struct gkdc_provider prov;
  const struct gkdc_kdc_ops *kdc;

  profile_log(ps, GKDC_LOG_INFO, "the token of an OSCORE context expired; context removed");
  /* The KDC hears once per token, when its last context goes (a token
   * posted again may have two). */
  if (bt != NULL && !profile_authz_has_sibling(ps, ctx) && GKDC_HAS_OP(ps->host, get_kdc) &&
      ps->host->get_kdc(&prov)) {
    kdc = prov.ops;
    if (GKDC_HAS_OP(kdc, token_end))
      kdc->token_end(prov.state, bt->authz.token_id, GKDC_TOKEN_EXPIRED, NULL);
  }
  profile_store_expired(ps, bt);
  profile_observe_end_ctx(ps, ctx);
  gkdc_oscore_ctxset_remove(ps->contexts, ctx);
}

/* Ends every context whose token expired, so that the KDC removes the
 * memberships without waiting for the client's next request. */
static void sweep_expired(void *arg)
{
  struct profile_state *ps = arg;
  int64_t now = GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0;
  size_t i = 0;

  while (i < gkdc_oscore_ctxset_count(ps->contexts)) {
    struct gkdc_oscore_ctx *ctx = gkdc_oscore_ctxset_get0(ps->contexts, i);
    int expired;

    profile_context_authz(ctx, now, &expired);
    if (expired) {
      end_context(ps, ctx);
      continue;
    }
    i++;
  }
}

/*
 * Handles a request that verified while the replay window was lost
 * (Appendix B.1.2). Returns GKDC_OSCORE_OK when its Echo option repeats
 * the open challenge, so the request is fresh. Otherwise it opens a
 * challenge, sends the protected 4.01 with Echo and returns
 * GKDC_OSCORE_ERR_UNSYNCED; any other status is a failure to report.
 */
static enum gkdc_oscore_status check_fresh(struct profile_state *ps, gkdc_exchange *x,
                                           struct gkdc_oscore_ctx *ctx,
                                           const struct gkdc_coap_msg *inner,
                                           struct gkdc_oscore_request *binding,
                                           uint8_t *buf, size_t cap)
{
  struct gkdc_coap_msg challenge, out;
  uint8_t value[GKDC_OSCORE_ECHO_LEN];
  enum gkdc_oscore_status st;

  st = gkdc_oscore_echo_resync(ctx, inner, binding);
  if (st != GKDC_OSCORE_ERR_UNSYNCED)
    return st;

  if (!ctx->echo_set) {
    if (!gkdc_crypto_random(ctx->cx, value, sizeof(value)))
      return GKDC_OSCORE_ERR_CRYPTO;
    gkdc_oscore_echo_set(ctx, value);
  }
  if (!gkdc_oscore_echo_response(ctx, inner, &challenge))
    return GKDC_OSCORE_ERR_INVALID;
  profile_store_ssn(ps, ctx);
  st = gkdc_oscore_protect_response(ctx, &challenge, GKDC_OSCORE_PIV_OWN, &out, buf, cap,
                                    binding);
  if (st != GKDC_OSCORE_OK)
    return st;

  profile_log(ps, GKDC_LOG_INFO, "replay window lost: sent an Echo challenge");
  ps->host->exchange_reply(x, &out);
  return GKDC_OSCORE_ERR_UNSYNCED;
}

static void on_whole_request(struct profile_state *ps, gkdc_exchange *x,
                             const struct gkdc_coap_msg *msg, const struct gkdc_peer *peer);

/* The interceptor: outer blocks are put together before anything else. */
static void on_oscore_request(void *arg, gkdc_exchange *x, const struct gkdc_coap_msg *msg,
                              const struct gkdc_peer *peer)
{
  struct profile_state *ps = arg;
  struct gkdc_coap_msg whole;

  switch (profile_block1_take(ps, x, msg, peer, &whole)) {
  case PROFILE_BLOCK1_WHOLE:
    on_whole_request(ps, x, msg, peer);
    break;
  case PROFILE_BLOCK1_REASSEMBLED:
    on_whole_request(ps, x, &whole, peer);
    profile_block1_done(ps);
    break;
  default:
    break;
  }
}

static void on_whole_request(struct profile_state *ps, gkdc_exchange *x,
                             const struct gkdc_coap_msg *msg, const struct gkdc_peer *peer)
{
  struct gkdc_oscore_ctx *ctx = NULL;
  const struct gkdc_authz *authz;
  int expired;
  struct gkdc_oscore_request binding;
  struct gkdc_coap_msg inner, out;
  uint8_t *inner_buf = NULL, *out_buf = NULL, *wire = NULL;
  uint8_t scratch[OPTION_SCRATCH];
  size_t inner_cap, out_cap = 0, wire_cap, wire_len;
  enum gkdc_oscore_status st;
  int from_authz;

  /* The contexts from /authz-info first, then those of client sessions
   * (requests from the server a client session talks to). */
  st = gkdc_oscore_ctxset_find_for_request(ps->contexts, msg, &ctx);
  from_authz = st == GKDC_OSCORE_OK;
  if (st == GKDC_OSCORE_ERR_NO_CONTEXT)
    st = profile_client_find(ps, msg, &ctx);
  if (st != GKDC_OSCORE_OK) {
    reply_error(ps, x, st, peer);
    return;
  }
  if (reply_cached(ps, x, ctx, msg))
    return;

  /* A context whose token expired gets an unprotected 4.01 and is removed. */
  authz = profile_context_authz(ctx, GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0,
                                &expired);
  if (expired) {
    end_context(ps, ctx);
    reply_error(ps, x, GKDC_OSCORE_ERR_NO_CONTEXT, peer);
    return;
  }

  /* The plaintext is shorter than the ciphertext; a whole body that the
   * host reassembled from blocks may be large. */
  inner_cap = msg->payload.len > 0 ? msg->payload.len : 1;
  inner_buf = malloc(inner_cap);
  if (inner_buf == NULL) {
    reply_error(ps, x, GKDC_OSCORE_ERR_BUFFER, peer);
    goto done;
  }

  st = gkdc_oscore_unprotect_request(ctx, msg, &inner, inner_buf, inner_cap, &binding);
  if (st == GKDC_OSCORE_ERR_UNSYNCED) {
    out_buf = malloc(ECHO_MSG_MAX);
    st = out_buf == NULL
             ? GKDC_OSCORE_ERR_BUFFER
             : check_fresh(ps, x, ctx, &inner, &binding, out_buf, ECHO_MSG_MAX);
    if (st == GKDC_OSCORE_ERR_UNSYNCED)
      goto done; /* the Echo challenge went out */
    free(out_buf);
    out_buf = NULL;
  }
  if (st != GKDC_OSCORE_OK) {
    reply_error(ps, x, st, peer);
    goto done;
  }

  /* The first request verified under the context of a token posted again
   * retires the token's earlier context. */
  if (from_authz && ctx->user != NULL &&
      ((const struct bound_token *)ctx->user)->replaces_pending)
    profile_authz_replace_reposted(ps, ctx);

  st = handle_inner(ps, x, ctx, &inner, peer, authz, &binding, &out, &out_buf, &out_cap,
                    scratch);
  if (st != GKDC_OSCORE_OK) {
    profile_log(ps, GKDC_LOG_ERR, "cannot protect the response to %s: %s",
         peer != NULL && peer->address != NULL ? peer->address : "?",
         gkdc_oscore_status_str(st));
    reply_error(ps, x, st, peer);
    goto done;
  }

  /* Keep the protected answer for retransmissions of a CON request. */
  wire_cap = out_cap + PROTECT_OVERHEAD;
  wire = msg->type == GKDC_COAP_CON ? malloc(wire_cap) : NULL;
  if (wire != NULL && gkdc_oscore_msg_encode(&out, wire, wire_cap, &wire_len))
    gkdc_oscore_cache_store(ctx, msg, now_ms(ps), wire, wire_len);
  ps->host->exchange_reply(x, &out);

done:
  if (inner_buf != NULL)
    gkdc_wipe(inner_buf, inner_cap);
  free(inner_buf);
  free(out_buf);
  free(wire);
}

/* Registers POST /authz-info when an audience is configured. */
static int add_authz_route(struct profile_state *ps)
{
  struct gkdc_route route;

  if (ps->audience == NULL) {
    profile_log(ps, GKDC_LOG_NOTICE, "no audience configured: /authz-info is not served");
    return 1;
  }
  if (!GKDC_HAS_OP(ps->host, route_add))
    return 0;
  memset(&route, 0, sizeof(route));
  route.size = sizeof(route);
  route.path = "authz-info";
  route.methods = GKDC_METHOD_BIT(GKDC_POST);
  route.link_attrs = "rt=\"ace.ai\"";
  route.handler = profile_authz_info;
  route.arg = ps;
  return ps->host->route_add(ps->self, &route);
}

static int profile_init(gkdc_plugin *self, const struct gkdc_host_api *host, void **state_out)
{
  struct profile_state *ps;

  if (!GKDC_HAS_OP(host, intercept_add) || !GKDC_HAS_OP(host, exchange_reply) ||
      !GKDC_HAS_OP(host, dispatch)) {
    if (GKDC_HAS_OP(host, log))
      host->log(self, GKDC_LOG_ERR,
                "the host lacks the OSCORE interceptor hooks; update the gkdc host");
    return 0;
  }

  ps = calloc(1, sizeof(*ps));
  if (ps == NULL)
    return 0;
  ps->self = self;
  ps->host = host;
  ps->contexts = gkdc_oscore_ctxset_new();
  if (ps->contexts == NULL) {
    free(ps);
    return 0;
  }

  if (!profile_authz_configure(ps) || !profile_store_load(ps) || !add_authz_route(ps) ||
      !host->intercept_add(self, on_oscore_request, ps)) {
    profile_log(ps, GKDC_LOG_ERR, "cannot start: invalid configuration, /authz-info taken "
                "or the OSCORE interceptor registered by another plugin");
    gkdc_oscore_ctxset_free(ps->contexts);
    free(ps);
    return 0;
  }

  /* Expired tokens are swept every `expiry_check_ms` (default 10 s). */
  ps->sweep_interval_ms = 10000;
  if (GKDC_HAS_OP(host, config_get0) && host->config_get0(self) != NULL)
    gkdc_cfg_get_int(host->config_get0(self), "expiry_check_ms", &ps->sweep_interval_ms);
  if (ps->sweep_interval_ms > 0 && GKDC_HAS_OP(host, timer_add))
    ps->sweep_timer = host->timer_add(self, (uint64_t)ps->sweep_interval_ms, 1,
                                      sweep_expired, ps);

  /* Observations through OSCORE need the host's notify hook. */
  if (GKDC_HAS_OP(host, notify_hook_add) &&
      host->notify_hook_add(self, profile_observe_changed, ps))
    ps->notify_hook_added = 1;

  *state_out = ps;
  profile_log(ps, GKDC_LOG_DEBUG, "started; ace_profile %s", GKDC_ACE_PROFILE_OSCORE);
  return 1;
}

static void profile_fini(void *state)
{
  struct profile_state *ps = state;

  if (ps == NULL)
    return;
  if (ps->sweep_timer != 0 && GKDC_HAS_OP(ps->host, timer_cancel))
    ps->host->timer_cancel(ps->sweep_timer);
  profile_store_shutdown(ps);
  profile_observe_drop_all(ps);
  gkdc_oscore_ctxset_free(ps->contexts);
  profile_block1_free(ps->block1);
  free(ps);
}

static const struct gkdc_profile_ops profile_ops = {
  .size = sizeof(struct gkdc_profile_ops),
  .ace_profile = GKDC_ACE_PROFILE_OSCORE,
  .authz_info_match = profile_authz_info_match,
  .authz_info = profile_authz_info,
  .authz_lookup = profile_authz_lookup,
  .binding_release = profile_binding_release,
  .client_new = profile_client_new,
  .client_free = profile_client_free,
  .client_authz_info_request = profile_client_authz_info_request,
  .client_authz_info_response = profile_client_authz_info_response,
  .client_protect_request = profile_client_protect_request,
  .client_unprotect_response = profile_client_unprotect_response,
  .server_protect_request = profile_server_protect_request,
  .server_unprotect_response = profile_server_unprotect_response,
};

static const struct gkdc_plugin_desc profile_desc = {
  .abi_major = GKDC_ABI_MAJOR,
  .abi_minor = GKDC_ABI_MINOR,
  .build_signature = GKDC_BUILD_SIGNATURE,
  .kind = GKDC_PLUGIN_PROFILE,
  .name = "profile-oscore",
  .version = PLUGIN_VERSION,
  .description = "OSCORE profile of ACE (RFC 9203) on an RFC 8613 OSCORE core",
  .init = profile_init,
  .fini = profile_fini,
  .ops = &profile_ops,
};

GKDC_PLUGIN_DEFINE(profile_desc)
