/*
 * Requests that the server sends to a client on the OSCORE context the
 * client's token upload set up (RFC 9203 section 4.3: the context serves
 * both directions; the server is then the sender with its Sender ID,
 * which is the client's Recipient ID ID1). A KDC sends such requests, for
 * example, to a member's control URI.
 */
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

/* Returns 1 when `ctx` is one of the live /authz-info contexts. */
static int is_live(const struct profile_state *ps, const struct gkdc_oscore_ctx *ctx)
{
  size_t i;

  for (i = 0; i < gkdc_oscore_ctxset_count(ps->contexts); i++)
    if (gkdc_oscore_ctxset_get0(ps->contexts, i) == ctx)
      return 1;
  return 0;
}

int profile_server_protect_request(void *st, const struct gkdc_authz *authz,
                                   const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                   uint8_t *buf, size_t cap, gkdc_profile_binding **b)
{
  struct profile_state *ps = st;
  struct gkdc_oscore_ctx *ctx = authz != NULL ? authz->profile_data : NULL;
  struct gkdc_profile_binding *binding;
  int expired;

  /* Only a context of this plugin, still bound to this very token. */
  if (ctx == NULL || !is_live(ps, ctx) || ctx->user == NULL ||
      &((const struct bound_token *)ctx->user)->authz != authz ||
      profile_context_authz(ctx, GKDC_HAS_OP(ps->host, now) ? ps->host->now() : 0,
                            &expired) == NULL ||
      ctx->recipient_id_len > sizeof(binding->recipient_id))
    return 0;

  binding = calloc(1, sizeof(*binding));
  if (binding == NULL)
    return 0;
  binding->server = 1;
  memcpy(binding->recipient_id, ctx->recipient_id, ctx->recipient_id_len);
  binding->recipient_id_len = ctx->recipient_id_len;

  /* The request takes a Partial IV of the context's own sequence, whose
   * stored bound must stay ahead of it (RFC 8613 Appendix B.1.1). */
  profile_store_ssn(ps, ctx);
  if (gkdc_oscore_protect_request(ctx, in, 0, out, buf, cap, &binding->req) !=
      GKDC_OSCORE_OK) {
    free(binding);
    return 0;
  }
  *b = binding;
  return 1;
}

int profile_server_unprotect_response(void *st, gkdc_profile_binding *b,
                                      const struct gkdc_coap_msg *in,
                                      struct gkdc_coap_msg *out, uint8_t *buf, size_t cap)
{
  struct profile_state *ps = st;
  struct gkdc_oscore_ctx *ctx;

  if (b == NULL || !b->server ||
      gkdc_oscore_ctxset_find(ps->contexts, b->recipient_id, b->recipient_id_len, 0, NULL, 0,
                              &ctx) != GKDC_OSCORE_OK)
    return 0;

  switch (gkdc_oscore_response_classify(in)) {
  case GKDC_OSCORE_RESPONSE_PROTECTED:
    return gkdc_oscore_unprotect_response(ctx, in, out, buf, cap, &b->req) == GKDC_OSCORE_OK;
  case GKDC_OSCORE_RESPONSE_OSCORE_ERROR:
    /* The client's OSCORE layer rejected the request. */
    *out = *in;
    return 1;
  default:
    return 0;
  }
}
